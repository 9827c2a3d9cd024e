import type { GuardedResult, Target } from '../warehouse/types.js';

/**
 * What the agent's process and a query process (query-child.ts) say to each other. A query
 * process holds one sandboxed connection to the project database at a time.
 */
export type QueryRequest =
  | { kind: 'open'; target: Target; root: string }
  | { kind: 'query'; sql: string; params: Record<string, unknown> | unknown[]; limits: { rows: number; timeoutMs: number; bytes: number } }
  | { kind: 'close' };

export type QueryReply =
  | { kind: 'opened' }
  | { kind: 'result'; result: GuardedResult }
  | { kind: 'closed' }
  /** A refused query or one that hit a limit (QueryRejected). */
  | { kind: 'rejected'; message: string }
  /** An operational failure (a PlatError when code is set). */
  | { kind: 'failed'; code: string | null; message: string; hint: string | null };
