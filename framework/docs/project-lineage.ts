import { DuckDBInstance } from '@duckdb/node-api';
import type { Manifest } from '../compile/manifest.js';
import { relationOf } from '../run/run.js';
import { columnLineage, type OutputColumn } from './lineage.js';

/**
 * Column lineage of every model: compiled SQL parsed by DuckDB (in memory, in one query), FROM
 * relations resolved to project nodes with their columns (`columnsOf`: from the database's
 * catalog when built, else as declared).
 */
export async function projectLineage(manifest: Manifest, columnsOf: (node: string) => string[]): Promise<Record<string, OutputColumn[]>> {
  const byRelation = new Map<string, string>();
  for (const node of Object.values(manifest.nodes)) {
    const relation = relationOf(node);
    if (relation) byRelation.set(`${relation.schema}.${relation.name}`.toLowerCase(), node.uniqueId);
  }
  const models = Object.values(manifest.nodes).filter((n) => n.kind === 'model');
  if (models.length === 0) return {};
  const instance = await DuckDBInstance.create(':memory:');
  try {
    const connection = await instance.connect();
    await connection.run('CREATE TABLE sql_text (id VARCHAR, sql VARCHAR)');
    const appender = await connection.createAppender('sql_text');
    for (const model of models) {
      appender.appendVarchar(model.uniqueId);
      appender.appendVarchar(model.kind === 'model' ? model.compiledSql : '');
      appender.endRow();
    }
    appender.closeSync();
    const reader = await connection.runAndReadAll('SELECT id, json_serialize_sql(sql) AS tree FROM sql_text');
    const lookup = (schema: string, name: string) => {
      const node = byRelation.get(`${schema || 'main'}.${name}`.toLowerCase());
      return node ? { node, columns: columnsOf(node) } : null;
    };
    const out: Record<string, OutputColumn[]> = {};
    for (const [id, tree] of reader.getRows() as [string, string][]) out[id] = columnLineage(JSON.parse(tree) as Record<string, unknown>, lookup);
    connection.closeSync();
    return out;
  } finally {
    instance.closeSync();
  }
}
