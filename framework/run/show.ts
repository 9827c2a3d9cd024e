import { relationOf } from '../compile/kinds.js';
import type { Manifest, ManifestNode } from '../compile/manifest.js';
import { selectNodes } from '../compile/select.js';
import { PlatError } from '../core/errors.js';
import { dialectFor } from '../warehouse/registry.js';
import { query, type QueryResult } from './query.js';
import { failOnSelectorErrors } from './run.js';

/**
 * The SQL `plat show --select` runs for a node, without building it: a model's compiled query
 * (ephemeral models inlined), a test's failing rows, what a seed, snapshot or source holds.
 */
export function showSql(manifest: Manifest, select: readonly string[]): { node: ManifestNode; sql: string } {
  const { ids, diagnostics } = selectNodes(manifest, { select, unmatched: 'error' });
  failOnSelectorErrors(diagnostics);
  if (ids.size !== 1) {
    const names = [...ids].map((id) => manifest.nodes[id]!.name);
    throw new PlatError(
      'USAGE',
      `--select matches ${ids.size} nodes (${names.slice(0, 5).join(', ')}${ids.size > 5 ? ', …' : ''})`,
      'show one node: name it alone',
    );
  }
  const node = manifest.nodes[[...ids][0]!]!;
  if (node.kind === 'test' && node.unit)
    throw new PlatError('USAGE', `${node.name} is a unit test: its rows are fixtures, not in the database`, 'plat test shows its diff');
  if (node.kind === 'model' || node.kind === 'test') return { node, sql: node.compiledSql };
  const relation = relationOf(node);
  if (!relation)
    throw new PlatError(
      'USAGE',
      `${node.name} is a ${node.kind}, which has no rows to show`,
      'show a model, seed, snapshot, source or test',
    );
  return { node, sql: `SELECT * FROM ${dialectFor(manifest.target).relation(relation)}` };
}

/** Runs the SQL on the project database opened read-only and returns at most `limit` rows. */
export async function show(manifest: Manifest, sql: string, limit: number): Promise<QueryResult> {
  const [result] = await query(manifest, sql, { limit });
  if (!result) throw new PlatError('USAGE', 'there is no statement to run');
  return result;
}
