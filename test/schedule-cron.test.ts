import { describe, expect, it } from 'vitest';
import { CronError, nextFire, parseCron } from '../framework/schedule/cron.js';
import { nextRun } from '../framework/schedule/timetable.js';
import type { Schedule } from '../framework/schedule/spec.js';

/** The next `count` fire times after `after`, as ISO text in UTC. */
function fires(expression: string, after: string, timeZone: string, count = 1): string[] {
  const cron = parseCron(expression);
  const out: string[] = [];
  let at = new Date(after);
  for (let i = 0; i < count; i++) {
    const next = nextFire(cron, at, timeZone);
    if (!next) break;
    out.push(next.toISOString());
    at = next;
  }
  return out;
}

describe('cron expressions', () => {
  it('finds the next fire times of the usual forms', () => {
    expect(fires('0 * * * *', '2026-05-04T10:15:00Z', 'UTC', 2)).toEqual(['2026-05-04T11:00:00.000Z', '2026-05-04T12:00:00.000Z']);
    expect(fires('*/15 * * * *', '2026-05-04T10:15:00Z', 'UTC', 3)).toEqual([
      '2026-05-04T10:30:00.000Z',
      '2026-05-04T10:45:00.000Z',
      '2026-05-04T11:00:00.000Z',
    ]);
    // Monday to Friday, 09:00 to 17:45 in New York (EST, UTC-5): after Friday 17:45 comes Monday 09:00.
    expect(fires('*/15 9-17 * * mon-fri', '2026-11-27T22:45:00Z', 'America/New_York', 2)).toEqual([
      '2026-11-30T14:00:00.000Z',
      '2026-11-30T14:15:00.000Z',
    ]);
    expect(fires('30 6 1,15 * *', '2026-01-01T07:00:00Z', 'UTC', 2)).toEqual(['2026-01-15T06:30:00.000Z', '2026-02-01T06:30:00.000Z']);
    expect(fires('0 0 * jan,jul sun', '2026-01-05T00:00:00Z', 'UTC')).toEqual(['2026-01-11T00:00:00.000Z']);
    expect(fires('5/20 0 * * *', '2026-01-01T00:00:00Z', 'UTC', 3)).toEqual([
      '2026-01-01T00:05:00.000Z',
      '2026-01-01T00:25:00.000Z',
      '2026-01-01T00:45:00.000Z',
    ]);
    expect(fires('@daily', '2026-01-01T00:00:00Z', 'Asia/Tokyo')).toEqual(['2026-01-01T15:00:00.000Z']);
    // 7 is Sunday too.
    expect(fires('0 12 * * 7', '2026-11-30T00:00:00Z', 'UTC')).toEqual(['2026-12-06T12:00:00.000Z']);
  });

  it('fires on either day field when both are restricted, as Vixie cron does', () => {
    // The 13th, or any Friday: Friday 4 December 2026 comes before Sunday 13 December.
    expect(fires('0 0 13 * fri', '2026-12-01T00:00:00Z', 'UTC', 3)).toEqual([
      '2026-12-04T00:00:00.000Z',
      '2026-12-11T00:00:00.000Z',
      '2026-12-13T00:00:00.000Z',
    ]);
  });

  it('finds 29 February in the next leap year, and says a day that never comes never fires', () => {
    expect(fires('0 0 29 2 *', '2026-03-01T00:00:00Z', 'UTC')).toEqual(['2028-02-29T00:00:00.000Z']);
    expect(nextFire(parseCron('0 0 31 2 *'), new Date('2026-03-01T00:00:00Z'), 'UTC')).toBeNull();
  });

  it('keeps the wall clock of its time zone across the spring change (Europe/Berlin, 29 March 2026)', () => {
    // 07:00 in Berlin is 06:00 UTC in winter (CET) and 05:00 UTC in summer (CEST).
    expect(fires('0 7 * * *', '2026-03-27T12:00:00Z', 'Europe/Berlin', 3)).toEqual([
      '2026-03-28T06:00:00.000Z',
      '2026-03-29T05:00:00.000Z',
      '2026-03-30T05:00:00.000Z',
    ]);
    // 02:30 does not exist that night (02:00 → 03:00): it fires as if the clock had not moved, at 03:30 CEST.
    expect(fires('30 2 * * *', '2026-03-28T12:00:00Z', 'Europe/Berlin', 2)).toEqual([
      '2026-03-29T01:30:00.000Z',
      '2026-03-30T00:30:00.000Z',
    ]);
    // Every hour: 01:00 CET, then 03:00 CEST one real hour later.
    expect(fires('0 * * * *', '2026-03-28T23:30:00Z', 'Europe/Berlin', 3)).toEqual([
      '2026-03-29T00:00:00.000Z',
      '2026-03-29T01:00:00.000Z',
      '2026-03-29T02:00:00.000Z',
    ]);
  });

  it('fires a daily time once, and an hourly job every hour, across the autumn change (Europe/Berlin, 25 October 2026)', () => {
    // 02:30 happens twice (CEST, then CET): a daily job runs at the first.
    expect(fires('30 2 * * *', '2026-10-24T12:00:00Z', 'Europe/Berlin', 2)).toEqual([
      '2026-10-25T00:30:00.000Z',
      '2026-10-26T01:30:00.000Z',
    ]);
    // Every hour: 02:00 CEST and 02:00 CET are an hour apart, and both run.
    expect(fires('0 * * * *', '2026-10-24T23:30:00Z', 'Europe/Berlin', 4)).toEqual([
      '2026-10-25T00:00:00.000Z',
      '2026-10-25T01:00:00.000Z',
      '2026-10-25T02:00:00.000Z',
      '2026-10-25T03:00:00.000Z',
    ]);
  });

  it('explains what is wrong with an expression', () => {
    const problem = (expression: string) => {
      try {
        parseCron(expression);
        return null;
      } catch (error) {
        expect(error).toBeInstanceOf(CronError);
        return (error as Error).message;
      }
    };
    expect(problem('0 * * *')).toBe('"0 * * *" has 4 fields; cron takes 5: minute hour day-of-month month day-of-week');
    expect(problem('61 * * * *')).toBe('"61": minute 61 is outside 0-59');
    expect(problem('0 0 * foo *')).toBe('"foo" is not a valid month: use *, a number 1-12, names (jan…dec), a-b, */n or a list');
    expect(problem('0 5-2 * * *')).toBe('"5-2": the hour range goes backwards');
    expect(problem('*/0 * * * *')).toBe('"*/0": a step must be 1 or more');
  });
});

describe('the timetable', () => {
  const base: Schedule = {
    name: 's',
    cron: null,
    every: 60_000,
    timezone: 'UTC',
    command: 'build',
    select: [],
    exclude: [],
    retry: { retries: 0, delay: 1000, backoff: 2 },
    timeout: null,
    catchup: false,
    dependsOn: [],
    lockWait: 1000,
    alerts: { webhook: null, command: null, on: ['failure'] },
    place: { file: 'plat_project.yml', line: 1, column: 1 },
  };
  const now = new Date('2026-05-04T10:00:30Z');

  it('runs an interval schedule at once the first time, then an interval after its last time', () => {
    expect(nextRun(base, null, now)).toEqual(now);
    expect(nextRun(base, new Date('2026-05-04T10:00:00Z'), now)).toEqual(new Date('2026-05-04T10:01:00Z'));
  });

  it('runs the latest missed time only without catch-up, and every missed time with it', () => {
    const last = new Date('2026-05-04T09:55:00Z');
    expect(nextRun(base, last, now)).toEqual(new Date('2026-05-04T10:00:00Z'));
    expect(nextRun({ ...base, catchup: true }, last, now)).toEqual(new Date('2026-05-04T09:56:00Z'));
    const hourly = { ...base, every: null, cron: '0 * * * *' };
    expect(nextRun(hourly, null, now)).toEqual(new Date('2026-05-04T11:00:00Z'));
    expect(nextRun(hourly, new Date('2026-05-04T06:00:00Z'), now)).toEqual(new Date('2026-05-04T10:00:00Z'));
    expect(nextRun({ ...hourly, catchup: true }, new Date('2026-05-04T06:00:00Z'), now)).toEqual(new Date('2026-05-04T07:00:00Z'));
  });
});
