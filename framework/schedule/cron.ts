/**
 * Standard 5-field cron (minute hour day-of-month month day-of-week) in an IANA time zone.
 * Fields take `*`, numbers, ranges `a-b`, steps `*\/n` `a-b/n` `a/n`, lists `a,b`, and names
 * (`jan`…`dec`, `sun`…`sat`; 7 is Sunday too); `@hourly`, `@daily`, `@weekly`, `@monthly`,
 * `@yearly` stand for their usual expressions. As in Vixie cron, when both day fields are
 * restricted a day matching either one fires.
 *
 * Daylight saving time: a wall-clock time that does not exist (the hour skipped in spring)
 * fires as if the clock had not moved yet (02:30 on the night clocks jump from 02:00 to 03:00
 * fires at 03:30, as Temporal's "compatible" rule reads it); a time that occurs twice (the
 * hour repeated in autumn) fires once, at its first occurrence, unless the hour field is `*`:
 * a job that runs every hour runs in both.
 */
import { zonedParts, offsetAt } from './zone.js';

export interface Cron {
  source: string;
  minutes: readonly number[];
  hours: readonly number[];
  days: ReadonlySet<number>;
  months: ReadonlySet<number>;
  weekdays: ReadonlySet<number>;
  /** Both day fields restricted: either may match. */
  dayOr: boolean;
  dayRestricted: boolean;
  weekdayRestricted: boolean;
  everyHour: boolean;
}

export class CronError extends Error {}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const MACROS: Record<string, string> = {
  '@hourly': '0 * * * *',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@weekly': '0 0 * * 0',
  '@monthly': '0 0 1 * *',
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
};

interface FieldRule {
  name: string;
  min: number;
  max: number;
  names?: string[];
  /** Where names start counting (months: jan is 1). */
  nameBase?: number;
}

const FIELDS: FieldRule[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS, nameBase: 1 },
  { name: 'day of week', min: 0, max: 7, names: WEEKDAYS, nameBase: 0 },
];

export function parseCron(expression: string): Cron {
  const source = expression.trim();
  const fields = (MACROS[source.toLowerCase()] ?? source).split(/\s+/);
  if (fields.length !== 5)
    throw new CronError(
      `"${source}" has ${fields.length} field${fields.length === 1 ? '' : 's'}; cron takes 5: minute hour day-of-month month day-of-week`,
    );
  const [minutes, hours, days, months, weekdays] = fields.map((text, i) => parseField(text, FIELDS[i]!));
  const dayRestricted = fields[2] !== '*';
  const weekdayRestricted = fields[4] !== '*';
  return {
    source,
    minutes: [...minutes!].sort((a, b) => a - b),
    hours: [...hours!].sort((a, b) => a - b),
    days: days!,
    months: months!,
    // 7 is Sunday as well as 0.
    weekdays: new Set([...weekdays!].map((d) => d % 7)),
    dayOr: dayRestricted && weekdayRestricted,
    dayRestricted,
    weekdayRestricted,
    everyHour: fields[1] === '*',
  };
}

function parseField(text: string, rule: FieldRule): Set<number> {
  const values = new Set<number>();
  for (const part of text.split(',')) {
    const [range, stepText, extra] = part.split('/');
    if (extra !== undefined || range === undefined || range === '') throw bad(part, rule);
    const step = stepText === undefined ? 1 : number(stepText, rule, part);
    if (step < 1) throw new CronError(`"${part}": a step must be 1 or more`);
    let from: number;
    let to: number;
    if (range === '*') [from, to] = [rule.min, rule.name === 'day of week' ? 6 : rule.max];
    else if (range.includes('-')) {
      const [a, b, more] = range.split('-');
      if (more !== undefined || !a || !b) throw bad(part, rule);
      [from, to] = [value(a, rule, part), value(b, rule, part)];
      if (from > to) throw new CronError(`"${part}": the ${rule.name} range goes backwards`);
    } else {
      from = value(range, rule, part);
      // `a/n` runs from a to the end of the field.
      to = stepText === undefined ? from : rule.max;
    }
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

function value(text: string, rule: FieldRule, part: string): number {
  const index = rule.names?.indexOf(text.toLowerCase()) ?? -1;
  if (index >= 0) return index + rule.nameBase!;
  const n = number(text, rule, part);
  if (n < rule.min || n > rule.max) throw new CronError(`"${part}": ${rule.name} ${n} is outside ${rule.min}-${rule.max}`);
  return n;
}

function number(text: string, rule: FieldRule, part: string): number {
  if (!/^\d+$/.test(text)) throw bad(part, rule);
  return Number(text);
}

function bad(part: string, rule: FieldRule): CronError {
  const names = rule.names ? `, names (${rule.names[0]}…${rule.names.at(-1)})` : '';
  return new CronError(`"${part}" is not a valid ${rule.name}: use *, a number ${rule.min}-${rule.max}${names}, a-b, */n or a list`);
}

const DAY = 86_400_000;

/** How far ahead to look before deciding an expression never fires (29 February on a Monday recurs within 28 years). */
const HORIZON_DAYS = 366 * 29;

/** The first time strictly after `after` that the expression fires in `timeZone`; null if it never does (31 February). */
export function nextFire(cron: Cron, after: Date, timeZone: string): Date | null {
  const start = zonedParts(after.getTime(), timeZone);
  // Wall-clock days from the day before `after`: in a repeated hour a wall time earlier than
  // `after`'s can still lie after it.
  let day = Date.UTC(start.year, start.month - 1, start.day) - DAY;
  for (let i = 0; i < HORIZON_DAYS; i++, day += DAY) {
    const date = new Date(day);
    if (!dayMatches(cron, date)) continue;
    for (const hour of cron.hours) {
      for (const minute of cron.minutes) {
        const wall = day + hour * 3_600_000 + minute * 60_000;
        for (const instant of instantsOf(wall, timeZone, cron.everyHour)) if (instant > after.getTime()) return new Date(instant);
      }
    }
  }
  return null;
}

function dayMatches(cron: Cron, date: Date): boolean {
  if (!cron.months.has(date.getUTCMonth() + 1)) return false;
  const byDay = cron.days.has(date.getUTCDate());
  const byWeekday = cron.weekdays.has(date.getUTCDay());
  if (cron.dayOr) return byDay || byWeekday;
  return (!cron.dayRestricted || byDay) && (!cron.weekdayRestricted || byWeekday);
}

/**
 * The instants at which a wall-clock time (as milliseconds of a UTC date with the same
 * fields) happens in the zone: one, two in a repeated hour (the second only with `both`), or,
 * in a skipped hour, the instant the earlier offset gives.
 */
function instantsOf(wall: number, timeZone: string, both: boolean): number[] {
  const before = offsetAt(wall - DAY, timeZone);
  const after = offsetAt(wall + DAY, timeZone);
  const valid = [...new Set([before, after])].map((offset) => wall - offset).filter((t) => offsetAt(t, timeZone) === wall - t);
  valid.sort((a, b) => a - b);
  if (valid.length === 0) return [wall - before];
  return both ? valid : valid.slice(0, 1);
}
