/**
 * When a schedule fires. A cron schedule fires at its expression's times; an `every`
 * schedule first when the scheduler starts, then that long after the time of its last run.
 * Times the scheduler missed (it was down, a run took longer than the interval) are all run
 * in turn with `catchup: true`; without, only the latest of them is.
 */
import { nextFire, parseCron } from './cron.js';
import type { Schedule } from './spec.js';

/** Missed times looked at without catch-up before giving up and running now. */
const SCAN_LIMIT = 10_000;

/** The first fire time strictly after `after`, or null when the expression never fires again. */
export function fireAfter(schedule: Schedule, after: Date): Date | null {
  if (schedule.every !== null) return new Date(after.getTime() + schedule.every);
  return nextFire(parseCron(schedule.cron!), after, schedule.timezone);
}

/**
 * The next time to run, given the time of the last run (null: it never ran) and now. Earlier
 * than now when a missed time is due at once.
 */
export function nextRun(schedule: Schedule, last: Date | null, now: Date): Date | null {
  if (last === null) return schedule.every !== null ? now : fireAfter(schedule, now);
  const next = fireAfter(schedule, last);
  if (next === null || next > now || schedule.catchup) return next;
  if (schedule.every !== null) {
    const missed = Math.floor((now.getTime() - last.getTime()) / schedule.every);
    return new Date(last.getTime() + missed * schedule.every);
  }
  // The latest fire time not after now.
  let latest = next;
  for (let i = 0; i < SCAN_LIMIT; i++) {
    const after = fireAfter(schedule, latest);
    if (after === null || after > now) return latest;
    latest = after;
  }
  return now;
}
