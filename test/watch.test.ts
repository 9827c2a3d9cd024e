import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { watchProject, type WatchCycle } from '../framework/watch/watch.js';
import { queryDb, writeProject } from './helpers.js';

// a → b → c, d alone; b has a test.
const files = {
  'plat_project.yml': 'name: w\n',
  'models/a.sql': '{{config materialized="table"}}select 1 as id',
  'models/b.sql': 'select id, id * 2 as twice from {{ref "a"}}',
  'models/c.sql': '{{config materialized="table"}}select * from {{ref "b"}}',
  'models/d.sql': 'select 42 as answer',
  'models/b.yml': 'models:\n  - name: b\n    columns:\n      - { name: id, tests: [not_null] }\n',
};

let stop: AbortController | null = null;
afterEach(async () => stop?.abort());

async function startWatching(dir: string) {
  const cycles: WatchCycle[] = [];
  stop = new AbortController();
  let ready = () => undefined as void;
  const listening = new Promise<void>((resolve) => (ready = resolve));
  const done = watchProject({ projectDir: dir, verb: 'build', env: {}, signal: stop.signal, debounce: 150, onCycle: (c) => cycles.push(c), onReady: ready });
  await listening;
  const next = async (count: number) => {
    const until = performance.now() + 15_000;
    while (cycles.length < count && performance.now() < until) await new Promise((resolve) => setTimeout(resolve, 25));
    return cycles[count - 1]!;
  };
  const names = (cycle: WatchCycle) => cycle.results!.results.map((r) => r.name).sort();
  return { cycles, next, names, done };
}

describe('watch mode', () => {
  it('rebuilds exactly the changed model, what is downstream of it and their tests', async () => {
    const dir = writeProject(files);
    const { next, names } = await startWatching(dir);
    expect(names(await next(1))).toEqual(['a', 'b', 'c', 'd', 'not_null_b_id']);
    writeFileSync(join(dir, 'models/b.sql'), 'select id, id * 3 as twice from {{ref "a"}}');
    const cycle = await next(2);
    expect(cycle.files).toEqual(['models/b.sql']);
    expect(names(cycle)).toEqual(['b', 'c', 'not_null_b_id']);
    expect(cycle.results!.success).toBe(true);
    expect(cycle.seconds).toBeLessThan(5);
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
});
