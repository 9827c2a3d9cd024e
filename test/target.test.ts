import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readManifest, writeCompileArtifacts } from '../framework/compile/artifacts.js';
import { compileProject, formatDiagnostic, readProjectFiles } from '../framework/index.js';
import type { Connection } from '../framework/warehouse/connection.js';
import { openWarehouse } from '../framework/warehouse/registry.js';
import { plat, queryDb, writeProject } from './helpers.js';

const compiled = (target: string) => {
  const dir = writeProject({ 'plat_project.yml': `name: shop\n${target}`, 'models/a.sql': 'select 1 as x' });
  return { dir, ...compileProject(readProjectFiles(dir), { env: {} }) };
};

describe('the warehouse target', () => {
  it('is given by type, and the older duckdb: path means the same', () => {
    const current = compiled('target: { type: duckdb, path: db/shop.duckdb }\n');
    const older = compiled('target: { duckdb: db/shop.duckdb }\n');
    expect(current.diagnostics).toEqual([]);
    expect(older.diagnostics).toEqual([]);
    expect(current.manifest.target).toEqual({ type: 'duckdb', path: 'db/shop.duckdb' });
    expect(older.manifest.target).toEqual(current.manifest.target);
    expect(compiled('').manifest.target).toEqual({ type: 'duckdb', path: 'target/plat.duckdb' });
  });

  it('names an unknown type with a did-you-mean, and both spellings at once as a mistake', () => {
    expect(compiled('target: { type: duckbd }\n').diagnostics.map(formatDiagnostic)).toEqual([
      'plat_project.yml:2:17 — at target.type: "duckbd" is not one of duckdb, trino — did you mean "duckdb"?',
    ]);
    expect(compiled('target: { duckdb: a.duckdb, path: b.duckdb }\n').diagnostics.map(formatDiagnostic)).toEqual([
      'plat_project.yml:2:19 — target has both duckdb: and type:/path: — write target: { type: duckdb, path: … } (duckdb: path is the older spelling of the same)',
    ]);
  });

  it('is written to manifest.json without the project folder, which a reader knows from where it reads', () => {
    const { dir, manifest } = compiled('');
    writeCompileArtifacts(manifest, join(dir, 'target'));
    const text = readFileSync(join(dir, 'target/manifest.json'), 'utf8');
    expect(text).not.toContain(dir);
    expect(JSON.parse(text)).toMatchObject({
      version: 3,
      project: { name: 'shop', version: null },
      target: { type: 'duckdb', path: 'target/plat.duckdb' },
    });
    expect(readManifest(join(dir, 'target'), true)).toEqual(manifest);
  });

  it("gives DuckDB the target's settings when it opens the database", async () => {
    const dir = writeProject({
      'plat_project.yml':
        'name: shop\ntarget:\n  type: duckdb\n  settings: { memory_limit: 300MB, preserve_insertion_order: false, threads: 1 }\n',
      'models/engine.sql':
        '{{config materialized="table"}}' +
        "select current_setting('memory_limit') as memory, current_setting('preserve_insertion_order') as ordered, current_setting('threads') as threads",
    });
    const result = plat(['run'], dir);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(compiled('target: { settings: { memory_limit: 300MB } }\n').manifest.target).toEqual({
      type: 'duckdb',
      path: 'target/plat.duckdb',
      settings: { memory_limit: '300MB' },
    });
    const [row] = await queryDb(dir, 'select * from main.engine');
    // DuckDB prints the limit back in MiB.
    expect(row).toEqual({ memory: '286.1 MiB', ordered: false, threads: 1n });
  });

  it('names a setting DuckDB does not have with a did-you-mean, and one whose value it refuses, without a stack trace', () => {
    const attempt = (settings: string) =>
      plat(
        ['run'],
        writeProject({ 'plat_project.yml': `name: shop\ntarget: { settings: { ${settings} } }\n`, 'models/a.sql': 'select 1 as x' }),
      );
    const misspelt = attempt('memory_limt: 1GB');
    expect(misspelt.code).toBe(1);
    expect(misspelt.stderr).toContain('DuckDB has no setting "memory_limt" (target.settings.memory_limt in plat_project.yml)');
    expect(misspelt.stderr).toContain('did you mean "memory_limit"?');
    const refused = attempt('memory_limit: lots');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('DuckDB refuses memory_limit: lots (target.settings.memory_limit in plat_project.yml)');
    for (const { stderr } of [misspelt, refused]) expect(stderr).not.toMatch(/\n\s+at /);
  });
});

describe('statements run as one transaction in one trip', () => {
  it('commits them all, or after a failing one rolls back those before it and leaves the session usable', async () => {
    const dir = writeProject({ 'plat_project.yml': 'name: shop\n' });
    const { manifest } = compileProject(readProjectFiles(dir), { env: {} });
    const warehouse = await openWarehouse(manifest.target, { root: dir });
    try {
      const session = await warehouse.session();
      await session.execute('create table t (x integer primary key)');
      await session.executeInTransaction(['insert into t values (1)', 'insert into t values (2)']);
      await expect(
        session.executeInTransaction(['insert into t values (3)', 'delete from t where x = 1', 'insert into t values (2)']),
      ).rejects.toThrow(/constraint|duplicate/i);
      expect(await session.query('select x from t order by x')).toEqual([{ x: 1 }, { x: 2 }]);
      // No transaction was left open: this one commits on its own.
      await session.executeInTransaction(['insert into t values (4)']);
      expect(await session.query('select count(*)::integer as n from t')).toEqual([{ n: 3 }]);
      session.close();
    } finally {
      warehouse.close();
    }
  });
});

describe("a stream's warehouse", () => {
  // A checkpoint stores each micro-batch's appended rows as a small row group and merges them
  // once they fill a whole one: at DuckDB's 122,880 rows that merge stalled every commit for a
  // second or more, the spikes of a stream's p95. A stream's DuckDB writes row groups of 32,768.
  const rowGroups = async (session: Connection, table: string) =>
    Number((await session.query(`select count(distinct row_group_id) as n from pragma_storage_info('${table}')`))[0]!.n);

  it('writes row groups of 32,768 rows to the same file, under the name DuckDB gives it, where a build writes whole ones', async () => {
    const dir = writeProject({ 'plat_project.yml': 'name: shop\ntarget: { type: duckdb, path: db/shop.v1.duckdb }\n' });
    const { manifest } = compileProject(readProjectFiles(dir), { env: {} });
    const streaming = await openWarehouse(manifest.target, { root: dir, workload: 'stream' });
    try {
      const session = await streaming.session();
      await session.execute([
        'create schema if not exists raw',
        'create table raw.streamed as select range as id from range(100000)',
        'checkpoint',
      ]);
      expect(await rowGroups(session, 'raw.streamed')).toBe(4);
      expect(await session.query('select current_database() as name')).toEqual([{ name: 'shop' }]);
      session.close();
    } finally {
      streaming.close();
    }
    const building = await openWarehouse(manifest.target, { root: dir });
    try {
      const session = await building.session();
      await session.execute(['create table raw.built as select range as id from range(100000)', 'checkpoint']);
      expect(await rowGroups(session, 'raw.built')).toBe(1);
      expect(await session.query('select count(*)::integer as n from raw.streamed')).toEqual([{ n: 100000 }]);
      session.close();
    } finally {
      building.close();
    }
  });
});

describe('closing a DuckDB warehouse after a build', () => {
  // DuckDB caches every block a checkpoint writes, up to 80 % of RAM, and stores each small table
  // in a 256 KB block of its own: closing 5,000 ten-row tables grew the process by 1.2 GB.
  const memory = async (session: Connection) =>
    Number((await session.query('select sum(memory_usage_bytes)::bigint as n from duckdb_memory()'))[0]!.n);
  const limit = async (session: Connection) => String((await session.query("select current_setting('memory_limit') as v"))[0]!.v);
  const tables = (n: number) =>
    Array.from({ length: n }, (_, i) => `create table small.t${i} as select range as id, 'name ' || range as name from range(10)`);

  it('checkpoints thousands of small tables without caching their blocks, and puts the memory limit back', async () => {
    const dir = writeProject({ 'plat_project.yml': 'name: many\ntarget: { type: duckdb, path: db/many.duckdb }\n' });
    const { manifest } = compileProject(readProjectFiles(dir), { env: {} });
    const cached = async (close: (warehouse: Awaited<ReturnType<typeof openWarehouse>>, session: Connection) => Promise<void>) => {
      const warehouse = await openWarehouse(manifest.target, { root: dir });
      try {
        const session = await warehouse.session();
        await session.execute(['drop schema if exists small cascade', 'create schema small', ...tables(3000)]);
        const before = await limit(session);
        await close(warehouse, session);
        expect(await limit(session)).toBe(before);
        const used = await memory(session);
        expect(Number((await session.query("select count(*)::integer as n from duckdb_tables() where schema_name = 'small'"))[0]!.n)).toBe(
          3000,
        );
        session.close();
        return used;
      } finally {
        warehouse.close();
      }
    };
    const plain = await cached(async (_, session) => session.execute('checkpoint'));
    const settled = await cached(async (warehouse) => warehouse.settle!());
    expect(plain).toBeGreaterThan(700 * 2 ** 20);
    expect(settled).toBeLessThanOrEqual(512 * 2 ** 20);
    // Written all the same: a fresh open finds every table.
    const reopened = await openWarehouse(manifest.target, { root: dir, mode: 'read-only' });
    try {
      const session = await reopened.session();
      expect(await session.query("select count(*)::integer as n from duckdb_tables() where schema_name = 'small'")).toEqual([{ n: 3000 }]);
      session.close();
    } finally {
      reopened.close();
    }
  });

  it('puts back a memory limit the target set, exactly, whether it lowered it or not', async () => {
    for (const memoryLimit of ['3GB', '200MB']) {
      const dir = writeProject({
        'plat_project.yml': `name: few\ntarget: { type: duckdb, path: db/few.duckdb, settings: { memory_limit: ${memoryLimit} } }\n`,
      });
      const { manifest } = compileProject(readProjectFiles(dir), { env: {} });
      const warehouse = await openWarehouse(manifest.target, { root: dir });
      try {
        const session = await warehouse.session();
        await session.execute(['create schema small', ...tables(10)]);
        const before = await limit(session);
        await warehouse.settle!();
        expect(await limit(session)).toBe(before);
        session.close();
      } finally {
        warehouse.close();
      }
    }
  });
});
