import type { Manifest } from '../compile/manifest.js';
import { PlatError } from '../core/errors.js';
import { openWarehouse } from '../warehouse/registry.js';
import type { StatementResult } from '../warehouse/types.js';
import { warehouseOf } from './run.js';

export type QueryResult = StatementResult;

/**
 * Runs each statement of `sql` on the project database opened read-only (nothing it does can
 * write) and returns every statement's result, in order.
 */
export async function query(manifest: Manifest, sql: string, options: { limit?: number } = {}): Promise<QueryResult[]> {
  if (/^(\s|;|--[^\n]*(\n|$)|\/\*[\s\S]*?\*\/)*$/.test(sql))
    throw new PlatError('USAGE', 'there is no statement to run', 'pass a query, e.g. plat query "select 42"');
  const where = warehouseOf(manifest);
  if (!where.exists) throw new PlatError('DATABASE_OPEN', `no database at ${where.display}`, 'run `plat build` first to create it');
  const warehouse = await openWarehouse(manifest.target, { root: manifest.project.root, mode: 'read-only' });
  try {
    const connection = await warehouse.session();
    try {
      return await connection.statements(sql, options.limit ?? Number.MAX_SAFE_INTEGER - 1);
    } catch (error) {
      if (error instanceof PlatError) throw error;
      throw new PlatError('QUERY_FAILED', error instanceof Error ? error.message : String(error));
    } finally {
      connection.close();
    }
  } finally {
    warehouse.close();
  }
}
