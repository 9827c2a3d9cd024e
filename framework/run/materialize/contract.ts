import type { ModelNode } from '../../compile/manifest.js';
import type { Connection } from '../../warehouse/connection.js';
import { normalizeTypes } from '../../warehouse/queries.js';
import type { ColumnInfo } from '../../warehouse/types.js';

/**
 * An enforced contract: the built relation has exactly the declared columns, with the declared
 * types (compared after the warehouse's own normalization, so INT and INTEGER agree). Runs on
 * the staging relation (or the query), before it replaces the previous version.
 */
export async function checkContract(connection: Connection, node: ModelNode, built: () => Promise<ColumnInfo[]>): Promise<void> {
  if (!node.contractEnforced) return;
  const actual = new Map((await built()).map((c) => [c.name, c.type]));
  const declared = node.columns.filter((c) => c.type);
  const canonical = await normalizeTypes(
    connection,
    declared.map((c) => c.type!),
  );
  const problems: string[] = [];
  declared.forEach((column, i) => {
    const type = actual.get(column.name);
    if (type === undefined) problems.push(`missing column ${column.name} (${canonical[i]})`);
    else if (type !== canonical[i]) problems.push(`${column.name} is ${type}, the contract says ${canonical[i]}`);
  });
  const names = new Set(declared.map((c) => c.name));
  for (const [name, type] of actual) if (!names.has(name)) problems.push(`column ${name} (${type}) is not in the contract`);
  if (problems.length) {
    throw new Error(
      `contract of ${node.relation.schema}.${node.relation.name} not met: ${problems.join('; ')}. The previous version was kept.`,
    );
  }
}
