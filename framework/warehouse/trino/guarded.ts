/**
 * The sandbox on Trino. Trino has no read-only session flag, so plat refuses what is not one
 * query before sending it: exactly one statement (split outside quotes and comments), starting
 * as only a query can in Trino's grammar (SELECT, WITH, VALUES, TABLE). A Trino query cannot
 * write: writes, DDL, CALL of procedures, SET SESSION, PREPARE/EXECUTE and EXPLAIN ANALYZE are
 * statements of their own, all refused by their first keyword. It then runs as the target's
 * sandbox user (give that user read-only grants where the cluster has access control), with a
 * server-side time limit (query_max_execution_time) and the row and byte limits applied while
 * reading, the query cancelled at the first limit reached.
 */
import { jsonRow, type JsonValue } from '../../core/json.js';
import type { SandboxedConnection } from '../connection.js';
import { positionalParameters } from '../parameters.js';
import { QueryRejected, type GuardedResult, type GuardLimits } from '../types.js';
import { bound } from './connection.js';
import { request, TrinoQueryError, type TrinoServer } from './protocol.js';
import { leadingKeyword, QUERY_KEYWORDS, splitStatements } from './statements.js';
import { rowObjects } from './values.js';

export function trinoSandbox(server: TrinoServer): SandboxedConnection {
  return {
    guardedQuery: (sql, params, limits) => guardedQuery(server, sql, params, limits),
    close: () => undefined,
  };
}

async function guardedQuery(
  server: TrinoServer,
  sql: string,
  params: Record<string, unknown> | readonly unknown[],
  limits: GuardLimits,
): Promise<GuardedResult> {
  const statements = splitStatements(sql);
  if (statements.length !== 1)
    throw new QueryRejected(
      statements.length === 0 ? 'there is no statement to run' : `only one statement may run at a time (found ${statements.length})`,
    );
  const keyword = leadingKeyword(sql);
  if (!QUERY_KEYWORDS.has(keyword))
    throw new QueryRejected(`only SELECT queries may run here; this is a ${keyword || 'different'} statement`);
  const positional = isPositional(params) ? { sql: statements[0]!, values: params } : positionalParameters(statements[0]!, params);
  let cancel: () => Promise<void> = async () => undefined;
  let stopped = false;
  const timer = setTimeout(() => {
    stopped = true;
    void cancel();
  }, limits.timeoutMs);
  try {
    const answer = await request(server, bound(positional.sql, positional.values), {
      maxRows: limits.rows,
      session: { query_max_execution_time: `${Math.max(1, Math.ceil(limits.timeoutMs / 1000))}s` },
      onCancel: (c) => {
        cancel = c;
      },
    });
    if (stopped) throw QueryRejected.timeLimit(limits.timeoutMs);
    return withinBytes(
      answer.columns.map((c) => c.name),
      rowObjects(answer.columns, answer.rows).map(jsonRow),
      answer.truncated ? 'rows' : null,
      limits,
    );
  } catch (error) {
    if (error instanceof QueryRejected) throw error;
    if (stopped || (error instanceof TrinoQueryError && error.failure.errorName === 'EXCEEDED_TIME_LIMIT'))
      throw QueryRejected.timeLimit(limits.timeoutMs);
    throw new QueryRejected(error instanceof TrinoQueryError ? error.failure.message : String((error as Error).message ?? error));
  } finally {
    clearTimeout(timer);
  }
}

const isPositional = (params: Record<string, unknown> | readonly unknown[]): params is readonly unknown[] => Array.isArray(params);

function withinBytes(
  columns: string[],
  rows: Record<string, JsonValue>[],
  truncated: GuardedResult['truncated'],
  limits: GuardLimits,
): GuardedResult {
  let bytes = 2;
  for (const [i, row] of rows.entries()) {
    const size = Buffer.byteLength(JSON.stringify(row)) + 1;
    if (bytes + size > limits.bytes) {
      if (i === 0) {
        const largest = columns.reduce((a, b) => (JSON.stringify(row[b] ?? null).length > JSON.stringify(row[a] ?? null).length ? b : a));
        throw new QueryRejected(
          `the first row alone is larger than the result limit (column "${largest}"); select less of it, or an aggregate`,
        );
      }
      return { columns, rows: rows.slice(0, i), truncated: 'bytes' };
    }
    bytes += size;
  }
  return { columns, rows, truncated };
}
