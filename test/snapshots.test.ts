import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileProject, readProjectFiles } from '../framework/index.js';
import { snapshot } from '../framework/api.js';
import type { SnapshotNode } from '../framework/compile/manifest.js';
import { openWarehouse } from '../framework/warehouse/registry.js';
import { compileDir, queryDb, writeProject } from './helpers.js';

/** The source rows of each run: a seed-like table the snapshot reads through a model. */
const rows = (values: string) => `{{config materialized="table"}}\nselect * from (values ${values}) as t(id, name, updated_at)`;
const ts = (iso: string) => `timestamptz '${iso}'`;

const project = (strategy: string) =>
  writeProject({
    'plat_project.yml': 'name: s\nthreads: 1\n',
    'models/customers.sql': rows(`(1, 'ann', ${ts('2026-01-01T00:00:00Z')})`),
    'snapshots/customers_history.sql': `{{config unique_key="id" ${strategy} invalidate_hard_deletes=true}}\nselect id, name, updated_at from {{ref "customers"}}\n`,
  });

const setRows = (dir: string, values: string) => writeFileSync(join(dir, 'models/customers.sql'), rows(values));

async function runAt(dir: string, at: string) {
  const manifest = compileDir(dir);
  const { run } = await import('../framework/api.js');
  const built = await run(manifest, { env: {} });
  expect(built.success).toBe(true);
  const results = await snapshot(manifest, { env: {}, now: () => new Date(at) });
  expect(results.results.map((r) => [r.name, r.status])).toEqual([['customers_history', 'success']]);
  return results.results[0]!;
}

const scd = (id: number, validFrom: string) => createHash('md5').update(`${id}|${validFrom}`).digest('hex');
const text = (value: unknown) => (value === null ? null : String(value));

async function versions(dir: string) {
  return (
    await queryDb(
      dir,
      `select id, name, plat_scd_id, cast(plat_updated_at as varchar) as updated, cast(plat_valid_from as varchar) as valid_from,
              cast(plat_valid_to as varchar) as valid_to
       from snapshots.customers_history order by id, plat_valid_from`,
    )
  ).map((r) => ({ ...r, updated: text(r.updated), valid_from: text(r.valid_from), valid_to: text(r.valid_to) }));
}

describe('snapshots', () => {
  it('versions rows over four runs by updated_at: inserts, updates, an unchanged row, a delete and a re-insert', async () => {
    const dir = project('strategy="timestamp" updated_at="updated_at"');
    // Run 1: two rows.
    setRows(dir, `(1, 'ann', ${ts('2026-01-01T00:00:00Z')}), (2, 'bob', ${ts('2026-01-01T00:00:00Z')})`);
    expect(await runAt(dir, '2026-01-01T12:00:00Z')).toMatchObject({ action: 'snapshot (timestamp, new)', rows: 2 });
    // Run 2: ann changes, bob unchanged, cat arrives.
    setRows(
      dir,
      `(1, 'anne', ${ts('2026-01-02T00:00:00Z')}), (2, 'bob', ${ts('2026-01-01T00:00:00Z')}), (3, 'cat', ${ts('2026-01-02T00:00:00Z')})`,
    );
    expect(await runAt(dir, '2026-01-02T12:00:00Z')).toMatchObject({ rows: 3 }); // one closed, two inserted
    // Run 3: bob is deleted.
    setRows(dir, `(1, 'anne', ${ts('2026-01-02T00:00:00Z')}), (3, 'cat', ${ts('2026-01-02T00:00:00Z')})`);
    expect(await runAt(dir, '2026-01-03T12:00:00Z')).toMatchObject({ rows: 1 });
    // Run 4: bob comes back with his old updated_at; nothing else changes.
    setRows(
      dir,
      `(1, 'anne', ${ts('2026-01-02T00:00:00Z')}), (2, 'bob', ${ts('2026-01-01T00:00:00Z')}), (3, 'cat', ${ts('2026-01-02T00:00:00Z')})`,
    );
    expect(await runAt(dir, '2026-01-04T12:00:00Z')).toMatchObject({ rows: 1 });

    const day = (d: number, h = '00') => `2026-01-0${d} ${h}:00:00+00`;
    expect(await versions(dir)).toEqual([
      { id: 1, name: 'ann', plat_scd_id: scd(1, day(1)), updated: day(1), valid_from: day(1), valid_to: day(2) },
      { id: 1, name: 'anne', plat_scd_id: scd(1, day(2)), updated: day(2), valid_from: day(2), valid_to: null },
      { id: 2, name: 'bob', plat_scd_id: scd(2, day(1)), updated: day(1), valid_from: day(1), valid_to: day(3, '12') },
      // Back after the delete: the version starts where the deleted one ended, not at its old updated_at.
      { id: 2, name: 'bob', plat_scd_id: scd(2, day(3, '12')), updated: day(1), valid_from: day(3, '12'), valid_to: null },
      { id: 3, name: 'cat', plat_scd_id: scd(3, day(2)), updated: day(2), valid_from: day(2), valid_to: null },
    ]);
  });

  it('versions rows by comparing check_cols, at the run time', async () => {
    const dir = project('strategy="check" check_cols="name"');
    setRows(dir, `(1, 'ann', ${ts('2026-01-01T00:00:00Z')}), (2, 'bob', ${ts('2026-01-01T00:00:00Z')})`);
    await runAt(dir, '2026-02-01T00:00:00Z');
    // updated_at moves but name does not: no new version for bob; ann's name changes.
    setRows(dir, `(1, 'anne', ${ts('2026-01-01T00:00:00Z')}), (2, 'bob', ${ts('2026-01-05T00:00:00Z')})`);
    expect(await runAt(dir, '2026-02-02T00:00:00Z')).toMatchObject({ rows: 2 });
    // A rerun with nothing changed adds nothing.
    expect(await runAt(dir, '2026-02-03T00:00:00Z')).toMatchObject({ rows: 0 });
    const at = (d: number) => `2026-02-0${d} 00:00:00+00`;
    expect(
      (await versions(dir)).map(({ id, name, valid_from, valid_to, updated }) => ({ id, name, valid_from, valid_to, updated })),
    ).toEqual([
      { id: 1, name: 'ann', valid_from: at(1), valid_to: at(2), updated: at(1) },
      { id: 1, name: 'anne', valid_from: at(2), valid_to: null, updated: at(2) },
      { id: 2, name: 'bob', valid_from: at(1), valid_to: null, updated: at(1) },
    ]);
  });

  it('finishes an interrupted run: a run stopped after its first statement is completed by the next, with no version twice', async () => {
    const dir = project('strategy="timestamp" updated_at="updated_at"');
    setRows(dir, `(1, 'ann', ${ts('2026-01-01T00:00:00Z')}), (2, 'bob', ${ts('2026-01-01T00:00:00Z')})`);
    await runAt(dir, '2026-01-01T12:00:00Z');
    setRows(dir, `(1, 'anne', ${ts('2026-01-02T00:00:00Z')}), (2, 'bob', ${ts('2026-01-01T00:00:00Z')})`);
    const manifest = compileDir(dir);
    const { run } = await import('../framework/api.js');
    await run(manifest, { env: {} });
    // The first statement alone, as a run killed right after it would leave the table: ann closed, no new version yet.
    const node = manifest.nodes['snapshot.s.customers_history'] as SnapshotNode;
    const warehouse = await openWarehouse(manifest.target, { root: dir });
    try {
      const connection = await warehouse.session();
      const staging = { schema: 'snapshots', name: 'interrupted' };
      await connection.execute(connection.dialect.createAs('table', staging, node.compiledSql, { replace: true }));
      const plan = {
        target: node.relation,
        staging,
        columns: ['id', 'name', 'updated_at'],
        uniqueKey: ['id'],
        updatedAt: 'updated_at',
        checkCols: [],
        invalidateHardDeletes: true,
        now: new Date('2026-01-02T12:00:00Z'),
      };
      expect(await connection.execute(connection.dialect.snapshot(plan).closeChanged)).toBe(1);
      await connection.execute(connection.dialect.drop(staging, 'table'));
      connection.close();
    } finally {
      warehouse.close();
    }
    expect((await versions(dir)).map((v) => [v.name, v.valid_to])).toEqual([
      ['ann', '2026-01-02 00:00:00+00'],
      ['bob', null],
    ]);
    // The next run does it all again: closing finds nothing open to close, inserting adds anne once.
    expect(await runAt(dir, '2026-01-02T13:00:00Z')).toMatchObject({ rows: 1 });
    expect(await runAt(dir, '2026-01-02T14:00:00Z')).toMatchObject({ rows: 0 });
    expect((await versions(dir)).map((v) => [v.name, v.valid_from, v.valid_to])).toEqual([
      ['ann', '2026-01-01 00:00:00+00', '2026-01-02 00:00:00+00'],
      ['anne', '2026-01-02 00:00:00+00', null],
      ['bob', '2026-01-01 00:00:00+00', null],
    ]);
  });

  it('is a node in build, after what it reads and before what reads it', async () => {
    const dir = project('strategy="timestamp" updated_at="updated_at"');
    writeFileSync(join(dir, 'models/current_names.sql'), 'select id, name from {{ref "customers_history"}} where plat_valid_to is null');
    const manifest = compileDir(dir);
    expect(manifest.parents['model.s.current_names']).toEqual(['snapshot.s.customers_history']);
    const { build } = await import('../framework/api.js');
    const results = await build(manifest, { env: {} });
    expect(results.results.map((r) => r.name)).toEqual(['customers', 'customers_history', 'current_names']);
    expect(await queryDb(dir, 'select * from main.current_names')).toEqual([{ id: 1, name: 'ann' }]);
  });

  it('reports config mistakes at the snapshot, and a unique_key that repeats when it runs', async () => {
    const dir = project('strategy="timestamp"');
    const { diagnostics } = compileProject(readProjectFiles(dir), { env: {} });
    expect(diagnostics.map((d) => [d.file, d.message])).toEqual([
      ['snapshots/customers_history.sql', 'snapshot customers_history uses the timestamp strategy but has no updated_at'],
    ]);
    writeFileSync(
      join(dir, 'snapshots/customers_history.sql'),
      '{{config unique_key="name" strategy="check" check_cols="all" stratgy="x"}}\nselect 1 as id, 2 as name',
    );
    const typo = compileProject(readProjectFiles(dir), { env: {} }).diagnostics;
    expect(typo.map((d) => [d.line, d.message, d.hint])).toEqual([[1, 'unknown snapshot config "stratgy"', 'did you mean "strategy"?']]);
    writeFileSync(
      join(dir, 'snapshots/customers_history.sql'),
      '{{config unique_key="k" check_cols="all"}}\nselect 1 as k, 1 as v union all select 1, 2',
    );
    const results = await snapshot(compileDir(dir), { env: {} });
    expect(results.results[0]!.error).toMatchObject({
      file: 'snapshots/customers_history.sql',
      message: "unique_key (k) is not unique in the snapshot's query: 1 key repeat",
    });
  });

  it('takes its config from YAML properties, whose typos the schema reports with the closest key', () => {
    const dir = writeProject({
      'plat_project.yml': 'name: s\nsnapshots:\n  defaults: { schema: history }\n',
      'snapshots/prices.sql': 'select 1 as sku, 9.5 as price',
      'snapshots/prices.yml': 'snapshots:\n  - name: prices\n    config: { unique_key: sku, strategy: check, check_cols: [price] }\n',
    });
    const node = compileDir(dir).nodes['snapshot.s.prices'] as SnapshotNode;
    expect(node.relation).toEqual({ schema: 'history', name: 'prices' });
    expect(node.config).toEqual({
      schema: 'history',
      uniqueKey: ['sku'],
      strategy: 'check',
      updatedAt: null,
      checkCols: ['price'],
      invalidateHardDeletes: false,
    });
    writeFileSync(
      join(dir, 'snapshots/prices.yml'),
      'snapshots:\n  - name: prices\n    config: { unique_key: sku, check_cols: all, invalidate_hard_delete: true }\n',
    );
    const { diagnostics } = compileProject(readProjectFiles(dir), { env: {} });
    expect(diagnostics.map((d) => [d.file, d.line, d.message, d.hint])).toEqual([
      [
        'snapshots/prices.yml',
        3,
        'at snapshots[0].config: unknown property "invalidate_hard_delete"',
        'did you mean "invalidate_hard_deletes"?',
      ],
    ]);
  });
});
