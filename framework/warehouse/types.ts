/**
 * What every stage says to and hears from a warehouse, whichever engine it is: relations and
 * their columns, rows, and the errors a warehouse raises. No engine is named here.
 */
import type { JsonValue } from '../core/json.js';

/** A table or view, by schema and name (the engine's default catalog). */
export interface Relation {
  schema: string;
  name: string;
}

export type RelationKind = 'table' | 'view';

export interface ColumnInfo {
  name: string;
  /** As the engine spells it in its catalog (INT → INTEGER on DuckDB). */
  type: string;
}

export type Row = Record<string, unknown>;

/**
 * Where a project's warehouse is, as plat_project.yml's `target:` says (`type` picks the
 * adapter). A relative path is relative to the project folder.
 */
export interface DuckDBTarget {
  type: 'duckdb';
  path: string;
  /** Configuration options given to DuckDB when the database opens (memory_limit, temp_directory, …). */
  settings?: Record<string, string>;
}

/**
 * A Trino cluster (Iceberg tables in one catalog). Relations are `<catalog>.<schema>.<name>`,
 * the schema prefixed with `schemaPrefix_` when one is set. Bulk loads write Parquet files into
 * `landing.folder` that the cluster reads as `landing.location` (else they INSERT rows, slowly).
 */
export interface TrinoTarget {
  type: 'trino';
  /** The coordinator, http(s)://host:port. */
  url: string;
  catalog: string;
  user: string;
  schemaPrefix: string | null;
  landing: { folder: string; location: string } | null;
  /** The user the agent's sandbox runs as (read-only grants are the cluster's to give); the target's user when null. */
  sandboxUser: string | null;
  /** Session properties sent with every statement (query_max_memory, …). */
  settings?: Record<string, string>;
}

export type Target = DuckDBTarget | TrinoTarget;
export type TargetType = Target['type'];

/** The key a relation has in a catalog map; the only place such a key is made. */
export function relationKey(relation: Relation): string {
  return `${relation.schema}\u0000${relation.name}`;
}

/** A failure of a statement plat built around user SQL; `line` is the line within that statement. */
export class WarehouseError extends Error {
  constructor(
    message: string,
    readonly line: number | null,
    /** The column whose values did not convert to a type a cast asked for, when that is what failed. */
    readonly castColumn: string | null = null,
  ) {
    super(message);
    this.name = 'WarehouseError';
  }
}

/**
 * A statement failed in a file reader, described in words the engine does not dictate:
 * which file and line and what kind of problem, so a loader can point at the data (or at its
 * declaration) with a fix. The message stays the engine's, as for any statement.
 */
export class FileReadError extends WarehouseError {
  constructor(
    message: string,
    line: number | null,
    readonly read: {
      problem: 'no_files' | 'malformed' | 'conversion' | 'other';
      /** What is wrong, without the engine's framing. */
      reason: string;
      file: string | null;
      line: number | null;
      /** The column a value of which did not convert to its type. */
      column?: string;
      /** The line as the file has it. */
      text?: string;
      /** Reader options that would accept the file (`ignore_errors: true`). */
      fixes?: string[];
    },
  ) {
    super(message, line);
    this.name = 'FileReadError';
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

/** A statement as prepared, not run: whether it reads only, its columns and its named parameters. */
export interface Inspected {
  select: boolean;
  /** A column whose type hangs on an unbound parameter has type UNKNOWN. */
  columns: ColumnInfo[];
  parameters: string[];
}

/** A table private to one session and never written to disk, for staging rows. */
export interface ScratchTable {
  scratch: string;
  /** How SQL on the same session names it. */
  sql: string;
}
