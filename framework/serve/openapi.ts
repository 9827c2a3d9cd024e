import type { EndpointNode, Manifest, SourceNode, StreamServe } from '../compile/manifest.js';
import { messageSchema } from '../stream/schema.js';

type Schema = Record<string, unknown>;

const ERROR: Schema = {
  description: 'The reason, as { error: { status, message } }',
  content: {
    'application/json': {
      schema: {
        type: 'object',
        required: ['error'],
        properties: {
          error: {
            type: 'object',
            required: ['status', 'message'],
            properties: { status: { type: 'integer' }, message: { type: 'string' } },
          },
        },
      },
    },
  },
};

/** The request schema as published: a stream endpoint's events described by each topic's declared columns. */
export function publishedRequest(endpoint: EndpointNode, manifest: Manifest): Schema {
  if (endpoint.serve.type !== 'stream') return endpoint.request;
  const serve = endpoint.serve as StreamServe;
  const events = Object.entries(serve.topics).map(([topic, id]) => {
    const node = manifest.nodes[id] as SourceNode;
    const required = new Set(node.columns.filter((c) => c.required).map((c) => c.name));
    return {
      title: topic,
      description: `an event of ${topic} (${node.sourceName}.${node.tableName})`,
      ...messageSchema(node.columns, required),
    };
  });
  const properties = endpoint.request.properties as Record<string, Schema>;
  const event = { anyOf: events };
  return {
    ...endpoint.request,
    properties: { ...properties, event: { ...event, description: 'one event' }, events: { ...properties.events, items: event } },
  };
}

/** OpenAPI 3.1 of the declared endpoints (and the server's own routes), from the manifest. */
export function openApiDocument(manifest: Manifest, endpoints: readonly EndpointNode[]): Schema {
  const paths: Record<string, Schema> = {
    '/health': {
      get: {
        summary: 'Whether the server can answer: the database, the serving copy, the LLM',
        responses: { 200: { description: 'Ready' }, 503: ERROR },
      },
    },
    '/openapi.json': { get: { summary: 'This document', responses: { 200: { description: 'OpenAPI 3.1' } } } },
  };
  for (const endpoint of endpoints) {
    paths[endpoint.route] = {
      post: {
        operationId: endpoint.name,
        summary: endpoint.description || `${endpoint.endpointType} endpoint ${endpoint.name}`,
        tags: [endpoint.endpointType],
        requestBody: { required: true, content: { 'application/json': { schema: publishedRequest(endpoint, manifest) } } },
        responses: {
          200: { description: 'The answer', content: { 'application/json': { schema: { type: 'object' } } } },
          400: ERROR,
          401: ERROR,
          403: ERROR,
          404: ERROR,
          503: ERROR,
        },
        security: [{}, { bearer: [] }],
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: `${manifest.project.name} API`,
      version: manifest.project.version ?? '0',
      description: 'Served by plat serve from the endpoints declared in endpoints/*.yml.',
    },
    paths,
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'PLAT_API_TOKEN, when the server has one' } } },
  };
}
