import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DuckDBInstance, DuckDBTypeId, StatementType, type DuckDBAppender, type DuckDBConnection } from '@duckdb/node-api';
import { quoteRelation } from '../../compile/relation.js';
import type { Relation } from '../../compile/manifest.js';
import { PlatError } from '../../core/errors.js';
import { WarehouseError, type ColumnInfo, type GuardedResult, type GuardLimits, type ScratchTable, type RelationKind, type Row, type RowAppender, type Warehouse, type WarehouseSession } from '../adapter.js';
import { cleanMessage, guardedQuery } from './guarded.js';

export interface OpenOptions {
  readOnly?: boolean;
  /**
   * Read-only, and no file (the database's own included), network or extension access from
   * SQL; settings locked so a query cannot turn them back on. For agent tools and anything
   * else running untrusted SQL (see guarded.ts).
   */
  sandboxed?: boolean;
  /** Where the user knows the database from, for messages (e.g. target/plat.duckdb). */
  displayPath?: string;
  /** DuckDB's worker threads; default one per core. */
  threads?: number;
}

export async function openDuckDB(path: string, options: OpenOptions = {}): Promise<Warehouse> {
  if (path !== ':memory:' && !options.readOnly) mkdirSync(dirname(path), { recursive: true });
  let instance: DuckDBInstance;
  try {
    const access: Record<string, string> = options.sandboxed ? SANDBOX : options.readOnly ? { access_mode: 'READ_ONLY' } : {};
    instance = await DuckDBInstance.create(path, options.threads ? { ...access, threads: String(options.threads) } : access);
  } catch (error) {
    throw openError(error, options.displayPath ?? path);
  }
  if (options.sandboxed) {
    try {
      await lockDown(instance);
    } catch (error) {
      instance.closeSync();
      throw openError(error, options.displayPath ?? path);
    }
  }
  return {
    path,
    session: async () => new DuckDBSession(await instance.connect()),
    close: () => instance.closeSync(),
  };
}

/**
 * With external access off DuckDB still lets SQL read the database's own files
 * (read_blob('…/plat.duckdb')) and write to its temporary folder. The local file system can
 * only be switched off once the database is open, and that closes both doors; a query that
 * outgrows memory can then no longer spill to disk. Then the settings are locked.
 */
async function lockDown(instance: DuckDBInstance): Promise<void> {
  const connection = await instance.connect();
  try {
    await connection.run("SET disabled_filesystems = 'LocalFileSystem'");
    await connection.run('SET lock_configuration = true');
  } finally {
    connection.closeSync();
  }
}

const SANDBOX = {
  access_mode: 'READ_ONLY',
  enable_external_access: 'false',
  autoload_known_extensions: 'false',
  autoinstall_known_extensions: 'false',
  allow_community_extensions: 'false',
};

function openError(error: unknown, path: string): PlatError {
  const message = error instanceof Error ? error.message : String(error);
  const lock = /Conflicting lock is held in (.*?) \(PID (\d+)\)/.exec(message);
  if (lock) {
    return new PlatError(
      'DATABASE_LOCKED',
      `${path} is in use by another process (PID ${lock[2]}, ${lock[1]}); DuckDB allows one writer at a time`,
      'wait for the other plat command to finish, or close the program holding the file',
    );
  }
  if (/database does not exist|No such file/i.test(message)) {
    return new PlatError('DATABASE_OPEN', `no database at ${path}`, 'run `plat run` or `plat build` first to create it');
  }
  return new PlatError('DATABASE_OPEN', `cannot open ${path}: ${message}`);
}

const q = quoteRelation;
const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

class DuckDBSession implements WarehouseSession {
  constructor(private readonly connection: DuckDBConnection) {}

  async query(sql: string, params?: unknown[]): Promise<Row[]> {
    const reader = await this.connection.runAndReadAll(sql, params as never);
    return reader.getRowObjectsJS() as Row[];
  }

  async execute(sql: string): Promise<number> {
    const result = await this.connection.run(sql);
    return Number(result.rowsChanged);
  }

  async transaction<T>(work: () => Promise<T>): Promise<T> {
    await this.connection.run('BEGIN TRANSACTION');
    try {
      const result = await work();
      await this.connection.run('COMMIT');
      return result;
    } catch (error) {
      await this.connection.run('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  async relations(): Promise<Map<string, RelationKind>> {
    const rows = await this.query(`SELECT table_schema, table_name, table_type FROM information_schema.tables WHERE table_catalog = current_database()`);
    return new Map(rows.map((r) => [`${String(r.table_schema)}\u0000${String(r.table_name)}`, r.table_type === 'VIEW' ? 'view' : 'table']));
  }

  async columns(relation: Relation): Promise<ColumnInfo[]> {
    const rows = await this.query(
      `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = ? AND table_name = ? AND table_catalog = current_database() ORDER BY ordinal_position`,
      [relation.schema, relation.name],
    );
    return rows.map((r) => ({ name: String(r.column_name), type: String(r.data_type) }));
  }

  async normalizeTypes(types: string[]): Promise<string[]> {
    if (types.length === 0) return [];
    const row = (await this.connection.runAndReadAll(`SELECT ${types.map((t) => `typeof(CAST(NULL AS ${t}))`).join(', ')}`)).getRows()[0] ?? [];
    return row.map(String);
  }

  async ensureSchema(schema: string): Promise<void> {
    await this.connection.run(`CREATE SCHEMA IF NOT EXISTS ${ident(schema)}`);
  }

  async create(kind: RelationKind, relation: Relation, sql: string, options: { replace?: boolean } = {}): Promise<number | null> {
    // The model's SQL starts on the statement's second line; errors are mapped back by that.
    const statement = `CREATE ${options.replace ? 'OR REPLACE ' : ''}${kind === 'view' ? 'VIEW' : 'TABLE'} ${q(relation)} AS\n${sql}`;
    try {
      const reader = await this.connection.runAndReadAll(statement);
      // CREATE TABLE … AS answers with one row holding its row count.
      return kind === 'table' ? Number(reader.getRows()[0]?.[0] ?? 0) : null;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const line = /\bLINE (\d+):/.exec(message)?.[1];
      throw new WarehouseError(cleanMessage(message), line ? Math.max(1, Number(line) - 1) : null);
    }
  }

  async createEmptyTable(relation: Relation, columns: ColumnInfo[], options: { replace?: boolean } = {}): Promise<void> {
    const list = columns.map((c) => `${ident(c.name)} ${c.type}`).join(', ');
    await this.connection.run(`CREATE ${options.replace ? 'OR REPLACE ' : ''}TABLE ${q(relation)} (${list})`);
  }

  async drop(relation: Relation, kind: RelationKind): Promise<void> {
    await this.connection.run(`DROP ${kind === 'view' ? 'VIEW' : 'TABLE'} IF EXISTS ${q(relation)}`);
  }

  async swapIn(staging: Relation, target: Relation, existing: RelationKind | null): Promise<void> {
    const drop = existing ? `DROP ${existing === 'view' ? 'VIEW' : 'TABLE'} ${q(target)};\n` : '';
    await this.connection.run(`${drop}ALTER TABLE ${q(staging)} RENAME TO ${ident(target.name)}`);
  }

  async addColumns(relation: Relation, columns: ColumnInfo[]): Promise<void> {
    for (const column of columns) await this.connection.run(`ALTER TABLE ${q(relation)} ADD COLUMN ${ident(column.name)} ${column.type}`);
  }

  async sameRows(a: Relation, b: Relation): Promise<boolean> {
    // Same values under other column names or types are not the same table to whoever reads it.
    if (JSON.stringify(await this.columns(a)) !== JSON.stringify(await this.columns(b))) return false;
    const digest = (r: Relation) => `(SELECT count(*) AS n, bit_xor(hash(t)) AS h FROM ${q(r)} AS t)`;
    const [row] = await this.query(`SELECT a.n = b.n AND a.h IS NOT DISTINCT FROM b.h AS same FROM ${digest(a)} AS a, ${digest(b)} AS b`);
    return row?.same === true;
  }

  async insertByName(target: Relation, from: Relation): Promise<number> {
    return this.execute(`INSERT INTO ${q(target)} BY NAME SELECT * FROM ${q(from)}`);
  }

  async mergeByKey(target: Relation, from: Relation, keys: string[], columns: string[]): Promise<number> {
    const on = keys.map((k) => `t.${ident(k)} IS NOT DISTINCT FROM s.${ident(k)}`).join(' AND ');
    const set = columns.map((c) => `${ident(c)} = s.${ident(c)}`).join(', ');
    const names = columns.map(ident).join(', ');
    const values = columns.map((c) => `s.${ident(c)}`).join(', ');
    return this.execute(
      `MERGE INTO ${q(target)} AS t USING ${q(from)} AS s ON (${on}) WHEN MATCHED THEN UPDATE SET ${set} WHEN NOT MATCHED THEN INSERT (${names}) VALUES (${values})`,
    );
  }

  async deleteByKey(target: Relation, from: Relation, keys: string[]): Promise<number> {
    const tuple = (alias: string) => keys.map((k) => `${alias}.${ident(k)}`).join(', ');
    return this.execute(`DELETE FROM ${q(target)} AS t WHERE (${tuple('t')}) IN (SELECT (${tuple('s')}) FROM ${q(from)} AS s)`);
  }

  async scratchTable(name: string, columns: ColumnInfo[]): Promise<ScratchTable> {
    const list = columns.map((c) => `${ident(c.name)} ${c.type}`).join(', ');
    await this.connection.run(`CREATE OR REPLACE TEMP TABLE ${ident(name)} (${list})`);
    return { scratch: name, sql: `temp.main.${ident(name)}` };
  }

  async appender(target: Relation | ScratchTable): Promise<RowAppender> {
    const appender = 'scratch' in target ? await this.connection.createAppender(target.scratch, 'main', 'temp') : await this.connection.createAppender(target.name, target.schema);
    const writers = Array.from({ length: appender.columnCount }, (_, i) => columnWriter(appender, appender.columnType(i).typeId));
    return {
      append: (row) => {
        for (let i = 0; i < writers.length; i++) {
          const value = row[i];
          if (value === null || value === undefined) appender.appendNull();
          else writers[i]!(value);
        }
        appender.endRow();
      },
      flush: () => appender.flushSync(),
      close: () => appender.closeSync(),
    };
  }

  async inspect(sql: string): Promise<{ select: boolean; columns: ColumnInfo[]; parameters: string[] }> {
    const prepared = await this.connection.prepare(sql);
    try {
      return {
        select: prepared.statementType === StatementType.SELECT,
        // A column whose type hangs on an unbound parameter has none until it is bound.
        columns: Array.from({ length: prepared.columnCount }, (_, i) => ({ name: prepared.columnName(i), type: prepared.columnTypeId(i) === DuckDBTypeId.INVALID ? 'UNKNOWN' : prepared.columnType(i).toString() })),
        parameters: Array.from({ length: prepared.parameterCount }, (_, i) => prepared.parameterName(i + 1)),
      };
    } finally {
      prepared.destroySync();
    }
  }

  guardedQuery(sql: string, params: Record<string, unknown>, limits: GuardLimits): Promise<GuardedResult> {
    return guardedQuery(this.connection, sql, params, limits);
  }

  close(): void {
    this.connection.closeSync();
  }
}

/**
 * How to append a JS value to a column of a given type: the typed calls are the fast path;
 * anything else goes in as text and DuckDB casts it (timestamps from ISO-8601, for one).
 */
function columnWriter(appender: DuckDBAppender, type: DuckDBTypeId): (value: unknown) => void {
  switch (type) {
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.TINYINT:
      return (v) => (typeof v === 'number' && Number.isInteger(v) ? appender.appendInteger(v) : appender.appendVarchar(String(v)));
    case DuckDBTypeId.BIGINT:
      return (v) => (typeof v === 'number' && Number.isInteger(v) ? appender.appendBigInt(BigInt(v)) : typeof v === 'bigint' ? appender.appendBigInt(v) : appender.appendVarchar(String(v)));
    case DuckDBTypeId.DOUBLE:
    case DuckDBTypeId.FLOAT:
      return (v) => (typeof v === 'number' ? appender.appendDouble(v) : appender.appendVarchar(String(v)));
    case DuckDBTypeId.BOOLEAN:
      return (v) => (typeof v === 'boolean' ? appender.appendBoolean(v) : appender.appendVarchar(String(v)));
    default:
      return (v) => appender.appendVarchar(typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v));
  }
}
