import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Agent, build, compileProject, formatDiagnostic, readProjectFiles, serveAgent } from '../framework/index.js';
import { Endpoints } from '../framework/serve/endpoints.js';
import { cli, compileDir, queryDb, writeProject } from './helpers.js';

const PROJECT = 'name: shop\ntarget: { type: duckdb, path: target/plat.duckdb }\nvars: { level: 1 }\n';

const ANALYTICS = `endpoints:
  - name: machine_level
    type: analytics
    route: /v1/level
    key: machine
    analyses:
      current:
        sql: select avg(level) as level from {{ref "levels"}} where machine = $machine
        metrics:
          level: { decimals: 0 }
`;

describe('serving while another process builds', () => {
  let dir: string;
  let server: { url: string; close: () => Promise<void> };
  beforeAll(async () => {
    dir = writeProject({
      'plat_project.yml': PROJECT,
      'models/levels.sql': `select 'M1' as machine, {{var "level"}} as level`,
      // Keeps the build's write lock on the database long enough to be seen.
      'models/slow.sql': '{{config materialized="table"}}\nselect sum(range % 7) as n from range(300000000)',
      'endpoints/level.yml': ANALYTICS,
    });
    const manifest = compileDir(dir);
    expect((await build(manifest, { env: {} })).success).toBe(true);
    server = await serveAgent(new Agent(manifest, { chatModel: null, embeddings: null }), 0, {
      endpoints: new Endpoints(manifest, { env: {}, pollMs: 50 }),
    });
  }, 300_000);
  afterAll(() => server?.close());

  const level = async () => {
    const response = await fetch(`${server.url}/v1/level`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ machine: 'M1' }),
    });
    return { status: response.status, body: (await response.json()) as any };
  };

  it('keeps answering from the last published copy while a build holds the database, then answers from the new one', async () => {
    expect((await level()).body.figures.current.level).toBe(1);
    const child = spawn(process.execPath, [cli, 'build', '--project-dir', dir, '--vars', '{"level": 2}'], {
      env: { ...process.env, KAFKA_BROKERS: '', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    // Once the build prints its first line it holds the database (it opens it before running nodes).
    let building = false;
    child.stdout.on('data', () => (building = true));
    let running = true;
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => {
        running = false;
        resolve(code);
      }),
    );
    const statuses: number[] = [];
    let answeredWhileLocked = 0;
    while (running) {
      const answer = await level();
      statuses.push(answer.status);
      // Whether the builder holds the database: no other process can open it then. Probed only
      // until seen once, so that the probe cannot take the lock the build is about to need.
      if (building && answeredWhileLocked === 0 && answer.status === 200) {
        const locked = await queryDb(dir, 'select 1').then(
          () => false,
          (error: Error) => /lock|in use/i.test(error.message),
        );
        if (locked) answeredWhileLocked++;
      }
    }
    expect(await exited).toBe(0);
    expect(answeredWhileLocked).toBeGreaterThan(0);
    expect(statuses.every((s) => s === 200)).toBe(true);
    // The build's copy replaces the old one at the server's next look.
    let answer = await level();
    while (answer.body.figures.current.level !== 2) answer = await level();
    expect(answer.status).toBe(200);
  });
});

describe('a database built before the project declared endpoints', () => {
  it('has no serving copy until the server makes one from it', async () => {
    const dir = writeProject({ 'plat_project.yml': PROJECT, 'models/levels.sql': `select 'M1' as machine, 7 as level` });
    expect((await build(compileDir(dir), { env: {} })).success).toBe(true);
    expect(existsSync(join(dir, 'target/serving/plat.duckdb'))).toBe(false);
    mkdirSync(join(dir, 'endpoints'));
    writeFileSync(join(dir, 'endpoints/level.yml'), ANALYTICS);
    const endpoints = new Endpoints(compileDir(dir), { env: {} });
    try {
      expect(await endpoints.call('machine_level', { machine: 'M1' })).toMatchObject({ metrics: { level: '7' } });
      expect(existsSync(join(dir, 'target/serving/plat.duckdb'))).toBe(true);
    } finally {
      await endpoints.close();
    }
  });
});

describe('POST /v1/stream-data', () => {
  const topic = `plat-serve-test-${randomUUID()}`;
  const files = {
    'plat_project.yml': PROJECT,
    'sources.yml': `sources:
  - name: plant
    schema: bronze
    tables:
      - name: readings
        kafka: { topic: ${topic}, key: machine, partitions: 1 }
        columns:
          - { name: machine, type: VARCHAR, required: true }
          - { name: ts, type: TIMESTAMP WITH TIME ZONE, required: true }
          - { name: temperature, type: DOUBLE }
`,
    'endpoints/stream.yml': 'endpoints:\n  - name: stream_data\n    type: stream\n    topics: [{ source: plant, table: readings }]\n',
  };

  // The test setup's broker (skipped without one, outside CI).
  const kafka = inject('kafkaBrokers');
  it.runIf(kafka)('produces the valid events of a batch to the topic and names each rejected one with its reason', async () => {
    const brokers = kafka!.split(',');
    const manifest = compileDir(writeProject(files));
    const server = await serveAgent(new Agent(manifest, { chatModel: null, embeddings: null }), 0, {
      endpoints: new Endpoints(manifest, { env: { KAFKA_BROKERS: brokers.join(',') } }),
    });
    try {
      const events = [
        { machine: 'M1', ts: '2026-11-23T00:00:00Z', temperature: 70.5 },
        { machine: 'M2', ts: '2026-11-23T00:00:00Z', temperature: 'hot' },
        { machine: 'M3', ts: 'yesterday' },
        { machine: 'M4', ts: '2026-11-23T00:01:00Z' },
      ];
      const response = await fetch(`${server.url}/v1/stream-data`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ topic, events }),
      });
      expect(await response.json()).toEqual({
        topic,
        accepted: 2,
        rejected: [
          { index: 1, reason: 'temperature: must be number' },
          { index: 2, reason: 'ts: "yesterday" is not an ISO-8601 timestamp (YYYY-MM-DD[THH:MM[:SS[.f]]][Z|±HH:MM])' },
        ],
      });
      expect(response.status).toBe(200);
      const client = new Kafka({ clientId: 'serve-test', brokers, logLevel: logLevel.NOTHING });
      const consumer = client.consumer({ groupId: `serve-test-${randomUUID()}` });
      const received: { key: string; value: unknown }[] = [];
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((resolve) => {
        void consumer.run({
          eachMessage: async ({ message }) => {
            received.push({ key: String(message.key), value: JSON.parse(String(message.value)) });
            if (received.length === 2) resolve();
          },
        });
      });
      await consumer.disconnect();
      expect(received).toEqual([
        { key: 'M1', value: events[0] },
        { key: 'M4', value: events[3] },
      ]);
    } finally {
      await server.close();
    }
  });

  it('rejects a batch whose every event is invalid with 400, and answers 503 when no broker is configured', async () => {
    const endpoints = new Endpoints(compileDir(writeProject(files)), { env: { KAFKA_BROKERS: '' } });
    try {
      await expect(endpoints.call('stream_data', { topic, event: { machine: 'M1' } })).rejects.toMatchObject({
        status: 400,
        message: 'no event fits the columns of plant.readings',
        details: { rejected: [{ index: 0, reason: 'missing required field ts' }] },
      });
      await expect(endpoints.call('stream_data', { topic: 'other', event: {} })).rejects.toMatchObject({
        status: 400,
        message: `invalid request to POST /v1/stream-data: topic: must be one of ${topic}`,
      });
      await expect(endpoints.call('stream_data', { topic, event: { machine: 'M1', ts: '2026-11-23T00:00:00Z' } })).rejects.toMatchObject({
        status: 503,
        message: expect.stringMatching(/^no Kafka broker is configured: set KAFKA_BROKERS/),
      });
    } finally {
      await endpoints.close();
    }
  });
});

describe('endpoint declarations', () => {
  it('reports mistakes at their file:line:col with a suggestion', () => {
    const dir = writeProject({
      'plat_project.yml': PROJECT,
      'models/levels.sql': `select 'M1' as machine, 1 as level`,
      'endpoints/api.yml': `endpoints:
  - name: machine_level
    type: analytics
    key: machine
    analyses:
      current:
        sql: select avg(level) as level from {{ref "level"}} where machine = $machin
        metrics: { level: {} }
        insights:
          - { when: [{ metric: levle, trend: up }], text: Rising }
    parameters:
      period: { type: strng }
  - name: odd
    type: forecast
    key: machine
    model: nothing
    metrics: { temperature: t }
    intervall: 95
  - name: feed
    type: stream
    topics: [{ source: plant, table: readings }]
`,
    });
    const { diagnostics } = compileProject(readProjectFiles(dir), { env: {} });
    expect(diagnostics.map(formatDiagnostic)).toEqual([
      'endpoints/api.yml:18:5 — at endpoints[1]: unknown property "intervall" — did you mean "interval"?',
      'endpoints/api.yml:12:15 — endpoint machine_level: parameter period is not a valid JSON Schema: period/type must be equal to one of the allowed values',
      'endpoints/api.yml:7:14 — unknown ref "level" — did you mean "levels"?',
      'endpoints/api.yml:7:14 — endpoint machine_level: $machin is not a request field — did you mean "machine"?',
      'endpoints/api.yml:10:32 — endpoint machine_level: no metric "levle" — did you mean "level"?',
      'endpoints/api.yml:21:38 — endpoint feed: unknown source table plant.readings',
    ]);
  });
});
