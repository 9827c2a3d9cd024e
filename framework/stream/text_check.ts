import type { ManifestColumn } from '../compile/manifest.js';
import { columnRule, compileMessageCheck, FORMAT_PATTERNS } from './schema.js';

/** Why a message's text is a dead letter, or null when it is valid. */
export type TextCheck = (raw: string) => string | null;

/**
 * Checks a message's text against the source's columns. Most messages are settled by one
 * regular expression over the text, which allocates nothing; whatever it does not match (an
 * escape in a key, a nested value, a number with an exponent or too many digits to be surely
 * in range, a value of the wrong type, invalid JSON) goes to JSON.parse and the ajv check
 * (schema.ts), which also words every dead letter's reason.
 *
 * Why: on the consumer's thread, which is what limits `plat ingest`, JSON.parse (and
 * collecting the objects it makes) was the largest cost after kafkajs: about 500 ns a 100-byte
 * event on a 2-core VM, against about 120 ns for the expression. A hand-written scanner in
 * JavaScript was no faster than JSON.parse there. The expression matches only messages that
 * JSON.parse and ajv accept, so a match needs no second look.
 */
export function compileTextCheck(columns: readonly ManifestColumn[]): TextCheck {
  const check = compileMessageCheck(columns);
  const fits = compileTextMatch(columns);
  return (raw) => {
    if (raw === '') return 'empty message';
    if (fits?.(raw)) return null;
    let data: unknown;
    try {
      data = JSON.parse(raw);
    } catch (error) {
      return `not JSON: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (data === null || typeof data !== 'object' || Array.isArray(data)) return 'not a JSON object';
    return check(data);
  };
}

/** Longer messages go to JSON.parse: the expression's backtracking stack grows with the fields. */
const MAX_MATCHED_LENGTH = 16 * 1024;

const SPACE = String.raw`[ \t\n\r]*`;
/** A string without escapes: keys, and the strings a format is tested on. */
const PLAIN_STRING = String.raw`"[^"\\\u0000-\u001f]*"`;
const STRING = String.raw`"[^"\\\u0000-\u001f]*(?:\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})[^"\\\u0000-\u001f]*)*"`;
/** Any JSON number; the lookahead keeps a shorter match from passing for the whole. */
const NUMBER = String.raw`-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?(?![\d.eE+-])`;

/**
 * An expression matching a JSON object each of whose declared fields holds a value its column
 * certainly takes, and whose other fields hold a string, a number, true, false or null; or
 * null where a column name would need escaping in JSON. Required fields are looked for apart.
 */
export function compileTextMatch(columns: readonly ManifestColumn[]): ((raw: string) => boolean) | null {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: JSON escapes control characters in a key
  if (columns.some((c) => /["\\\u0000-\u001f\u2028\u2029]/.test(c.name))) return null;
  const key = (name: string) => `"${name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}"`;
  const declared = columns.flatMap((c) => {
    const value = valuePattern(c);
    return value === null ? [] : [`${key(c.name)}${SPACE}:${SPACE}(?:${value})`];
  });
  const others = columns.length ? `(?!${columns.map((c) => key(c.name)).join('|')})` : '';
  const member = `(?:${[...declared, `${others}${PLAIN_STRING}${SPACE}:${SPACE}(?:${STRING}|${NUMBER}|true|false|null)`].join('|')})`;
  const object = new RegExp(`^${SPACE}\\{${SPACE}(?:${member}(?:${SPACE},${SPACE}${member})*)?${SPACE}\\}${SPACE}$`);
  const required = columns.filter((c) => c.required).map((c) => `"${c.name}"`);
  return (raw) => raw.length <= MAX_MATCHED_LENGTH && object.test(raw) && required.every((name) => isKey(raw, name));
}

/**
 * Whether a matched object has this key: its first `"name"` is followed by a colon. In text the
 * expression matched, that can only be the key: a string value is followed by a comma or a
 * brace, and keys other than declared ones hold no escaped quote. A first occurrence inside a
 * value gives a false "no", which only sends the message to the full check.
 */
function isKey(raw: string, quoted: string): boolean {
  const at = raw.indexOf(quoted);
  if (at < 0) return false;
  let i = at + quoted.length;
  let c = raw.charCodeAt(i);
  while (c === 32 || c === 9 || c === 10 || c === 13) c = raw.charCodeAt(++i);
  return c === 58;
}

/** What a column certainly takes, as pattern text; null where no value is sure without reading it. */
function valuePattern(column: ManifestColumn): string | null {
  const rule = columnRule(column.type ?? 'VARCHAR').schema;
  const nullable = column.required ? '' : '|null';
  switch (rule.type) {
    case 'boolean':
      return `true|false${nullable}`;
    case 'string': {
      const format = rule.format as keyof typeof FORMAT_PATTERNS | undefined;
      return `${format ? `"${FORMAT_PATTERNS[format]}"` : STRING}${nullable}`;
    }
    case 'integer':
    case 'number': {
      const number = numberPattern(rule);
      return number === null ? (nullable ? 'null' : null) : `${number}${nullable}`;
    }
  }
}

/**
 * Numbers with few enough integer digits to be within the column's bounds whatever they are:
 * with a maximum of 2,147,483,647, nine digits. Integer columns take no fraction or exponent
 * (ajv takes 5.0 as an integer; JSON.parse's answer settles those), and no number here has an
 * exponent, so each is finite.
 */
function numberPattern(rule: Record<string, unknown>): string | null {
  const bound = (key: string) => (typeof rule[key] === 'number' ? Math.abs(rule[key] as number) : Number.POSITIVE_INFINITY);
  const largest = Math.min(bound('maximum'), bound('exclusiveMaximum'), bound('minimum'), bound('exclusiveMinimum'));
  if (!(largest >= 1)) return null;
  // A double's largest finite value has 309 integer digits.
  const digits = largest === Number.POSITIVE_INFINITY ? 308 : Math.floor(Math.log10(largest));
  const lowest = typeof rule.minimum === 'number' ? rule.minimum : rule.exclusiveMinimum;
  const sign = typeof lowest === 'number' && lowest >= 0 ? '' : '-?';
  const fraction = rule.type === 'integer' ? '' : String.raw`(?:\.\d+)?`;
  const whole = digits === 0 ? '0' : `(?:0|[1-9]\\d{0,${digits - 1}})`;
  return `${sign}${whole}${fraction}(?![\\d.eE])`;
}
