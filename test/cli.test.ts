import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, writeFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, copyProject, fixture, plat, repoRoot } from './helpers.js';

/** The example, built once as `npx plat build` builds it from the repository root; tests that only read it share it. */
let built: string;
let buildRun: ReturnType<typeof plat>;
beforeAll(() => {
  const root = mkdtempSync(join(tmpdir(), 'plat-test-'));
  built = join(root, 'project');
  cpSync(copyProject(join(repoRoot, 'project')), built, { recursive: true });
  buildRun = plat(['build'], root);
});

/** A copy of the built example, with its database, for a test that changes it. */
function builtCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'plat-test-'));
  cpSync(built, dir, { recursive: true });
  return dir;
}

const noStackTrace = (text: string) => expect(text).not.toMatch(/^\s+at .*\(?(file:|node:|\/).*\d+:\d+\)?$/m);

describe('plat CLI', () => {
  it('builds the example with one line per node and a summary, exit 0', () => {
    const { code, stdout } = buildRun;
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toBe(
      'plat build: 59 nodes (1 source, 10 models, 38 tests, 1 training, 1 scoring, 8 agent tools) on project/target/plat.duckdb, 4 threads',
    );
    expect(lines).toContain(
      'note: source ecommerce.events: no Kafka broker configured (KAFKA_BROKERS unset), filling bronze.events from its generator',
    );
    expect(stdout).toMatch(/^ ?\d+ of 59 OK {4}source bronze\.events \.+ 100,000 rows in \d+\.\d\ds$/m);
    expect(stdout).toMatch(/^ ?\d+ of 59 OK {4}table marts\.revenue_per_hour \.+ 48 rows in \d+\.\d\ds$/m);
    expect(stdout).toMatch(/^ ?\d+ of 59 OK {4}incremental intermediate\.int_events_classified \.+ 100,000 rows in \d+\.\d\ds$/m);
    expect(stdout).toMatch(/^Finished 59 nodes in \d+\.\d\ds: 53 OK, 6 warnings, 0 errors, 0 skipped$/m);
    expect(stdout).toMatch(
      /^ {2}ML purchase_propensity \(v1 promoted, trained now\): accuracy 0\.\d{3}, .*roc_auc 0\.\d{3}, log_loss 0\.\d{3}, threshold 0\.500$/m,
    );
    expect(stdout).toMatch(/^ ?\d+ of 59 WARN {2}test not_null_source_ecommerce_events_user_id \.+ \d+ failing rows in \d+\.\d\ds$/m);
    expect(stdout).toMatch(/^ ?\d+ of 59 PASS {2}test unique_stg_events_event_id \.+ in \d+\.\d\ds$/m);
    expect(stdout).not.toContain('\x1b[');
    const results = JSON.parse(readFileSync(join(built, 'target/run_results.json'), 'utf8'));
    expect(results.results).toHaveLength(59);
    expect(results.results.find((r: { name: string }) => r.name === 'unique_stg_events_event_id')).toMatchObject({
      kind: 'test',
      status: 'pass',
      failures: 0,
    });
    expect(existsSync(join(built, 'target/manifest.json'))).toBe(true);
    expect(readFileSync(join(built, 'target/compiled/models/intermediate/int_hourly_shoppers.sql'), 'utf8')).toContain(
      "date_trunc('hour', cast(event_ts at time zone 'UTC' as timestamp(6)))",
    );
  });

  it('answers read-only queries as a table or JSON', () => {
    const table = plat(['query', 'select hour_window, purchase_count from marts.revenue_per_hour order by 1 limit 2'], built);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^hour_window\s+purchase_count$/);
    expect(table.stderr).toContain('2 rows');
    const json = plat(['query', '--json', 'select count(*) as n from marts.active_users_per_hour'], built);
    expect(JSON.parse(json.stdout)).toEqual([{ n: 48 }]);
    const write = plat(['query', 'create table marts.x as select 1'], built);
    expect(write.code).toBe(1);
    expect(write.stderr).toContain('read-only');
  });

  it('lists nodes by selector, as a table or JSON', () => {
    const { stdout } = plat(['ls', '--select', '+revenue_per_hour', '--output', 'name', '--resource-type', 'model', 'source'], built);
    expect(stdout.trim().split('\n').sort()).toEqual([
      'ecommerce.events',
      'int_events_classified',
      'int_hourly_event_counts',
      'int_hourly_shoppers',
      'revenue_per_hour',
      'stg_events',
    ]);
    const json = JSON.parse(plat(['ls', '--json', '--select', 'tag:ml,resource_type:model', '--resource-type', 'model'], built).stdout);
    expect(json).toEqual([
      expect.objectContaining({
        kind: 'model',
        name: 'user_features',
        relation: 'marts.user_features',
        path: 'models/marts/user_features.sql',
      }),
    ]);
  });

  it('fails a second run on the same database while the first runs, with a clear lock message', async () => {
    const dir = builtCopy();
    const first = spawn(process.execPath, [cli, 'run'], { cwd: dir, env: { ...process.env, NO_COLOR: '1', KAFKA_BROKERS: '' } });
    const exited = new Promise((resolve) => first.on('exit', resolve));
    let output = '';
    await new Promise<void>((resolve) => {
      first.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('plat run:')) resolve();
      });
    });
    // Held still with the database open, so the second run meets a writer that is certainly running.
    first.kill('SIGSTOP');
    try {
      const second = plat(['run'], dir);
      expect(second.code).toBe(1);
      expect(second.stderr).toMatch(
        new RegExp(
          `error target/plat\\.duckdb is in use by another process \\(PID ${first.pid}, .*\\); DuckDB allows one writer at a time`,
        ),
      );
      expect(first.exitCode).toBeNull();
    } finally {
      first.kill('SIGCONT');
    }
    expect(await exited).toBe(0);
  });

  it('exits 1 with diagnostics and builds nothing for an invalid project', () => {
    const { code, stderr, stdout } = plat(['build', '--project-dir', fixture('unknown_ref')], repoRoot);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('error models/revenue.sql:4:6 — unknown ref "stg_order" — did you mean "stg_orders"?');
    expect(stderr).toContain('2 errors; nothing was run');
    expect(existsSync(join(fixture('unknown_ref'), 'target'))).toBe(false);
  });

  it('prints the failing model file and line, exits 1', () => {
    const broken = builtCopy();
    const path = join(broken, 'models/marts/active_users_per_hour.sql');
    writeFileSync(path, readFileSync(path, 'utf8').replace('    active_users\n', '    active_users,\n    missing_column\n'));
    const { code, stdout } = plat(['run', '--select', 'active_users_per_hour'], broken);
    expect(code).toBe(1);
    expect(stdout).toMatch(/ERROR table marts\.active_users_per_hour/);
    expect(stdout).toContain('models/marts/active_users_per_hour.sql:5: Binder Error: Referenced column "missing_column" not found');
  });

  it('prints JSON events with --json', () => {
    const { stdout } = plat(['run', '--json', '--select', 'source:ecommerce'], builtCopy());
    const events = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(events.map((e) => e.type)).toEqual(['run_started', 'node_started', 'note', 'node_finished', 'run_finished']);
    expect(events[3].result).toMatchObject({ name: 'ecommerce.events', status: 'success', rows: 100000 });
  });

  it('colours output unless NO_COLOR is set', () => {
    const coloured = plat(['ls', '--select', 'stg_events', '--project-dir', built], repoRoot, { NO_COLOR: '', FORCE_COLOR: '1' });
    expect(plat(['build', '--select', 'nothing_matches'], built, { FORCE_COLOR: '1' }).stderr).not.toContain('\x1b[');
    const withColour = plat(['build', '--select', 'nothing_matches'], built, { FORCE_COLOR: '1', NO_COLOR: '' });
    expect(coloured.code).toBe(0);
    expect(withColour.stdout + withColour.stderr).toContain('\x1b[');
  });

  it('scaffolds a project with init that builds at once, and clean removes target/', () => {
    const parent = mkdtempSync(join(tmpdir(), 'plat-init-'));
    const init = plat(['init', 'shop'], parent);
    expect(init.code).toBe(0);
    expect(init.stdout).toContain('created shop/models/staging/stg_orders.sql');
    const built = plat(['build', '--project-dir', 'shop'], parent);
    expect(built.code).toBe(0);
    expect(built.stdout).toMatch(/OK {4}table marts\.daily_revenue \.+ 7 rows/);
    expect(built.stdout).toMatch(/OK {4}seed main\.order_statuses \.+ 2 rows/);
    expect(built.stdout).toMatch(/OK {4}snapshot snapshots\.orders_history \.+ 1,000 rows/);
    expect(plat(['init', 'shop'], parent).stderr).toContain('exists and is not empty');
    expect(plat(['clean', '--project-dir', 'shop'], parent).code).toBe(0);
    expect(existsSync(join(parent, 'shop/target'))).toBe(false);
  });

  it('rejects bad arguments with usage errors (exit 2)', () => {
    expect(plat(['run', '--threads', 'zero'], built)).toMatchObject({ code: 2 });
    expect(plat(['run', '--vars', '[1]'], built).stderr).toContain('--vars must be a JSON object');
    expect(plat(['docs', 'serve', '--port', 'abc'], built)).toMatchObject({
      code: 2,
      stderr: 'error expected a port from 0 to 65535 (0 picks a free one), got "abc"\n',
    });
    expect(plat(['ls', '--output', 'names'], built)).toMatchObject({
      code: 2,
      stderr: 'error --output must be one of table, name, id, path, not "names"\nhint: did you mean "name"?\n',
    });
  });
});

describe('plat CLI: usage, exit codes and wording', () => {
  it('exits 2 for an unknown command or option, as the README says', () => {
    const command = plat(['bild'], built);
    expect(command.code).toBe(2);
    expect(command.stderr).toContain("error: unknown command 'bild'");
    const option = plat(['build', '--selekt', 'x'], built);
    expect(option.code).toBe(2);
    expect(option.stderr).toContain("error: unknown option '--selekt'");
    expect(plat(['query'], built).code).toBe(2);
    expect(plat(['--version'], built)).toMatchObject({ code: 0, stdout: expect.stringMatching(/^\d+\.\d+\.\d+\n$/) });
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    expect(readme).toContain('Exit codes: 0 success, 1 a failed node or invalid project, 2 bad\narguments');
  });

  it('suggests a next command after init that runs where init ran (npx plat, not a bare plat)', () => {
    const parent = mkdtempSync(join(tmpdir(), 'plat-init-'));
    expect(plat(['init', 'shop'], parent).stdout).toContain('\nNext: npx plat build --project-dir shop\n');
  });

  it('says "1 node", "1 thread", "1 row" and "1 model", never "1 nodes"', () => {
    const dir = builtCopy();
    const { stdout } = plat(['run', '--select', 'revenue_per_hour', '--threads', '1'], dir);
    expect(stdout.split('\n')[0]).toBe('plat run: 1 node (1 model) on target/plat.duckdb, 1 thread');
    expect(stdout).toMatch(/^Finished 1 node in \d+\.\d\ds: 1 OK, 0 warnings, 0 errors, 0 skipped$/m);
    expect(plat(['query', 'select 1 as one'], built).stderr).toContain('1 row');
    expect(plat(['query', 'select 1 as one'], built).stderr).not.toContain('1 rows');
  });

  it('reports what compile compiled by kind, not tests as sources', () => {
    const { code, stderr } = plat(['compile'], builtCopy());
    expect(code).toBe(0);
    expect(stderr).toContain(
      'Compiled 59 nodes (1 source, 10 models, 38 tests, 1 training, 1 scoring, 8 agent tools) to target/manifest.json',
    );
  });

  it('labels every kind in ls: agent tools are agent tools, not ML scoring', () => {
    const nodes = JSON.parse(plat(['ls', '--json'], built).stdout) as { kind: string; name: string; materialized: string }[];
    const label = (name: string) => nodes.find((n) => n.name === name)!.materialized;
    expect(label('revenue_trend')).toBe('agent tool');
    expect(label('predictions_purchase_propensity')).toBe('ml scoring');
    expect(label('purchase_propensity')).not.toBe('ml scoring');
    expect(new Set(nodes.filter((n) => n.kind === 'agent_tool').map((n) => n.materialized))).toEqual(new Set(['agent tool']));
  });

  it("runs the README's ml predict example as written", () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const example = /^npx plat ml predict (\S+) '(\{.*\})'$/m.exec(readme);
    expect(example).not.toBeNull();
    const { code, stdout, stderr } = plat(['ml', 'predict', example![1]!, example![2]!], built);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ model: 'purchase_propensity', version: 'v1', probability: expect.any(Number) });
  });

  it("the README's sample output is the head of a real build", () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const sample = /```\n(plat build: .*)\n(note: .*)\n/.exec(readme);
    expect(sample).not.toBeNull();
    const [header, note] = buildRun.stdout.split('\n');
    expect([sample![1], sample![2]]).toEqual([header, note]);
    expect(readme).toMatch(new RegExp(`^Finished ${buildRun.stdout.match(/^Finished (\d+) nodes/m)![1]} nodes in`, 'm'));
  });
});

describe('plat CLI: a --select that matches nothing', () => {
  it.each([['build'], ['run'], ['test'], ['compile']])(
    '%s exits 2, names the term and suggests the closest name, and runs nothing',
    (verb) => {
      const dir = builtCopy();
      const before = readFileSync(join(dir, 'target/run_results.json'), 'utf8');
      const { code, stdout, stderr } = plat([verb, '--select', 'stg_evnts'], dir);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toContain('error no node matches "stg_evnts" — did you mean "stg_events"?');
      expect(readFileSync(join(dir, 'target/run_results.json'), 'utf8')).toBe(before);
    },
  );

  it('refuses it before watching too (build --watch)', () => {
    // Killed after a minute if it starts watching instead, so the test fails rather than hangs.
    const watched = spawnSync(process.execPath, [cli, 'build', '--watch', '--select', 'stg_evnts'], {
      cwd: built,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, NO_COLOR: '1', KAFKA_BROKERS: '' },
    });
    expect(watched.status).toBe(2);
    expect(watched.stderr).toBe('error no node matches "stg_evnts" — did you mean "stg_events"?\n');
  });

  it('checks every term of a union and says which one matched nothing', () => {
    const { code, stderr } = plat(['run', '--select', 'revenue_per_hour tag:mrts', 'stg_events'], built);
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toEqual(['error no node matches "tag:mrts" — did you mean "marts"?']);
  });

  it('checks --exclude terms too, and intersections that leave nothing', () => {
    expect(plat(['run', '--exclude', 'conversion_rat'], built)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('error no node matches --exclude "conversion_rat" — did you mean "conversion_rate"?'),
    });
    expect(plat(['run', '--select', 'tag:ml,stg_events'], built)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('no node matches "tag:ml,stg_events" — each part matches nodes, but no node matches all of them'),
    });
  });

  it('ls only warns (listing nothing is an answer), and an empty state:modified is no mistake', () => {
    const ls = plat(['ls', '--select', 'stg_evnts'], built);
    expect(ls.code).toBe(0);
    expect(ls.stderr).toContain('warning no node matches "stg_evnts" — did you mean "stg_events"?');
    const unchanged = plat(['build', '--select', 'state:modified+'], builtCopy());
    expect(unchanged.code).toBe(0);
    expect(unchanged.stdout).toMatch(/^plat build: 0 nodes \(none\)/);
  });
});

describe('plat ls', () => {
  it('lists what build would run for the same selection, tests included', () => {
    const listed = plat(['ls', '--select', '+revenue_per_hour', '--output', 'id'], built).stdout.trim().split('\n');
    const run = plat(['build', '--select', '+revenue_per_hour', '--json'], builtCopy());
    const ran = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
      .filter((e) => e.type === 'node_finished')
      .map((e) => e.result.uniqueId);
    expect(listed.filter((id) => id.startsWith('test.')).length).toBeGreaterThan(10);
    expect([...listed].sort()).toEqual([...ran].sort());
  });

  it('filters by --resource-type, with a did-you-mean for an unknown kind', () => {
    const tests = plat(['ls', '--select', '+revenue_per_hour', '--resource-type', 'test', '--output', 'name'], built)
      .stdout.trim()
      .split('\n');
    expect(tests).toContain('unique_revenue_per_hour_hour_window');
    expect(tests).not.toContain('revenue_per_hour');
    expect(plat(['ls', '--resource-type', 'modle'], built)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('hint: did you mean "model"?'),
    });
  });
});

describe('plat query', () => {
  it('prints dates, times, timestamps, intervals and blobs as DuckDB writes them, in a table and in JSON', () => {
    const sql =
      "select date '2024-01-15' as d, time '10:30:00' as t, timestamp '2024-01-15 10:00:00' as ts, interval 1 day + interval 2 hour as i, '\\xAA\\x00'::blob as b, [date '2024-01-01'] as ds, 42::bigint as n";
    const table = plat(['query', sql], built);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[2]).toMatch(
      /^2024-01-15 {2}10:30:00 {2}2024-01-15 10:00:00 {2}1 day 02:00:00 {2}\\xAA\\x00 {2}\["2024-01-01"\] {2}42$/,
    );
    expect(JSON.parse(plat(['query', '--json', sql], built).stdout)).toEqual([
      { d: '2024-01-15', t: '10:30:00', ts: '2024-01-15 10:00:00', i: '1 day 02:00:00', b: '\\xAA\\x00', ds: ['2024-01-01'], n: 42 },
    ]);
  });

  it('runs every statement and prints each result; a failing one is named', () => {
    const both = plat(['query', 'select 1 as a; select 2 as b'], built);
    expect(both.code).toBe(0);
    expect(both.stdout).toBe('a\n─\n1\n\nb\n─\n2\n');
    expect(JSON.parse(plat(['query', '--json', 'select 1 as a; select 2 as b'], built).stdout)).toEqual([[{ a: 1 }], [{ b: 2 }]]);
    expect(plat(['query', 'select 1; select nope'], built)).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('error statement 2 of 2: Binder Error'),
    });
    expect(plat(['query', ' ; '], built)).toMatchObject({ code: 2, stderr: expect.stringContaining('error there is no statement to run') });
  });
});

describe('plat CLI: environment errors', () => {
  it('says in one line that target/ is a file where a folder must be, exit 1, no stack trace', () => {
    const dir = copyProject(join(repoRoot, 'project'));
    writeFileSync(join(dir, 'target'), 'not a folder');
    for (const verb of ['compile', 'build']) {
      const { code, stderr } = plat([verb], dir);
      expect(code).toBe(1);
      expect(stderr).toBe(
        'error cannot remove target/compiled: target is a file, where a folder is needed (ENOTDIR)\nhint: move or remove target, then run again\n',
      );
    }
  });

  it.runIf(existsSync('/dev/full'))('names the file it could not write on a full disk (ENOSPC)', () => {
    const dir = builtCopy();
    // Every write to /dev/full fails with ENOSPC, as on a full disk.
    rmSync(join(dir, 'target/run_results.json'));
    symlinkSync('/dev/full', join(dir, 'target/run_results.json'));
    const { code, stderr } = plat(['run', '--select', 'revenue_per_hour'], dir);
    expect(code).toBe(1);
    expect(stderr).toBe(
      'error cannot write target/run_results.json: no space left on the device (ENOSPC)\nhint: free some space on the disk that holds target/run_results.json (`plat clean` removes target/), then run again\n',
    );
  });

  const canDropPrivileges = process.getuid?.() === 0 && spawnSync('setpriv', ['--version']).status === 0;
  it.runIf(canDropPrivileges)('names the path it may not write and what to do, as a user without write access (EACCES)', () => {
    const dir = builtCopy();
    chmodSync(dir, 0o555);
    chmodSync(join(dir, 'target'), 0o555);
    const asNobody = (args: string[]) => {
      const result = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, cli, ...args], {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1', KAFKA_BROKERS: '' },
      });
      return { code: result.status, stderr: result.stderr };
    };
    try {
      const compile = asNobody(['compile']);
      expect(compile.code).toBe(1);
      expect(compile.stderr).toBe(
        "error cannot remove target/compiled: permission denied (EACCES)\nhint: give this user access to target (plat writes everything under the project's target/), or run plat on a copy of the project you own\n",
      );
      const clean = asNobody(['clean']);
      expect(clean.code).toBe(1);
      expect(clean.stderr).toMatch(/^error cannot remove target: permission denied \(EACCES\)\nhint: give this user access to \. /);
      noStackTrace(compile.stderr + clean.stderr);
    } finally {
      chmodSync(dir, 0o755);
      chmodSync(join(dir, 'target'), 0o755);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits quietly, code 0, when the reader of its output goes away (plat ls | head -1)', async () => {
    const child = spawn(process.execPath, [cli, 'ls', '--output', 'name'], {
      cwd: built,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
