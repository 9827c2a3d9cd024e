/**
 * Rows written to a Parquet file by an in-memory DuckDB: how engines without a cheap row path
 * (Iceberg on Trino registers files with add_files) load in bulk. Columns are typed as given, so
 * the file's types are the table's (add_files does not check them).
 */
import { DuckDBInstance } from './node_api.js';
import type { ColumnInfo } from '../types.js';
import { statementError } from './errors.js';
import { identifier, text } from './quote.js';
import { appendRows } from './values.js';

/** Writes `rows` (values in `columns` order; `columns` typed in DuckDB's names) to `path`; returns how many. */
export async function writeParquet(path: string, columns: readonly ColumnInfo[], rows: Iterable<readonly unknown[]>): Promise<number> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const files = { path: ':memory:', display: 'memory' };
  try {
    const connection = await instance.connect();
    try {
      await connection.run(`CREATE TABLE rows (${columns.map((c) => `${identifier(c.name)} ${c.type}`).join(', ')})`);
      const appender = await connection.createAppender('rows');
      let written: number;
      try {
        written = appendRows(appender, rows);
        appender.flushSync();
      } finally {
        appender.closeSync();
      }
      await connection.run(`COPY rows TO ${text(path)} (FORMAT parquet)`);
      return written;
    } catch (error) {
      throw statementError(error, files);
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}
