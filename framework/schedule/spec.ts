/**
 * `schedules:` of plat_project.yml, checked and resolved into plain data for the manifest:
 * cron expressions parsed (and known to fire), time zones known, durations in milliseconds,
 * dependencies between schedules existing. Pure; every mistake is a located diagnostic.
 */
import { diagnostic, type Diagnostic } from '../core/diagnostics.js';
import { parseDuration } from '../core/duration.js';
import { didYouMean } from '../core/suggest.js';
import type { RetryPolicy } from '../run/attempts.js';
import { CronError, nextFire, parseCron } from './cron.js';
import { isTimeZone, timeZones } from './zone.js';

export const SCHEDULE_COMMANDS = ['build', 'run', 'test', 'ingest', 'train'] as const;
export type ScheduleCommand = (typeof SCHEDULE_COMMANDS)[number];
export type AlertOn = 'failure' | 'warning';

/** A schedule as written in plat_project.yml. */
export interface ScheduleConfig {
  name: string;
  cron?: string;
  every?: string;
  timezone?: string;
  command?: ScheduleCommand;
  select?: string | string[];
  exclude?: string | string[];
  retries?: number;
  retry_delay?: string;
  retry_backoff?: number;
  timeout?: string;
  catchup?: boolean;
  depends_on?: string | string[];
  lock_wait?: string;
  alerts?: { webhook?: string; command?: string; on?: AlertOn[] };
}

/** A schedule as the manifest holds it. */
export interface Schedule {
  name: string;
  /** Exactly one of `cron` and `every` (ms) is set. */
  cron: string | null;
  every: number | null;
  timezone: string;
  command: ScheduleCommand;
  select: string[];
  exclude: string[];
  retry: RetryPolicy;
  /** Longest one node may run (ms), or null. */
  timeout: number | null;
  catchup: boolean;
  dependsOn: string[];
  /** How long a run waits for the database's write lock before it fails (ms). */
  lockWait: number;
  alerts: { webhook: string | null; command: string | null; on: AlertOn[] };
  place: { file: string; line: number | null; column: number | null };
}

export interface ScheduleLocator {
  locate(file: string, path: (string | number)[], key?: string): { line: number; column: number } | null;
}

const DEFAULTS = { timezone: 'UTC', retryDelay: 30_000, backoff: 2, lockWait: 600_000 };

const list = (value: string | string[] | undefined) => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

export function resolveSchedules(
  entries: readonly unknown[] | undefined,
  file: string,
  locator: ScheduleLocator,
): { schedules: Record<string, Schedule>; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const schedules: Record<string, Schedule> = {};
  const at = (path: (string | number)[], key?: string) => ({ file, ...(locator.locate(file, ['schedules', ...path], key) ?? {}) });
  const valid = (entries ?? []).flatMap((entry, index) =>
    entry && typeof entry === 'object' && typeof (entry as ScheduleConfig).name === 'string'
      ? [{ config: entry as ScheduleConfig, index }]
      : [],
  );
  const names = valid.map((v) => v.config.name);
  for (const { config, index } of valid) {
    const problem = (key: keyof ScheduleConfig, detail: string, hint: string | null = null) =>
      diagnostics.push(diagnostic('BAD_CONFIG', { detail: `schedule "${config.name}": ${detail}` }, at([index, key]), hint));
    if (schedules[config.name]) {
      const first = schedules[config.name]!.place;
      diagnostics.push(
        diagnostic('DUPLICATE_NAME', { what: `schedule "${config.name}"`, other: `${first.file}:${first.line}` }, at([index, 'name'])),
      );
      continue;
    }
    const timezone = config.timezone ?? DEFAULTS.timezone;
    if (!isTimeZone(timezone))
      problem(
        'timezone',
        `unknown time zone "${timezone}"`,
        didYouMean(timezone, timeZones()) ?? 'an IANA name, like Europe/Berlin or UTC',
      );
    if ((config.cron === undefined) === (config.every === undefined))
      diagnostics.push(
        diagnostic(
          'BAD_CONFIG',
          { detail: `schedule "${config.name}": give ${config.cron === undefined ? 'either' : 'only one of'} cron or every` },
          at([index, 'name']),
          'cron: "0 * * * *" (every hour), or every: 15m',
        ),
      );
    if (config.cron !== undefined) {
      try {
        const cron = parseCron(config.cron);
        if (isTimeZone(timezone) && nextFire(cron, new Date(0), timezone) === null) problem('cron', `"${config.cron}" never fires`);
      } catch (error) {
        if (!(error instanceof CronError)) throw error;
        problem('cron', error.message);
      }
    }
    const duration = (key: 'every' | 'retry_delay' | 'timeout' | 'lock_wait', fallback: number | null) => {
      const text = config[key];
      if (text === undefined) return fallback;
      try {
        const ms = parseDuration(text);
        if (ms > 0) return ms;
      } catch {
        // reported below
      }
      problem(key, `"${text}" is not a duration`, 'a number and a unit: 500ms, 30s, 15m, 6h, 2d');
      return fallback;
    };
    const dependsOn = list(config.depends_on);
    for (const [i, other] of dependsOn.entries()) {
      if (other === config.name)
        diagnostics.push(diagnostic('BAD_CONFIG', { detail: `schedule "${config.name}" depends on itself` }, at([index, 'depends_on', i])));
      else if (!names.includes(other))
        diagnostics.push(
          diagnostic(
            'BAD_CONFIG',
            { detail: `schedule "${config.name}" depends on "${other}", which is no schedule` },
            at(typeof config.depends_on === 'string' ? [index, 'depends_on'] : [index, 'depends_on', i]),
            didYouMean(other, names) ?? `schedules: ${names.join(', ')}`,
          ),
        );
    }
    const place = at([index, 'name']);
    schedules[config.name] = {
      name: config.name,
      cron: config.cron ?? null,
      every: config.every === undefined ? null : duration('every', 60_000),
      timezone,
      command: config.command ?? 'build',
      select: list(config.select),
      exclude: list(config.exclude),
      retry: {
        retries: config.retries ?? 0,
        delay: duration('retry_delay', DEFAULTS.retryDelay)!,
        backoff: config.retry_backoff ?? DEFAULTS.backoff,
      },
      timeout: duration('timeout', null),
      catchup: config.catchup ?? false,
      dependsOn,
      lockWait: duration('lock_wait', DEFAULTS.lockWait)!,
      alerts: {
        webhook: config.alerts?.webhook ?? null,
        command: config.alerts?.command ?? null,
        on: config.alerts?.on ?? ['failure'],
      },
      place: { file: place.file, line: place.line ?? null, column: place.column ?? null },
    };
  }
  return { schedules, diagnostics };
}
