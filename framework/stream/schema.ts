import { Ajv, type ValidateFunction } from 'ajv';
import type { ManifestColumn } from '../compile/manifest.js';

/**
 * A source's declared columns as the JSON Schema its messages are validated against, with the
 * range of each type: integer types take JSON integers within their bounds, DECIMAL(p,s) numbers
 * that round to at most p-s integer digits, FLOAT finite numbers within single precision,
 * DOUBLE any finite number, BOOLEAN booleans, DATE / TIMESTAMP / TIME strings in ISO-8601, and
 * everything else strings. Columns marked `required: true` must be present and not null.
 *
 * 64- and 128-bit bounds are as close as a JavaScript number gets; the landing checks in SQL
 * that no value became NULL on its way in (landing.ts), which catches what is left.
 */
export function messageSchema(columns: readonly ManifestColumn[], required: ReadonlySet<string>): object {
  const properties: Record<string, object> = {};
  for (const column of columns) {
    const { type, ...rest } = columnRule(column.type ?? 'VARCHAR').schema;
    properties[column.name] = { type: required.has(column.name) ? type : [type, 'null'], ...rest };
  }
  return { type: 'object', properties, required: [...required] };
}

type JsonType = 'integer' | 'number' | 'boolean' | 'string';

interface ColumnRule {
  schema: { type: JsonType } & Record<string, unknown>;
  /** What the values must look like, for a dead letter's reason. */
  expects: string | null;
  /** Every value the schema admits lands as itself: no need for the landing to check it came through. */
  exact: boolean;
}

/** Exact bounds as text, and as the nearest JavaScript numbers for the schema (exact up to 32 bits). */
const INTEGERS: [RegExp, string, string][] = [
  [/^(TINYINT|INT1)$/, '-128', '127'],
  [/^(SMALLINT|INT2|SHORT)$/, '-32768', '32767'],
  [/^(INTEGER|INT|INT4|SIGNED)$/, '-2147483648', '2147483647'],
  [/^(BIGINT|INT8|LONG)$/, '-9223372036854775808', '9223372036854775807'],
  [/^(HUGEINT|INT128)$/, '-170141183460469231731687303715884105728', '170141183460469231731687303715884105727'],
  [/^UTINYINT$/, '0', '255'],
  [/^USMALLINT$/, '0', '65535'],
  [/^UINTEGER$/, '0', '4294967295'],
  [/^UBIGINT$/, '0', '18446744073709551615'],
  [/^UHUGEINT$/, '0', '340282366920938463463374607431768211455'],
];

const FLOAT_MAX = 3.4028234663852886e38;

/**
 * ISO-8601 forms DuckDB reads; a valid form with an impossible date (02-30) is caught by the
 * landing. As pattern text, for the scan of a message's text (text_check.ts) to embed; the
 * letters of a timestamp match in either case.
 */
export const FORMAT_PATTERNS = {
  date: String.raw`\d{4}-\d{2}-\d{2}`,
  timestamp: String.raw`\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?(?:[Zz]|[+-]\d{2}(?::?\d{2})?)?`,
  time: String.raw`\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?`,
};
const FORMATS = Object.fromEntries(Object.entries(FORMAT_PATTERNS).map(([name, pattern]) => [name, new RegExp(`^${pattern}$`)]));
const FORMAT_TEXT = {
  date: 'an ISO-8601 date (YYYY-MM-DD)',
  timestamp: 'an ISO-8601 timestamp (YYYY-MM-DD[THH:MM[:SS[.f]]][Z|±HH:MM])',
  time: 'an ISO-8601 time (HH:MM[:SS[.f]])',
};

export function columnRule(sqlType: string): ColumnRule {
  const t = sqlType.trim().toUpperCase().replace(/\s+/g, ' ');
  for (const [pattern, min, max] of INTEGERS) {
    if (pattern.test(t))
      return {
        schema: { type: 'integer', minimum: Number(min), maximum: Number(max) },
        expects: `${t} (${min} to ${max})`,
        exact: Number.isSafeInteger(Number(max)),
      };
  }
  const decimal = /^(?:DECIMAL|NUMERIC)(?:\((\d+)(?:,\s*(\d+))?\))?$/.exec(t);
  if (decimal) {
    const precision = decimal[1] ? Number(decimal[1]) : 18;
    const scale = decimal[2] ? Number(decimal[2]) : decimal[1] ? 0 : 3;
    // Values are rounded to the scale first: with 2 decimals, 999.995 becomes 1000.00, too wide for DECIMAL(5,2).
    const limit = 10 ** (precision - scale) - 0.5 * 10 ** -scale;
    const largest = `${'9'.repeat(precision - scale) || '0'}${scale ? `.${'9'.repeat(scale)}` : ''}`;
    return {
      schema: { type: 'number', exclusiveMinimum: -limit, exclusiveMaximum: limit },
      expects: `DECIMAL(${precision},${scale}) (-${largest} to ${largest} once rounded to ${scale} decimals)`,
      exact: false,
    };
  }
  if (/^(FLOAT|REAL|FLOAT4)$/.test(t))
    return {
      schema: { type: 'number', minimum: -FLOAT_MAX, maximum: FLOAT_MAX },
      expects: `FLOAT (at most ${FLOAT_MAX} in magnitude)`,
      exact: false,
    };
  if (/^(DOUBLE|FLOAT8|DOUBLE PRECISION)$/.test(t)) return { schema: { type: 'number' }, expects: null, exact: true };
  if (/^(BOOLEAN|BOOL|LOGICAL)$/.test(t)) return { schema: { type: 'boolean' }, expects: null, exact: true };
  if (t === 'DATE') return { schema: { type: 'string', format: 'date' }, expects: FORMAT_TEXT.date, exact: false };
  if (/^(TIMESTAMP|DATETIME)(_S|_MS|_NS| WITH TIME ZONE|TZ)?$/.test(t))
    return { schema: { type: 'string', format: 'timestamp' }, expects: FORMAT_TEXT.timestamp, exact: false };
  if (/^TIME( WITH TIME ZONE|TZ)?$/.test(t)) return { schema: { type: 'string', format: 'time' }, expects: FORMAT_TEXT.time, exact: false };
  // Text types take any string; others read from a string (UUID, INTERVAL, an ENUM) may not.
  return { schema: { type: 'string' }, expects: null, exact: /^(VARCHAR|TEXT|STRING|CHAR|BPCHAR|JSON)$/.test(t) };
}

/** Why a parsed message is a dead letter, or null when it fits the columns. */
export type MessageCheck = (data: object) => string | null;

export function compileMessageCheck(columns: readonly ManifestColumn[]): MessageCheck {
  const required = new Set(columns.filter((c) => c.required).map((c) => c.name));
  // Own properties only: a column named `constructor` or `toString` is otherwise read from Object.prototype when the message lacks it.
  const validate = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true, ownProperties: true, formats: FORMATS }).compile(
    messageSchema(columns, required),
  );
  const expects = new Map(columns.map((c) => [c.name, columnRule(c.type ?? 'VARCHAR').expects]));
  return (data) => (validate(data) ? null : validationMessage(validate, data, expects));
}

/** One line for the dead-letter table: which field, what it held, and what its column takes. */
function validationMessage(validate: ValidateFunction, data: object, expects: Map<string, string | null>): string {
  const error = validate.errors?.[0];
  if (!error) return 'invalid message';
  if (error.keyword === 'required') return `missing required field ${(error.params as { missingProperty: string }).missingProperty}`;
  const field = error.instancePath.slice(1).replace(/~1/g, '/').replace(/~0/g, '~');
  // Null where a required column needs a value: the type check fails, but "must be string" would hide why.
  if (error.keyword === 'type' && (data as Record<string, unknown>)[field] === null) return `${field}: is required (got null)`;
  if (error.keyword === 'type') return `${field}: must be ${String((error.params as { type: string }).type).replace(',null', '')}`;
  const value = JSON.stringify((data as Record<string, unknown>)[field]);
  const expected = expects.get(field);
  if (expected && error.keyword === 'format') return `${field}: ${value} is not ${expected}`;
  if (expected) return `${field}: ${value} is out of range for ${expected}`;
  return `${field ? `${field}: ` : ''}${error.message ?? 'invalid'}`;
}
