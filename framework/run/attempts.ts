/**
 * Retries and time limits for one node. Only transient failures are retried — the database
 * locked by another process, the Kafka broker unreachable, an input file not there yet —
 * never a SQL error or a failed test: running those again gives the same answer.
 */
import { FileMissingError, PlatError } from '../core/errors.js';
import type { Connection } from '../warehouse/connection.js';

export interface RetryPolicy {
  /** Attempts after the first. */
  retries: number;
  /** Before the first retry (ms); each later one waits `backoff` times longer. */
  delay: number;
  backoff: number;
}

export function isTransient(error: unknown): boolean {
  if (error instanceof FileMissingError) return true;
  return error instanceof PlatError && (error.code === 'DATABASE_LOCKED' || error.code === 'KAFKA_UNAVAILABLE');
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
