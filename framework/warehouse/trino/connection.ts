import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PlatError } from '../../core/errors.js';
import type { Capabilities, Connection } from '../connection.js';
import type { Dialect } from '../dialect.js';
import { writeParquet } from '../duckdb/parquet.js';
import {
  relationKey,
  type ColumnInfo,
  type Inspected,
  type Relation,
  type RelationKind,
  type Row,
  type ScratchTable,
  type StatementResult,
  WarehouseError,
} from '../types.js';
import { request, type RequestOptions, type TrinoAnswer, TrinoQueryError, type TrinoServer } from './protocol.js';
import { identifier, logicalSchema, type Placement, physicalSchema, text, trinoType } from './quote.js';
import { leadingKeyword, QUERY_KEYWORDS, splitStatements } from './statements.js';
import { printedRows, rowObjects, typedLiteral, valueLiteral } from './values.js';

/** Where bulk loads write Parquet files: a folder this process writes, as the cluster's file system names it. */
export interface LandingFolder {
  folder: string;
  location: string;
}

/**
 * Tries of a statement whose Iceberg commit conflicted with another writer's. Several ingest
 * processes landing into one table lose races often; each wait is random and grows (up to
 * 3 s), so writers that collided spread out: about 14 s of waiting in all before giving up.
 */
const COMMIT_ATTEMPTS = 10;

/** Rows a bulk load without a landing folder inserts per statement. */
const VALUES_PER_INSERT = 500;

/** A Trino failure in plat's terms: the statement's line where Trino gives one. */
export function statementError(error: unknown): Error {
  if (!(error instanceof TrinoQueryError)) return error as Error;
  const message = error.failure.message.replace(/^line \d+:\d+: /, '');
  return new WarehouseError(message, error.failure.errorLocation?.lineNumber ?? null);
}

/** Positional parameters bound with EXECUTE IMMEDIATE … USING: the statement and its values travel apart. */
export function bound(sql: string, params?: readonly unknown[]): string {
  if (!params || params.length === 0) return sql;
  return `EXECUTE IMMEDIATE ${text(sql)} USING ${params.map(valueLiteral).join(', ')}`;
}

/**
 * One session on a Trino cluster. The protocol is stateless HTTP: a "session" is the server,
 * user and catalog each request names, so sessions are cheap and share nothing.
 */
export class TrinoSession implements Connection {
  constructor(
    readonly dialect: Dialect,
    readonly capabilities: Capabilities,
    private readonly server: TrinoServer,
    private readonly placement: Placement,
    private readonly landing: LandingFolder | null,
  ) {}

  /** Cancels the statement in flight (its query's nextUri), if any. */
  private cancelRunning: (() => Promise<void>) | null = null;
  private interrupted = false;

  interrupt(): void {
    this.interrupted = true;
    void this.cancelRunning?.();
  }

  /**
   * One statement. A commit that lost a race with another writer of the same Iceberg table wrote
   * nothing, so it is run again (plat's landing statements are idempotent besides).
   */
  private async run(sql: string, options?: RequestOptions): Promise<TrinoAnswer> {
    this.interrupted = false;
    for (let attempt = 1; ; attempt++) {
      try {
        return await request(this.server, sql, { ...options, onCancel: (cancel) => (this.cancelRunning = cancel) });
      } catch (error) {
        if (this.interrupted) throw statementError(error);
        const conflict = error instanceof TrinoQueryError && /ICEBERG_COMMIT_ERROR|TRANSACTION_CONFLICT/.test(error.failure.errorName);
        if (!conflict || attempt === COMMIT_ATTEMPTS || /File already exists/.test(error.failure.message)) throw statementError(error);
        await new Promise((resolve) => setTimeout(resolve, Math.min(3000, 100 * 2 ** attempt) * (0.5 + Math.random() / 2)));
      }
    }
  }

  async query(sql: string, params?: readonly unknown[]): Promise<Row[]> {
    const answer = await this.run(bound(sql, params));
    return rowObjects(answer.columns, answer.rows);
  }

  async execute(sql: string | readonly string[]): Promise<number> {
    let written = 0;
    // One statement a request: Trino has no multi-statement requests.
    for (const statement of typeof sql === 'string' ? [sql] : sql) {
      const answer = await this.run(statement);
      written = answer.updateCount ?? Number(answer.rows[0]?.[0] ?? 0);
    }
    return written;
  }

  async transaction<T>(): Promise<T> {
    throw noTransactions();
  }

  async executeInTransaction(): Promise<void> {
    throw noTransactions();
  }

  async bulkLoad(target: Relation | ScratchTable, rows: Iterable<readonly unknown[]>): Promise<number> {
    const table = 'scratch' in target ? { schema: '_plat', name: target.scratch } : target;
    const columns = await this.columns(table);
    if (columns.length === 0) throw new WarehouseError(`no table ${table.schema}.${table.name} to load into`, null);
    if (this.landing) return this.loadParquet(table, columns, rows);
    return this.loadValues(table, columns, rows);
  }

  /** Rows into a Parquet file in the landing folder, registered with the table by add_files (which then owns it). */
  private async loadParquet(table: Relation, columns: ColumnInfo[], rows: Iterable<readonly unknown[]>): Promise<number> {
    const { folder, location } = this.landing!;
    const schema = physicalSchema(this.placement, table.schema);
    const name = `${table.name}-${randomUUID()}.parquet`;
    mkdirSync(join(folder, schema), { recursive: true });
    const path = join(folder, schema, name);
    const written = await writeParquet(
      path,
      columns.map((c) => ({ name: c.name, type: duckdbType(c.type) })),
      rows,
    );
    if (written === 0) {
      rmSync(path, { force: true });
      return 0;
    }
    try {
      await this.run(
        `ALTER TABLE ${this.dialect.relation(table)} EXECUTE add_files(location => ${text(`${location.replace(/\/$/, '')}/${schema}/${name}`)}, format => 'PARQUET')`,
      );
    } catch (error) {
      rmSync(path, { force: true });
      throw error;
    }
    return written;
  }

  private async loadValues(table: Relation, columns: ColumnInfo[], rows: Iterable<readonly unknown[]>): Promise<number> {
    let loaded = 0;
    let chunk: string[] = [];
    const flush = async () => {
      if (chunk.length === 0) return;
      await this.run(`INSERT INTO ${this.dialect.relation(table)} VALUES ${chunk.join(', ')}`);
      chunk = [];
    };
    for (const row of rows) {
      chunk.push(`(${columns.map((c, i) => typedLiteral(row[i], c.type)).join(', ')})`);
      loaded++;
      if (chunk.length === VALUES_PER_INSERT) await flush();
    }
    await flush();
    return loaded;
  }

  async relations(): Promise<Map<string, RelationKind>> {
    const rows = await this.query(
      `SELECT table_schema, table_name, table_type FROM ${identifier(this.placement.catalog)}.information_schema.tables`,
    );
    const kinds = new Map<string, RelationKind>();
    for (const r of rows) {
      const schema = logicalSchema(this.placement, String(r.table_schema));
      if (schema !== null) kinds.set(relationKey({ schema, name: String(r.table_name) }), r.table_type === 'VIEW' ? 'view' : 'table');
    }
    return kinds;
  }

  async columns(relation: Relation): Promise<ColumnInfo[]> {
    const rows = await this.query(this.dialect.columnsQuery(relation));
    return rows.map((r) => ({ name: String(r.column_name), type: String(r.data_type) }));
  }

  async catalog(): Promise<Map<string, ColumnInfo[]>> {
    const rows = await this.query(
      `SELECT table_schema, table_name, column_name, data_type FROM ${identifier(this.placement.catalog)}.information_schema.columns ORDER BY table_schema, table_name, ordinal_position`,
    );
    const catalog = new Map<string, ColumnInfo[]>();
    for (const row of rows) {
      const schema = logicalSchema(this.placement, String(row.table_schema));
      if (schema === null) continue;
      const key = relationKey({ schema, name: String(row.table_name) });
      catalog.set(key, [...(catalog.get(key) ?? []), { name: String(row.column_name), type: String(row.data_type) }]);
    }
    return catalog;
  }

  /** PREPARE + DESCRIBE OUTPUT in one request: the prepared statement travels in its header. */
  async describe(sql: string): Promise<ColumnInfo[]> {
    const answer = await this.run('DESCRIBE OUTPUT plat_described', { prepared: { plat_described: sql } });
    return answer.rows.map((r) => ({ name: String(r[0]), type: String(r[4]) }));
  }

  async inspect(sql: string): Promise<Inspected> {
    const select = QUERY_KEYWORDS.has(leadingKeyword(sql));
    const prepared = { prepared: { plat_inspected: sql } };
    const output = select ? await this.run('DESCRIBE OUTPUT plat_inspected', prepared) : null;
    const input = await this.run('DESCRIBE INPUT plat_inspected', prepared);
    return {
      select,
      columns: (output?.rows ?? []).map((r) => ({ name: String(r[0]), type: r[4] === 'unknown' ? 'UNKNOWN' : String(r[4]) })),
      parameters: input.rows.map((r) => String(Number(r[0]) + 1)),
    };
  }

  async statements(sql: string, limit: number): Promise<StatementResult[]> {
    const statements = splitStatements(sql);
    const results: StatementResult[] = [];
    for (const [i, statement] of statements.entries()) {
      const which = statements.length > 1 ? `statement ${i + 1} of ${statements.length}: ` : '';
      try {
        const answer = await request(this.server, statement, { maxRows: limit });
        results.push({
          columns: answer.columns.map((c) => ({ name: c.name, type: c.type })),
          rows: printedRows(answer.columns, answer.rows),
          truncated: answer.truncated,
        });
      } catch (error) {
        throw new Error(`${which}${statementError(error).message}`);
      }
    }
    return results;
  }

  close(): void {}
}

/** A Trino column type as DuckDB names it, for the Parquet file a bulk load writes. */
export function duckdbType(type: string): string {
  const t = trinoType(type);
  if (t === 'varchar' || t === 'json' || t === 'uuid') return 'VARCHAR';
  if (t === 'timestamp(6) with time zone' || t === 'timestamp(3) with time zone') return 'TIMESTAMPTZ';
  if (t.startsWith('timestamp')) return 'TIMESTAMP';
  if (t === 'varbinary') return 'BLOB';
  if (t === 'real') return 'FLOAT';
  const list = /^array\((.+)\)$/.exec(t);
  if (list) return `${duckdbType(list[1]!)}[]`;
  return t.toUpperCase();
}

function noTransactions(): PlatError {
  return new PlatError('QUERY_FAILED', 'Iceberg on Trino has no transactions that writes can join (capabilities.transactions is false)');
}
