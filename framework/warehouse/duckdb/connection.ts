import { DuckDBTypeId, StatementType, type DuckDBConnection } from './node_api.js';
import type { Capabilities, Connection } from '../connection.js';
import {
  relationKey,
  type ColumnInfo,
  type Inspected,
  type Relation,
  type RelationKind,
  type Row,
  type ScratchTable,
  type StatementResult,
} from '../types.js';
import { duckdbCapabilities, duckdbDialect } from './dialect.js';
import { type DatabaseFiles, statementError } from './errors.js';
import { appendRows, printedValue } from './values.js';

/** One DuckDB connection. Every statement goes through `read`, so its failures come out in plat's terms (errors.ts). */
export class DuckDBSession implements Connection {
  readonly dialect = duckdbDialect;
  constructor(
    private readonly connection: DuckDBConnection,
    private readonly files: DatabaseFiles,
    readonly capabilities: Capabilities = duckdbCapabilities,
  ) {}

  private async read(sql: string, params?: readonly unknown[]) {
    try {
      return await this.connection.runAndReadAll(sql, params as never);
    } catch (error) {
      throw statementError(error, this.files);
    }
  }

  /**
   * A statement whose rows are not wanted. Its result is materialized already: reading it as
   * `read` does costs another trip through the driver's thread pool per statement, a tenth of
   * a 1,000-model run spent on BEGIN, COMMIT and RENAME.
   */
  private async run(sql: string) {
    try {
      return await this.connection.run(sql);
    } catch (error) {
      throw statementError(error, this.files);
    }
  }

  async query(sql: string, params?: readonly unknown[]): Promise<Row[]> {
    return (await this.read(sql, params)).getRowObjectsJS() as Row[];
  }

  async execute(sql: string | readonly string[]): Promise<number> {
    // Several statements in one round trip: DuckDB runs them in order and answers for the last.
    const result = await this.run(typeof sql === 'string' ? sql : sql.join(';\n'));
    if (result.statementType !== StatementType.CREATE) return Number(result.rowsChanged);
    // CREATE TABLE … AS answers with one row holding its row count.
    return result.chunkCount > 0 ? Number(result.getChunk(0).getColumnValues(0)[0] ?? 0) : 0;
  }

  async transaction<T>(work: () => Promise<T>): Promise<T> {
    await this.run('BEGIN TRANSACTION');
    try {
      const result = await work();
      await this.run('COMMIT');
      return result;
    } catch (error) {
      await this.connection.run('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  /**
   * BEGIN, the statements and COMMIT go as one string: each trip through the driver waits for
   * the JavaScript thread, which a busy consumer (ingest) holds for tens of milliseconds.
   */
  async executeInTransaction(sql: readonly string[]): Promise<void> {
    try {
      await this.run(['BEGIN TRANSACTION', ...sql, 'COMMIT'].join(';\n'));
    } catch (error) {
      // DuckDB stops at the failing statement with the transaction open (or already aborted).
      await this.connection.run('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  async bulkLoad(target: Relation | ScratchTable, rows: Iterable<readonly unknown[]>): Promise<number> {
    const appender =
      'scratch' in target
        ? await this.connection.createAppender(target.scratch, 'main', 'temp')
        : await this.connection.createAppender(target.name, target.schema);
    try {
      const appended = appendRows(appender, rows);
      appender.flushSync();
      return appended;
    } catch (error) {
      throw statementError(error, this.files);
    } finally {
      appender.closeSync();
    }
  }

  async relations(): Promise<Map<string, RelationKind>> {
    const rows = await this.query(
      `SELECT table_schema, table_name, table_type FROM information_schema.tables WHERE table_catalog = current_database()`,
    );
    return new Map(
      rows.map((r) => [
        relationKey({ schema: String(r.table_schema), name: String(r.table_name) }),
        r.table_type === 'VIEW' ? 'view' : 'table',
      ]),
    );
  }

  async columns(relation: Relation): Promise<ColumnInfo[]> {
    const rows = await this.query(this.dialect.columnsQuery(relation));
    return rows.map((r) => ({ name: String(r.column_name), type: String(r.data_type) }));
  }

  async catalog(): Promise<Map<string, ColumnInfo[]>> {
    const rows = await this.query(
      `SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns WHERE table_catalog = current_database() ORDER BY ordinal_position`,
    );
    const catalog = new Map<string, ColumnInfo[]>();
    for (const row of rows) {
      const key = relationKey({ schema: String(row.table_schema), name: String(row.table_name) });
      catalog.set(key, [...(catalog.get(key) ?? []), { name: String(row.column_name), type: String(row.data_type) }]);
    }
    return catalog;
  }

  async describe(sql: string): Promise<ColumnInfo[]> {
    const rows = await this.query(`DESCRIBE (\n${sql}\n)`);
    return rows.map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
  }

  async inspect(sql: string): Promise<Inspected> {
    const prepared = await this.connection.prepare(sql).catch((error: unknown) => {
      throw statementError(error, this.files);
    });
    try {
      return {
        select: prepared.statementType === StatementType.SELECT,
        // A column whose type hangs on an unbound parameter has none until it is bound.
        columns: Array.from({ length: prepared.columnCount }, (_, i) => ({
          name: prepared.columnName(i),
          type: prepared.columnTypeId(i) === DuckDBTypeId.INVALID ? 'UNKNOWN' : prepared.columnType(i).toString(),
        })),
        parameters: Array.from({ length: prepared.parameterCount }, (_, i) => prepared.parameterName(i + 1)),
      };
    } finally {
      prepared.destroySync();
    }
  }

  async statements(sql: string, limit: number): Promise<StatementResult[]> {
    const statements = await this.connection.extractStatements(sql);
    const results: StatementResult[] = [];
    for (let i = 0; i < statements.count; i++) {
      const which = statements.count > 1 ? `statement ${i + 1} of ${statements.count}: ` : '';
      try {
        // Prepared one at a time: a statement may read what the one before it created.
        const prepared = await statements.prepare(i);
        try {
          const reader = await prepared.streamAndReadUntil(limit + 1);
          const names = reader.deduplicatedColumnNames();
          const rows = reader.convertRowObjects(printedValue) as Row[];
          results.push({
            columns: names.map((name, c) => ({ name, type: reader.columnType(c).toString() })),
            rows: rows.slice(0, limit),
            truncated: rows.length > limit,
          });
        } finally {
          prepared.destroySync();
        }
      } catch (error) {
        throw new Error(`${which}${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return results;
  }

  interrupt(): void {
    this.connection.interrupt();
  }

  close(): void {
    this.connection.closeSync();
  }
}
