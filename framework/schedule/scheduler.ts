/**
 * The scheduler: runs the project's schedules on their timetables, one run at a time, until
 * its signal aborts (a run in progress is finished first). On start it marks the runs a
 * killed scheduler left `running` as aborted, and resumes each timetable from the time of its
 * latest recorded run, so no time is run twice; missed times are run per `catchup`.
 */
import type { Manifest } from '../compile/manifest.js';
import { selectNodes } from '../compile/select.js';
import { formatDiagnostic } from '../core/diagnostics.js';
import { PlatError } from '../core/errors.js';
import { didYouMean } from '../core/suggest.js';
import { RunHistory } from '../run/runs.js';
import type { Warehouse } from '../warehouse/connection.js';
import { inTurn, type JobOptions, openWaiting, runSchedule } from './job.js';
import type { Schedule } from './spec.js';
import { nextRun } from './timetable.js';

export interface SchedulerOptions extends JobOptions {
  signal: AbortSignal;
  /** Only these schedules (default: all of them). */
  names?: readonly string[];
}

/** The named schedules (all when none are named); an unknown name is a usage error with a suggestion. */
export function schedulesNamed(manifest: Manifest, names?: readonly string[]): Schedule[] {
  const all = Object.values(manifest.schedules);
  if (!names?.length) return all;
  return names.map((name) => {
    const schedule = manifest.schedules[name];
    if (schedule) return schedule;
    const known = Object.keys(manifest.schedules);
    throw new PlatError(
      'USAGE',
      `no schedule "${name}"`,
      didYouMean(name, known) ?? (known.length ? `schedules: ${known.join(', ')}` : 'declare schedules: in plat_project.yml'),
    );
  });
}

/** Refuses schedules whose select or exclude matches no node, naming the schedule's place in plat_project.yml. */
export function checkSelections(manifest: Manifest, schedules: readonly Schedule[]): void {
  for (const schedule of schedules) {
    const { diagnostics } = selectNodes(manifest, { select: schedule.select, exclude: schedule.exclude, unmatched: 'error' });
    const errors = diagnostics.filter((d) => d.severity === 'error');
    if (errors.length === 0) continue;
    const { file, line, column } = schedule.place;
    throw new PlatError(
      'USAGE',
      errors.map((d) => `${file}:${line}:${column} — schedule ${schedule.name}: ${formatDiagnostic(d)}`).join('\n'),
      "fix the schedule's select or exclude; `plat ls --select …` shows what a selector matches",
    );
  }
}

export async function runScheduler(manifest: Manifest, options: SchedulerOptions): Promise<void> {
  const schedules = schedulesNamed(manifest, options.names);
  checkSelections(manifest, schedules);
  const last = await recover(manifest, schedules, options);
  const due = new Map(schedules.map((s) => [s.name, nextRun(s, last.get(s.name) ?? null, new Date())]));
  options.onEvent({
    type: 'scheduler_started',
    schedules: schedules.map((s) => ({ name: s.name, next: due.get(s.name)?.toISOString() ?? null })),
  });
  while (!options.signal.aborted) {
    const upcoming = schedules
      .map((schedule) => ({ schedule, at: due.get(schedule.name) }))
      .filter((d): d is { schedule: Schedule; at: Date } => d.at instanceof Date)
      .sort((a, b) => a.at.getTime() - b.at.getTime())[0];
    if (!upcoming) break;
    await sleepUntil(upcoming.at, options.signal);
    if (options.signal.aborted) break;
    const summary = await runSchedule(manifest, upcoming.schedule, upcoming.at, options);
    const next = nextRun(upcoming.schedule, upcoming.at, new Date());
    due.set(upcoming.schedule.name, next);
    options.onEvent({
      type: 'job_finished',
      schedule: upcoming.schedule.name,
      scheduledFor: upcoming.at.toISOString(),
      next: next?.toISOString() ?? null,
      summary,
    });
  }
  options.onEvent({ type: 'scheduler_stopped' });
}

/** Marks interrupted runs aborted; returns each schedule's latest recorded time. */
async function recover(manifest: Manifest, schedules: readonly Schedule[], options: SchedulerOptions): Promise<Map<string, Date>> {
  const lockWait = Math.max(...schedules.map((s) => s.lockWait), 0);
  const warehouse = options.warehouse ?? (await openWaiting(manifest, { name: 'scheduler', lockWait }, options));
  try {
    return await inTurn(options, () => latestTimes(warehouse, schedules, options));
  } finally {
    if (warehouse !== options.warehouse) warehouse.close();
  }
}

async function latestTimes(warehouse: Warehouse, schedules: readonly Schedule[], options: SchedulerOptions): Promise<Map<string, Date>> {
  const session = await warehouse.session();
  try {
    const history = await RunHistory.on(session);
    // A warehouse shared with this process's stream: its own runs are alive.
    const aborted = await history.abortInterrupted(new Date(), (pid) => pid === process.pid);
    if (aborted.length)
      options.onEvent({ type: 'runs_aborted', runs: aborted.map((r) => ({ id: r.id, schedule: r.schedule, startedAt: r.startedAt })) });
    const last = new Map<string, Date>();
    for (const schedule of schedules) {
      const [latest] = await history.list({ limit: 1, schedule: schedule.name });
      if (latest?.scheduledFor) last.set(schedule.name, new Date(latest.scheduledFor));
    }
    return last;
  } finally {
    session.close();
  }
}

function sleepUntil(at: Date, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    // setTimeout takes at most ~24.8 days; a later time is slept towards in steps.
    const ms = Math.min(Math.max(0, at.getTime() - Date.now()), 2 ** 31 - 1);
    const timer = setTimeout(() => (at.getTime() - Date.now() > 0 ? sleepUntil(at, signal).then(done) : done()), ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
