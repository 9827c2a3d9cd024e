import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../framework/agent/agent.js';
import { serveAgent } from '../framework/agent/http.js';
import { splitClauses } from '../framework/agent/router.js';
import { formatDiagnostic } from '../framework/core/diagnostics.js';
import { build, compileProject, readProjectFiles, type Manifest } from '../framework/index.js';
import { fakeOllama, ScriptedChatModel } from './agent-helpers.js';
import { plat, queryDb, writeProject } from './helpers.js';

/**
 * Routing between a project's agents: a small plant with an ML, an analytics and a forecasting
 * agent, asked with LangChain's fake chat model as router and agents, and without an LLM.
 */
const ID = '{ type: string, pattern: "^[A-Z]{3}-[A-Z]-[0-9]{3}$", description: The machine. }';
const AGENTS = `
agents:
  - name: ml
    description: Failure predictions per machine, with risk level.
    keywords: [risk, at risk, fail, failure]
    tools: [failure_risk]
  - name: analytics
    description: What happened on the shop floor.
    keywords: [uptime, last week]
    tools: [machine_oee]
  - name: forecasting
    description: Temperatures of the coming hours.
    keywords: [forecast, tomorrow, will be]
    model: { name: llama3 }
    tools: [temperature_forecast]
tools:
  - name: failure_risk
    description: A machine's probability of failing within 7 days and its risk level.
    keywords: [risk, failure]
    parameters: { type: object, properties: { equipment_id: ${ID} }, required: [equipment_id], additionalProperties: false }
    sql: select equipment_id, failure_probability, risk_level from {{ref "health"}} where equipment_id = $equipment_id
  - name: machine_oee
    description: A machine's overall equipment effectiveness (OEE) and throughput.
    keywords: [uptime, effectiveness]
    parameters: { type: object, properties: { equipment_id: ${ID} }, required: [equipment_id], additionalProperties: false }
    sql: select equipment_id, oee, throughput from {{ref "production"}} where equipment_id = $equipment_id
  - name: temperature_forecast
    description: A machine's hourly temperature forecast, its peak first.
    parameters: { type: object, properties: { equipment_id: ${ID} }, required: [equipment_id], additionalProperties: false }
    sql: select equipment_id, max(temperature) as peak_temperature, arg_max(ts, temperature) as peak_at from {{ref "forecast"}} where equipment_id = $equipment_id group by 1
`;

let dir: string;
let manifest: Manifest;

beforeAll(async () => {
  dir = writeProject({
    'plat_project.yml': 'name: plant\n',
    'models/health.sql': `{{config materialized="table"}}
select * from (values ('CNC-A-102', 0.73, 'High'), ('LTH-A-203', 0.12, 'Low')) as t(equipment_id, failure_probability, risk_level)`,
    'models/production.sql': `{{config materialized="table"}}
select * from (values ('CNC-A-102', 0.64, 41.5), ('LTH-A-203', 0.81, 55.0)) as t(equipment_id, oee, throughput)`,
    'models/forecast.sql': `{{config materialized="table"}}
select 'CNC-A-102' as equipment_id, timestamp '2025-11-01 10:00' + to_hours(h) as ts, 68.3 + h * 0.4 - (h > 12)::int * (h - 12) as temperature
from range(24) as r(h)`,
    'agents/plant.yml': AGENTS,
  });
  const compiled = compileProject(readProjectFiles(dir), { env: {} });
  expect(compiled.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic)).toEqual([]);
  manifest = compiled.manifest;
  expect((await build(manifest, { env: {} })).success).toBe(true);
}, 120_000);

const agents: Agent[] = [];
const agentWith = (chatModel: ScriptedChatModel | null, name?: string) => {
  const agent = new Agent(manifest, { chatModel, embeddings: null, agent: name });
  agents.push(agent);
  return agent;
};
afterAll(async () => {
  await Promise.all(agents.map((a) => a.close()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const row = async (sql: string) => (await queryDb(dir, sql))[0]!;

describe('routing with an LLM (LangChain fake chat model)', () => {
  it('sends the question to the agent the router names, with only that agent’s tools, and says which answered', async () => {
    const model = new ScriptedChatModel([
      { text: 'Sure: {"routes": [{"agent": "forecasting", "question": "How hot will CNC-A-102 get tomorrow?"}]}' },
      { calls: [{ name: 'temperature_forecast', args: { equipment_id: 'CNC-A-102' } }] },
      { text: 'It peaks at 73.1 °C.' },
    ]);
    const answer = await agentWith(model).ask('How hot will CNC-A-102 get tomorrow?');
    expect(answer.agents).toEqual(['forecasting']);
    expect(answer.agent).toBe('forecasting');
    expect(answer.routing).toEqual({ method: 'llm', problem: null });
    expect(answer.mode).toBe('llm');
    expect(answer.calls.map((c) => c.tool)).toEqual(['temperature_forecast']);
    expect(answer.answer).toBe('It peaks at 73.1 °C.\n\nSources: temperature_forecast (main.forecast)');
    // The router saw every agent by name and description, in one call.
    const prompt = String(model.seen[0]![0]!.content);
    for (const line of [
      '- ml: Failure predictions per machine',
      '- analytics: What happened',
      '- forecasting: Temperatures of the coming hours',
    ])
      expect(prompt).toContain(line);
    expect(model.boundTools.map((t) => t.function.name)).toEqual(['temperature_forecast']);
  });

  it('splits a question spanning two agents and answers it once, a section per agent with both agents’ tool calls', async () => {
    const model = new ScriptedChatModel([
      {
        text: JSON.stringify({
          routes: [
            { agent: 'ml', question: 'Is CNC-A-102 at risk?' },
            { agent: 'forecasting', question: 'What will the temperature of CNC-A-102 be tomorrow?' },
          ],
        }),
      },
      { calls: [{ name: 'failure_risk', args: { equipment_id: 'CNC-A-102' } }] },
      { text: 'Yes: 73 % within 7 days (High).' },
      { calls: [{ name: 'temperature_forecast', args: { equipment_id: 'CNC-A-102' } }] },
      { text: 'Up to 73.1 °C.' },
    ]);
    const answer = await agentWith(model).ask('Is CNC-A-102 at risk, and what will its temperature be tomorrow?');
    expect(answer.agents).toEqual(['ml', 'forecasting']);
    expect(answer.routing.method).toBe('llm');
    expect(answer.sections.map(({ agent, question, answer: text }) => ({ agent, question, text }))).toEqual([
      { agent: 'ml', question: 'Is CNC-A-102 at risk?', text: 'Yes: 73 % within 7 days (High).' },
      { agent: 'forecasting', question: 'What will the temperature of CNC-A-102 be tomorrow?', text: 'Up to 73.1 °C.' },
    ]);
    expect(answer.calls.map((c) => c.tool)).toEqual(['failure_risk', 'temperature_forecast']);
    expect(answer.tables).toEqual(['main.forecast', 'main.health']);
    expect(answer.answer).toBe(
      [
        '[ml] Is CNC-A-102 at risk?',
        'Yes: 73 % within 7 days (High).',
        'Sources: failure_risk (main.health)',
        '',
        '[forecasting] What will the temperature of CNC-A-102 be tomorrow?',
        'Up to 73.1 °C.',
        'Sources: temperature_forecast (main.forecast)',
      ].join('\n'),
    );
    // Each agent was asked its own part of the question.
    const asked = (turn: number) => String(model.seen[turn]!.at(-1)!.content);
    expect([asked(1), asked(3)]).toEqual(['Is CNC-A-102 at risk?', 'What will the temperature of CNC-A-102 be tomorrow?']);
  });

  it.each([
    ['prose', 'The weather agent should answer this one.'],
    ['an agent that does not exist', '{"routes": [{"agent": "weather", "question": "Is CNC-A-102 at risk?"}]}'],
    ['no routes', '{"routes": []}'],
  ])('routes by keywords when the router answers %s, and the chosen agent still uses the LLM', async (_, reply) => {
    const model = new ScriptedChatModel([
      { text: reply },
      { calls: [{ name: 'failure_risk', args: { equipment_id: 'CNC-A-102' } }] },
      { text: '73 %.' },
    ]);
    const answer = await agentWith(model).ask('Is CNC-A-102 at risk?');
    expect(answer.routing.method).toBe('keywords');
    expect(answer.routing.problem).toMatch(/^the LLM router named no declared agent \(ml, analytics, forecasting\) in its answer: "/);
    expect(answer.agents).toEqual(['ml']);
    expect(answer.mode).toBe('llm');
    expect(answer.calls[0]!.rows).toEqual([{ equipment_id: 'CNC-A-102', failure_probability: 0.73, risk_level: 'High' }]);
  });

  it('routes by keywords when the router call fails, and says why', async () => {
    /** Fails its first call (the router's), then answers as scripted. */
    class FailingFirst extends ScriptedChatModel {
      private failed = false;
      override async _generate(...args: Parameters<ScriptedChatModel['_generate']>) {
        if (!this.failed) {
          this.failed = true;
          throw new Error('connection reset');
        }
        return super._generate(...args);
      }
    }
    const model = new FailingFirst([{ calls: [{ name: 'temperature_forecast', args: { equipment_id: 'CNC-A-102' } }] }, { text: 'Warm.' }]);
    const answer = await agentWith(model).ask('What will the temperature of CNC-A-102 be tomorrow?');
    expect(answer.routing).toEqual({ method: 'keywords', problem: 'the LLM router failed: connection reset' });
    expect([answer.agents, answer.mode, answer.calls.map((c) => c.tool)]).toEqual([['forecasting'], 'llm', ['temperature_forecast']]);
  });
});

describe('routing through Ollama', () => {
  it('asks the first agent’s model to route, then each agent’s own model to answer its part', async () => {
    const reply = (message: Record<string, unknown>) => [
      {
        model: 'any',
        created_at: '2026-11-22T10:00:00Z',
        message: { role: 'assistant', content: '', ...message },
        done: true,
        done_reason: 'stop',
      },
    ];
    const call = (name: string) => reply({ tool_calls: [{ function: { name, arguments: { equipment_id: 'CNC-A-102' } } }] });
    const script = [
      reply({
        content:
          '{"routes": [{"agent": "ml", "question": "Is CNC-A-102 at risk?"}, {"agent": "forecasting", "question": "CNC-A-102 tomorrow?"}]}',
      }),
      call('failure_risk'),
      reply({ content: 'High.' }),
      call('temperature_forecast'),
      reply({ content: 'Warm.' }),
    ];
    const ollama = await fakeOllama({ models: ['mistral:latest', 'llama3:latest'], chat: (_, index) => script[index]! });
    try {
      const agent = new Agent(manifest, { env: { OLLAMA_HOST: ollama.url }, embeddings: null });
      agents.push(agent);
      const answer = await agent.ask('Is CNC-A-102 at risk, and what will its temperature be tomorrow?');
      expect([answer.routing.method, answer.agents, answer.mode]).toEqual(['llm', ['ml', 'forecasting'], 'llm']);
      expect(answer.sections.map((s) => s.answer)).toEqual(['High.', 'Warm.']);
      const chats = ollama.requests.filter((r) => r.path === '/api/chat').map((r) => r.body);
      // One structured call: Ollama holds the router's reply to routes naming the declared agents.
      const schema = chats[0]!.format as { properties: { routes: { items: { properties: { agent: { enum: string[] } } } } } };
      expect(schema.properties.routes.items.properties.agent.enum).toEqual(['ml', 'analytics', 'forecasting']);
      expect(chats.slice(1).map((c) => c.format)).toEqual([undefined, undefined, undefined, undefined]);
      expect(chats.map((c) => [c.model, ((c.tools as unknown[] | undefined) ?? []).length])).toEqual([
        ['mistral', 0],
        ['mistral', 1],
        ['mistral', 1],
        ['llama3', 1],
        ['llama3', 1],
      ]);
    } finally {
      await ollama.close();
    }
  });
});

describe('routing without an LLM', () => {
  it.each([
    ['Is LTH-A-203 at risk of failure?', 'ml', 'failure_risk', `select * from main.health where equipment_id = 'LTH-A-203'`],
    [
      'How was the uptime of LTH-A-203 last week?',
      'analytics',
      'machine_oee',
      `select * from main.production where equipment_id = 'LTH-A-203'`,
    ],
    // No keyword of any agent: the agents' tools decide (BM25 over their descriptions).
    [
      'Show the OEE and throughput of CNC-A-102',
      'analytics',
      'machine_oee',
      `select * from main.production where equipment_id = 'CNC-A-102'`,
    ],
    [
      'What will the temperature of CNC-A-102 be tomorrow?',
      'forecasting',
      'temperature_forecast',
      `select equipment_id, max(temperature) as peak_temperature, arg_max(ts, temperature) as peak_at from main.forecast group by 1`,
    ],
  ])('sends "%s" to %s', async (question, agent, tool, sql) => {
    const answer = await agentWith(null).ask(question);
    expect(answer.agents).toEqual([agent]);
    expect(answer.routing).toEqual({ method: 'keywords', problem: null });
    expect(answer.calls.map((c) => c.tool)).toEqual([tool]);
    const expected = await row(sql);
    expect(answer.calls[0]!.rows).toEqual([
      Object.fromEntries(Object.entries(expected).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v])),
    ]);
  });

  it('splits "Is CNC-A-102 at risk, and what will its temperature be tomorrow?" into one answer from both agents', async () => {
    const answer = await agentWith(null).ask('Is CNC-A-102 at risk, and what will its temperature be tomorrow?');
    expect(answer.agents).toEqual(['ml', 'forecasting']);
    expect(answer.agent).toBe('ml + forecasting');
    expect(answer.mode).toBe('fallback');
    // The clause without the machine gets it from the other: each part is answerable alone.
    expect(answer.sections.map((s) => [s.agent, s.question])).toEqual([
      ['ml', 'Is CNC-A-102 at risk'],
      ['forecasting', 'what will its temperature be tomorrow (CNC-A-102)'],
    ]);
    expect(answer.calls.map((c) => [c.tool, c.args])).toEqual([
      ['failure_risk', { equipment_id: 'CNC-A-102' }],
      ['temperature_forecast', { equipment_id: 'CNC-A-102' }],
    ]);
    const peak = await row(`select max(temperature) as peak from main.forecast where equipment_id = 'CNC-A-102'`);
    const lines = answer.answer.split('\n');
    expect(lines[0]).toBe('The LLM is unavailable (no LLM: --no-llm), so plat answered from its tools.');
    expect(lines.filter((l) => l.startsWith('The LLM is unavailable'))).toHaveLength(1);
    expect(lines[1]).toBe('[ml] Is CNC-A-102 at risk');
    expect(answer.answer).toContain('failure_probability: 0.73, risk_level: High');
    expect(answer.answer).toContain('\n\n[forecasting] what will its temperature be tomorrow (CNC-A-102)\n');
    expect(answer.answer).toContain(`peak_temperature: ${Number(peak.peak).toLocaleString('en-US', { maximumFractionDigits: 4 })}`);
    expect(answer.answer).toContain('Sources: temperature_forecast (main.forecast)');
  });

  it('keeps a question with one agent whole, and a named agent answers without routing', async () => {
    const whole = await agentWith(null).ask('Is CNC-A-102 at risk, and how likely is a failure?');
    expect(whole.sections.map((s) => [s.agent, s.question])).toEqual([['ml', 'Is CNC-A-102 at risk, and how likely is a failure?']]);
    // Routing would send this to ml ("at risk"); named, analytics answers it with its uptime tool.
    const named = await agentWith(null).ask('Is CNC-A-102 at risk, given its uptime?', [], 'analytics');
    expect([named.agents, named.routing.method, named.calls.map((c) => c.tool)]).toEqual([['analytics'], 'named', ['machine_oee']]);
    const forced = await agentWith(null, 'forecasting').ask('Is CNC-A-102 at risk?');
    expect([forced.agents, forced.routing.method]).toEqual([['forecasting'], 'named']);
    await expect(agentWith(null).ask('Is CNC-A-102 at risk?', [], 'forecastin')).rejects.toMatchObject({
      message: 'no agent "forecastin"',
      hint: 'did you mean "forecasting"?',
    });
  });

  it('splits at clauses that ask something new, not at "and" inside one', () => {
    expect(splitClauses('Is CNC-A-102 at risk, and what will its temperature be tomorrow?')).toEqual([
      'Is CNC-A-102 at risk',
      'what will its temperature be tomorrow',
    ]);
    expect(splitClauses('Show temperature and vibration of CNC-A-102 and what is its OEE; forecast it')).toEqual([
      'Show temperature and vibration of CNC-A-102',
      'what is its OEE',
      'forecast it',
    ]);
    expect(splitClauses('Units over 1,000 per day')).toEqual(['Units over 1,000 per day']);
  });
});

describe('serving and the CLI', () => {
  it('POST /v1/ask routes, says which agents answered, and takes a named agent', async () => {
    const server = await serveAgent(agentWith(null), 0);
    const ask = async (body: Record<string, unknown>) => {
      const response = await fetch(`${server.url}/v1/ask`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    try {
      const both = await ask({ question: 'Is CNC-A-102 at risk, and what will its temperature be tomorrow?' });
      expect(both.status).toBe(200);
      expect(both.body.agents).toEqual(['ml', 'forecasting']);
      expect((both.body.calls as { tool: string }[]).map((c) => c.tool)).toEqual(['failure_risk', 'temperature_forecast']);
      const named = await ask({ question: 'Is CNC-A-102 at risk?', agent: 'analytics' });
      expect([named.status, named.body.agents]).toEqual([200, ['analytics']]);
      const unknown = await ask({ question: 'Is CNC-A-102 at risk?', agent: 'weather' });
      expect(unknown).toEqual({
        status: 400,
        body: { error: { status: 400, message: '"agent" must be one of: ml, analytics, forecasting' } },
      });
    } finally {
      await server.close();
    }
  });

  it('plat ask prints which agents answered, and --json lists them', () => {
    const question = 'Is CNC-A-102 at risk, and what will its temperature be tomorrow?';
    const text = plat(['ask', '--no-llm', question], dir);
    expect(text.code).toBe(0);
    expect(text.stdout.split('\n')[0]).toBe('answered by ml and forecasting (chosen by keywords)');
    const json = plat(['ask', '--no-llm', '--json', question], dir);
    expect(JSON.parse(json.stdout)).toMatchObject({ agents: ['ml', 'forecasting'], routing: { method: 'keywords', problem: null } });
  });
});

describe('agent declarations', () => {
  it('compile keywords, and point at a misspelt keywords: with did-you-mean', () => {
    expect(manifest.agents.forecasting!.keywords).toEqual(['forecast', 'tomorrow', 'will be']);
    const project = writeProject({
      'plat_project.yml': 'name: plant\n',
      'agents/a.yml': 'agents:\n  - name: ml\n    keyword: [risk]\n    tools: [run_sql]\n',
    });
    expect(compileProject(readProjectFiles(project), { env: {} }).diagnostics.map(formatDiagnostic)).toEqual([
      expect.stringMatching(/^agents\/a\.yml:3:5 — .*keyword.* — did you mean "keywords"\?$/),
    ]);
  });
});
