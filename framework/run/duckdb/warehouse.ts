import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  DuckDBDateValue,
  DuckDBInstance,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTypeId,
  JSDuckDBValueConverter,
  StatementType,
  type DuckDBAppender,
  type DuckDBConnection,
  type DuckDBValue,
  type DuckDBValueConverter,
  type JS,
} from '@duckdb/node-api';
import { quoteRelation } from '../../compile/relation.js';
import type { Relation } from '../../compile/manifest.js';
import { PlatError } from '../../core/errors.js';
import { WarehouseError, type ColumnInfo, type GuardedResult, type GuardLimits, type ScratchTable, type RelationKind, type Row, type RowAppender, type StatementResult, type Warehouse, type WarehouseSession } from '../adapter.js';
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
  const files = { path, display: options.displayPath ?? path };
  if (path !== ':memory:' && !options.readOnly) {
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch (error) {
      throw new PlatError('DATABASE_OPEN', `cannot create the folder of ${files.display}: ${systemReason(error)}`, folderHint(files));
    }
  }
  let instance: DuckDBInstance;
  try {
    const access: Record<string, string> = options.sandboxed ? SANDBOX : options.readOnly ? { access_mode: 'READ_ONLY' } : {};
    instance = await DuckDBInstance.create(path, options.threads ? { ...access, threads: String(options.threads) } : access);
  } catch (error) {
    throw (options.readOnly ? null : storageError(error, files)) ?? openError(error, files.display);
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
    session: async () => new DuckDBSession(await instance.connect(), files),
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

/** The database file as plat opens it (absolute) and as the user knows it. */
interface DatabaseFiles {
  path: string;
  display: string;
}

const STORAGE_FAILURE = /Permission denied|Read-only file system|No space left on device|Disk quota exceeded/i;

/**
 * DuckDB failing to create or write the database, its .wal or its temporary files: an
 * environment problem (a folder this user cannot write, a full disk), whichever node hit it.
 */
function storageError(error: unknown, files: DatabaseFiles): PlatError | null {
  const message = error instanceof Error ? error.message : String(error);
  const reason = STORAGE_FAILURE.exec(message)?.[0];
  const file = /"([^"]+)"/.exec(message)?.[1];
  if (!reason || !file?.startsWith(files.path)) return null;
  return new PlatError('DATABASE_WRITE', `cannot write ${files.display}${file.slice(files.path.length)}: ${reason.toLowerCase()}`, folderHint(files));
}

function folderHint(files: DatabaseFiles): string {
  return `plat keeps ${files.display} and its .wal and temporary files in ${dirname(files.display)}/: make that folder writable for this user, or point target.duckdb in plat_project.yml at one that is`;
}

function systemReason(error: unknown): string {
  const { code } = error as NodeJS.ErrnoException;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EROFS') return 'read-only file system';
  if (code === 'ENOTDIR' || code === 'EEXIST') return 'a part of its path is a file, not a folder';
  return error instanceof Error ? error.message : String(error);
}

const q = quoteRelation;
const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

class DuckDBSession implements WarehouseSession {
  constructor(
    private readonly connection: DuckDBConnection,
    private readonly files: DatabaseFiles,
  ) {}

  /** Statements go through here (and read), so that failing to write the database's own files is reported as that. */
  private async run(sql: string) {
    try {
      return await this.connection.run(sql);
    } catch (error) {
      throw storageError(error, this.files) ?? error;
    }
  }

  private async read(sql: string, params?: unknown[]) {
    try {
      return await this.connection.runAndReadAll(sql, params as never);
    } catch (error) {
      throw storageError(error, this.files) ?? error;
    }
  }

  async query(sql: string, params?: unknown[]): Promise<Row[]> {
    const reader = await this.read(sql, params);
    return reader.getRowObjectsJS() as Row[];
  }

  async queryEach(sql: string, limit: number): Promise<StatementResult[]> {
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
          results.push({ columns: names.map((name, c) => ({ name, type: reader.columnType(c).toString() })), rows: rows.slice(0, limit), truncated: rows.length > limit });
        } finally {
          prepared.destroySync();
        }
      } catch (error) {
        throw new Error(`${which}${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return results;
  }

  async execute(sql: string): Promise<number> {
    const result = await this.run(sql);
    return Number(result.rowsChanged);
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
    const row = (await this.read(`SELECT ${types.map((t) => `typeof(CAST(NULL AS ${t}))`).join(', ')}`)).getRows()[0] ?? [];
    return row.map(String);
  }

  async ensureSchema(schema: string): Promise<void> {
    await this.run(`CREATE SCHEMA IF NOT EXISTS ${ident(schema)}`);
  }

  async create(kind: RelationKind, relation: Relation, sql: string, options: { replace?: boolean } = {}): Promise<number | null> {
    // The model's SQL starts on the statement's second line; errors are mapped back by that.
    const statement = `CREATE ${options.replace ? 'OR REPLACE ' : ''}${kind === 'view' ? 'VIEW' : 'TABLE'} ${q(relation)} AS\n${sql}`;
    try {
      const reader = await this.read(statement);
      // CREATE TABLE … AS answers with one row holding its row count.
      return kind === 'table' ? Number(reader.getRows()[0]?.[0] ?? 0) : null;
    } catch (error) {
      if (error instanceof PlatError) throw error;
      const message = error instanceof Error ? error.message : String(error);
      const line = /\bLINE (\d+):/.exec(message)?.[1];
      throw new WarehouseError(cleanMessage(message), line ? Math.max(1, Number(line) - 1) : null);
    }
  }

  async createEmptyTable(relation: Relation, columns: ColumnInfo[], options: { replace?: boolean } = {}): Promise<void> {
    const list = columns.map((c) => `${ident(c.name)} ${c.type}`).join(', ');
    await this.run(`CREATE ${options.replace ? 'OR REPLACE ' : ''}TABLE ${q(relation)} (${list})`);
  }

  async drop(relation: Relation, kind: RelationKind): Promise<void> {
    await this.run(`DROP ${kind === 'view' ? 'VIEW' : 'TABLE'} IF EXISTS ${q(relation)}`);
  }

  async swapIn(staging: Relation, target: Relation, existing: RelationKind | null): Promise<void> {
    const drop = existing ? `DROP ${existing === 'view' ? 'VIEW' : 'TABLE'} ${q(target)};\n` : '';
    await this.run(`${drop}ALTER TABLE ${q(staging)} RENAME TO ${ident(target.name)}`);
  }

  async addColumns(relation: Relation, columns: ColumnInfo[]): Promise<void> {
    for (const column of columns) await this.run(`ALTER TABLE ${q(relation)} ADD COLUMN ${ident(column.name)} ${column.type}`);
  }

  async dropColumns(relation: Relation, names: string[]): Promise<void> {
    for (const name of names) await this.run(`ALTER TABLE ${q(relation)} DROP COLUMN ${ident(name)}`);
  }

  async changeColumnTypes(relation: Relation, columns: ColumnInfo[]): Promise<void> {
    for (const column of columns) await this.run(`ALTER TABLE ${q(relation)} ALTER COLUMN ${ident(column.name)} SET DATA TYPE ${column.type}`);
  }

  async valuesChangedByType(relation: Relation, column: ColumnInfo, type: string): Promise<{ rows: number; example: unknown }> {
    const value = ident(column.name);
    // Stored and read back in the column's own type: 1.5 → 2 → 2.0 and '01' → 1 → '1' change, 'abc' → NULL is lost.
    const [row] = await this.query(
      `SELECT count(*) AS n, any_value(${value}) AS example FROM ${q(relation)} WHERE TRY_CAST(TRY_CAST(${value} AS ${type}) AS ${column.type}) IS DISTINCT FROM ${value}`,
    );
    return { rows: Number(row?.n ?? 0), example: row?.example ?? null };
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
    await this.run(`CREATE OR REPLACE TEMP TABLE ${ident(name)} (${list})`);
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

/** Types whose JS values (Date, microsecond bigints, byte arrays) read worse than the database's own text. */
const PRINTED_AS_TEXT = new Set<DuckDBTypeId>([
  DuckDBTypeId.DATE,
  DuckDBTypeId.TIME,
  DuckDBTypeId.TIME_NS,
  DuckDBTypeId.TIME_TZ,
  DuckDBTypeId.TIMESTAMP,
  DuckDBTypeId.TIMESTAMP_S,
  DuckDBTypeId.TIMESTAMP_MS,
  DuckDBTypeId.TIMESTAMP_NS,
  DuckDBTypeId.TIMESTAMP_TZ,
  DuckDBTypeId.INTERVAL,
  DuckDBTypeId.BLOB,
  DuckDBTypeId.BIT,
]);

/** JS values, except those types as text, inside lists and structs too. */
const printedValue: DuckDBValueConverter<JS> = (value, type) => {
  if (value === null) return null;
  return PRINTED_AS_TEXT.has(type.typeId) ? printedText(value) : JSDuckDBValueConverter(value, type, printedValue);
};

function printedText(value: DuckDBValue): string {
  // DuckDB spells these infinity; the client library would print a date thousands of years away.
  if (value instanceof DuckDBDateValue && !value.isFinite) return value.days > 0 ? 'infinity' : '-infinity';
  if ((value instanceof DuckDBTimestampValue || value instanceof DuckDBTimestampTZValue) && !value.isFinite) return value.micros > 0n ? 'infinity' : '-infinity';
  return String(value);
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
