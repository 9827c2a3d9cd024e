import { createServer, type IncomingMessage } from 'node:http';
import { AIMessage, type BaseMessage } from '@langchain/core/messages';
import type { ChatResult } from '@langchain/core/outputs';
import { FakeListChatModel } from '@langchain/core/utils/testing';
import { build, compileProject, readProjectFiles, type Manifest } from '../framework/index.js';
import { copyProject, repoRoot } from './helpers.js';
import { join } from 'node:path';

/** One scripted model turn: tool calls, or a final text answer. */
export type Turn = { calls: { name: string; args: Record<string, unknown> }[] } | { text: string };

/**
 * LangChain's fake list model, scripted turn by turn with tool calls, recording the tools it
 * was bound to and every conversation it was shown.
 */
export class ScriptedChatModel extends FakeListChatModel {
  readonly seen: BaseMessage[][] = [];
  boundTools: { function: { name: string; parameters: Record<string, unknown> } }[] = [];
  private turn = 0;

  constructor(private readonly script: Turn[]) {
    super({ responses: script.map((t) => ('text' in t ? t.text : '')) });
  }

  override bindTools(tools: unknown[]) {
    this.boundTools = tools as this['boundTools'];
    return this as never;
  }

  override async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    this.seen.push([...messages]);
    const turn = this.script[Math.min(this.turn++, this.script.length - 1)]!;
    const message =
      'text' in turn
        ? new AIMessage(turn.text)
        : new AIMessage({
            content: '',
            tool_calls: turn.calls.map((c, i) => ({
              id: `call_${this.turn}_${i}`,
              name: c.name,
              args: c.args,
              type: 'tool_call' as const,
            })),
          });
    return { generations: [{ message, text: typeof message.content === 'string' ? message.content : '' }] };
  }
}

/** The example project, copied and built once per test file. */
export async function builtExample(): Promise<{ dir: string; manifest: Manifest }> {
  const dir = copyProject(join(repoRoot, 'project'));
  const { manifest, diagnostics } = compileProject(readProjectFiles(dir), { env: {} });
  if (diagnostics.some((d) => d.severity === 'error')) throw new Error(JSON.stringify(diagnostics));
  const results = await build(manifest, { env: {} });
  if (!results.success)
    throw new Error(
      `the example did not build: ${results.results
        .filter((r) => r.status === 'error')
        .map((r) => r.error?.message)
        .join('; ')}`,
    );
  return { dir, manifest };
}

/**
 * A local server speaking Ollama's HTTP API (/api/tags, /api/chat streaming NDJSON, /api/embed)
 * with replies given per request, recording what it was sent.
 */
export async function fakeOllama(options: {
  models: string[];
  chat?: (body: Record<string, unknown>, index: number) => Record<string, unknown>[];
  embed?: (texts: string[]) => number[][];
}): Promise<{ url: string; requests: { path: string; body: Record<string, unknown> }[]; close: () => Promise<void> }> {
  const requests: { path: string; body: Record<string, unknown> }[] = [];
  let chats = 0;
  const server = createServer(async (request, response) => {
    const body = await readBody(request);
    requests.push({ path: request.url ?? '', body });
    if (request.url === '/api/tags') {
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ models: options.models.map((name) => ({ name, model: name })) }));
    } else if (request.url === '/api/chat' && options.chat) {
      response.writeHead(200, { 'content-type': 'application/x-ndjson' });
      for (const chunk of options.chat(body, chats++)) response.write(`${JSON.stringify(chunk)}\n`);
      response.end();
    } else if (request.url === '/api/embed' && options.embed) {
      const input = [body.input].flat() as string[];
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ model: body.model, embeddings: options.embed(input) }));
    } else {
      response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `model not found` }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request as AsyncIterable<Buffer>) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}
