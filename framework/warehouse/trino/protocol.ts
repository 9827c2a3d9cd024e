/**
 * Trino's client protocol over HTTP (POST /v1/statement, then follow nextUri), spoken directly
 * with fetch rather than through trino-client, for three things that client does not give: big
 * integers read exactly (its JSON.parse rounds BIGINT above 2^53), a prepared statement sent with
 * the request that uses it (DESCRIBE OUTPUT in one round trip, no session state), and cancelling
 * a query by its own nextUri (no lookup in system.runtime.queries).
 */
import { PlatError } from '../../core/errors.js';

export interface TrinoServer {
  url: string;
  user: string;
  catalog: string;
  /** Session properties for every statement (the target's settings); a request's own win. */
  session?: Record<string, string>;
}

export interface TrinoColumn {
  name: string;
  type: string;
}

/** A statement's answer: its columns, raw JSON rows, and for a write the rows it wrote. */
export interface TrinoAnswer {
  columns: TrinoColumn[];
  rows: unknown[][];
  updateCount: number | null;
  /** More rows existed beyond the `maxRows` asked for; the query was cancelled. */
  truncated: boolean;
}

export interface TrinoFailure {
  message: string;
  errorName: string;
  errorType: string;
  errorLocation?: { lineNumber: number; columnNumber: number };
}

/** A statement Trino refused or failed, as Trino reports it. */
export class TrinoQueryError extends Error {
  constructor(readonly failure: TrinoFailure) {
    super(failure.message);
    this.name = 'TrinoQueryError';
  }
}

export interface RequestOptions {
  /** Prepared statements the request may EXECUTE or DESCRIBE, by name. */
  prepared?: Record<string, string>;
  /** Session properties for this request. */
  session?: Record<string, string>;
  /** Stop reading (and cancel the query) once this many rows came back. */
  maxRows?: number;
  /** Called with a function that cancels the query while it runs. */
  onCancel?: (cancel: () => Promise<void>) => void;
}

interface Page {
  nextUri?: string;
  columns?: TrinoColumn[];
  data?: unknown[][];
  updateCount?: number;
  error?: TrinoFailure;
}

export async function request(server: TrinoServer, sql: string, options: RequestOptions = {}): Promise<TrinoAnswer> {
  const headers: Record<string, string> = {
    'X-Trino-User': server.user,
    'X-Trino-Source': 'plat',
    'X-Trino-Catalog': server.catalog,
    'X-Trino-Time-Zone': 'UTC',
    // Timestamps at the precision they have (microseconds in Iceberg), typed timestamp(6).
    'X-Trino-Client-Capabilities': 'PARAMETRIC_DATETIME',
  };
  if (options.prepared && Object.keys(options.prepared).length)
    headers['X-Trino-Prepared-Statement'] = Object.entries(options.prepared)
      .map(([name, statement]) => `${name}=${encodeURIComponent(statement)}`)
      .join(',');
  const session = { ...server.session, ...options.session };
  if (Object.keys(session).length)
    headers['X-Trino-Session'] = Object.entries(session)
      .map(([key, value]) => `${key}=${encodeURIComponent(value)}`)
      .join(',');
  let page = await fetchPage(server, `${server.url.replace(/\/$/, '')}/v1/statement`, { method: 'POST', headers, body: sql });
  let next = page.nextUri;
  options.onCancel?.(async () => {
    if (next) await fetch(next, { method: 'DELETE', headers }).catch(() => undefined);
  });
  const answer: TrinoAnswer = { columns: [], rows: [], updateCount: null, truncated: false };
  for (;;) {
    if (page.error) throw new TrinoQueryError(page.error);
    if (page.columns) answer.columns = page.columns.map(({ name, type }) => ({ name, type }));
    if (page.data) answer.rows.push(...page.data);
    if (page.updateCount !== undefined) answer.updateCount = page.updateCount;
    next = page.nextUri;
    if (!next) return answer;
    if (options.maxRows !== undefined && answer.rows.length > options.maxRows) {
      answer.truncated = true;
      answer.rows.length = options.maxRows;
      await fetch(next, { method: 'DELETE', headers }).catch(() => undefined);
      return answer;
    }
    page = await fetchPage(server, next, { headers });
  }
}

async function fetchPage(server: TrinoServer, url: string, init: RequestInit): Promise<Page> {
  for (let attempt = 0; ; attempt++) {
    let response: Response;
    try {
      response = await fetch(url, init);
    } catch (error) {
      throw new PlatError(
        'DATABASE_OPEN',
        `cannot reach the Trino cluster at ${server.url}: ${(error as Error & { cause?: Error }).cause?.message ?? String(error)}`,
        'start it (scripts/trino.sh up for a local one), or point target.url in plat_project.yml (or TRINO_URL) at a running coordinator',
      );
    }
    // The protocol's answer to a busy coordinator: ask again shortly.
    if ((response.status === 502 || response.status === 503 || response.status === 504) && attempt < 20) {
      await new Promise((resolve) => setTimeout(resolve, 50 * (attempt + 1)));
      continue;
    }
    const body = await response.text();
    // A prepared statement sent in its header that does not parse is refused before it becomes a query.
    const header = /Invalid X-Trino-Prepared-Statement header: line (\d+):(\d+): (.*)/.exec(body);
    if (response.status === 400 && header)
      throw new TrinoQueryError({
        message: header[3]!.trim(),
        errorName: 'SYNTAX_ERROR',
        errorType: 'USER_ERROR',
        errorLocation: { lineNumber: Number(header[1]), columnNumber: Number(header[2]) },
      });
    if (!response.ok)
      throw new PlatError(
        'QUERY_FAILED',
        `the Trino cluster at ${server.url} answered ${response.status}: ${body.slice(0, 200)}`,
        response.status === 401 ? 'set target.user (or TRINO_USER) to a user the cluster knows' : null,
      );
    return parseExactly(body) as Page;
  }
}

/**
 * JSON with integers beyond 2^53 kept exact: such a number (outside a string) is read as its
 * digits in a string, which the row conversion turns into a bigint by the column's type.
 */
export function parseExactly(body: string): unknown {
  return JSON.parse(
    body.replace(/"(?:[^"\\]|\\.)*"|(?<![\w.])-?\d{16,}(?![\d.eE])/g, (token) =>
      token.startsWith('"') || Number.isSafeInteger(Number(token)) ? token : `"${token}"`,
    ),
  );
}
