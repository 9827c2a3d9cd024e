import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { PlatError } from '../core/errors.js';
import { isLoopback, listen, type Listening } from '../core/listen.js';
import type { Agent } from './agent.js';
import { probeOllama } from './llm.js';

const MAX_BODY = 1_000_000;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export interface ServeOptions {
  ollamaUrl?: string;
  /** Where to listen (default 127.0.0.1); any other than loopback needs a token. */
  host?: string;
  /** When set, every request but GET /health needs `Authorization: Bearer <token>`. */
  token?: string;
}

/**
 * `plat serve`: the agent and its tools over HTTP.
 *   GET  /health            → { ok, agent, tools, database, llm } (503 when the database is missing)
 *   GET  /v1/tools          → { tools: [{ name, description, parameters }] }
 *   POST /v1/tools/:name    → the tool's result (400 with the reason for invalid arguments)
 *   POST /v1/ask            → { question, history?, agent? } → answer, the agents that answered, tool calls, tables, SQL
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
  let listening: Listening | null = null;
  const server = createServer((request, response) => {
    handle(agent, request, { ollamaUrl: options.ollamaUrl, token, listening })
      .then(({ status, body }) => send(response, status, body))
      .catch((error: unknown) => {
        const status = error instanceof HttpError ? error.status : error instanceof PlatError ? 503 : 500;
        send(
          response,
          status,
          { error: { status, message: error instanceof Error ? error.message : String(error) } },
          error instanceof HttpError ? error.headers : {},
        );
      });
  });
  listening = await listen(server, { port, host });
  const started = listening;
  return {
    url: started.url,
    close: async () => {
      await Promise.all([started.close(), agent.close()]);
    },
  };
}

async function handle(
  agent: Agent,
  request: IncomingMessage,
  options: { ollamaUrl?: string; token: string | null; listening: Listening | null },
): Promise<{ status: number; body: unknown }> {
  const refused = options.listening ? options.listening.foreign(request) : 'not listening yet';
  if (refused) throw new HttpError(403, refused);
  const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname.replace(/\/+$/, '') || '/';
  const method = request.method ?? 'GET';
  if (options.token && path !== '/health' && !authorized(request, options.token)) {
    throw new HttpError(401, 'this server needs "Authorization: Bearer <token>" (the PLAT_API_TOKEN it was started with)', {
      'www-authenticate': 'Bearer',
    });
  }
  const only = (allowed: string) => {
    if (method !== allowed) throw new HttpError(405, `${path} takes ${allowed}`, { allow: allowed });
  };
  if (path === '/health') {
    only('GET');
    const database = agent.database();
    const llm = options.ollamaUrl ? await probeOllama(options.ollamaUrl, 1_000) : null;
    const body = {
      ok: database.exists,
      ...(database.exists ? {} : { problem: `no database at ${database.displayPath}; run \`plat build\` first to create it` }),
      agent: agent.settings.name,
      tools: agent.tools().length,
      database: database.displayPath,
      llm: llm ? { url: options.ollamaUrl, reachable: llm.problem === null, problem: llm.problem } : null,
    };
    return { status: database.exists ? 200 : 503, body };
  }
  if (path === '/v1/tools') {
    only('GET');
    return { status: 200, body: { tools: agent.tools().map(({ name, description, parameters }) => ({ name, description, parameters })) } };
  }
  const tool = /^\/v1\/tools\/([^/]+)$/.exec(path);
  if (tool) {
    only('POST');
    const name = decoded(tool[1]!);
    if (!agent.tools().some((t) => t.name === name)) throw new HttpError(404, `no tool "${name}"; GET /v1/tools lists them`);
    const call = await agent.callTool(name, await jsonBody(request));
    if (!call.ok) throw new HttpError(400, call.error ?? 'the tool call failed');
    return { status: 200, body: call };
  }
  if (path === '/v1/ask') {
    only('POST');
    const body = (await jsonBody(request)) as { question?: unknown; history?: unknown; agent?: unknown };
    if (typeof body.question !== 'string' || body.question.trim() === '') throw new HttpError(400, 'the body needs a "question" string');
    // Routed to the agents it needs unless the request names one; the answer lists them (agents).
    if (body.agent !== undefined && (typeof body.agent !== 'string' || !agent.agentNames().includes(body.agent)))
      throw new HttpError(400, `"agent" must be one of: ${agent.agentNames().join(', ')}`);
    const history = Array.isArray(body.history)
      ? body.history.filter(
          (h): h is { question: string; answer: string } => typeof h?.question === 'string' && typeof h?.answer === 'string',
        )
      : [];
    return { status: 200, body: await agent.ask(body.question, history, body.agent) };
  }
  throw new HttpError(404, `nothing at ${method} ${path}; see GET /health, GET /v1/tools, POST /v1/tools/:name, POST /v1/ask`);
}

function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, `the tool name ${segment} is not valid percent-encoding`);
  }
}

/** Compared as digests, in constant time, so the time taken tells nothing about the token. */
function authorized(request: IncomingMessage, token: string): boolean {
  const given = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
  if (!given) return false;
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(token));
}

/** A JSON object body. Only application/json: a page may POST text/plain anywhere without asking. */
async function jsonBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  const type = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json')
    throw new HttpError(415, `POST bodies must be JSON sent as Content-Type: application/json${type ? `, not ${type}` : ''}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new HttpError(413, `the body is larger than ${MAX_BODY} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `the body is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'the body must be a JSON object');
  return body as Record<string, unknown>;
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (response.headersSent || response.destroyed) return;
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  response.end(JSON.stringify(body));
}
