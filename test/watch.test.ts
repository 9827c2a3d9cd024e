import { spawn } from 'node:child_process';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { watchProject, type WatchCycle, type WatchOptions } from '../framework/watch/watch.js';
import { cli, copyProject, queryDb, repoRoot, writeProject } from './helpers.js';

// a → b → c, d alone; b has a test.
const files = {
  'plat_project.yml': 'name: w\nvars:\n  factor: 2\n',
  'models/a.sql': '{{config materialized="table"}}select 1 as id',
  'models/b.sql': 'select id, id * 2 as twice from {{ref "a"}}',
  'models/c.sql': '{{config materialized="table"}}select * from {{ref "b"}}',
  'models/d.sql': 'select 42 as answer',
  'models/e.sql': 'select {{var "factor"}} as factor',
  'models/f.sql': 'select {{double 21}} as answer',
  'macros/double.hbs': '{{!-- params: x --}}({{x}} * 2)',
  'models/b.yml': 'models:\n  - name: b\n    columns:\n      - { name: id, tests: [not_null] }\n',
};

let stop: AbortController | null = null;
afterEach(async () => stop?.abort());

async function startWatching(dir: string, extra: Partial<WatchOptions> = {}) {
  const cycles: WatchCycle[] = [];
  stop = new AbortController();
  let ready = (): void => undefined;
  const listening = new Promise<void>((resolve) => (ready = resolve));
  const done = watchProject({
    projectDir: dir,
    verb: 'build',
    env: {},
    signal: stop.signal,
    debounce: 150,
    onCycle: (c) => cycles.push(c),
    onReady: ready,
    ...extra,
  });
  await listening;
  const next = async (count: number) => {
    const until = performance.now() + 150_000; // only keeps a broken watcher from outliving the test timeout
    while (cycles.length < count && performance.now() < until) await new Promise((resolve) => setTimeout(resolve, 25));
    return cycles[count - 1]!;
  };
  const names = (cycle: WatchCycle) => cycle.results!.results.map((r) => r.name).sort();
  return { cycles, next, names, done };
}

/** Runs the CLI in `dir` and collects what it prints; `waitFor` polls for a pattern (bounded only to end before the test timeout). */
function startCli(dir: string, args: string[]) {
  const child = spawn(process.execPath, [cli, ...args], { cwd: dir, env: { ...process.env, NO_COLOR: '1', KAFKA_BROKERS: '' } });
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitFor = async (pattern: RegExp, stream: keyof typeof output) => {
    const until = performance.now() + 150_000;
    while (!pattern.test(output[stream]) && performance.now() < until) await new Promise((resolve) => setTimeout(resolve, 25));
    return pattern.exec(output[stream]);
  };
  return { child, output, waitFor, exited };
}

describe('watch mode', () => {
  it('rebuilds exactly the changed model, what is downstream of it and their tests', async () => {
    const dir = writeProject(files);
    const { next, names } = await startWatching(dir);
    expect(names(await next(1))).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'not_null_b_id']);
    writeFileSync(join(dir, 'models/b.sql'), 'select id, id * 3 as twice from {{ref "a"}}');
    const cycle = await next(2);
    expect(cycle.files).toEqual(['models/b.sql']);
    expect(cycle.recompiled).toEqual(['model.w.b']);
    expect(names(cycle)).toEqual(['b', 'c', 'not_null_b_id']);
    expect(cycle.results!.success).toBe(true);
    // Save-to-done time is measured by bench:watch; here only that it was recorded.
    expect(cycle.seconds).toBeGreaterThan(0);
  });

  it('reports an error without stopping, and the next good save rebuilds', async () => {
    const dir = writeProject(files);
    const { next, names } = await startWatching(dir);
    await next(1);
    writeFileSync(join(dir, 'models/c.sql'), 'select * from {{ref "bb"}}');
    const broken = await next(2);
    expect(broken.results).toBeNull();
    expect(broken.diagnostics.map((d) => d.message)).toEqual(['unknown ref "bb"']);
    writeFileSync(join(dir, 'models/c.sql'), '{{config materialized="table"}}select *, 1 as fixed from {{ref "b"}}');
    expect(names(await next(3))).toEqual(['c']);
  });

  it('survives invalid YAML, a cycle and a SQL error, each shown with its location', async () => {
    const dir = writeProject(files);
    const { next, names } = await startWatching(dir);
    await next(1);
    writeFileSync(join(dir, 'models/b.yml'), 'models:\n  - name: b\n    columns: [\n');
    const yaml = await next(2);
    expect(yaml.diagnostics.map((d) => [d.code, d.file, d.line])).toEqual([['YAML_SYNTAX', 'models/b.yml', 4]]);
    writeFileSync(join(dir, 'models/b.yml'), files['models/b.yml']);
    await next(3);
    writeFileSync(join(dir, 'models/a.sql'), 'select * from {{ref "c"}}');
    expect((await next(4)).diagnostics.map((d) => d.code)).toEqual(['CYCLE']);
    writeFileSync(join(dir, 'models/a.sql'), '{{config materialized="table"}}\nselect 1 as id,\n  no_such_column');
    const failed = await next(5);
    expect(failed.results!.success).toBe(false);
    expect(failed.results!.results.find((r) => r.name === 'a')!.error).toMatchObject({ file: 'models/a.sql', line: 3 });
    writeFileSync(join(dir, 'models/a.sql'), '{{config materialized="table"}}select 2 as id');
    const fixed = await next(6);
    expect(fixed.results!.success).toBe(true);
    expect(names(fixed)).toEqual(['a', 'b', 'c', 'not_null_b_id']);
  });

  it('retries what failed or was skipped in the next rebuild', async () => {
    const dir = writeProject(files);
    const { next, names } = await startWatching(dir);
    await next(1);
    writeFileSync(join(dir, 'models/a.sql'), '{{config materialized="table"}}select null::int as id');
    const failing = await next(2);
    expect(failing.results!.results.map((r) => [r.name, r.status]).sort()).toEqual([
      ['a', 'success'],
      ['b', 'success'],
      ['c', 'skipped'],
      ['not_null_b_id', 'fail'],
    ]);
    writeFileSync(join(dir, 'models/d.sql'), 'select 43 as answer');
    const retried = await next(3);
    expect(retried.retried.sort()).toEqual(['model.w.c', 'test.w.not_null_b_id']);
    expect(names(retried)).toEqual(['c', 'd', 'not_null_b_id']);
  });

  it('makes one rebuild of a burst of 20 saves', async () => {
    const dir = writeProject(files);
    const { next, cycles } = await startWatching(dir);
    await next(1);
    for (let i = 0; i < 20; i++) writeFileSync(join(dir, 'models/d.sql'), `select ${i} as answer`);
    const cycle = await next(2);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(cycles).toHaveLength(2);
    expect(cycle.results!.results.map((r) => r.name)).toEqual(['d']);
  });

  it('drops the relation of a deleted model', async () => {
    const dir = writeProject(files);
    const { next, done } = await startWatching(dir);
    await next(1);
    rmSync(join(dir, 'models/d.sql'));
    expect((await next(2)).dropped).toEqual(['main.d']);
    stop!.abort();
    await done;
    expect(await queryDb(dir, "select count(*) as n from information_schema.tables where table_name = 'd'")).toEqual([{ n: 0n }]);
  });

  it('reruns the models that use a macro when the macro changes', async () => {
    const dir = writeProject(files);
    const { next, names } = await startWatching(dir);
    await next(1);
    writeFileSync(join(dir, 'macros/double.hbs'), '{{!-- params: x --}}({{x}} + {{x}})');
    const cycle = await next(2);
    expect(cycle.recompiled).toBeNull();
    expect(names(cycle)).toEqual(['f']);
  });

  it('reruns the models that read a project var when it changes', async () => {
    const dir = writeProject(files);
    const { next, names } = await startWatching(dir);
    await next(1);
    writeFileSync(join(dir, 'plat_project.yml'), 'name: w\nvars:\n  factor: 3\n');
    expect(names(await next(2))).toEqual(['e']);
    expect(await queryDb(dir, 'select factor from e')).toEqual([{ factor: 3 }]);
  });

  it('keeps a deleted model that others still ref, saying why, and renames a model', async () => {
    const dir = writeProject(files);
    const { next, names } = await startWatching(dir);
    await next(1);
    rmSync(join(dir, 'models/a.sql'));
    const kept = await next(2);
    expect(kept.results).toBeNull();
    expect(kept.diagnostics.map((d) => [d.file, d.message, d.hint])).toEqual([
      [
        'models/b.sql',
        'unknown ref "a"',
        'models/a.sql was deleted; main.a is kept until nothing refers to it. Remove this ref, or restore the file (did you mean "b"?)',
      ],
    ]);
    expect(await queryDb(dir, 'select id from main.a')).toEqual([{ id: 1 }]);

    // A rename is a delete and an add in one burst: the new name is built, the old one dropped.
    renameSync(join(dir, 'models/d.sql'), join(dir, 'models/d2.sql'));
    writeFileSync(join(dir, 'models/a.sql'), '{{config materialized="table"}}select 1 as id');
    const renamed = await next(3);
    expect(renamed.files).toEqual(['models/a.sql', 'models/d.sql', 'models/d2.sql']);
    expect(renamed.dropped).toEqual(['main.d']);
    expect(names(renamed)).toEqual(['d2']);
    expect(await queryDb(dir, 'select answer from d2')).toEqual([{ answer: 42 }]);
  });

  it('stays inside --select and --exclude', async () => {
    const dir = writeProject(files);
    const { next, names } = await startWatching(dir, { select: ['a+'], exclude: ['c'] });
    const first = await next(1);
    expect(names(first)).toEqual(['a', 'b', 'not_null_b_id']);
    expect(first.results!.success).toBe(true);
    writeFileSync(join(dir, 'models/d.sql'), 'select 44 as answer');
    expect(names(await next(2))).toEqual([]);
    writeFileSync(join(dir, 'models/b.sql'), 'select id, id * 4 as twice from {{ref "a"}}');
    expect(names(await next(3))).toEqual(['b', 'not_null_b_id']);
  });

  describe('reuse of what an edit cannot change', () => {
    // raw → inc (incremental on id) → total, which has a test.
    const incremental = {
      'plat_project.yml': 'name: r\n',
      'models/raw.sql': '{{config materialized="table"}}select * from range(1, 4) t(id)',
      'models/inc.sql':
        '{{config materialized="incremental" unique_key="id"}}select id, id * 10 as v from {{ref "raw"}}\n{{#if (is_incremental)}}where id > (select max(id) from {{this}}){{/if}}',
      'models/total.sql': '{{config materialized="table"}}select sum(v) as total from {{ref "inc"}}',
      'models/total.yml': 'models:\n  - name: total\n    columns:\n      - { name: total, tests: [not_null] }\n',
    };
    const ran = (cycle: WatchCycle) =>
      cycle
        .results!.results.filter((r) => !r.reused)
        .map((r) => r.name)
        .sort();
    const reused = (cycle: WatchCycle) =>
      cycle
        .results!.results.filter((r) => r.reused)
        .map((r) => [r.name, r.status])
        .sort();

    it('an incremental model that merges nothing leaves its downstream as it was, until new rows arrive', async () => {
      const dir = writeProject(incremental);
      const { next } = await startWatching(dir);
      await next(1);
      writeFileSync(join(dir, 'models/inc.sql'), incremental['models/inc.sql'].replace('id * 10', 'id * 100'));
      const edited = await next(2);
      expect(ran(edited)).toEqual(['inc']);
      expect(edited.results!.results.find((r) => r.name === 'inc')).toMatchObject({ action: 'incremental (merge)', rows: 0 });
      expect(reused(edited)).toEqual([
        ['not_null_total_total', 'pass'],
        ['total', 'success'],
      ]);
      expect(edited.reused.sort()).toEqual(['model.r.total', 'test.r.not_null_total_total']);
      expect(edited.results!.success).toBe(true);
      expect(await queryDb(dir, 'select total from total')).toEqual([{ total: 60n }]);

      // New rows change inc, so everything downstream runs again, with the edited SQL for the new rows.
      writeFileSync(join(dir, 'models/raw.sql'), '{{config materialized="table"}}select * from range(1, 5) t(id)');
      const grown = await next(3);
      expect(ran(grown)).toEqual(['inc', 'not_null_total_total', 'raw', 'total']);
      expect(await queryDb(dir, 'select total from total')).toEqual([{ total: 460n }]);
    });

    it('a table rebuilt with the same columns and rows leaves its downstream as it was; renamed columns do not', async () => {
      const dir = writeProject(incremental);
      const { next } = await startWatching(dir);
      await next(1);
      writeFileSync(
        join(dir, 'models/raw.sql'),
        '{{config materialized="table"}}\n-- the same three ids, written another way\nselect id from range(1, 4) t(id) order by id desc',
      );
      const same = await next(2);
      expect(ran(same)).toEqual(['raw']);
      expect(reused(same)).toEqual([
        ['inc', 'success'],
        ['not_null_total_total', 'pass'],
        ['total', 'success'],
      ]);

      writeFileSync(join(dir, 'models/raw.sql'), '{{config materialized="table"}}select range as ident from range(1, 4)');
      const renamed = await next(3);
      expect(reused(renamed)).toEqual([]);
      expect(renamed.results!.results.find((r) => r.name === 'inc')!.status).toBe('error');
    });

    it('never reuses a node whose last run failed or was skipped', async () => {
      const dir = writeProject(incremental);
      const { next } = await startWatching(dir);
      await next(1);
      writeFileSync(join(dir, 'models/total.sql'), '{{config materialized="table"}}select sum(no_such_column) as total from {{ref "inc"}}');
      expect((await next(2)).results!.results.find((r) => r.name === 'total')!.status).toBe('error');
      writeFileSync(join(dir, 'models/inc.sql'), `${incremental['models/inc.sql']} oops`);
      const broken = await next(3);
      expect(
        broken
          .results!.results.filter((r) => r.name === 'inc' || r.name === 'total')
          .map((r) => [r.name, r.status])
          .sort(),
      ).toEqual([
        ['inc', 'error'],
        ['total', 'skipped'],
      ]);
      writeFileSync(join(dir, 'models/inc.sql'), incremental['models/inc.sql']);
      const fixed = await next(4);
      expect(reused(fixed)).toEqual([]);
      expect(fixed.results!.results.find((r) => r.name === 'total')!.status).toBe('error');
    });

    it('says on the command line what it reused and why an edited incremental model kept its rows', async () => {
      const dir = writeProject(incremental);
      const { child, output, waitFor, exited } = startCli(dir, ['build', '--watch']);
      try {
        await waitFor(/watching/, 'stderr');
        writeFileSync(join(dir, 'models/inc.sql'), incremental['models/inc.sql'].replace('id * 10', 'id * 100'));
        expect(await waitFor(/ran 1 node, reused 2 whose inputs were unchanged/, 'stderr')).not.toBeNull();
        expect(
          await waitFor(/hint: inc is incremental, so the edit applies to rows that arrive from now on; --full-refresh .*/, 'stderr'),
        ).not.toBeNull();
        expect(
          await waitFor(/Finished 3 nodes in [\d.]+s: 1 OK, 0 warnings, 0 errors, 0 skipped, 2 reused \(inputs unchanged\)/, 'stdout'),
        ).not.toBeNull();
        // Reused nodes get no line of their own.
        expect(output.stdout.split('plat build').pop()).not.toMatch(/table main\.total/);
      } finally {
        child.kill('SIGINT');
      }
      expect(await exited).toBe(0);
    });

    it('with --full-refresh an edited incremental model is rebuilt and everything downstream runs', async () => {
      const dir = writeProject(incremental);
      const { next } = await startWatching(dir, { fullRefresh: true });
      await next(1);
      writeFileSync(join(dir, 'models/inc.sql'), incremental['models/inc.sql'].replace('id * 10', 'id * 100'));
      const edited = await next(2);
      expect(ran(edited)).toEqual(['inc', 'not_null_total_total', 'total']);
      expect(await queryDb(dir, 'select total from total')).toEqual([{ total: 600n }]);
    });
  });

  it('ignores saves that change no project file', async () => {
    const dir = writeProject(files);
    const { next, cycles } = await startWatching(dir);
    await next(1);
    writeFileSync(join(dir, 'notes.txt'), 'not part of the project');
    writeFileSync(join(dir, 'models/d.sql'), 'select 42 as answer');
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(cycles).toHaveLength(1);
  });
});

describe('plat dev', () => {
  it('serves the docs, reloads them after a rebuild, and shuts down cleanly on Ctrl-C', async () => {
    const dir = writeProject(files);
    const { child, output, waitFor, exited } = startCli(dir, ['dev', '--port', '0']);
    try {
      const url = (await waitFor(/docs on (http:\/\/127\.0\.0\.1:\d+\/)/, 'stderr'))?.[1];
      expect(url).toBeDefined();
      expect(await (await fetch(url!)).text()).toContain('<html');
      const events = await fetch(`${url}__plat/events`);
      const reader = events.body!.getReader();
      await reader.read(); // ": connected"
      writeFileSync(join(dir, 'models/d.sql'), 'select 43 as answer');
      const reloaded = await Promise.race([
        reader.read().then((r) => new TextDecoder().decode(r.value)),
        new Promise<string>((resolve) => setTimeout(() => resolve('timed out'), 10_000)),
      ]);
      expect(reloaded).toContain('event: reload');
      expect(output.stderr).toMatch(/changed models\/d\.sql → d; 1 recompiled in \d+ms; ran 1 node;/);
      await reader.cancel();
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    expect(await queryDb(dir, 'select answer from d')).toEqual([{ answer: 43 }]);
  });
});

describe('watch mode on the example project', () => {
  it('reruns exactly what an edit reaches: a mart, a macro', async () => {
    const dir = copyProject(join(repoRoot, 'project'));
    const { next, names } = await startWatching(dir);
    expect((await next(1)).results!.success).toBe(true);

    const mart = join(dir, 'models/marts/revenue_per_hour.sql');
    writeFileSync(mart, `${readFileSync(mart, 'utf8')}\n-- edited\n`);
    const edited = await next(2);
    expect(edited.recompiled).toEqual(['model.ecommerce.revenue_per_hour']);
    expect(names(edited)).toEqual([
      'not_null_revenue_per_hour_hour_window',
      'purchases_reach_revenue_per_hour',
      'range_revenue_per_hour_purchase_count',
      'range_revenue_per_hour_total_revenue',
      'revenue_per_hour',
      'revenue_trend',
      'row_count_revenue_per_hour',
      'total_revenue',
      'unique_revenue_per_hour_hour_window',
    ]);

    // The macro is called by int_hourly_shoppers (the per-hour, per-shopper state the hourly marts read).
    writeFileSync(join(dir, 'macros/hour_window.hbs'), "{{!-- params: column --}}\ndate_trunc('hour', ({{column}}) at time zone 'UTC')\n");
    const macro = await next(3);
    expect(macro.changed.map((id) => id.split('.').pop()).sort()).toEqual(['int_hourly_shoppers']);
    expect(names(macro).filter((n) => !/^(not_null|unique|range|row_count)_/.test(n))).toEqual([
      'active_users_by_hour',
      'active_users_per_hour',
      'conversion_rate',
      'conversion_rate_counts_shoppers_not_events',
      'conversion_rates',
      'int_hourly_event_counts',
      'int_hourly_shoppers',
      'purchases_reach_revenue_per_hour',
      'relationships_user_features_user_id',
      'revenue_per_hour',
      'revenue_trend',
      'total_revenue',
      'user_features',
    ]);
    expect(macro.results!.success).toBe(true);
  }, 60_000);
});
