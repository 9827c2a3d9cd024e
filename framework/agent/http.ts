import { createServer, type IncomingMessage } from 'node:http';
import { PlatError } from '../core/errors.js';
import { isLoopback, listen, type Listening } from '../core/listen.js';
import type { Endpoints } from '../serve/endpoints.js';
import { authorized, HttpError, send } from '../serve/http.js';
import { dispatch, isPublic, type Route } from '../serve/routes.js';
import type { Agent } from './agent.js';
import { probeOllama } from './llm.js';

export interface ServeOptions {
  ollamaUrl?: string;
  /** Where to listen (default 127.0.0.1); any other than loopback needs a token. */
  host?: string;
  /** When set, every request but GET /health needs `Authorization: Bearer <token>`. */
  token?: string;
  /** The project's declared endpoints (endpoints/*.yml), served beside the agent, and GET /openapi.json. */
  endpoints?: Endpoints;
  /** More routes (a feature's own, such as dashboards' data), answered with the same checks. */
  routes?: Route[];
}

/**
 * `plat serve`: the agent, its tools and the project's declared endpoints over HTTP.
 *   GET  /health            → { ok, agent, tools, database, serving, llm } (503 when the database is missing)
 *   GET  /v1/tools          → { tools: [{ name, description, parameters }] }
 *   POST /v1/tools/:name    → the tool's result (400 with the reason for invalid arguments)
 *   POST /v1/ask            → { question, history?, agent? } → answer, the agents that answered, tool calls, tables, SQL
 *   POST <route>            → each endpoint of endpoints/*.yml (framework/serve/)
 *   GET  /openapi.json      → OpenAPI 3.1 of the endpoints
 * Errors are JSON: { error: { status, message } }. Only requests addressed to this server and
 * not sent by other sites' pages are answered (403), POST bodies must be application/json (415),
 * so that no web page can make a browser run SQL here.
 */
export async function serveAgent(
  agent: Agent,
  port: number,
  options: ServeOptions = {},
): Promise<{ url: string; close: () => Promise<void> }> {
  const token = options.token?.trim() || null;
  const host = options.host ?? '127.0.0.1';
  if (!isLoopback(host) && !token) {
    throw new PlatError(
      'USAGE',
      `plat serve does not listen on ${host} without a token: anyone who reaches it could run SQL`,
      'set PLAT_API_TOKEN to a secret that clients send as "Authorization: Bearer <token>", or serve on 127.0.0.1',
    );
  }
  const routes = serverRoutes(agent, options);
  let listening: Listening | null = null;
  const server = createServer((request, response) => {
    handle(routes, request, token, listening)
      .then(({ status, body }) => send(response, status, body))
      .catch((error: unknown) => {
        const status = error instanceof HttpError ? error.status : error instanceof PlatError ? 503 : 500;
        const details = error instanceof HttpError && error.details && typeof error.details === 'object' ? error.details : {};
        send(
          response,
          status,
          { error: { status, message: error instanceof Error ? error.message : String(error), ...details } },
          error instanceof HttpError ? error.headers : {},
        );
      });
  });
  listening = await listen(server, { port, host });
  const started = listening;
  return {
    url: started.url,
    close: async () => {
      await Promise.all([started.close(), agent.close(), options.endpoints?.close()]);
    },
  };
}

async function handle(
  routes: readonly Route[],
  request: IncomingMessage,
  token: string | null,
  listening: Listening | null,
): Promise<{ status: number; body: unknown }> {
  const refused = listening ? listening.foreign(request) : 'not listening yet';
  if (refused) throw new HttpError(403, refused);
  const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname.replace(/\/+$/, '') || '/';
  if (token && !isPublic(routes, path) && !authorized(request, token)) {
    throw new HttpError(401, 'this server needs "Authorization: Bearer <token>" (the PLAT_API_TOKEN it was started with)', {
      'www-authenticate': 'Bearer',
    });
  }
  return dispatch(routes, request, path);
}

/** The server's routes: the agent's, then each declared endpoint's. */
function serverRoutes(agent: Agent, options: ServeOptions): Route[] {
  const { endpoints } = options;
  const routes: Route[] = [
    {
      method: 'GET',
      path: '/health',
      shown: '/health',
      public: true,
      handle: async () => {
        const database = agent.database();
        const llm = options.ollamaUrl ? await probeOllama(options.ollamaUrl, 1_000) : null;
        const serving = endpoints
          ? { endpoints: endpoints.nodes.length, published_at: endpoints.data.publishedAt, problem: endpoints.data.unavailable }
          : null;
        const body = {
          ok: database.exists,
          ...(database.exists ? {} : { problem: `no database at ${database.displayPath}; run \`plat build\` first to create it` }),
          agent: agent.settings.name,
          tools: agent.tools().length,
          database: database.displayPath,
          serving,
          llm: llm ? { url: options.ollamaUrl, reachable: llm.problem === null, problem: llm.problem } : null,
        };
        return { status: database.exists ? 200 : 503, body };
      },
    },
    {
      method: 'GET',
      path: '/v1/tools',
      shown: '/v1/tools',
      handle: async () => ({
        status: 200,
        body: { tools: agent.tools().map(({ name, description, parameters }) => ({ name, description, parameters })) },
      }),
    },
    {
      method: 'POST',
      path: /^\/v1\/tools\/([^/]+)$/,
      shown: '/v1/tools/:name',
      segment: 'tool name',
      handle: async ({ params, json }) => {
        const name = params[0]!;
        if (!agent.tools().some((t) => t.name === name)) throw new HttpError(404, `no tool "${name}"; GET /v1/tools lists them`);
        const call = await agent.callTool(name, await json());
        if (!call.ok) throw new HttpError(400, call.error ?? 'the tool call failed');
        return { status: 200, body: call };
      },
    },
    {
      method: 'POST',
      path: '/v1/ask',
      shown: '/v1/ask',
      handle: async ({ json }) => {
        const body = (await json()) as { question?: unknown; history?: unknown; agent?: unknown };
        if (typeof body.question !== 'string' || body.question.trim() === '')
          throw new HttpError(400, 'the body needs a "question" string');
        // Routed to the agents it needs unless the request names one; the answer lists them (agents).
        if (body.agent !== undefined && (typeof body.agent !== 'string' || !agent.agentNames().includes(body.agent)))
          throw new HttpError(400, `"agent" must be one of: ${agent.agentNames().join(', ')}`);
        const history = Array.isArray(body.history)
          ? body.history.filter(
              (h): h is { question: string; answer: string } => typeof h?.question === 'string' && typeof h?.answer === 'string',
            )
          : [];
        return { status: 200, body: await agent.ask(body.question, history, body.agent) };
      },
    },
  ];
  routes.push(...(options.routes ?? []));
  if (!endpoints) return routes;
  for (const node of endpoints.nodes)
    routes.push({
      method: 'POST',
      path: node.route,
      shown: node.route,
      handle: async ({ json }) => ({ status: 200, body: await endpoints.call(node.name, await json()) }),
    });
  routes.push({
    method: 'GET',
    path: '/openapi.json',
    shown: '/openapi.json',
    handle: async () => ({ status: 200, body: endpoints.openApi() }),
  });
  return routes;
}
