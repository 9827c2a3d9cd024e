import type { AgentToolNode } from '../compile/manifest.js';
import type { Registry } from '../ml/registry.js';
import type { NodeOutcome } from '../run/executors.js';
import type { Connection } from '../warehouse/connection.js';
import type { Inspected } from '../warehouse/types.js';
import { positionalParameters } from '../warehouse/parameters.js';

/**
 * Building a tool checks it against the database as built: its SQL prepares as one SELECT and
 * takes exactly its declared parameters, or its ML model has a promoted version. A tool that
 * would fail when asked fails the build instead.
 */
export async function checkTool(node: AgentToolNode, connection: Connection, registry: Registry): Promise<NodeOutcome> {
  if (node.compiledSql !== null) {
    let inspected: Inspected;
    try {
      // Engines that bind by position (Trino) prepare the tool with `?` where it says $name.
      const sql = connection.capabilities.parameters === 'positional' ? positionalParameters(node.compiledSql, {}).sql : node.compiledSql;
      inspected = await connection.inspect(sql);
    } catch (error) {
      throw new Error(`the tool's SQL does not prepare: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    }
    if (!inspected.select) throw new Error('a tool runs one SELECT; this SQL is another kind of statement');
    const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
    // Until its parameters are bound the warehouse may not know a statement's columns.
    const columns = inspected.columns.some((c) => c.type === 'UNKNOWN') ? '' : `, ${plural(inspected.columns.length, 'column')}`;
    return { rows: null, action: `checked: ${plural(inspected.parameters.length, 'parameter')}${columns}` };
  }
  if (node.predict) {
    const promoted = registry.promoted(node.predict.model);
    if (!promoted) throw new Error(`${node.predict.model} has no promoted version to predict with`);
    return { rows: null, action: `checked: predicts with ${node.predict.model} ${promoted}` };
  }
  return { rows: null, action: `built-in ${node.builtin}` };
}
