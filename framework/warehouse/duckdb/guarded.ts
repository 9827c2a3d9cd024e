import {
  DuckDBArrayVector,
  DuckDBListVector,
  JSDuckDBValueConverter,
  StatementType,
  type DuckDBConnection,
  type DuckDBPreparedStatement,
  type DuckDBValue,
  type DuckDBVector,
} from './node_api.js';
import { jsonRow, type JsonValue } from '../../core/json.js';
import { QueryRejected, type GuardedResult, type GuardLimits } from '../types.js';
import { cleanMessage } from './errors.js';

/** How a read-only query may start. */
const QUERY_KEYWORDS = new Set(['SELECT', 'WITH', 'FROM', 'VALUES', 'TABLE']);

/**
 * The guarded path for untrusted SQL (agent tools, run_sql): exactly one SELECT, parameters
 * bound, rows read within the row, byte and time limits. Anything else is QueryRejected.
 */
export async function guardedQuery(
  connection: DuckDBConnection,
  sql: string,
  params: Record<string, unknown> | readonly unknown[],
  limits: GuardLimits,
): Promise<GuardedResult> {
  const statements = await connection.extractStatements(sql).catch((error: unknown) => {
    throw rejection(error);
  });
  if (statements.count !== 1)
    throw new QueryRejected(
      statements.count === 0 ? 'there is no statement to run' : `only one statement may run at a time (found ${statements.count})`,
    );
  // Judged by its text before DuckDB plans it: planning some statements acts (EXPORT DATABASE
  // creates its folder), and DuckDB turns others (PRAGMA x, SHOW, CALL…) into SELECTs.
  const keyword = /^[a-z]+/i.exec(sql.replace(/^(\s|\(|--[^\n]*(\n|$)|\/\*[\s\S]*?\*\/)*/, ''))?.[0]?.toUpperCase() ?? '';
  if (!QUERY_KEYWORDS.has(keyword))
    throw new QueryRejected(`only SELECT queries may run here; this is a ${keyword || 'different'} statement`);
  let prepared: DuckDBPreparedStatement;
  try {
    prepared = await statements.prepare(0);
  } catch (error) {
    throw rejection(error);
  }
  try {
    if (prepared.statementType !== StatementType.SELECT)
      throw new QueryRejected(`only SELECT queries may run here; this is a ${StatementType[prepared.statementType]} statement`);
    bindParameters(prepared, params);
    return await readWithinLimits(connection, prepared, limits);
  } finally {
    prepared.destroySync();
  }
}

/** Streams the rows chunk by chunk, turning each into JSON within the byte limit, until a limit or the end. */
async function readWithinLimits(
  connection: DuckDBConnection,
  prepared: DuckDBPreparedStatement,
  limits: GuardLimits,
): Promise<GuardedResult> {
  let stopped = false;
  const stop = () => {
    stopped = true;
    connection.interrupt();
  };
  const deadline = performance.now() + limits.timeoutMs;
  const timer = setTimeout(stop, limits.timeoutMs);
  try {
    const result = await prepared.stream();
    const columns = result.columnNames();
    const rows: Record<string, JsonValue>[] = [];
    let bytes = 2; // the brackets of a JSON array
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) return { columns, rows, truncated: null };
      const vectors = Array.from({ length: chunk.columnCount }, (_, i) => chunk.getColumnVector(i));
      for (let index = 0; index < chunk.rowCount; index++) {
        if (rows.length === limits.rows) return { columns, rows, truncated: 'rows' };
        const row = jsonRowWithin(vectors, index, columns, limits.bytes - bytes - 1);
        if ('tooLarge' in row) {
          if (rows.length > 0) return { columns, rows, truncated: 'bytes' };
          throw new QueryRejected(
            `the first row alone is larger than the ${formatBytes(limits.bytes)} result limit (column "${row.tooLarge}"); select less of it, or an aggregate`,
          );
        }
        rows.push(row.row);
        bytes += row.bytes + 1;
      }
      // Turning rows into JSON is not interrupted by the timer; the clock is read between chunks.
      if (performance.now() > deadline) stop();
      if (stopped) throw new QueryRejected('stopped');
    }
  } catch (error) {
    if (stopped) throw QueryRejected.timeLimit(limits.timeoutMs);
    throw error instanceof QueryRejected ? error : rejection(error);
  } finally {
    clearTimeout(timer);
  }
}

/** Binds each parameter, by name or in order; a value DuckDB cannot take is refused naming the parameter. */
function bindParameters(prepared: DuckDBPreparedStatement, params: Record<string, unknown> | readonly unknown[]): void {
  for (let index = 1; index <= prepared.parameterCount; index++) {
    const name = prepared.parameterName(index);
    const value = Array.isArray(params) ? params[index - 1] : (params as Record<string, unknown>)[name];
    try {
      prepared.bindValue(index, toDuckDBValue(value));
    } catch (error) {
      throw new QueryRejected(
        `cannot use ${JSON.stringify(value) ?? 'this value'} for $${name}: ${cleanMessage(error instanceof Error ? error.message : String(error))}`,
      );
    }
  }
}

/**
 * One row as JSON values when it fits in `room` bytes, else the column that makes it too large.
 * A list is measured by its length before it is read: turning a list of a hundred million
 * items into JavaScript takes longer, and more memory, than any result may.
 */
function jsonRowWithin(
  vectors: DuckDBVector[],
  index: number,
  columns: string[],
  room: number,
): { row: Record<string, JsonValue>; bytes: number } | { tooLarge: string } {
  const raw: Record<string, unknown> = {};
  for (let column = 0; column < vectors.length; column++) {
    const vector = vectors[column]!;
    // Each item of a list takes at least two characters in JSON: itself and a comma.
    const items =
      vector instanceof DuckDBListVector ? vector.getEntryLength(index) : vector instanceof DuckDBArrayVector ? vector.type.length : 0;
    if (2 * items > room) return { tooLarge: columns[column]! };
    raw[columns[column]!] = JSDuckDBValueConverter(vector.getItem(index), vector.type, JSDuckDBValueConverter);
  }
  const row = jsonRow(raw);
  const bytes = Buffer.byteLength(JSON.stringify(row));
  if (bytes <= room) return { row, bytes };
  const sizes = columns.map((name) => ({ name, bytes: Buffer.byteLength(JSON.stringify(row[name] ?? null)) }));
  return { tooLarge: sizes.reduce((a, b) => (b.bytes > a.bytes ? b : a)).name };
}

function formatBytes(bytes: number): string {
  const units: [number, string][] = [
    [1e9, 'GB'],
    [1e6, 'MB'],
    [1e3, 'KB'],
  ];
  const [size, unit] = units.find(([size]) => bytes >= size) ?? [1, 'bytes'];
  return `${Number((bytes / size).toFixed(1))} ${unit}`;
}

/** A DuckDB error as a refusal; the sandbox has no local file system (open.ts lockDown). */
function rejection(error: unknown): QueryRejected {
  const message = cleanMessage(error instanceof Error ? error.message : String(error));
  if (/LocalFileSystem has been disabled/.test(message))
    return new QueryRejected(
      'file system operations are disabled here: a query cannot read files, nor spill to disk when it outgrows memory',
    );
  return new QueryRejected(message);
}

/** Tool arguments are JSON: integers bind as BIGINT, other numbers as DOUBLE, absent as NULL. */
function toDuckDBValue(value: unknown): DuckDBValue {
  if (value === undefined || value === null) return null;
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
  if (typeof value === 'string' || typeof value === 'boolean' || typeof value === 'bigint') return value;
  return JSON.stringify(value);
}
