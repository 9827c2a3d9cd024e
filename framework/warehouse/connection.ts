/**
 * What plat needs from an engine beyond its SQL: a narrow connection (run statements, bind
 * parameters, load rows in bulk, read the catalog) and the capabilities that decide how
 * materializations and the Kafka lander go about their work on it.
 */
import type { Dialect } from './dialect.js';
import type {
  ColumnInfo,
  GuardedResult,
  GuardLimits,
  Inspected,
  Relation,
  RelationKind,
  Row,
  ScratchTable,
  StatementResult,
} from './types.js';

export interface Capabilities {
  /** Statements can be grouped into a transaction that commits or rolls back as one. */
  transactions: boolean;
  /** CREATE, DROP and RENAME roll back with the rest of a transaction (else a swap replaces in one statement). */
  transactionalDdl: boolean;
  /** Session-private tables for staging (else staging tables live in the warehouse, emptied after use). */
  tempTables: boolean;
  /** Rows stream into a table cheaply (else each bulk load is a file: the Kafka lander lands at most once a second). */
  appender: boolean;
  /** MERGE INTO (else a merge is a delete of the matching keys and an insert). */
  merge: boolean;
  /** CREATE OR REPLACE swaps a relation in one statement (else drop and create). */
  createOrReplace: boolean;
  /** How a query's placeholders bind: `$name` by name, or `?` in order. */
  parameters: 'named' | 'positional';
  /** SQL reads files on plat's machine (else file sources are read by an in-memory DuckDB and bulk loaded). */
  readsFiles: boolean;
  /**
   * An insert of at least this many rows is written straight to the database file; fewer go
   * through the write-ahead log too, and a checkpoint writes them again (0: no such difference).
   * The Kafka lander gathers this many while more are coming.
   */
  directWriteRows: number;
}

/**
 * One session on a warehouse. SQL errors in statements plat wraps around user SQL are
 * WarehouseError with the line within the statement; file readers' errors FileReadError.
 */
export interface Connection {
  readonly dialect: Dialect;
  readonly capabilities: Capabilities;
  /** One statement, `?` placeholders bound in order; rows as JavaScript values. */
  query(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Runs statements in order; returns the rows the last one wrote (a CREATE TABLE … AS: the rows it holds). */
  execute(sql: string | readonly string[]): Promise<number>;
  /** Commits what `work` ran, or rolls it all back; only where capabilities.transactions. */
  transaction<T>(work: () => Promise<T>): Promise<T>;
  /** Runs statements in order as one transaction, in one round trip where the driver allows; only where capabilities.transactions, and not inside `transaction`. */
  executeInTransaction(sql: readonly string[]): Promise<void>;
  /** Appends rows (values in the target's column order) to a table; returns how many. */
  bulkLoad(target: Relation | ScratchTable, rows: Iterable<readonly unknown[]>): Promise<number>;
  /** Every relation, keyed by relationKey. */
  relations(): Promise<Map<string, RelationKind>>;
  /** A relation's columns, in order; none when it does not exist. */
  columns(relation: Relation): Promise<ColumnInfo[]>;
  /** Every relation's columns, keyed by relationKey. */
  catalog(): Promise<Map<string, ColumnInfo[]>>;
  /** The columns a query returns, with types as the catalog spells them, without running it. */
  describe(sql: string): Promise<ColumnInfo[]>;
  /** Prepares one statement without running it: its kind, columns and named parameters. */
  inspect(sql: string): Promise<Inspected>;
  /**
   * Runs each statement of a script typed by a person (`plat query`), reading at most `limit`
   * rows of each. Values are ready for JSON and for reading: dates, times, timestamps,
   * intervals and blobs as text the way the engine prints them, numbers as numbers.
   */
  statements(sql: string, limit: number): Promise<StatementResult[]>;
  /** Stops the statement running on this session, which then fails (a node's time limit). */
  interrupt(): void;
  close(): void;
}

/**
 * A connection for untrusted SQL (agent tools): read-only, no file, network or extension
 * access, settings locked. Exactly one SELECT per call, named parameters bound, within limits;
 * anything else is QueryRejected.
 */
export interface SandboxedConnection {
  /** `params` by name (`$name`), or in order (`?`) where capabilities.parameters is positional. */
  guardedQuery(sql: string, params: Record<string, unknown> | readonly unknown[], limits: GuardLimits): Promise<GuardedResult>;
  close(): void;
}

export interface Warehouse<C = Connection> {
  readonly dialect: Dialect;
  readonly capabilities: Capabilities;
  session(): Promise<C>;
  close(): void;
  /**
   * Where one process holds the database (DuckDB's single writer), readers in other processes
   * (`plat serve`) read a copy: this writes a consistent one to the `serving` store, replacing
   * the previous one atomically. Absent where any number of processes may read the warehouse.
   */
  publishServingCopy?(): Promise<void>;
  /**
   * Before `close` after a build: writes what is pending to storage in the way that costs the
   * process least memory (DuckDB: the closing checkpoint under a lowered memory limit). Absent
   * where closing has nothing to write.
   */
  settle?(): Promise<void>;
}

export type OpenMode = 'read-write' | 'read-only' | 'sandboxed';

export interface OpenOptions {
  /** The project folder: a target's relative paths are relative to it. */
  root: string;
  mode?: OpenMode;
  /** The project's own warehouse, or the agent's catalog index beside it. */
  store?: 'project' | 'agent_index' | 'serving';
  /** Worker threads the engine may use in this process; default one per core. */
  threads?: number;
  /**
   * What the warehouse is opened for: `stream` is many small commits, one every micro-batch,
   * which an engine may store differently (DuckDB: smaller row groups, see duckdb/open.ts).
   */
  workload?: 'batch' | 'stream';
}

/** Where a warehouse is, as plat names it to the user, and whether anything is there yet. */
export interface WarehouseLocation {
  /** Absolute: a file, or a server's address. */
  location: string;
  /** Relative to the working folder where that reads better. */
  display: string;
  exists: boolean;
}
