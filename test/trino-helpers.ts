/** Targets on the test cluster (test/setup/trino.ts), each in schemas of its own prefix, and their removal. */
import { request } from '../framework/warehouse/trino/protocol.js';
import type { TrinoTarget } from '../framework/warehouse/types.js';

export function trinoTestTarget(url: string, files: string | null, schemaPrefix: string): TrinoTarget {
  return {
    type: 'trino',
    url,
    catalog: 'iceberg',
    user: 'plat',
    schemaPrefix,
    landing: files ? { folder: `${files}/landing`, location: 'local:///landing' } : null,
    sandboxUser: null,
  };
}

/** Drops every schema of the target's prefix, with what is in it. */
export async function dropTrinoSchemas(target: TrinoTarget): Promise<void> {
  const server = { url: target.url, user: target.user, catalog: target.catalog };
  const schemas = await request(
    server,
    `SELECT schema_name FROM iceberg.information_schema.schemata WHERE schema_name LIKE '${target.schemaPrefix}\\_%' ESCAPE '\\'`,
  );
  for (const [schema] of schemas.rows) await request(server, `DROP SCHEMA IF EXISTS iceberg."${String(schema)}" CASCADE`);
}
