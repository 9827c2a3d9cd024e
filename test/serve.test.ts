import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, compileProject, readProjectFiles, serveAgent, serveDocs, type Manifest } from '../framework/index.js';
import { builtExample } from './agent-helpers.js';
import { cli, plat, writeProject } from './helpers.js';

let dir: string;
let manifest: Manifest;
beforeAll(async () => {
  ({ dir, manifest } = await builtExample());
}, 120_000);

type Reply = { status: number; headers: Record<string, string | string[] | undefined>; body: any };

/** One HTTP request with exactly the given headers (fetch would not send a foreign Host). */
function send(url: string, options: { method?: string; path: string; headers?: Record<string, string>; body?: string }): Promise<Reply> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      { hostname, port, method: options.method ?? 'GET', path: options.path, headers: options.headers },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const json = /json/.test(response.headers['content-type'] ?? '');
          resolve({ status: response.statusCode!, headers: response.headers, body: json ? JSON.parse(text) : text });
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}

const json = { 'content-type': 'application/json' };

describe('plat serve answers only its own pages', () => {
  let server: { url: string; close: () => Promise<void> };
  beforeAll(async () => {
    server = await serveAgent(new Agent(manifest, { chatModel: null, embeddings: null }), 0);
  });
  afterAll(() => server.close());

  it('refuses POST bodies that are not application/json, which any page may send', async () => {
    const sql = JSON.stringify({ sql: 'select 42 as answer' });
    expect(
      await send(server.url, { method: 'POST', path: '/v1/tools/run_sql', headers: { 'content-type': 'text/plain' }, body: sql }),
    ).toMatchObject({
      status: 415,
      body: { error: { status: 415, message: 'POST bodies must be JSON sent as Content-Type: application/json, not text/plain' } },
    });
    expect((await send(server.url, { method: 'POST', path: '/v1/tools/run_sql', body: sql })).status).toBe(415);
    expect(
      await send(server.url, {
        method: 'POST',
        path: '/v1/tools/run_sql',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: sql,
      }),
    ).toMatchObject({
      status: 200,
      body: { rows: [{ answer: 42 }] },
    });
  });

  it('refuses requests addressed to another host (DNS rebinding) or sent from another site', async () => {
    const port = new URL(server.url).port;
    const rebound = await send(server.url, { path: '/v1/tools', headers: { host: `attacker.example:${port}` } });
    expect(rebound.status).toBe(403);
    expect(rebound.body.error.message).toMatch(
      new RegExp(`^requests must be addressed to this server \\(Host .*127\\.0\\.0\\.1:${port}.*\\), not attacker\\.example:${port}$`),
    );
    const crossSite = await send(server.url, {
      method: 'POST',
      path: '/v1/tools/run_sql',
      headers: { ...json, origin: 'https://attacker.example' },
      body: '{"sql": "select 1"}',
    });
    expect(crossSite).toMatchObject({
      status: 403,
      body: { error: { message: 'requests from other sites are refused (Origin https://attacker.example)' } },
    });
    expect((await send(server.url, { path: '/v1/tools', headers: { origin: 'null' } })).status).toBe(403);
    // Its own names and its own pages are answered.
    expect(
      (await send(server.url, { path: '/v1/tools', headers: { host: `localhost:${port}`, origin: `http://localhost:${port}` } })).status,
    ).toBe(200);
    expect((await send(server.url, { path: '/health', headers: { origin: server.url } })).status).toBe(200);
  });

  it('answers arguments no query can take with 400, naming the argument', async () => {
    expect(await send(server.url, { method: 'POST', path: '/v1/tools/total_revenue', headers: json, body: '{"hours": 1e300}' })).toEqual(
      expect.objectContaining({
        status: 400,
        body: {
          error: {
            status: 400,
            message: 'invalid arguments for total_revenue: hours must be between -9007199254740991 and 9007199254740991, not 1e+300',
          },
        },
      }),
    );
    expect(
      (await send(server.url, { method: 'POST', path: '/v1/tools/total_revenue', headers: json, body: '{"hours": 1e400}' })).body.error
        .message,
    ).toBe('invalid arguments for total_revenue: hours must be a finite number');
    expect(
      (
        await send(server.url, {
          method: 'POST',
          path: '/v1/tools/purchase_propensity',
          headers: json,
          body: '{"user_id": 123456789012345678901234567890}',
        })
      ).status,
    ).toBe(400);
    expect((await send(server.url, { method: 'POST', path: '/v1/tools/run%E0%A4%A', headers: json, body: '{}' })).body).toEqual({
      error: { status: 400, message: 'the tool name run%E0%A4%A is not valid percent-encoding' },
    });
  });

  it('refuses a result larger than the byte limit', async () => {
    const huge = await send(server.url, {
      method: 'POST',
      path: '/v1/tools/run_sql',
      headers: json,
      body: JSON.stringify({ sql: 'select list(range) as items from range(3000000)' }),
    });
    expect(huge).toMatchObject({
      status: 400,
      body: {
        error: {
          message: 'the first row alone is larger than the 10 MB result limit (column "items"); select less of it, or an aggregate',
        },
      },
    });
  });
});

describe('GET /health', () => {
  it('reports a project whose database is not built yet (503)', async () => {
    const project = writeProject({ 'plat_project.yml': 'name: tiny\n', 'models/numbers.sql': 'select 1 as n' });
    const tiny = compileProject(readProjectFiles(project), { env: {} }).manifest;
    const server = await serveAgent(new Agent(tiny, { chatModel: null, embeddings: null }), 0);
    try {
      expect(await send(server.url, { path: '/health' })).toMatchObject({
        status: 503,
        body: {
          ok: false,
          problem: `no database at ${join(project, 'target/plat.duckdb')}; run \`plat build\` first to create it`,
          agent: 'default',
        },
      });
    } finally {
      await server.close();
    }
  });
});

describe('a bearer token (PLAT_API_TOKEN)', () => {
  it('is needed on every request but GET /health', async () => {
    const server = await serveAgent(new Agent(manifest, { chatModel: null, embeddings: null }), 0, { token: 'correct-horse' });
    try {
      const missing = await send(server.url, { path: '/v1/tools' });
      expect(missing).toMatchObject({ status: 401, headers: { 'www-authenticate': 'Bearer' } });
      expect(missing.body.error.message).toBe('this server needs "Authorization: Bearer <token>" (the PLAT_API_TOKEN it was started with)');
      expect((await send(server.url, { path: '/v1/tools', headers: { authorization: 'Bearer battery-staple' } })).status).toBe(401);
      expect((await send(server.url, { path: '/v1/tools', headers: { authorization: 'Bearer correct-horse' } })).status).toBe(200);
      expect((await send(server.url, { path: '/health' })).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('must be set to listen on an address other than loopback', async () => {
    const agent = new Agent(manifest, { chatModel: null, embeddings: null });
    await expect(serveAgent(agent, 0, { host: '0.0.0.0' })).rejects.toMatchObject({
      code: 'USAGE',
      message: 'plat serve does not listen on 0.0.0.0 without a token: anyone who reaches it could run SQL',
    });
    const server = await serveAgent(agent, 0, { host: '0.0.0.0', token: 'correct-horse' });
    try {
      const local = server.url.replace('0.0.0.0', '127.0.0.1');
      expect((await send(local, { path: '/v1/tools' })).status).toBe(401);
      expect((await send(local, { path: '/v1/tools', headers: { authorization: 'Bearer correct-horse' } })).status).toBe(200);
    } finally {
      await server.close();
    }
    const refused = plat(['serve', '--agent', 'analyst', '--no-llm', '--host', '0.0.0.0', '--port', '0'], dir, { PLAT_API_TOKEN: '' });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('error plat serve does not listen on 0.0.0.0 without a token');
  });
});

describe('plat serve with a query running', () => {
  it('answers /health meanwhile and stops at once on SIGTERM', async () => {
    // An agent whose queries may run for ten minutes: the query below outlasts the test.
    mkdirSync(join(dir, 'agents'), { recursive: true });
    writeFileSync(join(dir, 'agents/patient.yml'), 'agents:\n  - name: patient\n    tools: [run_sql]\n    limits: { timeout: 10m }\n');
    const child = spawn(process.execPath, [cli, 'serve', '--agent', 'patient', '--port', '0', '--no-llm'], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1' },
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const started = new Promise<string>((resolve) =>
      child.stdout.on(
        'data',
        () => /on (http:\/\/127\.0\.0\.1:\d+)/.test(stdout) && resolve(/on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)![1]!),
      ),
    );
    const url = await started;
    let answered = false;
    const query = send(url, {
      method: 'POST',
      path: '/v1/tools/run_sql',
      headers: json,
      body: JSON.stringify({ sql: 'select count(*) from range(1000000) a, range(1000000) b' }),
    })
      .then((reply) => reply.status)
      .catch(() => 'connection closed')
      .finally(() => (answered = true));
    expect(await send(url, { path: '/health' })).toMatchObject({ status: 200, body: { ok: true, agent: 'patient' } });
    expect(answered).toBe(false);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(await query).toBe('connection closed');
  });
});

describe('plat docs serve answers only its own pages', () => {
  it('refuses another Host or Origin (403), and survives a malformed path', async () => {
    const site = writeProject({ 'docs/index.html': '<!doctype html><title>docs</title>' });
    const server = await serveDocs(join(site, 'docs'), 0);
    try {
      const port = new URL(server.url).port;
      expect(await send(server.url, { path: '/' })).toMatchObject({ status: 200, body: '<!doctype html><title>docs</title>' });
      expect(await send(server.url, { path: '/', headers: { host: `attacker.example:${port}` } })).toMatchObject({
        status: 403,
        body: expect.stringMatching(/^requests must be addressed to this server/),
      });
      expect(await send(server.url, { path: '/__plat/events', headers: { origin: 'https://attacker.example' } })).toMatchObject({
        status: 403,
        body: 'requests from other sites are refused (Origin https://attacker.example)',
      });
      // A malformed path is answered, and the server goes on.
      expect(await send(server.url, { path: '/%E0%A4%A' })).toMatchObject({ status: 400, body: 'the path is not valid percent-encoding' });
      expect((await send(server.url, { path: '/' })).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
