import type { Manifest } from '../compile/manifest.js';
import { relationOf } from '../compile/kinds.js';
import { sqlParserFor } from '../warehouse/registry.js';
import { columnLineage, type OutputColumn } from './lineage.js';

/**
 * Column lineage of every model: compiled SQL parsed in memory by the warehouse adapter's
 * parser (DuckDB's, in one query), FROM relations resolved to project nodes with their columns
 * (`columnsOf`: from the database's catalog when built, else as declared). Where the adapter
 * has no parser, models have no column lineage and the site shows none.
 */
export async function projectLineage(manifest: Manifest, columnsOf: (node: string) => string[]): Promise<Record<string, OutputColumn[]>> {
  const byRelation = new Map<string, string>();
  for (const node of Object.values(manifest.nodes)) {
    const relation = relationOf(node);
    if (relation) byRelation.set(`${relation.schema}.${relation.name}`.toLowerCase(), node.uniqueId);
  }
  const models = Object.values(manifest.nodes).filter((n) => n.kind === 'model');
  if (models.length === 0) return {};
  const parser = await sqlParserFor(manifest.target.type);
  if (!parser) return {};
  try {
    const trees = await parser.parse(models.map((m) => m.compiledSql));
    const lookup = (schema: string, name: string) => {
      const node = byRelation.get(`${schema || 'main'}.${name}`.toLowerCase());
      return node ? { node, columns: columnsOf(node) } : null;
    };
    const out: Record<string, OutputColumn[]> = {};
    models.forEach((model, i) => {
      const tree = trees[i];
      if (tree) out[model.uniqueId] = columnLineage(tree, lookup);
    });
    return out;
  } finally {
    parser.close();
  }
}
