import { DuckDBInstance } from '@duckdb/node-api';
import type { Manifest } from '../compile/manifest.js';
import { relationOf } from '../run/run.js';
import { columnLineage, type OutputColumn } from './lineage.js';

/** Models per json_serialize_sql query. */
const BATCH = 1000;

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
    await connection.run('CREATE TABLE sql_text (batch INTEGER, id VARCHAR, sql VARCHAR)');
    const appender = await connection.createAppender('sql_text');
    models.forEach((model, i) => {
      appender.appendInteger(Math.floor(i / BATCH));
      appender.appendVarchar(model.uniqueId);
      appender.appendVarchar(model.kind === 'model' ? model.compiledSql : '');
      appender.endRow();
    });
    appender.closeSync();
    const lookup = (schema: string, name: string) => {
      const node = byRelation.get(`${schema || 'main'}.${name}`.toLowerCase());
      return node ? { node, columns: columnsOf(node) } : null;
    };
    // Batches on their own connections parse in DuckDB's threads while this one reads the trees
    // of the batches already done; skipping nulls and empty lists makes the trees a quarter shorter.
    const batches = await Promise.all(Array.from({ length: Math.ceil(models.length / BATCH) }, () => instance.connect()));
    const pending = batches.map((batch, b) => batch.runAndReadAll(`SELECT id, json_serialize_sql(sql, skip_null := true, skip_empty := true) AS tree FROM sql_text WHERE batch = ${b}`));
    // Handled here too: a failure of a later batch must not go unhandled while an earlier is read.
    for (const reader of pending) reader.catch(() => undefined);
    const out: Record<string, OutputColumn[]> = {};
    for (const reader of pending) for (const [id, tree] of (await reader).getRows() as [string, string][]) out[id] = columnLineage(JSON.parse(tree) as Record<string, unknown>, lookup);
    for (const batch of batches) batch.closeSync();
    connection.closeSync();
    return out;
  } finally {
    instance.closeSync();
  }
}
