import type { ModelNode, Relation } from '../../compile/manifest.js';
import type { WarehouseSession } from '../adapter.js';

/**
 * An enforced contract: the built relation has exactly the declared columns, with the declared
 * types (compared after the database's own normalization, so INT and INTEGER agree). Runs on
 * the staging relation, before it replaces the previous version.
 */
export async function checkContract(session: WarehouseSession, node: ModelNode, built: Relation): Promise<void> {
  if (!node.contractEnforced) return;
  const actual = new Map((await session.columns(built)).map((c) => [c.name, c.type]));
  const declared = node.columns.filter((c) => c.type);
  const canonical = await session.normalizeTypes(declared.map((c) => c.type!));
  const problems: string[] = [];
  declared.forEach((column, i) => {
    const type = actual.get(column.name);
    if (type === undefined) problems.push(`missing column ${column.name} (${canonical[i]})`);
    else if (type !== canonical[i]) problems.push(`${column.name} is ${type}, the contract says ${canonical[i]}`);
  });
  const names = new Set(declared.map((c) => c.name));
  for (const [name, type] of actual) if (!names.has(name)) problems.push(`column ${name} (${type}) is not in the contract`);
  if (problems.length) {
    throw new Error(`contract of ${node.relation.schema}.${node.relation.name} not met: ${problems.join('; ')}. The previous version was kept.`);
  }
}
