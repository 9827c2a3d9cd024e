import type { Relation } from '../../compile/manifest.js';
import type { WarehouseSession } from '../adapter.js';

export const stagingRelation = (relation: Relation, suffix: 'tmp' | 'new') => ({ schema: relation.schema, name: `${relation.name}__plat_${suffix}` });

/**
 * Builds a table under a temporary name, lets `check` inspect it, then swaps it in with one
 * transaction. A failure at any step leaves the previous relation as it was.
 */
export async function buildAndSwap(
  session: WarehouseSession,
  relation: Relation,
  build: (staging: Relation) => Promise<void>,
  check: (staging: Relation) => Promise<void> = async () => undefined,
): Promise<void> {
  const staging = stagingRelation(relation, 'tmp');
  await session.drop(staging, 'table');
  try {
    await build(staging);
    await check(staging);
    const existing = await session.relationKind(relation);
    await session.transaction(async () => {
      if (existing) await session.drop(relation, existing);
      await session.rename(staging, relation.name);
    });
  } catch (error) {
    await session.drop(staging, 'table').catch(() => undefined);
    throw error;
  }
}
