/**
 * Retries and time limits for one node. Only transient failures are retried — the database
 * locked by another process, the Kafka broker unreachable, an input file not there yet —
 * never a SQL error or a failed test: running those again gives the same answer.
 */
import type { ManifestNode } from '../compile/manifest.js';
import { FileMissingError, PlatError } from '../core/errors.js';
import type { Connection } from '../warehouse/connection.js';
import { FileReadError } from '../warehouse/types.js';
import { ModelSqlError } from './materialize/model.js';

export interface RetryPolicy {
  /** Attempts after the first. */
  retries: number;
  /** Before the first retry (ms); each later one waits `backoff` times longer. */
  delay: number;
  backoff: number;
}

/** Without a run's policy: a schedule's defaults (schedule/spec.ts), as a file or a broker takes a while to appear. */
export const DEFAULT_RETRY = { delay: 30_000, backoff: 2 } as const;

export function isTransient(error: unknown): boolean {
  if (error instanceof FileMissingError) return true;
  // A model reading files itself (read_csv of a glob) before they have arrived.
  const cause = error instanceof ModelSqlError ? error.sqlError : error;
  if (cause instanceof FileReadError && cause.read.problem === 'no_files') return true;
  return error instanceof PlatError && (error.code === 'DATABASE_LOCKED' || error.code === 'KAFKA_UNAVAILABLE');
}

/**
 * The retries of one node: its own config's (the model's properties or {{config}}, else its
 * folder's in plat_project.yml) win over the run's, which come from --retries or, in a
 * scheduled run, the schedule's `retries:`.
 */
export function retryPolicyOf(node: ManifestNode, run: RetryPolicy | undefined): RetryPolicy | undefined {
  if (node.kind !== 'model' || node.config.retries === null) return run;
  return {
    retries: node.config.retries,
    delay: node.config.retryDelay ?? run?.delay ?? DEFAULT_RETRY.delay,
    backoff: run?.backoff ?? DEFAULT_RETRY.backoff,
  };
}

export function retryDelay(policy: RetryPolicy, attempt: number): number {
  return Math.round(policy.delay * policy.backoff ** (attempt - 1));
}

/**
 * Runs `work` until it succeeds, fails for good, or the retries are spent. `failed` hears of
 * each failed attempt that will be retried, with the wait before the next.
 */
export async function withRetries<T>(
  work: (attempt: number) => Promise<T>,
  policy: RetryPolicy | undefined,
  failed: (error: unknown, attempt: number, wait: number) => void,
): Promise<{ value: T; attempt: number } | { error: unknown; attempt: number }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return { value: await work(attempt), attempt };
    } catch (error) {
      if (!policy || attempt > policy.retries || !isTransient(error)) return { error, attempt };
      const wait = retryDelay(policy, attempt);
      failed(error, attempt, wait);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

/** `work` on `connection`, interrupted when it takes longer than `limit` ms. */
export async function withTimeLimit<T>(work: () => Promise<T>, limit: number | undefined, connection: Connection): Promise<T> {
  if (!limit) return work();
  let expired = false;
  const timer = setTimeout(() => {
    expired = true;
    connection.interrupt();
  }, limit);
  try {
    const value = await work();
    if (expired) throw timedOut(limit);
    return value;
  } catch (error) {
    throw expired ? timedOut(limit) : error;
  } finally {
    clearTimeout(timer);
  }
}

function timedOut(limit: number): PlatError {
  const seconds = limit >= 1000 ? `${+(limit / 1000).toFixed(1)}s` : `${limit}ms`;
  return new PlatError('TIMEOUT', `stopped after ${seconds}, its time limit`, "raise the schedule's timeout, or make the node faster");
}
