/**
 * Operational failures (database locked, file unreadable) are exceptions with a stable code.
 * User mistakes are diagnostics instead; see diagnostics.ts.
 */
export type ErrorCode =
  | 'PROJECT_INVALID'
  | 'DATABASE_LOCKED'
  | 'DATABASE_OPEN'
  | 'DATABASE_WRITE'
  | 'QUERY_FAILED'
  | 'STATE_MISSING'
  | 'INIT_TARGET_EXISTS'
  | 'KAFKA_UNAVAILABLE'
  | 'KAFKA_TOPIC_MISSING'
  | 'TIMEOUT'
  | 'USAGE';

export class PlatError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly hint: string | null = null,
  ) {
    super(message);
    this.name = 'PlatError';
  }
}

/** Exit codes are decided here and nowhere else. */
export const exitCodes = {
  ok: 0,
  failure: 1,
  usage: 2,
} as const;

export function exitCodeFor(error: unknown): number {
  if (error instanceof PlatError && error.code === 'USAGE') return exitCodes.usage;
  return exitCodes.failure;
}

/**
 * A failure at run time that belongs to a line of the user's files (an ML spec's feature, say):
 * by default the node's own file; `place.file` when it belongs to another (a config in YAML).
 */
export class LocatedError extends Error {
  constructor(
    message: string,
    readonly line: number | null,
    readonly place: { file?: string; column?: number | null; hint?: string | null } = {},
  ) {
    super(message);
    this.name = 'LocatedError';
  }
}

/** An input file that is not there (yet): a transient failure a retry may get past. */
export class FileMissingError extends LocatedError {}
