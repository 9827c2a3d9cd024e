/**
 * What the runner needs from a warehouse. DuckDB is the first implementation (duckdb/);
 * nothing outside that folder knows which database it talks to.
 */
import type { Relation } from '../compile/manifest.js';
import type { JsonValue } from '../core/json.js';

export type Row = Record<string, unknown>;
export type RelationKind = 'table' | 'view';

export interface ColumnInfo {
  name: string;
  type: string;
}

/** A database failure inside a model's SQL; `line` is the line within the model's own SQL. */
export class WarehouseError extends Error {
  constructor(
    message: string,
    readonly line: number | null,
  ) {
    super(message);
    this.name = 'WarehouseError';
  }
}

/** A statement the guarded path refuses to run (not one SELECT), or one that hit a limit. */
export class QueryRejected extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QueryRejected';
  }

  static timeLimit(timeoutMs: number): QueryRejected {
    return new QueryRejected(`the query ran longer than the ${timeoutMs / 1000}s limit and was stopped`);
  }
}

export interface GuardLimits {
  rows: number;
  /** Covers running the query, fetching its rows and turning them into JSON. */
  timeoutMs: number;
  /** What the rows may hold as JSON; a row that alone holds more is refused. */
  bytes: number;
}

export interface GuardedResult {
  columns: string[];
  /** JSON values (see core/json.ts jsonRow). */
  rows: Record<string, JsonValue>[];
  /** Which limit cut the rows short, if one did. */
  truncated: 'rows' | 'bytes' | null;
}

/** One statement's result, as `plat query` prints it. */
export interface StatementResult {
  columns: ColumnInfo[];
  rows: Row[];
  /** More rows existed than the limit allowed. */
  truncated: boolean;
}

/** A table private to one session and never written to disk, for staging rows. */
export interface ScratchTable {
  scratch: string;
  /** How SQL on the same session names it. */
  sql: string;
}

export interface RowAppender {
  append(row: readonly unknown[]): void;
  /** Writes what was appended so far; the appender stays open. */
  flush(): void;
  close(): void;
}

export interface WarehouseSession {
  query(sql: string, params?: unknown[]): Promise<Row[]>;
  /**
   * Runs each statement of `sql` in turn, reading at most `limit` rows of each. Values are
   * ready for JSON and for reading: dates, times, timestamps, intervals and blobs as text the
   * way the database prints them, numbers as numbers (bigints when large), lists and structs.
   */
  queryEach(sql: string, limit: number): Promise<StatementResult[]>;
  /** Runs a statement and returns the number of rows it changed. */
  execute(sql: string): Promise<number>;
  transaction<T>(work: () => Promise<T>): Promise<T>;
  /** Every relation in the database, keyed schema \0 name. */
  relations(): Promise<Map<string, RelationKind>>;
  columns(relation: Relation): Promise<ColumnInfo[]>;
  ensureSchema(schema: string): Promise<void>;
  /** Type names as the database spells them in its catalog (INT → INTEGER). */
  normalizeTypes(types: string[]): Promise<string[]>;
  /**
   * Creates a table or view from a model's SQL and returns a table's row count (null for a
   * view). Errors carry the line within that SQL.
   */
  create(kind: RelationKind, relation: Relation, sql: string, options?: { replace?: boolean }): Promise<number | null>;
  /** Drops `target` (of kind `existing`, if any) and renames `staging` to it; call inside a transaction. */
  swapIn(staging: Relation, target: Relation, existing: RelationKind | null): Promise<void>;
  createEmptyTable(relation: Relation, columns: ColumnInfo[], options?: { replace?: boolean }): Promise<void>;
  drop(relation: Relation, kind: RelationKind): Promise<void>;
  addColumns(relation: Relation, columns: ColumnInfo[]): Promise<void>;
  dropColumns(relation: Relation, names: string[]): Promise<void>;
  /** Converts each column's existing values to its new type; fails when one does not convert. */
  changeColumnTypes(relation: Relation, columns: ColumnInfo[]): Promise<void>;
  /** Rows whose value in `column` (of its own type, `column.type`) would not survive being stored as `type`: it would change, or not convert. With one such value. */
  valuesChangedByType(relation: Relation, column: ColumnInfo, type: string): Promise<{ rows: number; example: unknown }>;
  /** Whether two tables have the same columns and rows, in any order (rows compared by count and an order-free hash). */
  sameRows(a: Relation, b: Relation): Promise<boolean>;
  insertByName(target: Relation, from: Relation): Promise<number>;
  mergeByKey(target: Relation, from: Relation, keys: string[], columns: string[]): Promise<number>;
  deleteByKey(target: Relation, from: Relation, keys: string[]): Promise<number>;
  appender(target: Relation | ScratchTable): Promise<RowAppender>;
  /** Creates (or empties) a scratch table on this session. */
  scratchTable(name: string, columns: ColumnInfo[]): Promise<ScratchTable>;
  /** Prepares (without running) one statement: whether it is a SELECT, its columns and named parameters. */
  inspect(sql: string): Promise<{ select: boolean; columns: ColumnInfo[]; parameters: string[] }>;
  /**
   * Runs exactly one SELECT with named parameters bound (never spliced into the text), reading
   * rows up to the row and byte limits and stopping it after `timeoutMs`. Anything else is QueryRejected.
   */
  guardedQuery(sql: string, params: Record<string, unknown>, limits: GuardLimits): Promise<GuardedResult>;
  close(): void;
}

export interface Warehouse {
  readonly path: string;
  session(): Promise<WarehouseSession>;
  close(): void;
}
