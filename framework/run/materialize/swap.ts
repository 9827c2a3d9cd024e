import type { Relation } from '../../compile/manifest.js';
import type { WarehouseSession } from '../adapter.js';
import type { RelationCatalog } from '../catalog.js';

export const stagingRelation = (relation: Relation, suffix: 'tmp' | 'new') => ({ schema: relation.schema, name: `${relation.name}__plat_${suffix}` });

/**
 * Builds a table under a temporary name, lets `check` inspect it, then swaps it in, all in
 * one transaction: a failure at any step rolls back to the previous relation, untouched.
 * Returns what `build` returns (its row count).
 */
export async function buildAndSwap(
  session: WarehouseSession,
  catalog: RelationCatalog,
  relation: Relation,
  build: (staging: Relation) => Promise<number | null>,
  check: (staging: Relation) => Promise<void> = async () => undefined,
): Promise<number> {
  const staging = stagingRelation(relation, 'tmp');
  const rows = await session.transaction(async () => {
    const built = await build(staging);
    await check(staging);
    await session.swapIn(staging, relation, catalog.kind(relation));
    return built ?? 0;
  });
  catalog.set(relation, 'table');
  return rows;
}
