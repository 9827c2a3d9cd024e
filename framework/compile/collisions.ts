import { diagnostic, type Diagnostic, type Place } from '../core/diagnostics.js';
import type { ProjectSpec } from '../project/spec.js';
import { nodeLabel, writtenRelationOf } from './kinds.js';
import { relationName, type ManifestNode, type Relation } from './manifest.js';

/**
 * Two nodes that write one relation overwrite each other, and DuckDB compares names
 * case-insensitively: `marts.Orders` and `marts.orders` are one table. The first writer (sources,
 * then models by path, then ML, then tests) keeps it; each later one is an error naming it.
 */
export function checkRelations(nodes: readonly ManifestNode[], spec: ProjectSpec, diagnostics: Diagnostic[]): void {
  const writers = new Map<string, { node: ManifestNode; relation: Relation }>();
  for (const node of nodes) {
    const relation = writtenRelationOf(node);
    if (!relation) continue;
    const key = relationName(relation).toLowerCase();
    const first = writers.get(key);
    if (!first) {
      writers.set(key, { node, relation });
      continue;
    }
    const where = placeOf(first.node, spec);
    const other = `${nodeLabel(first.node)} (${where.file}${where.line ? `:${where.line}:${where.column}` : ''})`;
    const hint =
      relationName(first.relation) === relationName(relation)
        ? 'give one of them another name or schema'
        : 'DuckDB names are case-insensitive: give one of them another name or schema';
    diagnostics.push(
      diagnostic('DUPLICATE_RELATION', { node: nodeLabel(node), relation: relationName(relation), other }, placeOf(node, spec), hint),
    );
  }
}

/** Where a node is declared: its file, and for YAML declarations the line of its name. */
function placeOf(node: ManifestNode, spec: ProjectSpec): Place & { file: string } {
  const origin =
    node.kind === 'source'
      ? spec.sources.find((t) => t.sourceName === node.sourceName && t.name === node.tableName)?.origin
      : node.kind === 'ml_score'
        ? spec.ml.scoring.find((s) => s.model === node.model)?.origin
        : undefined;
  if (!origin) return { file: node.path };
  const key = node.kind === 'source' ? 'name' : 'model';
  return { file: origin.file, ...spec.locator.locate(origin.file, [...origin.path, key]) };
}

type Declared = { origin: { file: string; path: (string | number)[] } };

/**
 * Keeps the first declaration of each name, compared case-insensitively as DuckDB and the file
 * system compare them; each later one is an error naming where the first is.
 */
export function firstOfEachName<T extends Declared>(
  items: readonly T[],
  nameOf: (item: T) => string,
  what: string,
  key: string,
  spec: ProjectSpec,
  diagnostics: Diagnostic[],
): T[] {
  const first = new Map<string, T>();
  for (const item of items) {
    const name = nameOf(item);
    const other = first.get(name.toLowerCase());
    if (!other) {
      first.set(name.toLowerCase(), item);
      continue;
    }
    const otherName = nameOf(other);
    const at = spec.locator.locate(other.origin.file, [...other.origin.path, key]);
    const where = `${other.origin.file}${at ? `:${at.line}:${at.column}` : ''}${otherName === name ? '' : ` as "${otherName}"`}`;
    const place = { file: item.origin.file, ...spec.locator.locate(item.origin.file, [...item.origin.path, key]) };
    diagnostics.push(
      diagnostic(
        'DUPLICATE_NAME',
        { what: `${what} "${name}"`, other: where },
        place,
        otherName === name ? null : 'names are case-insensitive',
      ),
    );
  }
  return [...first.values()];
}
