import type { Manifest } from '../compile/manifest.js';
import type { Row } from './adapter.js';
import { openDuckDB } from './duckdb/warehouse.js';
import { databasePath, displayPath } from './run.js';
import { PlatError } from '../core/errors.js';
import { existsSync } from 'node:fs';

export interface QueryResult {
  columns: string[];
  rows: Row[];
  truncated: boolean;
}

/** Runs one query on the project database opened read-only: nothing it does can write. */
export async function query(manifest: Manifest, sql: string, options: { limit?: number } = {}): Promise<QueryResult> {
  const path = databasePath(manifest);
  if (!existsSync(path)) throw new PlatError('DATABASE_OPEN', `no database at ${displayPath(manifest)}`, 'run `plat build` first to create it');
  const warehouse = await openDuckDB(path, { readOnly: true, displayPath: displayPath(manifest) });
  try {
    const session = await warehouse.session();
    try {
      const limit = options.limit ?? Infinity;
      let rows: Row[];
      try {
        rows = await session.query(sql);
      } catch (error) {
        throw new PlatError('QUERY_FAILED', error instanceof Error ? error.message : String(error));
      }
      const columns = rows.length ? Object.keys(rows[0]!) : await describeColumns(session, sql);
      return { columns, rows: rows.slice(0, limit), truncated: rows.length > limit };
    } finally {
      session.close();
    }
  } finally {
    warehouse.close();
  }
}

async function describeColumns(session: { query(sql: string): Promise<Row[]> }, sql: string): Promise<string[]> {
  try {
    const described = await session.query(`DESCRIBE ${sql}`);
    return described.map((r) => String(r.column_name));
  } catch {
    return [];
  }
}
