import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateTable } from '../framework/run/sources/generator.js';
import type { GeneratorSpec } from '../framework/project/spec.js';
import { queryDb, runDir, statusOf, writeProject } from './helpers.js';

const project = (models: Record<string, string>, extra: Record<string, string> = {}) =>
  writeProject({
    'plat_project.yml': 'name: m\nthreads: 2\nmodels:\n  defaults: { schema: core }\n',
    ...Object.fromEntries(Object.entries(models).map(([name, sql]) => [`models/${name}.sql`, sql])),
    ...extra,
  });

const relationKinds = async (dir: string) =>
  Object.fromEntries(
    (await queryDb(dir, "select table_name, table_type from information_schema.tables where table_schema = 'core' order by 1")).map((r) => [
      r.table_name,
      r.table_type,
    ]),
  );

describe('materializations', () => {
  it('builds views, tables and ephemeral models, reporting rows', async () => {
    const dir = project({
      numbers: '{{config materialized="table"}}select range as n from range(10)',
      evens: '{{config materialized="ephemeral"}}select n from {{ref "numbers"}} where n % 2 = 0',
      even_view: 'select n from {{ref "evens"}}',
    });
    const results = await runDir(dir);
    expect(results.results.map((r) => [r.name, r.status, r.action, r.rows])).toEqual(
      expect.arrayContaining([
        ['numbers', 'success', 'table', 10],
        ['evens', 'success', 'inlined', null],
        ['even_view', 'success', 'view', null],
      ]),
    );
    expect(await relationKinds(dir)).toEqual({ numbers: 'BASE TABLE', even_view: 'VIEW' });
    expect((await queryDb(dir, 'select sum(n) as s from core.even_view'))[0]).toEqual({ s: 20n });
  });

  it('keeps the previous table when a rebuild fails, and skips what is downstream', async () => {
    const dir = project({
      base: '{{config materialized="table"}}select 1 as id, \'first\' as label',
      child: '{{config materialized="table"}}select * from {{ref "base"}}',
    });
    await runDir(dir);
    writeFileSync(join(dir, 'models/base.sql'), '{{config materialized="table"}}\nselect 1 as id,\n  1 / 0 as label, nope\n');
    const results = await runDir(dir);
    expect(statusOf(results)).toEqual({ base: 'error', child: 'skipped' });
    const failure = results.results.find((r) => r.name === 'base')!;
    expect(failure.error).toMatchObject({ file: 'models/base.sql', line: 3 });
    expect(failure.error!.message).toContain('Referenced column "nope"');
    expect(results.results.find((r) => r.name === 'child')!.skippedBecause).toBe('base');
    expect(await queryDb(dir, 'select * from core.base')).toEqual([{ id: 1, label: 'first' }]);
    expect(await relationKinds(dir)).toEqual({ base: 'BASE TABLE', child: 'BASE TABLE' });
  });

  it('keeps the previous view when its new SQL fails', async () => {
    const dir = project({ v: 'select 1 as x' });
    await runDir(dir);
    writeFileSync(join(dir, 'models/v.sql'), 'select x from nowhere');
    expect(statusOf(await runDir(dir))).toEqual({ v: 'error' });
    expect(await queryDb(dir, 'select * from core.v')).toEqual([{ x: 1 }]);
  });

  it('switches a relation between view and table', async () => {
    const dir = project({ r: 'select 1 as x' });
    await runDir(dir);
    writeFileSync(join(dir, 'models/r.sql'), '{{config materialized="table"}}select 2 as x');
    await runDir(dir);
    expect(await relationKinds(dir)).toEqual({ r: 'BASE TABLE' });
    writeFileSync(join(dir, 'models/r.sql'), 'select 3 as x');
    await runDir(dir);
    expect(await relationKinds(dir)).toEqual({ r: 'VIEW' });
    expect(await queryDb(dir, 'select x from core.r')).toEqual([{ x: 3 }]);
  });
});

/** An incremental model over a table of "input" rows that each test rewrites between runs. */
function incrementalProject(strategy: string, key: string | null) {
  return project(
    {
      input: '{{config materialized="table"}}select * from (values {{var "rows"}}) t(id, v, batch)',
      target: `{{config materialized="incremental" incremental_strategy="${strategy}"${key ? ` unique_key="${key}"` : ''}}}
select id, v, batch from {{ref "input"}}
{{#if (is_incremental)}}
where batch > (select max(batch) from {{this}})
{{/if}}`,
    },
    {},
  );
}
const ordered = (dir: string) => queryDb(dir, 'select id, v, batch from core.target order by id, batch');

describe('incremental models', () => {
  it('merge updates matched keys and inserts new ones across runs', async () => {
    const dir = incrementalProject('merge', 'id');
    const first = await runDir(dir, { vars: { rows: "(1, 'a', 1), (2, 'b', 1)" } });
    expect(first.results.find((r) => r.name === 'target')).toMatchObject({ action: 'incremental (new)', rows: 2 });
    const second = await runDir(dir, { vars: { rows: "(1, 'a', 1), (2, 'b', 1), (2, 'B', 2), (3, 'c', 2)" } });
    expect(second.results.find((r) => r.name === 'target')).toMatchObject({ action: 'incremental (merge)', rows: 2 });
    expect(await ordered(dir)).toEqual([
      { id: 1, v: 'a', batch: 1 },
      { id: 2, v: 'B', batch: 2 },
      { id: 3, v: 'c', batch: 2 },
    ]);
  });

  it('append adds the new batch only', async () => {
    const dir = incrementalProject('append', null);
    await runDir(dir, { vars: { rows: "(1, 'a', 1)" } });
    await runDir(dir, { vars: { rows: "(1, 'a', 1), (1, 'again', 2)" } });
    expect(await ordered(dir)).toEqual([
      { id: 1, v: 'a', batch: 1 },
      { id: 1, v: 'again', batch: 2 },
    ]);
  });

  it('delete+insert replaces every row of a key that reappears', async () => {
    const dir = incrementalProject('delete+insert', 'id');
    await runDir(dir, { vars: { rows: "(1, 'a', 1), (1, 'a2', 1), (2, 'b', 1)" } });
    await runDir(dir, { vars: { rows: "(1, 'x', 2), (3, 'c', 2)" } });
    expect(await ordered(dir)).toEqual([
      { id: 1, v: 'x', batch: 2 },
      { id: 2, v: 'b', batch: 1 },
      { id: 3, v: 'c', batch: 2 },
    ]);
  });

  it('--full-refresh rebuilds from scratch', async () => {
    const dir = incrementalProject('append', null);
    await runDir(dir, { vars: { rows: "(1, 'a', 1)" } });
    const refreshed = await runDir(dir, { vars: { rows: "(9, 'z', 1)" }, fullRefresh: true });
    expect(refreshed.results.find((r) => r.name === 'target')!.action).toBe('incremental (full refresh)');
    expect(await ordered(dir)).toEqual([{ id: 9, v: 'z', batch: 1 }]);
  });

  it('fails on new columns unless told to add them, keeping the table', async () => {
    const dir = project({ inc: '{{config materialized="incremental" unique_key="id"}}select 1 as id' });
    await runDir(dir);
    writeFileSync(join(dir, 'models/inc.sql'), '{{config materialized="incremental" unique_key="id"}}select 2 as id, 5 as extra');
    const failed = await runDir(dir);
    expect(failed.results[0]!.error!.message).toBe(
      "the model's columns no longer match core.inc: it returns new column extra (INTEGER). The table was kept as it was",
    );
    expect(await queryDb(dir, 'select * from core.inc')).toEqual([{ id: 1 }]);
    writeFileSync(
      join(dir, 'models/inc.sql'),
      '{{config materialized="incremental" unique_key="id" on_schema_change="append_new_columns"}}select 2 as id, 5 as extra',
    );
    await runDir(dir);
    expect(await queryDb(dir, 'select * from core.inc order by id')).toEqual([
      { id: 1, extra: null },
      { id: 2, extra: 5 },
    ]);
  });
});

describe('incremental models whose columns change', () => {
  /** A table of id, label, amount INTEGER with two rows, then the model as `next` for the second run. */
  async function changedModel(onSchemaChange: string | null, next: string) {
    const config = `{{config materialized="incremental" unique_key="id"${onSchemaChange ? ` on_schema_change="${onSchemaChange}"` : ''}}}`;
    const dir = project({ inc: `${config}select * from (values (1, 'a', 10), (2, 'b', 20)) t(id, label, amount)` });
    await runDir(dir);
    writeFileSync(join(dir, 'models/inc.sql'), `${config}${next}`);
    return { dir, results: await runDir(dir) };
  }
  const columnsOf = async (dir: string) =>
    (
      await queryDb(dir, "select column_name, data_type from information_schema.columns where table_name = 'inc' order by ordinal_position")
    ).map((r) => `${r.column_name} ${r.data_type}`);

  it('fails by default when a column is dropped or retyped, naming each difference and keeping the table', async () => {
    const { dir, results } = await changedModel(null, 'select 3 as id, 2.5::DOUBLE as amount, 7 as extra');
    expect(results.results[0]).toMatchObject({ status: 'error', error: { file: 'models/inc.sql' } });
    expect(results.results[0]!.error!.message).toBe(
      "the model's columns no longer match core.inc: it returns new column extra (INTEGER); it no longer returns label (VARCHAR); amount is now DOUBLE (the table has INTEGER). The table was kept as it was",
    );
    expect(results.results[0]!.error!.hint).toContain('sync_all_columns');
    expect(await columnsOf(dir)).toEqual(['id INTEGER', 'label VARCHAR', 'amount INTEGER']);
    expect(await queryDb(dir, 'select count(*) as n from core.inc')).toEqual([{ n: 2n }]);
  });

  it('append_new_columns adds new columns and says which dropped and retyped columns it keeps', async () => {
    const { dir, results } = await changedModel('append_new_columns', 'select 3 as id, 30::BIGINT as amount, 7 as extra');
    expect(results.results[0]!.status).toBe('success');
    expect(results.notes).toEqual([
      'core.inc (on_schema_change="append_new_columns"): added extra (INTEGER); kept label (VARCHAR), which the model no longer returns: new rows have NULL there; kept amount as INTEGER (the model now returns BIGINT; its new values convert unchanged)',
    ]);
    expect(await columnsOf(dir)).toEqual(['id INTEGER', 'label VARCHAR', 'amount INTEGER', 'extra INTEGER']);
    expect(await queryDb(dir, 'select * from core.inc order by id')).toEqual([
      { id: 1, label: 'a', amount: 10, extra: null },
      { id: 2, label: 'b', amount: 20, extra: null },
      { id: 3, label: null, amount: 30, extra: 7 },
    ]);
  });

  it('append_new_columns refuses new values that the kept type would change', async () => {
    const { dir, results } = await changedModel('append_new_columns', "select 3 as id, 'x' as label, 2.5::DOUBLE as amount");
    expect(results.results[0]!.error!.message).toBe(
      'amount is now DOUBLE but core.inc keeps it as INTEGER, and 1 new value would not survive the conversion (e.g. 2.5). The table was kept as it was',
    );
    expect(await queryDb(dir, 'select count(*) as n from core.inc')).toEqual([{ n: 2n }]);
  });

  it('sync_all_columns adds new columns, drops removed ones and changes retyped ones', async () => {
    const { dir, results } = await changedModel('sync_all_columns', 'select 2 as id, 2.5::DOUBLE as amount, 7 as extra');
    expect(results.results[0]).toMatchObject({ status: 'success', action: 'incremental (merge)', rows: 1 });
    expect(results.notes).toEqual([
      'core.inc (on_schema_change="sync_all_columns"): added extra (INTEGER); dropped label (VARCHAR); changed amount from INTEGER to DOUBLE',
    ]);
    expect(await columnsOf(dir)).toEqual(['id INTEGER', 'amount DOUBLE', 'extra INTEGER']);
    expect(await queryDb(dir, 'select * from core.inc order by id')).toEqual([
      { id: 1, amount: 10, extra: null },
      { id: 2, amount: 2.5, extra: 7 },
    ]);
  });

  it('sync_all_columns keeps the table when existing values cannot take the new type', async () => {
    const { dir, results } = await changedModel('sync_all_columns', 'select 3 as id, 5 as label, 30 as amount');
    expect(results.results[0]!.error!.message).toMatch(
      /^cannot change label of core\.inc from VARCHAR to INTEGER: Conversion Error: Could not convert string 'a' to INT32. The table was kept as it was$/,
    );
    expect(await columnsOf(dir)).toEqual(['id INTEGER', 'label VARCHAR', 'amount INTEGER']);
  });
});

describe('sources', () => {
  it('loads CSV and NDJSON files with DuckDB readers', async () => {
    const dir = writeProject({
      'plat_project.yml': 'name: f\n',
      'data/a.csv': 'id,name\n1,x\n2,y\n',
      'data/b.ndjson': '{"id": 3, "tags": ["p"]}\n{"id": 4, "tags": []}\n',
      'sources.yml':
        'sources:\n  - name: files\n    tables:\n      - name: people\n        file: { path: "data/*.csv" }\n      - name: tagged\n        file: { path: data/b.ndjson }\n',
    });
    const results = await runDir(dir);
    expect(results.results.map((r) => [r.name, r.rows, r.action]).sort()).toEqual([
      ['files.people', 2, 'csv data/*.csv'],
      ['files.tagged', 2, 'ndjson data/b.ndjson'],
    ]);
    expect(await queryDb(dir, 'select id, len(tags) as n from files.tagged order by id')).toEqual([
      { id: 3n, n: 1n },
      { id: 4n, n: 0n },
    ]);
  });

  it('generates the same rows for the same seed, with the declared types and injected bad rows', async () => {
    const spec = `sources:
  - name: gen
    tables:
      - name: events
        generator:
          rows: 2000
          seed: 7
          fields:
            id: { sequence: { start: 100 } }
            kind: { choice: { a: 3, b: 1 } }
            amount: { when: kind, cases: { a: { float: { min: 1, max: 2, decimals: 1 } } }, else: { const: 0 } }
            at: { timestamp: { start: "2026-01-01T00:00:00Z", end: "2026-01-02T00:00:00Z" } }
          corrupt:
            - { name: no_kind, share: 0.1, set: { kind: null } }
        columns:
          - { name: id, type: INTEGER }
`;
    const first = writeProject({ 'plat_project.yml': 'name: g\n', 'sources.yml': spec });
    const second = writeProject({ 'plat_project.yml': 'name: g\n', 'sources.yml': spec });
    const [a] = (await runDir(first)).results;
    await runDir(second);
    expect(a!.action).toMatch(/^generated, injected \d+ no_kind$/);
    const summary =
      'select count(*) as n, min(id) as lo, sum(amount) as total, count(*) filter (where kind is null) as nulls, min("at") as first_at from gen.events';
    const rows = await queryDb(first, summary);
    expect(rows).toEqual(await queryDb(second, summary));
    expect(rows[0]).toMatchObject({ n: 2000n, lo: 100 });
    expect(Number(rows[0]!.nulls)).toBeGreaterThan(150);
    expect(Number(rows[0]!.nulls)).toBeLessThan(250);
    expect(
      await queryDb(first, "select data_type from information_schema.columns where table_name = 'events' order by ordinal_position"),
    ).toEqual([{ data_type: 'INTEGER' }, { data_type: 'VARCHAR' }, { data_type: 'DOUBLE' }, { data_type: 'VARCHAR' }]);
    expect(
      await queryDb(
        first,
        "select count(*) as bad from gen.events where (kind = 'a' and amount not between 1 and 2) or (kind = 'b' and amount <> 0)",
      ),
    ).toEqual([{ bad: 0n }]);
  });

  it('draws other rows from another row seed, while each trait keeps its value', () => {
    const spec = {
      rows: 3000,
      seed: 5,
      fields: {
        user_id: { int: { min: 1, max: 50 } },
        kind: { trait: { of: 'user_id', choice: { buyer: 1, browser: 3 } } },
        score: { float: { min: 0, max: 1 } },
      },
    } as GeneratorSpec;
    const rows = (seed: number) => [...generateTable(spec, new Date(), seed).rows] as [number, string, number][];
    const [a, b] = [rows(1), rows(2)];
    expect(a.map((r) => r[2])).not.toEqual(b.map((r) => r[2]));
    expect(rows(1)).toEqual(a);
    const traits = new Map<number, string>();
    for (const [user, kind] of [...a, ...b]) expect(traits.set(user, traits.get(user) ?? kind).get(user), `user ${user}`).toBe(kind);
    expect(new Set(traits.values())).toEqual(new Set(['buyer', 'browser']));
  });

  it('fills a kafka source from its generator when no broker is configured, and says so', async () => {
    const dir = writeProject({
      'plat_project.yml': 'name: k\n',
      'sources.yml':
        'sources:\n  - name: s\n    tables:\n      - name: t\n        kafka: { topic: things }\n        generator: { rows: 3, fields: { id: { sequence: {} } } }\n      - name: only_kafka\n        kafka: { topic: other }\n',
    });
    const results = await runDir(dir, { env: {} });
    expect(results.notes).toEqual(['source s.t: no Kafka broker configured (KAFKA_BROKERS unset), filling s.t from its generator']);
    expect(statusOf(results)).toEqual({ 's.t': 'success', 's.only_kafka': 'error' });
    expect(results.results.find((r) => r.name === 's.only_kafka')!.error!.message).toBe(
      'source s.only_kafka reads Kafka topic "other" but KAFKA_BROKERS is not set, and it has no generator to fall back on',
    );
  });
});
