import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { EndpointNode, Manifest } from '../compile/manifest.js';
import { didYouMean } from '../core/suggest.js';
import { analytics, type InsightWriter } from './analytics.js';
import { forecast } from './forecast.js';
import { HttpError } from './http.js';
import { openApiDocument } from './openapi.js';
import { predict } from './predict.js';
import { ServingData } from './snapshot.js';
import { EventProducer, streamData } from './stream.js';

export interface EndpointsOptions {
  env?: Record<string, string | undefined>;
  /** How often to look for a newer serving copy (ms). */
  pollMs?: number;
  /** How often to read a warehouse read directly (Trino) again (ms). */
  rereadMs?: number;
  /** Words analytics insights when an LLM is reachable. */
  insightWriter?: InsightWriter | null;
}

/**
 * The project's declared endpoints, callable as plain functions (`call(name, input)`, as an
 * agent tool would) or over HTTP through `routes`: each input is checked against the
 * endpoint's request schema (the one /openapi.json publishes), then answered from the serving
 * data.
 */
export class Endpoints {
  readonly nodes: EndpointNode[];
  readonly data: ServingData;
  private readonly producer: EventProducer;
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(
    private readonly manifest: Manifest,
    private readonly options: EndpointsOptions = {},
  ) {
    this.nodes = Object.values(manifest.nodes).filter((n): n is EndpointNode => n.kind === 'endpoint');
    const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
    for (const node of this.nodes) this.validators.set(node.name, ajv.compile(node.request));
    this.data = new ServingData(manifest, this.nodes, { pollMs: options.pollMs, rereadMs: options.rereadMs });
    this.producer = new EventProducer(manifest, options.env ?? process.env);
  }

  byRoute(route: string): EndpointNode | undefined {
    return this.nodes.find((n) => n.route === route);
  }

  /** Answers one request of endpoint `name`; an invalid input is an HttpError 400 with the reason. */
  async call(name: string, input: Record<string, unknown>): Promise<Record<string, unknown>> {
    const endpoint = this.nodes.find((n) => n.name === name);
    if (!endpoint)
      throw new HttpError(
        404,
        `no endpoint "${name}"`,
        {},
        {
          hint: didYouMean(
            name,
            this.nodes.map((n) => n.name),
          ),
        },
      );
    const validate = this.validators.get(name)!;
    if (!validate(input)) throw new HttpError(400, invalidInput(validate.errors ?? [], endpoint));
    switch (endpoint.serve.type) {
      case 'predict':
        return this.data.use((snapshot) => predict(endpoint, snapshot, input));
      case 'forecast':
        return this.data.use((snapshot) => forecast(endpoint, snapshot, input));
      case 'analytics':
        return this.data.use((snapshot) => analytics(endpoint, snapshot, input, this.options.insightWriter ?? null));
      case 'stream':
        return streamData(endpoint, this.manifest, this.producer, input);
    }
  }

  openApi(): Record<string, unknown> {
    return openApiDocument(this.manifest, this.nodes);
  }

  async close(): Promise<void> {
    this.data.close();
    await this.producer.close();
  }
}

/** The first problems of a request body, in words: `equipment_id: must be string`, `unknown field "equipmnt_id"`. */
function invalidInput(errors: ErrorObject[], endpoint: EndpointNode): string {
  const properties = Object.keys((endpoint.request.properties as Record<string, unknown> | undefined) ?? {});
  const reasons = errors
    .filter((e) => e.keyword !== 'oneOf' || errors.length === 1)
    .slice(0, 3)
    .map((e) => {
      const field = e.instancePath.slice(1).replace(/\//g, '.');
      if (e.keyword === 'additionalProperties') {
        const extra = (e.params as { additionalProperty: string }).additionalProperty;
        const hint = didYouMean(extra, properties);
        return `unknown field "${extra}"${hint ? ` (${hint})` : ''}`;
      }
      if (e.keyword === 'required') return `missing field "${(e.params as { missingProperty: string }).missingProperty}"`;
      if (e.keyword === 'enum') return `${field}: must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
      if (e.keyword === 'oneOf') return 'send either "event" (one) or "events" (a list), not both';
      return `${field || 'the body'}: ${e.message ?? 'is invalid'}`;
    });
  return `invalid request to POST ${endpoint.route}: ${[...new Set(reasons)].join('; ')}`;
}
