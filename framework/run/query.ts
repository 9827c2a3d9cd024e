import type { Manifest } from '../compile/manifest.js';
import type { StatementResult } from './adapter.js';
import { openDuckDB } from './duckdb/warehouse.js';
import { databasePath, displayPath } from './run.js';
import { PlatError } from '../core/errors.js';
import { existsSync } from 'node:fs';

export type QueryResult = StatementResult;

/**
 * Runs each statement of `sql` on the project database opened read-only (nothing it does can
 * write) and returns every statement's result, in order.
 */
export async function query(manifest: Manifest, sql: string, options: { limit?: number } = {}): Promise<QueryResult[]> {
  if (/^(\s|;|--[^\n]*(\n|$)|\/\*[\s\S]*?\*\/)*$/.test(sql)) throw new PlatError('USAGE', 'there is no statement to run', 'pass a query, e.g. plat query "select 42"');
  const path = databasePath(manifest);
  if (!existsSync(path)) throw new PlatError('DATABASE_OPEN', `no database at ${displayPath(manifest)}`, 'run `plat build` first to create it');
  const warehouse = await openDuckDB(path, { readOnly: true, displayPath: displayPath(manifest) });
  try {
    const session = await warehouse.session();
    try {
      return await session.queryEach(sql, options.limit ?? Number.MAX_SAFE_INTEGER - 1);
    } catch (error) {
      if (error instanceof PlatError) throw error;
      throw new PlatError('QUERY_FAILED', error instanceof Error ? error.message : String(error));
    } finally {
      session.close();
    }
  } finally {
    warehouse.close();
  }
}
