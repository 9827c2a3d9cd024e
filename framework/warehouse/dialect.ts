/**
 * The SQL an engine speaks, as pure functions returning SQL text: no I/O, no driver. Every
 * statement plat writes whose spelling differs between engines comes from here; statements of
 * standard SQL (a SELECT with WHERE, GROUP BY, a join) are written where they are used, with
 * this dialect's quoting and literals. The compiler takes a dialect as an input and stays pure.
 */
import type { SnapshotPlan, SnapshotSql } from './snapshot.js';
import type { ColumnInfo, Relation, RelationKind, ScratchTable, TargetType } from './types.js';

/** A file reader option as the project gives it: lists and structs included. */
export type ReaderValue = string | number | boolean | ReaderValue[] | { [key: string]: ReaderValue };
export type FileFormat = 'csv' | 'ndjson' | 'parquet';

/** One change to a table's columns (on_schema_change). */
export type ColumnChange = { add: ColumnInfo } | { drop: string } | { retype: ColumnInfo };

/**
 * What one Kafka landing moves, by SQL name: the staged messages (rows of `payload`, up to
 * 2,048 messages joined by `separators.record`, each message `offset`, Kafka time (ms) and
 * text joined by `separators.field`, and `_partition`), the staged dead letters, and a table
 * for landed rows a value of which could not be stored.
 */
export interface LandingPlan {
  source: string;
  topic: string;
  landing: Relation;
  deadLetters: Relation;
  offsets: Relation;
  /** The declared columns, in order; `exact` when validation guarantees the value lands as itself. */
  columns: { name: string; type: string; exact: boolean }[];
  staging: { messages: string; deadLetters: string; unlanded: string };
  separators: { record: string; field: string };
  /** Per partition, the first offset this landing stages and the next offset once it commits. */
  spans: ReadonlyMap<number, OffsetSpan>;
  ingestedAt: Date;
}

export interface OffsetSpan {
  first: number;
  next: number;
}

export interface LandingSql {
  /** Lands the staged rows and dead letters and saves the offsets: one transaction where the engine has them. */
  land: string[];
  /** One row, `unlanded`: the landed rows this landing moved to the dead letters; null where it moves none (every column lands as itself). */
  unlanded: string | null;
  /** Empties the staging tables. */
  clear: string[];
}

/** A spelling of another engine's SQL this engine does not take, and what to write instead. */
export interface SyntaxTrap {
  /** Matched in a model's SQL outside quotes and comments; case-insensitive. */
  pattern: RegExp;
  /** What the user wrote, named; given the matched text where that names it best (a function). */
  syntax: string | ((matched: string) => string);
  instead: string;
}

export interface Dialect {
  readonly type: TargetType;
  /** What models written for other engines may use that this one lacks (the compiler warns at the line). */
  readonly lacks: readonly SyntaxTrap[];
  /** The longest statement the engine takes, in characters (null: no limit); longer SQL plat writes is split into steps. */
  readonly maxStatementLength: number | null;
  /**
   * The most SQL, in characters, the engine computes well in one SELECT list, nested queries
   * counted together (null: no limit). Trino merges a query's nested projections and compiles
   * them to JVM bytecode, which refuses a tree ensemble's hundreds of CASEs at once.
   */
  readonly maxProjectionLength: number | null;
  /**
   * From how many tree splits a scoring query runs faster over rows sorted by the trees' most-used
   * splits (null: never). A vectorized engine runs each CASE once per batch of rows and copies
   * the rows of each branch apart; in a batch whose rows all take one branch, the other is skipped.
   */
  readonly sortScoredRowsFrom: number | null;

  // Quoting and literals.
  identifier(name: string): string;
  relation(relation: Relation): string;
  /** A value as a SQL literal: text quoted, numbers and booleans as they are, null as NULL, anything else as JSON text. */
  literal(value: unknown): string;

  // Types and casts.
  /** Type names plat itself declares (landing metadata, fixtures, casts of features). */
  readonly types: { text: string; integer: string; bigint: string; double: string; boolean: string; timestamptz: string };
  cast(expression: string, type: string): string;
  /** NULL where the value does not convert. */
  tryCast(expression: string, type: string): string;
  /** A query of one row holding a NULL of each type: its description spells the types as the catalog does. */
  typedNulls(types: readonly string[]): string;

  // Time.
  /** A timestamp with time zone: a moment, or ISO-8601 text as written. */
  timestamp(at: Date | string): string;
  /** A timestamp with time zone from a value (ISO-8601 text, a timestamp); NULL when it is none. */
  parseTimestamp(expression: string): string;
  nowMinus(milliseconds: number): string;
  epochMilliseconds(expression: string): string;

  // Introspection.
  /** Rows (column_name, data_type) of a relation's columns, in order. */
  columnsQuery(relation: Relation): string;

  // Fingerprint.
  /**
   * One row (n, h): the row count and an order-independent hash of the rows of `query`, whose
   * columns are `columns`. With `roundFloats`, floating columns count at single precision, so
   * last-bit noise of parallel sums is not a change.
   */
  fingerprint(query: string, columns: readonly ColumnInfo[], options: { roundFloats: boolean }): string;

  // Materializations.
  createSchema(schema: string): string;
  /** CREATE [OR REPLACE] VIEW|TABLE … AS, the query on lines of its own, verbatim. */
  createAs(kind: RelationKind, relation: Relation, query: string, options: { replace: boolean }): string;
  createTable(
    relation: Relation,
    columns: readonly ColumnInfo[],
    options?: { replace?: boolean; ifNotExists?: boolean; primaryKey?: string[] },
  ): string;
  drop(relation: Relation, kind: RelationKind, options?: { ifExists?: boolean }): string;
  /** Renames a table within its schema (the last step of a swap where DDL is transactional). */
  rename(from: Relation, to: Relation): string;
  alterTable(relation: Relation, change: ColumnChange): string;
  /** One row (n, example): values of `column` that would change, or not convert, stored as `type` and read back. */
  valuesChangedByType(relation: Relation, column: ColumnInfo, type: string): string;

  // Incremental DML.
  /** Inserts `from`'s rows by column name; the target's other columns get NULL. */
  insertByName(target: Relation, from: Relation, columns: readonly string[]): string;
  /** Updates the rows matching on `keys`, inserts the rest. Only where capabilities.merge. */
  merge(target: Relation, from: Relation, keys: readonly string[], columns: readonly string[]): string;
  deleteByKey(target: Relation, from: Relation, keys: readonly string[]): string;

  // Snapshots (type-2 dimensions; snapshot.ts writes them in portable SQL a dialect can reuse).
  /** The statements that add a snapshot's versions: no transaction, each safe to run again. */
  snapshot(plan: SnapshotPlan): SnapshotSql;

  // File readers.
  /**
   * A table expression reading files. `types` (declared, by the file's column names) are
   * applied by the reader where it can (`detected`: the file's own columns, as read without
   * them); `origin` adds each row's `filename` and, where known, `file_row_number`.
   */
  readFiles(
    format: FileFormat,
    path: string,
    options: Record<string, ReaderValue>,
    extra?: { types?: readonly ColumnInfo[]; detected?: readonly ColumnInfo[]; origin?: boolean },
  ): string;
  /** A select list: every column, these converted to their type. */
  withCasts(casts: readonly ColumnInfo[]): string;

  // JSON landing.
  /** A table private to the session for staging rows (where capabilities.tempTables). */
  scratchTable(name: string, columns: readonly ColumnInfo[]): { table: ScratchTable; create: string };
  landing(plan: LandingPlan): LandingSql;

  // Vector search.
  /** Creates, if missing, a table of (model, checksum, vector) embeddings. */
  vectorTable(relation: Relation): string;
  /** Inserts one embedding: parameters model, checksum, the vector as JSON text. */
  insertVector(relation: Relation): string;
  /** Rows (checksum, score), most similar first: parameters the vector as JSON text, the model. */
  nearestVectors(relation: Relation, dimension: number): string;

  // ML.
  /** Each entity's latest row of `query` strictly before `cutoff` by `asOf`. */
  latestBefore(query: string, entity: string, asOf: string, cutoff: string): string;
  /** The largest of `values` and the label (a literal) of the first that is largest. */
  argMax(values: readonly string[], labels: readonly string[]): { value: string; label: string };
}
