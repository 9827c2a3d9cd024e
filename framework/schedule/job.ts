/**
 * One scheduled run: wait (bounded) for the database's write lock, check the schedules it
 * depends on, run its command through the library verbs with its retries and time limit, and
 * alert when it failed. The run's history is written by the runner itself (run/recorder.ts).
 */
import { build, run, test } from '../api.js';
import type { Manifest } from '../compile/manifest.js';
import { PlatError } from '../core/errors.js';
import type { RetryPolicy } from '../run/attempts.js';
import type { RunEvent, RunResults } from '../run/results.js';
import type { RunOptions } from '../run/run.js';
import { RunHistory, type RunOrigin, type RunStatus } from '../run/runs.js';
import type { Warehouse } from '../warehouse/connection.js';
import { openWarehouse } from '../warehouse/registry.js';
import { type AlertOutcome, sendAlerts, shouldAlert, summarize, type RunSummary } from './alerts.js';
import type { Turns } from '../core/turns.js';
import type { Schedule, ScheduleCommand } from './spec.js';

export type ScheduleEvent =
  | { type: 'scheduler_started'; schedules: { name: string; next: string | null }[] }
  | { type: 'runs_aborted'; runs: { id: number; schedule: string | null; startedAt: string }[] }
  | { type: 'lock_wait'; schedule: string; error: string }
  | { type: 'job_started'; schedule: string; scheduledFor: string }
  | { type: 'job_finished'; schedule: string; scheduledFor: string; next: string | null; summary: RunSummary }
  | { type: 'alert'; schedule: string; outcome: AlertOutcome }
  | { type: 'scheduler_stopped' };

export interface JobOptions {
  env: Record<string, string | undefined>;
  onEvent: (event: ScheduleEvent) => void;
  onRunEvent?: (event: RunEvent) => void;
  /** `plat schedule --retries`: over each schedule's own retries (a model's retries: config still wins). */
  retries?: { retries: number; delay?: number };
  /** A warehouse already open in this process (a stream's), shared instead of waiting for its lock. */
  warehouse?: Warehouse;
  /** With `warehouse`: the turns at writing its other writers take too (a run takes one, start to end). */
  turns?: Turns;
  /** Sources a stream in this process lands (unique ids): left out of scheduled builds, runs and ingests. */
  streamed?: ReadonlySet<string>;
  threads?: number;
}

type Outcome = { status: RunStatus; runId: number | null; error: string | null; results: RunResults | null };

const command = (manifest: Manifest, schedule: Schedule, options: RunOptions): Promise<RunResults> => {
  switch (schedule.command) {
    case 'build':
      return build(manifest, options);
    case 'run':
      return run(manifest, options);
    case 'test':
      return test(manifest, options);
    case 'ingest':
      return run(manifest, { ...options, kinds: ['source'] });
    case 'train':
      return run(manifest, { ...options, kinds: ['ml_train', 'ml_score'] });
  }
};

export async function runSchedule(manifest: Manifest, schedule: Schedule, scheduledFor: Date, options: JobOptions): Promise<RunSummary> {
  const startedAt = new Date();
  options.onEvent({ type: 'job_started', schedule: schedule.name, scheduledFor: scheduledFor.toISOString() });
  const origin: RunOrigin = { trigger: 'schedule', schedule: schedule.name, scheduledFor };
  const outcome: Outcome = {
    status: 'error',
    runId: null,
    error: null,
    results: null,
  };
  let warehouse: Warehouse | null = null;
  try {
    warehouse = options.warehouse ?? (await openWaiting(manifest, schedule, options));
    await inTurn(options, () => runInWarehouse(manifest, schedule, warehouse!, { origin, startedAt, outcome }, options));
  } catch (error) {
    // The database stayed locked, or could not be opened: nothing could be recorded.
    outcome.error = error instanceof Error ? error.message : String(error);
  } finally {
    if (warehouse && warehouse !== options.warehouse) warehouse.close();
  }
  const summary = summarize(manifest.project.name, schedule, { scheduledFor, startedAt, ...outcome });
  if (shouldAlert(schedule, outcome.status))
    for (const alert of await sendAlerts(schedule, summary, { env: options.env, root: manifest.project.root }))
      options.onEvent({ type: 'alert', schedule: schedule.name, outcome: alert });
  return summary;
}

export const inTurn = <T>(options: Pick<JobOptions, 'turns'>, work: () => Promise<T>): Promise<T> =>
  options.turns ? options.turns.take(work) : work();

/** Commands that land sources: a stream's own sources stay out of them. */
const LANDING: ReadonlySet<ScheduleCommand> = new Set(['build', 'run', 'ingest']);

/** The schedule's exclude, plus the sources a stream in this process lands when its command would land them too. */
function excluded(schedule: Schedule, streamed: ReadonlySet<string> | undefined): string[] {
  if (!streamed?.size || !LANDING.has(schedule.command)) return schedule.exclude;
  return [...schedule.exclude, ...[...streamed].map((id) => `unique_id:${id}`)];
}

async function runInWarehouse(
  manifest: Manifest,
  schedule: Schedule,
  warehouse: Warehouse,
  run: { origin: RunOrigin; startedAt: Date; outcome: Outcome },
  options: JobOptions,
): Promise<void> {
  const { origin, startedAt, outcome } = run;
  const session = await warehouse.session();
  try {
    const writer = await RunHistory.on(session);
    const unmet = await unmetDependencies(writer, schedule);
    if (unmet) {
      outcome.status = 'skipped';
      outcome.error = unmet;
      outcome.runId = await writer.skipped(schedule.command, origin, startedAt, unmet);
    }
  } finally {
    session.close();
  }
  if (outcome.status !== 'skipped') {
    try {
      const results = await command(manifest, schedule, {
        select: schedule.select,
        exclude: excluded(schedule, options.streamed),
        unmatched: 'error',
        env: options.env,
        threads: options.threads,
        origin,
        retry: retryOf(schedule, options.retries),
        nodeTimeout: schedule.timeout ?? undefined,
        warehouse,
        onEvent: options.onRunEvent,
      });
      outcome.results = results;
      outcome.runId = results.runId ?? null;
      const warned = results.results.some((r) => r.status === 'warn');
      outcome.status = results.success ? (warned ? 'warn' : 'success') : 'error';
    } catch (error) {
      outcome.error = error instanceof Error ? error.message : String(error);
      outcome.runId = await recordFailure(warehouse, schedule, origin, startedAt, outcome.error);
    }
  }
}

/** The schedule's retries, or those `plat schedule --retries` gives over them. */
function retryOf(schedule: Schedule, over: JobOptions['retries']): RetryPolicy {
  if (!over) return schedule.retry;
  return { ...schedule.retry, retries: over.retries, delay: over.delay ?? schedule.retry.delay };
}

/** Why the run may not start: a schedule it depends on has not run, or its latest run did not succeed. */
async function unmetDependencies(history: RunHistory, schedule: Schedule): Promise<string | null> {
  for (const other of schedule.dependsOn) {
    const [latest] = await history.list({ limit: 1, schedule: other });
    if (!latest) return `schedule ${other}, which it depends on, has not run yet`;
    if (latest.status !== 'success' && latest.status !== 'warn')
      return `the latest run of ${other} (run ${latest.id}), which it depends on, ended ${latest.status}`;
  }
  return null;
}

/** A run that ended before its nodes started (a selection that matches nothing): recorded as an error. */
async function recordFailure(
  warehouse: Warehouse,
  schedule: Schedule,
  origin: RunOrigin,
  at: Date,
  reason: string,
): Promise<number | null> {
  const session = await warehouse.session();
  try {
    const history = await RunHistory.on(session);
    // The runner records a run once it has started; one that failed after is already there.
    const [latest] = await history.list({ limit: 1, schedule: schedule.name });
    if (latest && latest.scheduledFor === origin.scheduledFor?.toISOString()) return latest.id;
    const id = await history.skipped(schedule.command, origin, at, reason);
    await history.fail(id, 'error', reason, at);
    return id;
  } catch {
    return null;
  } finally {
    session.close();
  }
}

/** Opens the project's warehouse, waiting while another process holds its write lock, up to the schedule's lock_wait. */
export async function openWaiting(
  manifest: Manifest,
  schedule: Pick<Schedule, 'name' | 'lockWait'>,
  options: Pick<JobOptions, 'onEvent'>,
): Promise<Warehouse> {
  const deadline = Date.now() + schedule.lockWait;
  let wait = 100;
  for (let told = false; ; ) {
    try {
      return await openWarehouse(manifest.target, { root: manifest.project.root });
    } catch (error) {
      if (!(error instanceof PlatError && error.code === 'DATABASE_LOCKED') || Date.now() + wait > deadline) throw error;
      if (!told) options.onEvent({ type: 'lock_wait', schedule: schedule.name, error: error.message });
      told = true;
      await new Promise((resolve) => setTimeout(resolve, wait));
      wait = Math.min(wait * 2, 2000);
    }
  }
}
