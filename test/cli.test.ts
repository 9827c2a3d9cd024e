import { spawn } from 'node:child_process';
import { existsSync, writeFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, copyProject, fixture, plat, repoRoot } from './helpers.js';

let dir: string;
beforeAll(() => {
  dir = copyProject(join(repoRoot, 'project'));
});

describe('plat CLI', () => {
  it('builds the example with one line per node and a summary, exit 0', () => {
    const { code, stdout } = plat(['build'], dir);
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toBe('plat build: 56 nodes (1 source, 8 models, 37 tests, 1 training, 1 scoring, 8 agent tools) on target/plat.duckdb, 4 threads');
    expect(lines).toContain('note: source ecommerce.events: no Kafka broker configured (KAFKA_BROKERS unset), filling bronze.events from its generator');
    expect(stdout).toMatch(/^ ?\d+ of 56 OK {4}source bronze\.events \.+ 100,000 rows in \d+\.\d\ds$/m);
    expect(stdout).toMatch(/^ ?\d+ of 56 OK {4}table marts\.revenue_per_hour \.+ 48 rows in \d+\.\d\ds$/m);
    expect(stdout).toMatch(/^ ?\d+ of 56 OK {4}ephemeral int_events_classified \.+ inlined$/m);
    expect(stdout).toMatch(/^Finished 56 nodes in \d+\.\d\ds: 50 OK, 6 warnings, 0 errors, 0 skipped$/m);
    expect(stdout).toMatch(/^ {2}ML purchase_propensity \(v1 promoted, trained now\): accuracy 0\.\d{3}, .*roc_auc 0\.\d{3}, log_loss 0\.\d{3}$/m);
    expect(stdout).toMatch(/^ ?\d+ of 56 WARN  test not_null_source_ecommerce_events_user_id \.+ \d+ failing rows in \d+\.\d\ds$/m);
    expect(stdout).toMatch(/^ ?\d+ of 56 PASS  test unique_stg_events_event_id \.+ in \d+\.\d\ds$/m);
    expect(stdout).not.toContain('\x1b[');
    const results = JSON.parse(readFileSync(join(dir, 'target/run_results.json'), 'utf8'));
    expect(results.results).toHaveLength(56);
    expect(results.results.find((r: { name: string }) => r.name === 'unique_stg_events_event_id')).toMatchObject({ kind: 'test', status: 'pass', failures: 0 });
    expect(existsSync(join(dir, 'target/manifest.json'))).toBe(true);
    expect(readFileSync(join(dir, 'target/compiled/models/marts/revenue_per_hour.sql'), 'utf8')).toContain('date_trunc(\'hour\', event_ts at time zone \'UTC\')');
  });

  it('answers read-only queries as a table or JSON', () => {
    const table = plat(['query', 'select hour_window, purchase_count from marts.revenue_per_hour order by 1 limit 2'], dir);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^hour_window\s+purchase_count$/);
    expect(table.stderr).toContain('2 rows');
    const json = plat(['query', '--json', 'select count(*) as n from marts.active_users_per_hour'], dir);
    expect(JSON.parse(json.stdout)).toEqual([{ n: 48 }]);
    const write = plat(['query', 'create table marts.x as select 1'], dir);
    expect(write.code).toBe(1);
    expect(write.stderr).toContain('read-only');
  });

  it('lists nodes by selector, as a table or JSON', () => {
    const { stdout } = plat(['ls', '--select', '+revenue_per_hour', '--output', 'name'], dir);
    expect(stdout.trim().split('\n').sort()).toEqual(['ecommerce.events', 'int_events_classified', 'int_hourly_event_counts', 'revenue_per_hour', 'stg_events']);
    const json = JSON.parse(plat(['ls', '--json', '--select', 'tag:ml,resource_type:model'], dir).stdout);
    expect(json).toEqual([expect.objectContaining({ kind: 'model', name: 'user_features', relation: 'marts.user_features', path: 'models/marts/user_features.sql' })]);
  });

  it('selects state:modified against the last compile', () => {
    expect(plat(['compile'], dir).code).toBe(0);
    const path = join(dir, 'models/marts/conversion_rate.sql');
    writeFileSync(path, `${readFileSync(path, 'utf8')}\n-- edited\n`);
    expect(plat(['ls', '--select', 'state:modified+', '--output', 'name'], dir).stdout.trim().split('\n').sort()).toEqual([
      'conversion_rate',
      'conversion_rate_counts_shoppers_not_events',
      'conversion_rates',
      'not_null_conversion_rate_hour_window',
      'range_conversion_rate_cart_to_purchase_rate',
      'range_conversion_rate_view_to_cart_rate',
      'unique_conversion_rate_hour_window',
    ]);
  });

  it('fails a second run on the same database fast, with a clear lock message', async () => {
    const first = spawn(process.execPath, [cli, 'run'], { cwd: dir, env: { ...process.env, NO_COLOR: '1', KAFKA_BROKERS: '' } });
    let output = '';
    await new Promise<void>((resolve) => {
      first.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('plat run:')) resolve();
      });
    });
    const started = performance.now();
    const second = plat(['run'], dir);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/error target\/plat\.duckdb is in use by another process \(PID \d+, .*\); DuckDB allows one writer at a time/);
    expect(await new Promise((resolve) => first.on('exit', resolve))).toBe(0);
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
    const broken = copyProject(join(repoRoot, 'project'));
    const path = join(broken, 'models/marts/active_users_per_hour.sql');
    writeFileSync(path, readFileSync(path, 'utf8').replace('    active_users\n', '    active_users,\n    missing_column\n'));
    const { code, stdout } = plat(['run', '--select', '+active_users_per_hour'], broken);
    expect(code).toBe(1);
    expect(stdout).toMatch(/ERROR table marts\.active_users_per_hour/);
    expect(stdout).toContain('models/marts/active_users_per_hour.sql:5: Binder Error: Referenced column "missing_column" not found');
  });

  it('prints JSON events with --json', () => {
    const { stdout } = plat(['run', '--json', '--select', 'source:ecommerce'], dir);
    const events = stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(events.map((e) => e.type)).toEqual(['run_started', 'node_started', 'note', 'node_finished', 'run_finished']);
    expect(events[3].result).toMatchObject({ name: 'ecommerce.events', status: 'success', rows: 100000 });
  });

  it('colours output unless NO_COLOR is set', () => {
    const coloured = plat(['ls', '--select', 'stg_events', '--project-dir', dir], repoRoot, { NO_COLOR: '', FORCE_COLOR: '1' });
    expect(plat(['build', '--select', 'nothing_matches'], dir, { FORCE_COLOR: '1' }).stdout).not.toContain('\x1b[');
    const withColour = plat(['build', '--select', 'nothing_matches'], dir, { FORCE_COLOR: '1', NO_COLOR: '' });
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
    expect(plat(['init', 'shop'], parent).stderr).toContain('exists and is not empty');
    expect(plat(['clean', '--project-dir', 'shop'], parent).code).toBe(0);
    expect(existsSync(join(parent, 'shop/target'))).toBe(false);
  });

  it('rejects bad arguments with usage errors (exit 2)', () => {
    expect(plat(['run', '--threads', 'zero'], dir)).toMatchObject({ code: 2 });
    expect(plat(['run', '--vars', '[1]'], dir).stderr).toContain('--vars must be a JSON object');
  });
});
