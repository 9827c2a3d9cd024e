import type { Connection } from '../../warehouse/connection.js';
import type { Relation } from '../../warehouse/types.js';
import type { RelationCatalog } from '../catalog.js';

export const stagingRelation = (relation: Relation, suffix: 'tmp' | 'new') => ({
  schema: relation.schema,
  name: `${relation.name}__plat_${suffix}`,
});

/**
 * Builds a table under a staging name, lets `check` inspect it, then swaps it in; a failure at
 * any step leaves the previous relation untouched (or none, for a table that did not exist).
 * Where DDL is transactional the whole is one transaction ending in drop-and-rename; elsewhere
 * (Iceberg on Trino) the checked staging table is copied over the target by one CREATE OR
 * REPLACE … AS SELECT, which is atomic, and dropped. Returns what `build` returns (its row count).
 */
export async function buildAndSwap(
  connection: Connection,
  catalog: RelationCatalog,
  relation: Relation,
  build: (staging: Relation) => Promise<number | null>,
  check: (staging: Relation) => Promise<void> = async () => undefined,
): Promise<number> {
  const { dialect, capabilities } = connection;
  const staging = stagingRelation(relation, 'tmp');
  const existing = catalog.kind(relation);
  let rows: number;
  if (capabilities.transactionalDdl) {
    // A relation that does not exist yet is built under its own name: the transaction already
    // keeps a failed check from leaving it behind, and a first build of many tables saves a
    // rename (a catalog change) for each.
    const into = existing ? staging : relation;
    rows = await connection.transaction(async () => {
      const built = await build(into);
      await check(into);
      if (existing) await connection.execute([dialect.drop(relation, existing), dialect.rename(staging, relation)]);
      return built ?? 0;
    });
  } else {
    try {
      const built = await build(staging);
      await check(staging);
      // A view cannot be replaced by a table in one statement.
      if (existing === 'view') await connection.execute(dialect.drop(relation, 'view'));
      await connection.execute(dialect.createAs('table', relation, `SELECT * FROM ${dialect.relation(staging)}`, { replace: true }));
      rows = built ?? 0;
    } finally {
      await connection.execute(dialect.drop(staging, 'table', { ifExists: true })).catch(() => undefined);
    }
  }
  catalog.set(relation, 'table');
  return rows;
}
