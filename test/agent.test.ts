import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ToolMessage } from '@langchain/core/messages';
import { beforeAll, describe, expect, it } from 'vitest';
import { Agent, build, compileProject, formatDiagnostic, readProjectFiles, serveAgent, type Manifest } from '../framework/index.js';
import { builtExample, fakeOllama, ScriptedChatModel } from './agent-helpers.js';
import { cli, plat, queryDb, writeProject } from './helpers.js';
import { duckdbSandboxEscapes, sandboxRefusals } from './sandbox-cases.js';

let dir: string;
let manifest: Manifest;
beforeAll(async () => {
  ({ dir, manifest } = await builtExample());
}, 120_000);

/** The example's manifest with other limits for its analyst. */
const withLimits = (limits: Partial<Manifest['agents'][string]['limits']>): Manifest => ({
  ...manifest,
  agents: { analyst: { ...manifest.agents.analyst!, limits: { ...manifest.agents.analyst!.limits, ...limits } } },
});

const totalRevenue = async () => Number((await queryDb(dir, 'select round(sum(total_revenue), 2) as t from marts.revenue_per_hour'))[0]!.t);

describe('agent tools in the project', () => {
  it('are DAG nodes that depend on the models they read', () => {
    expect(manifest.parents['agent_tool.ecommerce.total_revenue']).toEqual(['model.ecommerce.revenue_per_hour']);
    expect(manifest.parents['agent_tool.ecommerce.revenue_trend']!.sort()).toEqual([
      'model.ecommerce.active_users_per_hour',
      'model.ecommerce.revenue_per_hour',
    ]);
    expect(manifest.parents['agent_tool.ecommerce.purchase_propensity']).toEqual(['ml_score.ecommerce.purchase_propensity']);
    // A tool's SQL may read a scoring table as it reads a model.
    expect(manifest.parents['agent_tool.ecommerce.likely_buyers']).toEqual(['ml_score.ecommerce.purchase_propensity']);
    expect(manifest.agents.analyst!.tools.map((t) => t.name)).toEqual([
      'total_revenue',
      'revenue_trend',
      'active_users_by_hour',
      'inactive_users',
      'conversion_rates',
      'top_products',
      'likely_buyers',
      'purchase_propensity',
      'list_models',
      'describe_model',
      'search_catalog',
      'run_sql',
    ]);
    expect(manifest.agents.analyst!.limits).toEqual({ rows: 200, timeoutMs: 10_000, bytes: 10_000_000, steps: 8 });
  });
});

describe('the tool-calling loop (LangChain fake chat model)', () => {
  it('runs the tool the model picks and cites tools, tables and SQL', async () => {
    const model = new ScriptedChatModel([
      { calls: [{ name: 'total_revenue', args: {} }] },
      { text: 'Total revenue is in the tool result.' },
    ]);
    const answer = await new Agent(manifest, { chatModel: model, embeddings: null }).ask('What is the total revenue?');
    expect(answer.mode).toBe('llm');
    expect(model.boundTools.map((t) => t.function.name)).toContain('total_revenue');
    expect(answer.calls.map((c) => [c.tool, c.ok])).toEqual([['total_revenue', true]]);
    expect(answer.calls[0]!.rows[0]!.total_revenue).toBe(await totalRevenue());
    expect(answer.answer).toBe('Total revenue is in the tool result.\n\nSources: total_revenue (marts.revenue_per_hour)');
    expect(answer.tables).toEqual(['marts.revenue_per_hour']);
    expect(answer.sql[0]).toContain('"marts"."revenue_per_hour"');
    // The model's second turn saw the rows.
    const toolMessage = model.seen[1]!.find((m) => m instanceof ToolMessage)!;
    expect(JSON.parse(String(toolMessage.content)).rows[0].total_revenue).toBe(await totalRevenue());
  });

  it('gives the model the reason its arguments were rejected, and runs the corrected call', async () => {
    const model = new ScriptedChatModel([
      { calls: [{ name: 'revenue_trend', args: { hours: 1000 } }] },
      { calls: [{ name: 'revenue_trend', args: { hours: 3 } }] },
      { text: 'Here are the last three hours.' },
    ]);
    const answer = await new Agent(manifest, { chatModel: model, embeddings: null }).ask('why did revenue drop in the last hour?');
    expect(answer.calls.map((c) => c.ok)).toEqual([false, true]);
    expect(answer.calls[0]!.error).toBe('invalid arguments for revenue_trend: hours must be <= 168');
    expect(JSON.parse(String(model.seen[1]!.at(-1)!.content))).toEqual({
      error: 'invalid arguments for revenue_trend: hours must be <= 168',
    });
    const latest = await queryDb(dir, 'select total_revenue from marts.revenue_per_hour order by hour_window desc limit 3');
    expect(answer.calls[1]!.rows.map((r) => r.total_revenue)).toEqual(latest.map((r) => r.total_revenue));
  });

  it('answers an unknown tool with the list of tools', async () => {
    const model = new ScriptedChatModel([{ calls: [{ name: 'drop_everything', args: {} }] }, { text: 'Sorry.' }]);
    const answer = await new Agent(manifest, { chatModel: model, embeddings: null }).ask('clean up the database');
    expect(answer.calls[0]!.error).toMatch(/^there is no tool "drop_everything"; the tools are: total_revenue, revenue_trend, .*run_sql$/);
    expect(answer.answer).toBe('Sorry.');
  });

  it('binds arguments as parameters, so text in them is never SQL', async () => {
    const model = new ScriptedChatModel([
      { calls: [{ name: 'top_products', args: { by: "revenue' ; drop table marts.revenue_per_hour; --" } }] },
      { calls: [{ name: 'purchase_propensity', args: { user_id: '42 or 1=1' } }] },
      { calls: [{ name: 'inactive_users', args: { hours: '1; drop table marts.revenue_per_hour' } }] },
      { text: 'done' },
    ]);
    const answer = await new Agent(manifest, { chatModel: model, embeddings: null }).ask('top products');
    expect(answer.calls.map((c) => [c.tool, c.ok])).toEqual([
      ['top_products', false],
      ['purchase_propensity', false],
      ['inactive_users', false],
    ]);
    expect(answer.calls[0]!.error).toBe('invalid arguments for top_products: by must be equal to one of the allowed values');
    expect(answer.calls[1]!.error).toMatch(/Conversion Error: Could not convert string '42 or 1=1' to INT/);
    expect(answer.calls[2]!.error).toBe('invalid arguments for inactive_users: hours must be integer');
    expect(await queryDb(dir, 'select count(*) as n from marts.revenue_per_hour')).toEqual([{ n: 48n }]);
  });

  it('stops after the step limit', async () => {
    const model = new ScriptedChatModel([{ calls: [{ name: 'list_models', args: {} }] }]);
    const answer = await new Agent(manifest, { chatModel: model, embeddings: null }).ask('loop forever');
    expect(answer.calls).toHaveLength(manifest.agents.analyst!.limits.steps);
    expect(answer.answer).toMatch(/^I could not finish within 8 steps/);
  });
});

describe('the Ollama client', () => {
  it("calls tools through Ollama's chat API (one recorded exchange)", async () => {
    const ollama = await fakeOllama({
      models: ['mistral:latest'],
      // Ollama streams NDJSON; the first reply asks for a tool, the second answers.
      chat: (_, index) =>
        index === 0
          ? [
              {
                model: 'mistral',
                created_at: '2026-11-22T10:00:00Z',
                message: {
                  role: 'assistant',
                  content: '',
                  tool_calls: [{ function: { name: 'conversion_rates', arguments: { hours: 2 } } }],
                },
                done: false,
              },
              {
                model: 'mistral',
                created_at: '2026-11-22T10:00:01Z',
                message: { role: 'assistant', content: '' },
                done: true,
                done_reason: 'stop',
                prompt_eval_count: 812,
                eval_count: 24,
              },
            ]
          : [
              {
                model: 'mistral',
                created_at: '2026-11-22T10:00:02Z',
                message: { role: 'assistant', content: 'Overall, 2.6% of views ' },
                done: false,
              },
              {
                model: 'mistral',
                created_at: '2026-11-22T10:00:03Z',
                message: { role: 'assistant', content: 'lead to a cart.' },
                done: true,
                done_reason: 'stop',
                prompt_eval_count: 1290,
                eval_count: 12,
              },
            ],
    });
    try {
      const answer = await new Agent(manifest, { env: { OLLAMA_HOST: ollama.url }, embeddings: null }).ask('Show me the conversion rates');
      expect(answer.mode).toBe('llm');
      expect(answer.answer).toBe('Overall, 2.6% of views lead to a cart.\n\nSources: conversion_rates (marts.conversion_rate)');
      expect(answer.calls[0]!.rows).toHaveLength(3);
      const chats = ollama.requests.filter((r) => r.path === '/api/chat');
      expect(chats).toHaveLength(2);
      expect(chats[0]!.body.model).toBe('mistral');
      expect((chats[0]!.body.tools as { function: { name: string } }[]).map((t) => t.function.name)).toContain('conversion_rates');
      const messages = chats[1]!.body.messages as { role: string; content: string }[];
      expect(messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool']);
      expect(JSON.parse(messages[3]!.content).rows[0].hour_window_or_total).toBe('overall');
    } finally {
      await ollama.close();
    }
  });

  it('falls back without an LLM when Ollama is unreachable or lacks the model', async () => {
    const closed = await fakeOllama({ models: [] });
    await closed.close(); // a port nothing listens on
    const unreachable = await new Agent(manifest, { env: { OLLAMA_HOST: closed.url } }).ask('What is the total revenue?');
    expect(unreachable.mode).toBe('fallback');
    expect(unreachable.llm.problem).toBe(`no Ollama at ${closed.url}: connect ECONNREFUSED ${closed.url.slice('http://'.length)}`);
    const ollama = await fakeOllama({ models: ['llama3:latest'] });
    try {
      const missing = await new Agent(manifest, { env: { OLLAMA_HOST: ollama.url } }).ask('What is the total revenue?');
      expect(missing.llm.problem).toBe(`Ollama at ${ollama.url} does not have the model mistral (run: ollama pull mistral)`);
      expect(missing.calls[0]!.tool).toBe('total_revenue');
    } finally {
      await ollama.close();
    }
  });
});

describe('search_catalog', () => {
  it('ranks by keywords (BM25) without embeddings', async () => {
    const call = await new Agent(manifest, { chatModel: null, embeddings: null }).callTool('search_catalog', {
      query: 'average order value per hour',
      limit: 3,
    });
    expect(call.details).toEqual({ method: 'bm25', note: null });
    expect(call.rows[0]).toMatchObject({ kind: 'column', name: 'revenue_per_hour.avg_order_value', relation: 'marts.revenue_per_hour' });
  });

  it('ranks with Ollama embeddings stored in DuckDB and array_cosine_similarity', async () => {
    // Deterministic embeddings: one dimension per vocabulary word.
    const vocabulary = [
      'shopper',
      'shoppers',
      'user',
      'buy',
      'propensity',
      'probability',
      'revenue',
      'hour',
      'conversion',
      'cart',
      'events',
      'rejected',
    ];
    const embed = (texts: string[]) => texts.map((t) => vocabulary.map((w) => (t.toLowerCase().includes(w) ? 1 : 0) + 0.01));
    const ollama = await fakeOllama({ models: ['mistral:latest', 'nomic-embed-text:latest'], embed });
    try {
      const agent = new Agent(manifest, { env: { OLLAMA_HOST: ollama.url }, chatModel: null });
      const { OllamaEmbeddings } = await import('@langchain/ollama');
      const withEmbeddings = new Agent(manifest, {
        chatModel: null,
        embeddings: new OllamaEmbeddings({ model: 'nomic-embed-text', baseUrl: ollama.url }),
      });
      const first = await withEmbeddings.callTool('search_catalog', { query: 'rejected events', limit: 2 });
      expect(first.details).toEqual({ method: 'embeddings', note: null });
      expect(first.rows.map((r) => r.relation)).toEqual(['staging.stg_events_rejected', 'staging.stg_events_rejected']);
      const embedded = ollama.requests.filter((r) => r.path === '/api/embed').map((r) => [r.body.input].flat().length);
      await withEmbeddings.callTool('search_catalog', { query: 'purchase propensity', limit: 1 });
      const after = ollama.requests.filter((r) => r.path === '/api/embed').map((r) => [r.body.input].flat().length);
      // The catalog was embedded once and cached in target/agent_index.duckdb; later searches embed only the query.
      expect(after.slice(embedded.length)).toEqual([1]);
      expect(await queryDb(dir, 'select count(*) as n from catalog_embeddings', 'target/agent_index.duckdb')).toEqual([
        { n: BigInt(embedded[0]!) },
      ]);
      expect((await agent.callTool('search_catalog', { query: 'x' })).details).toMatchObject({ method: 'bm25' });
    } finally {
      await ollama.close();
    }
  });
});

describe('without an LLM', () => {
  const ask = (question: string) => new Agent(manifest, { chatModel: null, embeddings: null }).ask(question);

  it('answers "What is the total revenue?" with the revenue tool', async () => {
    const answer = await ask('What is the total revenue?');
    expect(answer.mode).toBe('fallback');
    expect(answer.answer).toMatch(
      /^The LLM is unavailable \(no LLM: --no-llm\), so plat answered from its tools\.\nThe closest tool is total_revenue/,
    );
    expect(answer.calls[0]!.rows[0]!.total_revenue).toBe(await totalRevenue());
    expect(answer.answer).toContain(`total_revenue: ${(await totalRevenue()).toLocaleString('en-US', { maximumFractionDigits: 4 })}`);
  });

  it('answers "Why did revenue drop in the last hour?" with the latest hours', async () => {
    const answer = await ask('Why did revenue drop in the last hour?');
    expect(answer.calls[0]!.tool).toBe('revenue_trend');
    const latest = await queryDb(dir, 'select hour_window from marts.revenue_per_hour order by hour_window desc limit 6');
    expect(answer.calls[0]!.rows.map((r) => r.hour_window)).toEqual(latest.map((r) => (r.hour_window as Date).toISOString()));
    expect(answer.calls[0]!.columns).toContain('revenue_change_pct');
    // The latest hour is spelled out in the answer, the change from the hour before included.
    expect(answer.answer).toContain(`6 rows; the first: hour_window: ${(latest[0]!.hour_window as Date).toISOString()}, total_revenue: `);
    expect(answer.answer).toMatch(/revenue_change_pct: -?[\d.]+\.\n/);
  });

  it('answers "Which users are inactive?", "Show me the conversion rates" and "top 5 products"', async () => {
    const inactive = await ask('Which users are inactive?');
    expect(inactive.calls[0]!.tool).toBe('inactive_users');
    expect(inactive.calls[0]!.rows.every((r) => Number(r.hours_inactive) >= 12)).toBe(true);
    const conversion = await ask('Show me the conversion rates');
    expect(conversion.calls[0]!.tool).toBe('conversion_rates');
    expect(conversion.calls[0]!.rows[0]!.hour_window_or_total).toBe('overall');
    const products = await ask('top 5 products');
    expect(products.calls[0]!.tool).toBe('top_products');
    expect(products.calls[0]!.rows).toHaveLength(5);
  });

  it("predicts a shopper's propensity with the promoted model, as scoring did", async () => {
    const answer = await ask('what is the purchase propensity for user 42?');
    expect(answer.calls[0]!.tool).toBe('purchase_propensity');
    const [scored] = await queryDb(dir, 'select probability, contributions from ml.predictions_purchase_propensity where user_id = 42');
    expect(answer.calls[0]!.rows[0]!.probability).toBeCloseTo(Number(scored!.probability), 3);
    // The three features that moved it most, as scoring wrote them (hours since the last event count on since then).
    type Contribution = { feature: string; contribution: number };
    const [predicted, written] = [answer.calls[0]!.rows[0]!.contributions, scored!.contributions].map(
      (text) => JSON.parse(String(text)) as Contribution[],
    );
    expect(predicted!.map((c) => c.feature)).toEqual(written!.map((c) => c.feature));
    for (const [i, c] of predicted!.entries()) expect(c.contribution).toBeCloseTo(written![i]!.contribution, 3);
  });

  it('answers "Which users are likely to purchase?" with the top propensity scores', async () => {
    const answer = await ask('Which users are likely to purchase?');
    expect(answer.calls[0]!.tool).toBe('likely_buyers');
    const top = await queryDb(dir, 'select user_id from ml.predictions_purchase_propensity order by probability desc, user_id limit 10');
    expect(answer.calls[0]!.rows.map((r) => r.user_id)).toEqual(top.map((r) => r.user_id));
    expect(answer.tables).toEqual(['ml.predictions_purchase_propensity']);
    // Named, the model leads to the tool that reads its scores.
    expect((await ask('Who will buy, says the purchase_propensity model?')).calls[0]!.tool).toBe('likely_buyers');
  });

  it('answers "active users per hour yesterday" with the 24 hours of the day before the newest data', async () => {
    const answer = await ask('active users per hour yesterday');
    expect(answer.calls[0]!.tool).toBe('active_users_by_hour');
    expect(answer.calls[0]!.args).toEqual({ days_ago: 1 });
    const yesterday = await queryDb(
      dir,
      'select hour_window, active_users from marts.active_users_per_hour where cast(hour_window as date) = (select cast(max(hour_window) as date) - 1 from marts.active_users_per_hour) order by hour_window',
    );
    expect(yesterday).toHaveLength(24);
    expect(answer.calls[0]!.rows).toEqual(
      yesterday.map((r) => ({ hour_window: (r.hour_window as Date).toISOString(), active_users: Number(r.active_users) })),
    );
    expect((await ask('active users per hour today')).calls[0]!.args).toEqual({ days_ago: 0 });
  });

  it('shows the closest table when no tool fits', async () => {
    const answer = await ask('rejected rows reason');
    expect(answer.calls[0]!.tables).toEqual(['staging.stg_events_rejected']);
    expect(answer.calls[0]!.rows.length).toBeGreaterThan(0);
  });

  it('says why the closest table cannot be shown instead of failing the question', async () => {
    const project = writeProject({
      'plat_project.yml': 'name: archive\n',
      'models/payloads.sql': '{{config materialized="table"}}select 1 as id, repeat(\'x\', 5000) as payload',
      'models/payloads.yml': 'models:\n  - name: payloads\n    description: Archived message payloads.\n',
      'agents/a.yml': 'agents:\n  - name: archivist\n    tools: [list_models]\n    limits: { bytes: 1KB }\n',
    });
    const archive = compileProject(readProjectFiles(project), { env: {} }).manifest;
    await build(archive, { env: {} });
    const answer = await new Agent(archive, { chatModel: null, embeddings: null }).ask('archived message payloads');
    expect(answer.calls[0]).toMatchObject({
      ok: false,
      tables: ['main.payloads'],
      error: 'the first row alone is larger than the 1 KB result limit (column "payload"); select less of it, or an aggregate',
    });
    expect(answer.answer).toContain(
      'No tool fits; the closest table is main.payloads (Archived message payloads). Its rows could not be shown: the first row alone is larger',
    );
  });
});

describe('safety', () => {
  const sql = (text: string) => new Agent(manifest, { chatModel: null }).ask(`sql ${text}`);

  it.each([...duckdbSandboxEscapes, ...sandboxRefusals])('refuses %s', async (statement, reason) => {
    const answer = await sql(statement);
    expect(answer.calls[0]!.ok).toBe(false);
    expect(answer.calls[0]!.error).toMatch(reason);
    expect(await queryDb(dir, 'select count(*) as n from marts.revenue_per_hour')).toEqual([{ n: 48n }]);
  });

  it("refuses to read the database's own file", async () => {
    const answer = await sql(`select octet_length(content) as bytes from read_blob('${join(dir, 'target/plat.duckdb')}')`);
    expect(answer.calls[0]!.ok).toBe(false);
    expect(answer.calls[0]!.error).toBe(
      'file system operations are disabled here: a query cannot read files, nor spill to disk when it outgrows memory',
    );
  });

  it('refuses EXPORT DATABASE before DuckDB plans it, so not even its folder is made', async () => {
    // DuckDB lets a read-only database write into its temporary folder, when there is one.
    const temporary = join(dir, 'target/plat.duckdb.tmp');
    mkdirSync(temporary, { recursive: true });
    try {
      const answer = await sql(`export database '${join(temporary, 'stolen')}'`);
      expect(answer.calls[0]!.error).toBe('only SELECT queries may run here; this is a EXPORT statement');
      expect(existsSync(join(temporary, 'stolen'))).toBe(false);
    } finally {
      rmSync(temporary, { recursive: true, force: true });
    }
  });

  it('cuts results at the byte limit and refuses a row larger than it', async () => {
    const small = new Agent(withLimits({ bytes: 1_000 }), { chatModel: null });
    // Each row is {"n":0,"text":"x…"}: 117 bytes as JSON; eight fit in 1,000 bytes, nine do not.
    const cut = (await small.ask("sql select range as n, repeat('x', 100) as text from range(100)")).calls[0]!;
    expect(cut.truncated).toBe('bytes');
    expect(cut.rows.map((r) => r.n)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(Buffer.byteLength(JSON.stringify(cut.rows))).toBeLessThanOrEqual(1_000);
    const wide = (await small.ask("sql select 1 as id, repeat('x', 5000) as text")).calls[0]!;
    expect(wide.error).toBe('the first row alone is larger than the 1 KB result limit (column "text"); select less of it, or an aggregate');
    // A list is measured before it is turned into JavaScript: three million items are refused, not read.
    const list = (await new Agent(manifest, { chatModel: null }).ask('sql select list(range) as items from range(3000000)')).calls[0]!;
    expect(list.error).toBe(
      'the first row alone is larger than the 10 MB result limit (column "items"); select less of it, or an aggregate',
    );
  });

  it('cuts results at the row limit and stops queries at the time limit', async () => {
    const many = await sql('select * from range(1000000)');
    expect(many.calls[0]!.rows).toHaveLength(200);
    expect(many.calls[0]!.truncated).toBe('rows');
    const quick = new Agent(withLimits({ rows: 5, timeoutMs: 300 }), { chatModel: null });
    const slow = await quick.ask('sql select count(*) from range(100000000000) a');
    expect(slow.calls[0]!.error).toBe('the query ran longer than the 0.3s limit and was stopped');
    // The same agent queries on after a stopped query.
    expect((await quick.ask('sql select 41 + 1 as answer')).calls[0]!.rows).toEqual([{ answer: 42 }]);
  });
});

describe('the HTTP API', () => {
  it('serves health, tools, tool calls and questions with JSON errors', async () => {
    const server = await serveAgent(new Agent(manifest, { chatModel: null, embeddings: null }), 0);
    const call = async (method: string, path: string, body?: string) => {
      const response = await fetch(`${server.url}${path}`, { method, body, headers: body ? { 'content-type': 'application/json' } : {} });
      return { status: response.status, body: (await response.json()) as Record<string, any> };
    };
    try {
      expect(await call('GET', '/health')).toEqual({
        status: 200,
        body: { ok: true, agent: 'analyst', tools: 12, database: join(dir, 'target/plat.duckdb'), serving: null, llm: null },
      });
      const tools = await call('GET', '/v1/tools');
      expect(tools.body.tools.map((t: { name: string }) => t.name)).toHaveLength(12);
      expect(tools.body.tools[0].parameters.properties.hours.type).toBe('integer');

      const revenue = await call('POST', '/v1/tools/total_revenue', '{"hours": 3}');
      expect(revenue.status).toBe(200);
      expect(revenue.body.rows[0].hours).toBe(3);
      expect(revenue.body.params).toEqual({ hours: 3 });

      expect(await call('POST', '/v1/tools/total_revenue', '{"hours": -1}')).toEqual({
        status: 400,
        body: { error: { status: 400, message: 'invalid arguments for total_revenue: hours must be >= 1' } },
      });
      expect((await call('POST', '/v1/tools/nope', '{}')).status).toBe(404);
      expect((await call('POST', '/v1/tools/run_sql', '{"sql": "drop table marts.revenue_per_hour"}')).body.error.message).toBe(
        'only SELECT queries may run here; this is a DROP statement',
      );
      expect(await call('POST', '/v1/tools/total_revenue', '{not json')).toMatchObject({
        status: 400,
        body: { error: { message: expect.stringMatching(/^the body is not JSON/) } },
      });

      const asked = await call('POST', '/v1/ask', JSON.stringify({ question: 'Show me the conversion rates' }));
      expect(asked.status).toBe(200);
      expect(asked.body).toMatchObject({ mode: 'fallback', tables: ['marts.conversion_rate'] });
      expect(asked.body.calls[0].tool).toBe('conversion_rates');
      expect(await call('POST', '/v1/ask', '{}')).toEqual({
        status: 400,
        body: { error: { status: 400, message: 'the body needs a "question" string' } },
      });
      expect((await call('GET', '/v1/ask')).status).toBe(405);
      expect((await call('GET', '/nothing')).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});

describe('the CLI', () => {
  it('plat ask answers as text and JSON, and a refused query exits 1', () => {
    const text = plat(['ask', '--no-llm', 'What', 'is', 'the', 'total', 'revenue?'], dir);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      /^The LLM is unavailable \(no LLM: --no-llm\), so plat answered from its tools\.\nThe closest tool is total_revenue/,
    );
    expect(text.stdout).toContain('SQL (bound: {"hours":null}):\n  with hours as (');
    const json = plat(['ask', '--no-llm', '--json', 'top 3 products'], dir);
    expect(JSON.parse(json.stdout)).toMatchObject({ mode: 'fallback', tables: ['staging.stg_events'] });
    const refused = plat(['ask', 'sql delete from marts.revenue_per_hour'], dir);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('The query was refused: only SELECT queries may run here; this is a DELETE statement');
  });

  it('plat agent keeps a session: sql, /tools, /quit', () => {
    const session = spawnSync(process.execPath, [cli, 'agent', '--no-llm'], {
      cwd: dir,
      input: 'sql select 41 + 1 as answer\n/tools\n/quit\n',
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    expect(session.status).toBe(0);
    expect(session.stdout).toContain('answer\n──────\n    42');
    expect(session.stdout).toContain('purchase_propensity  How likely a shopper is to buy');
  });
});

describe('agent declarations', () => {
  const diagnosticsOf = (agents: string) => {
    const project = writeProject({
      'plat_project.yml': 'name: shop\n',
      'models/orders.sql': 'select 1 as id, 10.5 as amount',
      'agents/a.yml': agents,
    });
    return compileProject(readProjectFiles(project), { env: {} }).diagnostics.map(formatDiagnostic);
  };

  it('point at unknown tools, undeclared parameters, bad refs and half-declared tools', () => {
    expect(
      diagnosticsOf(
        [
          'agents:',
          '  - name: helper',
          '    tools: [order_total, list_model]',
          'tools:',
          '  - name: order_total',
          '    description: Sum of orders.',
          '    parameters: { type: object, properties: { min_amount: { type: number } } }',
          '    sql: select sum(amount) from {{ref "order"}} where amount >= $min_amnt',
          '  - name: broken',
          '    description: Neither SQL nor a built-in.',
          '  - name: guess',
          '    description: Predicts.',
          '    builtin: ml_predict',
          '    model: churn',
          '',
        ].join('\n'),
      ),
    ).toEqual([
      'agents/a.yml:8:10 — unknown ref "order" — did you mean "orders"?',
      'agents/a.yml:8:10 — tool order_total: $min_amnt is not a declared parameter — did you mean "min_amount"?',
      'agents/a.yml:7:17 — tool order_total: parameter min_amount is declared but the SQL never uses $min_amount',
      'agents/a.yml:9:11 — tool broken: a tool needs exactly one of sql: or builtin: — builtins: list_models, describe_model, search_catalog, run_sql, ml_predict',
      'agents/a.yml:14:12 — tool guess: no ML model "churn"',
      'agents/a.yml:3:26 — agent helper: no tool "list_model" — did you mean "list_models"?',
    ]);
  });

  it('check that tool parameters are a JSON Schema', () => {
    const found = diagnosticsOf(
      'tools:\n  - name: t\n    description: T.\n    parameters: { type: object, properties: { n: { type: intger } } }\n    sql: select $n\n',
    );
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(
      /^agents\/a\.yml:4:17 — tool t: parameters is not a valid JSON Schema: parameters\/properties\/n\/type must be equal to one of the allowed values/,
    );
  });

  it('validate agents/*.yml against its schema', () => {
    expect(diagnosticsOf('agents:\n  - name: helper\n    tools: [run_sql]\n    limits: { timeout: soon }\n')).toEqual([
      'agents/a.yml:4:24 — at agents[0].limits.timeout: "soon" is not a duration such as 500ms, 10s or 1m',
    ]);
    expect(diagnosticsOf('agents:\n  - name: helper\n    tools: [run_sql]\n    limits: { bytes: lots }\n')).toEqual([
      'agents/a.yml:4:22 — at agents[0].limits.bytes: "lots" is not a size such as 500KB or 10MB (1MB = 1000KB)',
    ]);
  });
});

describe('plat serve and projects without agents', () => {
  it('serves over HTTP until Ctrl-C', async () => {
    const child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--no-llm'], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      const until = performance.now() + 20_000;
      while (!/on (http:\/\/127\.0\.0\.1:\d+)/.test(stdout) && performance.now() < until)
        await new Promise((resolve) => setTimeout(resolve, 25));
      const url = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)![1]!;
      const asked = (await (
        await fetch(`${url}/v1/ask`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ question: 'sql select 6 * 7 as answer' }),
        })
      ).json()) as {
        calls: { rows: unknown[] }[];
      };
      expect(asked.calls[0]!.rows).toEqual([{ answer: 42 }]);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
  });

  it('gives a project without agents/ the built-in tools', async () => {
    const project = writeProject({
      'plat_project.yml': 'name: tiny\n',
      'models/numbers.sql': '{{config materialized="table"}}select range as n from range(5)',
    });
    const tiny = compileProject(readProjectFiles(project), { env: {} }).manifest;
    await build(tiny, { env: {} });
    const agent = new Agent(tiny, { chatModel: null, embeddings: null });
    expect(agent.settings.name).toBe('default');
    expect(agent.tools().map((t) => t.name)).toEqual(['list_models', 'describe_model', 'search_catalog', 'run_sql']);
    const described = await agent.callTool('describe_model', { model: 'numbers' });
    expect(described.rows).toEqual([{ column: 'n', type: 'BIGINT', description: '', tests: '' }]);
    expect((await agent.callTool('describe_model', { model: 'number' })).error).toBe(
      'no model or source "number" (did you mean "numbers"?); list_models shows them all',
    );
  });
});
