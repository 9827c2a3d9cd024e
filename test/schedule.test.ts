import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../framework/api.js';
import type { Manifest } from '../framework/compile/manifest.js';
import type { RunEvent } from '../framework/run/results.js';
import type { RunSummary } from '../framework/schedule/alerts.js';
import { runSchedule, type ScheduleEvent } from '../framework/schedule/job.js';
import { runScheduler } from '../framework/schedule/scheduler.js';
import { compileDir, queryDb, repoRoot, writeProject } from './helpers.js';

function project(schedules: string, files: Record<string, string> = {}): { dir: string; manifest: Manifest } {
  const dir = writeProject({
    'plat_project.yml': `name: s\nmodels: { defaults: { materialized: table } }\nschedules:\n${schedules}`,
    'models/one.sql': 'select 1 as x\n',
    ...files,
  });
  return { dir, manifest: compileDir(dir) };
}

async function once(manifest: Manifest, name: string, onRunEvent?: (event: RunEvent) => void) {
  const events: ScheduleEvent[] = [];
  const summary = await runSchedule(manifest, manifest.schedules[name]!, new Date(), {
    env: {},
    onEvent: (e) => events.push(e),
    onRunEvent,
  });
  return { summary, events };
}

const nodeRuns = (dir: string, runId: number) =>
  queryDb(dir, `select name, attempt, status, error from _plat.node_runs where run_id = ${runId} order by name, attempt`);

describe('the scheduler', () => {
  it('runs an every: 1s schedule on its timetable and records each run', async () => {
    const { dir, manifest } = project('  - { name: tick, every: 1s, command: run }\n');
    const controller = new AbortController();
    const finished: Extract<ScheduleEvent, { type: 'job_finished' }>[] = [];
    await runScheduler(manifest, {
      signal: controller.signal,
      env: {},
      onEvent: (event) => {
        if (event.type !== 'job_finished') return;
        finished.push(event);
        if (finished.length === 3) controller.abort();
      },
    });
    expect(finished.map((f) => f.summary.status)).toEqual(['success', 'success', 'success']);
    const runs = await queryDb(
      dir,
      'select id, command, trigger, schedule, status, epoch_ms(scheduled_for) as at from _plat.runs order by id',
    );
    expect(runs.map((r) => [r.command, r.trigger, r.schedule, r.status])).toEqual(Array(3).fill(['run', 'schedule', 'tick', 'success']));
    expect(runs.map((r) => Number(r.id))).toEqual(finished.map((f) => f.summary.runId));
    // A second apart (or a whole number of seconds, when a run took longer than one), never the same time twice.
    const times = runs.map((r) => Number(r.at));
    for (let i = 1; i < times.length; i++) {
      expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(1000);
      expect((times[i]! - times[i - 1]!) % 1000).toBe(0);
    }
    for (const run of runs)
      expect(await nodeRuns(dir, Number(run.id))).toEqual([{ name: 'one', attempt: 1, status: 'success', error: null }]);
  });

  it('retries a transient failure (a file not there yet) and succeeds on the third attempt; the history shows all three', async () => {
    const { dir, manifest } = project('  - { name: load, every: 1h, command: run, retries: 2, retry_delay: 50ms, retry_backoff: 1 }\n', {
      'sources.yml': 'sources:\n  - name: files\n    tables:\n      - name: orders\n        file: { path: data/orders.csv }\n',
    });
    const retries: Extract<RunEvent, { type: 'node_retrying' }>[] = [];
    const { summary } = await once(manifest, 'load', (event) => {
      if (event.type !== 'node_retrying') return;
      retries.push(event);
      // The file arrives after the second failure.
      if (event.attempt === 2) {
        mkdirSync(join(dir, 'data'));
        writeFileSync(join(dir, 'data', 'orders.csv'), 'id\n1\n2\n');
      }
    });
    expect(retries.map((r) => [r.name, r.attempt, r.error.message])).toEqual([
      ['files.orders', 1, 'no file matches data/orders.csv'],
      ['files.orders', 2, 'no file matches data/orders.csv'],
    ]);
    expect(summary.status).toBe('success');
    expect(await nodeRuns(dir, summary.runId!)).toEqual([
      { name: 'files.orders', attempt: 1, status: 'error', error: 'no file matches data/orders.csv' },
      { name: 'files.orders', attempt: 2, status: 'error', error: 'no file matches data/orders.csv' },
      { name: 'files.orders', attempt: 3, status: 'success', error: null },
      { name: 'one', attempt: 1, status: 'success', error: null },
    ]);
    expect(await queryDb(dir, 'select count(*) as n from files.orders')).toEqual([{ n: 2n }]);
  });

  it('does not retry a SQL error', async () => {
    const { dir, manifest } = project('  - { name: broken, every: 1h, command: run, retries: 3, retry_delay: 50ms }\n', {
      'models/bad.sql': 'select no_such_column from {{ ref "one" }}\n',
    });
    const retried: RunEvent[] = [];
    const { summary } = await once(manifest, 'broken', (event) => event.type === 'node_retrying' && retried.push(event));
    expect(retried).toEqual([]);
    expect(summary.status).toBe('error');
    expect(summary.failures).toMatchObject([{ node: 'model.s.bad', attempts: 1, location: 'models/bad.sql:1' }]);
    const rows = await nodeRuns(dir, summary.runId!);
    expect(rows.map((r) => [r.name, r.attempt, r.status])).toEqual([
      ['bad', 1, 'error'],
      ['one', 1, 'success'],
    ]);
    expect(rows[0]!.error).toContain('no_such_column');
  });

  it('stops a node that runs longer than the timeout', async () => {
    const { dir, manifest } = project('  - { name: slow, every: 1h, command: run, timeout: 1s, select: [long] }\n', {
      'models/long.sql': 'select sum(i * i % 7) as s from range(100000000000) t(i)\n',
    });
    const { summary } = await once(manifest, 'slow');
    expect(summary.status).toBe('error');
    expect(summary.failures).toMatchObject([{ node: 'model.s.long', error: 'stopped after 1s, its time limit' }]);
    expect(await nodeRuns(dir, summary.runId!)).toEqual([
      { name: 'long', attempt: 1, status: 'error', error: 'stopped after 1s, its time limit' },
    ]);
  });

  it('waits while another process holds the database, then runs', async () => {
    const { dir, manifest } = project('  - { name: waits, every: 1h, command: run, lock_wait: 5m }\n');
    mkdirSync(join(dir, 'target'));
    // Another process opens the database for writing and keeps it until its stdin closes.
    const holder = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { DuckDBInstance } from '@duckdb/node-api';
         const db = await DuckDBInstance.create(${JSON.stringify(join(dir, 'target/plat.duckdb'))});
         console.log('holding');
         process.stdin.on('end', () => { db.closeSync(); process.exit(0); });
         process.stdin.resume();`,
      ],
      { cwd: repoRoot, stdio: ['pipe', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve, reject) => {
      holder.stdout!.once('data', () => resolve());
      holder.once('exit', (code) => reject(new Error(`the process holding the database exited with ${code}`)));
    });
    const events: string[] = [];
    const summary = await runSchedule(manifest, manifest.schedules.waits!, new Date(), {
      env: {},
      onEvent: (event) => {
        events.push(event.type);
        // Released once the scheduler has said it waits.
        if (event.type === 'lock_wait') {
          expect(event.error).toMatch(/is in use by another process \(PID \d+/);
          holder.stdin!.end();
        }
      },
    });
    expect(events).toEqual(['job_started', 'lock_wait']);
    expect(summary.status).toBe('success');
    expect(await queryDb(dir, 'select status from _plat.runs')).toEqual([{ status: 'success' }]);
  });

  it('POSTs the failure summary to the webhook', async () => {
    const received: { path: string; type: string; body: RunSummary }[] = [];
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      request.on('end', () => {
        received.push({ path: request.url!, type: request.headers['content-type']!, body: JSON.parse(body) });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/plat`;
    try {
      const { manifest } = project(`  - { name: nightly, cron: "0 3 * * *", command: build, alerts: { webhook: "${url}" } }\n`, {
        'models/bad.sql': "select 1 / 0 as x, cast('x' as integer) as y\n",
      });
      const { summary, events } = await once(manifest, 'nightly');
      expect(events.filter((e) => e.type === 'alert')).toEqual([
        { type: 'alert', schedule: 'nightly', outcome: { channel: 'webhook', ok: true, detail: `${url} answered 204` } },
      ]);
      expect(received).toHaveLength(1);
      expect(received[0]).toMatchObject({ path: '/hooks/plat', type: 'application/json' });
      expect(received[0]!.body).toEqual(summary);
      expect(received[0]!.body).toMatchObject({
        project: 's',
        schedule: 'nightly',
        command: 'build',
        status: 'error',
        failures: [{ node: 'model.s.bad', kind: 'model', status: 'error', location: 'models/bad.sql:1', attempts: 1 }],
      });
      expect(received[0]!.body.failures[0]!.error).toContain("Could not convert string 'x' to INT32");
    } finally {
      server.close();
    }
  });

  it('gives the summary of a run that warned to the alert command, in the project folder', async () => {
    const { dir, manifest } = project(
      '  - { name: checks, every: 1h, command: build, alerts: { command: "cat > alert.json; echo $PLAT_RUN_STATUS $PLAT_SCHEDULE > status.txt", on: [warning] } }\n',
      {
        'models/one.yml':
          'models:\n  - name: one\n    columns:\n      - { name: x, tests: [{ accepted_values: { values: [2], severity: warn } }] }\n',
      },
    );
    const { summary, events } = await once(manifest, 'checks');
    expect(summary.status).toBe('warn');
    expect(events.filter((e) => e.type === 'alert').map((e) => e.type === 'alert' && e.outcome.ok)).toEqual([true]);
    expect(JSON.parse(readFileSync(join(dir, 'alert.json'), 'utf8'))).toEqual(summary);
    expect(summary.warnings).toEqual([{ node: expect.stringMatching(/^test\.s\.accepted_values_one_x/), kind: 'test', failures: 1 }]);
    expect(readFileSync(join(dir, 'status.txt'), 'utf8')).toBe('warn checks\n');
  });

  it("records what a training's min_rows gate decided", async () => {
    const { dir, manifest } = project('  - { name: train, every: 1d, command: train }\n', {
      'models/one.sql': 'select i as id, i * 1.0 as x, i > 2 as bought from range(5) t(i)\n',
      'ml/m.yml': [
        'feature_sets:',
        '  - { name: fs, entity: id, sql: "select id, x from {{ref \'one\'}}", features: [{ name: x }] }',
        'models:',
        '  - name: m',
        '    feature_set: fs',
        '    task: binary',
        '    label: { sql: "select id, bought as label from {{ref \'one\'}}" }',
        '    min_rows: 100',
        '',
      ].join('\n'),
    });
    await run(manifest, { select: ['one'], env: {} });
    const { summary } = await once(manifest, 'train');
    expect(summary.status).toBe('success');
    expect(await queryDb(dir, `select name, kind, status, detail from _plat.node_runs where run_id = ${summary.runId}`)).toEqual([
      { name: 'm', kind: 'ml_train', status: 'success', detail: 'skipped: 5 rows < min_rows 100' },
    ]);
  });

  it('skips a run whose dependency last failed, saying why', async () => {
    const { dir, manifest } = project(
      '  - { name: first, every: 1h, command: run, select: [bad] }\n  - { name: second, every: 1h, command: run, select: [one], depends_on: first }\n',
      { 'models/bad.sql': 'select nope\n' },
    );
    expect((await once(manifest, 'first')).summary.status).toBe('error');
    const { summary } = await once(manifest, 'second');
    expect(summary).toMatchObject({ status: 'skipped', error: 'the latest run of first (run 1), which it depends on, ended error' });
    expect(await queryDb(dir, 'select schedule, status, error from _plat.runs order by id')).toEqual([
      { schedule: 'first', status: 'error', error: null },
      { schedule: 'second', status: 'skipped', error: 'the latest run of first (run 1), which it depends on, ended error' },
    ]);
  });
});
