import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { PlatError } from '../core/errors.js';
import { listenOnLoopback } from '../core/listen.js';
import type { Agent } from './agent.js';
import { probeOllama } from './llm.js';

const MAX_BODY = 1_000_000;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * `plat serve`: the agent and its tools over HTTP on 127.0.0.1.
 *   GET  /health            → { ok, agent, tools, llm }
 *   GET  /v1/tools          → { tools: [{ name, description, parameters }] }
 *   POST /v1/tools/:name    → the tool's result (400 with the reason for invalid arguments)
 *   POST /v1/ask            → { question, history? } → answer, tool calls, tables, SQL
 * Errors are JSON: { error: { status, message } }.
 */
export function serveAgent(agent: Agent, port: number, options: { ollamaUrl?: string } = {}): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((request, response) => {
    handle(agent, request, options)
      .then((body) => send(response, 200, body))
      .catch((error: unknown) => {
        const status = error instanceof HttpError ? error.status : error instanceof PlatError ? 503 : 500;
        send(response, status, { error: { status, message: error instanceof Error ? error.message : String(error) } });
      });
  });
  return listenOnLoopback(server, port);
}

async function handle(agent: Agent, request: IncomingMessage, options: { ollamaUrl?: string }): Promise<unknown> {
  const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname.replace(/\/+$/, '') || '/';
  const method = request.method ?? 'GET';
  const only = (allowed: string) => {
    if (method !== allowed) throw new HttpError(405, `${path} takes ${allowed}`);
  };
  if (path === '/health') {
    only('GET');
    const llm = options.ollamaUrl ? await probeOllama(options.ollamaUrl, 1_000) : null;
    return { ok: true, agent: agent.settings.name, tools: agent.tools().length, llm: llm ? { url: options.ollamaUrl, reachable: llm.problem === null, problem: llm.problem } : null };
  }
  if (path === '/v1/tools') {
    only('GET');
    return { tools: agent.tools().map(({ name, description, parameters }) => ({ name, description, parameters })) };
  }
  const tool = /^\/v1\/tools\/([^/]+)$/.exec(path);
  if (tool) {
    only('POST');
    const name = decodeURIComponent(tool[1]!);
    if (!agent.tools().some((t) => t.name === name)) throw new HttpError(404, `no tool "${name}"; GET /v1/tools lists them`);
    const call = await agent.callTool(name, await jsonBody(request));
    if (!call.ok) throw new HttpError(400, call.error ?? 'the tool call failed');
    return call;
  }
  if (path === '/v1/ask') {
    only('POST');
    const body = (await jsonBody(request)) as { question?: unknown; history?: unknown };
    if (typeof body.question !== 'string' || body.question.trim() === '') throw new HttpError(400, 'the body needs a "question" string');
    const history = Array.isArray(body.history) ? body.history.filter((h): h is { question: string; answer: string } => typeof h?.question === 'string' && typeof h?.answer === 'string') : [];
    return agent.ask(body.question, history);
  }
  throw new HttpError(404, `nothing at ${method} ${path}; see GET /health, GET /v1/tools, POST /v1/tools/:name, POST /v1/ask`);
}

async function jsonBody(request: IncomingMessage): Promise<Record<string, unknown>> {
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

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  response.end(JSON.stringify(body));
}
