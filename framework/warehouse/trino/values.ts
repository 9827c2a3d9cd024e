/**
 * How values cross between JavaScript and Trino: rows read back as plat's other adapters give
 * them (exact bigints, numbers for decimals, Dates for dates and timestamps), and JavaScript
 * values written as Trino literals (parameters, rows inserted without a landing folder).
 */
import type { Row } from '../types.js';
import type { TrinoColumn } from './protocol.js';
import { text } from './quote.js';

type Reader = (value: unknown) => unknown;

const asIs: Reader = (value) => value;

/** A bigint column's value: a number where it is exact, else a bigint (read from its digits, see protocol.ts). */
const bigint: Reader = (value) => (typeof value === 'string' ? BigInt(value) : value);

/** '2026-01-02 03:04:05.123456 UTC' (or +01:00, or no zone) as a Date; other zones' text is kept. */
function timestamp(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const match = /^(\d{4,}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?)(?: (UTC|Z|[+-]\d\d:\d\d))?$/.exec(value);
  if (!match) return value;
  const zone = !match[3] || match[3] === 'UTC' ? 'Z' : match[3];
  const date = new Date(`${match[1]}T${match[2]!.slice(0, 12)}${zone}`);
  return Number.isNaN(date.getTime()) ? value : date;
}

function readerFor(type: string): Reader {
  if (type === 'bigint') return bigint;
  if (type.startsWith('decimal')) return (value) => (typeof value === 'string' ? Number(value) : value);
  if (type.startsWith('timestamp')) return timestamp;
  if (type === 'date') return (value) => (typeof value === 'string' ? new Date(`${value}T00:00:00Z`) : value);
  return asIs;
}

/** Rows as objects of JavaScript values, by column type. */
export function rowObjects(columns: readonly TrinoColumn[], rows: readonly unknown[][]): Row[] {
  const readers = columns.map((c) => readerFor(c.type));
  return rows.map((row) => {
    const object: Row = {};
    columns.forEach((column, i) => {
      const value = row[i];
      object[column.name] = value === null || value === undefined ? null : readers[i]!(value);
    });
    return object;
  });
}

/**
 * Rows as `plat query` prints them: Trino's own text for dates, times and decimals, exact
 * bigints, numbers as numbers.
 */
export function printedRows(columns: readonly TrinoColumn[], rows: readonly unknown[][]): Row[] {
  return rows.map((row) => {
    const object: Row = {};
    columns.forEach((column, i) => {
      const value = row[i] ?? null;
      object[column.name] = column.type === 'bigint' ? bigint(value) : value;
    });
    return object;
  });
}

/** A JavaScript value as a Trino literal of the type it has in JavaScript (a parameter). */
export function valueLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'bigint') return `BIGINT '${value}'`;
  if (typeof value === 'number') {
    if (Number.isInteger(value)) return Number.isSafeInteger(value) && Math.abs(value) <= 2147483647 ? String(value) : `BIGINT '${value}'`;
    return Number.isFinite(value)
      ? `DOUBLE '${value}'`
      : `DOUBLE '${value === Infinity ? 'Infinity' : value === -Infinity ? '-Infinity' : 'NaN'}'`;
  }
  if (value instanceof Date) return `TIMESTAMP '${value.toISOString().replace('T', ' ').replace('Z', '')} UTC'`;
  if (typeof value === 'object') return text(JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? v.toString() : v)));
  return text(String(value));
}

/** A JavaScript value as a literal of a column's type (a row inserted by VALUES). */
export function typedLiteral(value: unknown, type: string): string {
  if (value === null || value === undefined) return 'NULL';
  if (type.startsWith('timestamp') && typeof value === 'string')
    return `CAST(from_iso8601_timestamp(${text(value.replace(' ', 'T'))}) AS ${type})`;
  if (type.startsWith('timestamp') && value instanceof Date) return `CAST(${valueLiteral(value)} AS ${type})`;
  return `CAST(${valueLiteral(value)} AS ${type})`;
}
