import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { cli, plat, queryDb, writeProject } from './helpers.js';

const files = {
  'plat_project.yml': 'name: h\nmodels: { defaults: { materialized: table } }\n',
  'models/base.sql': 'select 1 as id\n',
  'models/broken.sql': 'select id, nope from {{ ref "base" }}\n',
};

describe('run history', () => {
  it('records every CLI run, and plat runs lists them and shows one node by node', async () => {
    const dir = writeProject(files);
    expect(plat(['run', '--select', 'base'], dir).code).toBe(0);
    expect(plat(['build'], dir).code).toBe(1);
    const runs = await queryDb(dir, 'select id, command, trigger, status, nodes, errors, schedule from _plat.runs order by id');
    expect(runs).toEqual([
      { id: 1n, command: 'run', trigger: 'cli', status: 'success', nodes: 1, errors: 0, schedule: null },
      { id: 2n, command: 'build', trigger: 'cli', status: 'error', nodes: 2, errors: 1, schedule: null },
    ]);

    const listed = plat(['runs'], dir);
    expect(listed.code).toBe(0);
    const lines = listed.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^id\s+status\s+command\s+by\s+started\s+took\s+nodes\s+problems$/);
    expect(lines[2]).toMatch(/^ 2\s+error\s+build\s+cli\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\s+\d+\.\d\ds\s+2\s+1 error$/);
    expect(lines[3]).toMatch(/^ 1\s+success\s+run\s+cli\s/);

    const shown = plat(['runs', 'show', '2'], dir);
    expect(shown.code).toBe(0);
    const [head, ...nodes] = shown.stdout.trimEnd().split('\n');
    expect(head).toMatch(/^run 2 ERROR: plat build \(cli\), started \S+ \S+, took \d+\.\d\ds$/);
    expect(nodes[0]).toMatch(/^1 SUCCESS model base .* \+\d+\.\d\ds 1 row$/);
    expect(nodes[1]).toMatch(/^2 ERROR\s+model broken /);
    expect(nodes[2]).toMatch(/^ {6}models\/broken\.sql:1: .*nope/);

    const json = JSON.parse(plat(['runs', 'show', '2', '--json'], dir).stdout);
    expect(json.run).toMatchObject({ id: 2, command: 'build', status: 'error', trigger: 'cli' });
    expect(json.nodes.map((n: { name: string; status: string; attempt: number }) => [n.name, n.status, n.attempt])).toEqual([
      ['base', 'success', 1],
      ['broken', 'error', 1],
    ]);
    expect(JSON.parse(plat(['runs', '--json', '--limit', '1'], dir).stdout).map((r: { id: number }) => r.id)).toEqual([2]);

    const missing = plat(['runs', 'show', '9'], dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('error no run 9 in the history\nhint: `plat runs` lists the recorded runs\n');
  });

  it('says so when nothing was recorded yet', () => {
    const dir = writeProject(files);
    expect(plat(['runs'], dir).stdout).toBe(
      'No runs recorded yet: every plat run, build, test, stream and scheduled run is recorded in _plat.runs.\n',
    );
  });
});

describe('plat_project.yml schedules', () => {
  it('reports mistakes at their line and column, with did-you-mean hints', () => {
    const dir = writeProject({
      'plat_project.yml': [
        'name: v',
        'schedules:',
        '  - name: hourly',
        '    cron: "0 * * *"',
        '    retrys: 2',
        '  - name: daily',
        '    every: 1d',
        '    timezone: Europe/Berln',
        '    depends_on: [hourli]',
        '  - name: both',
        '    every: 5m',
        '    cron: "@daily"',
        '    command: bild',
        '',
      ].join('\n'),
      'models/one.sql': 'select 1 as x\n',
    });
    const { code, stderr } = plat(['schedule'], dir);
    expect(code).toBe(1);
    const errors = stderr.trimEnd().split('\n');
    expect(errors).toEqual(
      expect.arrayContaining([
        'error plat_project.yml:5:5 — at schedules[0]: unknown property "retrys" — did you mean "retries"?',
        'error plat_project.yml:13:14 — at schedules[2].command: "bild" is not one of build, run, test, ingest, train — did you mean "build"?',
        'error plat_project.yml:4:11 — schedule "hourly": "0 * * *" has 4 fields; cron takes 5: minute hour day-of-month month day-of-week',
        'error plat_project.yml:8:15 — schedule "daily": unknown time zone "Europe/Berln" — did you mean "Europe/Berlin"?',
        'error plat_project.yml:9:18 — schedule "daily" depends on "hourli", which is no schedule — did you mean "hourly"?',
        'error plat_project.yml:10:11 — schedule "both": give only one of cron or every — cron: "0 * * * *" (every hour), or every: 15m',
      ]),
    );
    expect(errors.at(-1)).toBe('6 errors; the scheduler did not start');
  });

  it('refuses plat schedule --once with a name that is no schedule', () => {
    const dir = writeProject({
      'plat_project.yml': 'name: v\nschedules:\n  - { name: hourly, cron: "0 * * * *" }\n',
      'models/one.sql': 'select 1 as x\n',
    });
    const { code, stderr } = plat(['schedule', '--once', 'hourli'], dir);
    expect(code).toBe(2);
    expect(stderr).toBe('error no schedule "hourli"\nhint: did you mean "hourly"?\n');
  });
});

/** The JSON lines a `plat schedule --json` child prints, awaited one condition at a time. */
function lines(child: ChildProcess) {
  const seen: Record<string, unknown>[] = [];
  const waiting: { test: (line: Record<string, unknown>) => boolean; resolve: (line: Record<string, unknown>) => void }[] = [];
  createInterface({ input: child.stdout! }).on('line', (text) => {
    if (!text.startsWith('{')) return;
    const line = JSON.parse(text) as Record<string, unknown>;
    seen.push(line);
    for (const w of waiting.splice(0)) w.test(line) ? w.resolve(line) : waiting.push(w);
  });
  return {
    seen,
    next: (test: (line: Record<string, unknown>) => boolean) =>
      new Promise<Record<string, unknown>>((resolve) => {
        const found = seen.find(test);
        if (found) resolve(found);
        else waiting.push({ test, resolve });
      }),
  };
}

describe('a scheduler killed with -9', () => {
  it('marks the interrupted run aborted on restart, does not run that time again, and resumes the timetable', async () => {
    const dir = writeProject({
      'plat_project.yml':
        'name: k\nvars: { n: 10 }\nmodels: { defaults: { materialized: table } }\nschedules:\n  - { name: tick, every: 1s, command: run }\n',
      // Slow while n is large: the first scheduler is killed in the middle of it.
      'models/spin.sql': 'select sum(i * i % 7) as s from range({{ var "n" }}) t(i)\n',
    });
    const start = (vars: string) =>
      spawn(process.execPath, [cli, 'schedule', '--json', '--vars', vars], {
        cwd: dir,
        env: { ...process.env, NO_COLOR: '1', KAFKA_BROKERS: '' },
      });

    const first = start('{"n": 100000000000}');
    const firstLines = lines(first);
    await firstLines.next((l) => l.type === 'node_started');
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    const interrupted = firstLines.seen.find((l) => l.type === 'job_started')!;

    const second = start('{"n": 10}');
    const secondLines = lines(second);
    const aborted = await secondLines.next((l) => l.type === 'runs_aborted');
    let finished = 0;
    await secondLines.next((l) => l.type === 'job_finished' && ++finished === 2);
    second.kill('SIGINT');
    const code = await new Promise((resolve) => second.once('exit', resolve));
    expect(code).toBe(0);
    expect(secondLines.seen.at(-1)).toEqual({ type: 'scheduler_stopped' });

    expect(aborted.runs).toEqual([{ id: 1, schedule: 'tick', startedAt: expect.any(String) }]);
    const runs = await queryDb(dir, 'select id, status, error, epoch_ms(scheduled_for) as at from _plat.runs order by id');
    expect(runs[0]).toMatchObject({ id: 1n, status: 'aborted', at: BigInt(Date.parse(interrupted.scheduledFor as string)) });
    expect(runs[0]!.error).toMatch(/^its process \(PID \d+\) stopped before it finished$/);
    expect(runs.length).toBeGreaterThanOrEqual(3);
    expect(new Set(runs.slice(1).map((r) => r.status))).toEqual(new Set(['success']));
    // Each time once, in order, on the 1s timetable that started with the interrupted run.
    const times = runs.map((r) => Number(r.at));
    for (let i = 1; i < times.length; i++) {
      expect(times[i]!).toBeGreaterThan(times[i - 1]!);
      expect((times[i]! - times[0]!) % 1000).toBe(0);
    }
  });
});

describe('plat serve with schedules', () => {
  it('runs the scheduler beside the API until Ctrl-C', async () => {
    const dir = writeProject({
      'plat_project.yml':
        'name: v\nmodels: { defaults: { materialized: table } }\nschedules:\n  - { name: tick, every: 1s, command: run }\n',
      'models/one.sql': 'select 1 as x\n',
    });
    const server = spawn(process.execPath, [cli, 'serve', '--port', '0', '--no-llm'], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1', KAFKA_BROKERS: '' },
    });
    const url = new Promise<string>((resolve) =>
      createInterface({ input: server.stdout! }).on('line', (line) => {
        const found = /serving agent \S+ on (\S+)/.exec(line)?.[1];
        if (found) resolve(found);
      }),
    );
    let succeeded = 0;
    await new Promise<void>((resolve) =>
      createInterface({ input: server.stderr! }).on('line', (line) => {
        if (/^SUCCESS tick \(run, run \d+\)/.test(line) && ++succeeded === 2) resolve();
      }),
    );
    expect((await fetch(`${await url}/health`)).status).toBe(200);
    server.kill('SIGINT');
    expect(await new Promise((resolve) => server.once('exit', resolve))).toBe(0);
    const runs = await queryDb(dir, "select distinct trigger, schedule, status from _plat.runs where status <> 'running'");
    expect(runs).toEqual([{ trigger: 'schedule', schedule: 'tick', status: 'success' }]);
  });
});
