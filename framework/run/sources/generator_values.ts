import { seededRandom } from '../../core/random.js';
import { parseDuration } from '../../core/duration.js';
import type { BandsSpec, FieldSpec, GeneratorSpec, ScoreSpec } from '../../project/spec.js';
import { gaussian, hashString } from './generator_random.js';

export type Value = string | number | boolean | null;

/** What a field's value may depend on besides the row: the spec's seed (traits) and the clock. */
export interface ValueContext {
  seed: number;
  now: Date;
  traits: Map<string, Map<string, Value>>;
}

/** The value of a field of one of the kinds both modes share (series kinds are in generator_series.ts). */
export function value(
  field: FieldSpec,
  name: string,
  row: Record<string, Value>,
  index: number,
  random: () => number,
  context: ValueContext,
): Value {
  if (field.const !== undefined) return field.const;
  if (field.sequence) return (field.sequence.start ?? 1) + index;
  if (field.uuid) return uuid(random);
  if (field.int) return drawInt(field.int, random);
  if (field.float) return drawFloat(field.float, random);
  if (field.choice) return choose(field.choice, random);
  if (field.timestamp) {
    const end = field.timestamp.last ? context.now.getTime() : Date.parse(field.timestamp.end!);
    const start = field.timestamp.last ? end - parseDuration(field.timestamp.last) : Date.parse(field.timestamp.start!);
    return new Date(start + Math.floor(random() * (end - start))).toISOString();
  }
  if (field.trait) return trait(name, field.trait, row, context);
  if (field.score) return score(field.score, row, random);
  if (field.bands) return band(field.bands, row);
  if (field.when !== undefined) {
    const picked = field.cases?.[String(row[field.when])] ?? field.else;
    return picked ? value(picked, name, row, index, random, context) : null;
  }
  return null;
}

/**
 * A resent message garbled on the way: a copy of a written row with some fields set, the
 * original left as it was (so a status stream loses no state change to it).
 */
export function garble(
  copy: readonly Value[],
  written: readonly string[],
  set: Record<string, FieldSpec | null>,
  index: number,
  random: () => number,
  context: ValueContext,
): Value[] {
  const row: Record<string, Value> = Object.fromEntries(written.map((name, i) => [name, copy[i]!]));
  for (const [name, field] of Object.entries(set)) row[name] = field === null ? null : value(field, name, row, index, random, context);
  return written.map((name) => row[name]!);
}

function drawInt(range: { min: number; max: number }, random: () => number): number {
  return range.min + Math.floor(random() * (range.max - range.min + 1));
}

function drawFloat(range: { min: number; max: number; decimals?: number }, random: () => number): number {
  return round(range.min + random() * (range.max - range.min), range.decimals ?? 2);
}

export function round(value: number, decimals: number): number {
  const scale = 10 ** decimals;
  return Math.round(value * scale) / scale;
}

/** A trait is drawn once per value of its `of` field, from a stream of its own, so it is stable. */
function trait(name: string, spec: NonNullable<FieldSpec['trait']>, row: Record<string, Value>, context: ValueContext): Value {
  const key = String(row[spec.of]);
  const known = context.traits.get(name) ?? new Map<string, Value>();
  context.traits.set(name, known);
  if (!known.has(key)) {
    const random = seededRandom(hashString(`${context.seed}:${name}:${key}`));
    known.set(key, spec.choice ? choose(spec.choice, random) : spec.int ? drawInt(spec.int, random) : drawFloat(spec.float!, random));
  }
  return known.get(key)!;
}

/** The hidden driver of a rule: weighted terms of earlier fields, plus noise. */
function score(spec: ScoreSpec, row: Record<string, Value>, random: () => number): number {
  let sum = 0;
  for (const term of spec.terms) {
    const v = row[term.field];
    if (term.weights) {
      sum += term.weights[String(v)] ?? 0;
      continue;
    }
    if (typeof v !== 'number') continue;
    const weight = term.weight ?? 1;
    if (term.above !== undefined) sum += weight * Math.max(0, v - bound(term.above, row));
    else if (term.below !== undefined) sum += weight * Math.max(0, bound(term.below, row) - v);
    else sum += weight * v;
  }
  return spec.noise ? sum + spec.noise * gaussian(random) : sum;
}

function bound(limit: number | string, row: Record<string, Value>): number {
  return typeof limit === 'number' ? limit : Number(row[limit]);
}

function band(spec: BandsSpec, row: Record<string, Value>): Value {
  const v = row[spec.of];
  if (typeof v !== 'number') return null;
  for (const [label, cut] of Object.entries(spec.cuts)) if (v < cut) return label;
  return spec.else;
}

export function choose(choice: NonNullable<FieldSpec['choice']>, random: () => number): Value {
  if (Array.isArray(choice)) return choice[Math.floor(random() * choice.length)]!;
  const entries = Object.entries(choice);
  const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
  let roll = random() * total;
  for (const [option, weight] of entries) {
    if (roll < weight) return option;
    roll -= weight;
  }
  return entries[entries.length - 1]![0];
}

const HEX = [...'0123456789abcdef'].map((c) => c.charCodeAt(0));
const DASH = '-'.charCodeAt(0);
const uuidCodes = new Array<number>(36).fill(DASH);

/**
 * A version-4 UUID from 32 draws, one per hex digit, written into one flat string (series make
 * hundreds of thousands: concatenating 36 pieces left a rope to flatten per id).
 */
export function uuid(random: () => number): string {
  let at = 0;
  for (let i = 0; i < 32; i++) {
    const digit = Math.floor(random() * 16);
    uuidCodes[at++] = HEX[i === 12 ? 4 : i === 16 ? (digit & 0x3) | 0x8 : digit]!;
    if (i === 7 || i === 11 || i === 15 || i === 19) at++;
  }
  return String.fromCharCode.apply(null, uuidCodes);
}

/** `write:` when given, else every field that is not hidden, in declaration order. */
export function writtenFields(spec: GeneratorSpec): string[] {
  return (
    spec.write ??
    Object.entries(spec.fields)
      .filter(([, field]) => !field.hidden)
      .map(([name]) => name)
  );
}

/** The landing type of a field when its column declares none. */
export function inferType(field: FieldSpec): string {
  if (field.int || field.sequence) return 'BIGINT';
  if (field.float || field.signal || field.score) return 'DOUBLE';
  if (field.lifecycle) return field.lifecycle === 'degradation' || field.lifecycle === 'hours_since_reset' ? 'DOUBLE' : 'VARCHAR';
  if (field.const !== undefined)
    return typeof field.const === 'number' ? 'DOUBLE' : typeof field.const === 'boolean' ? 'BOOLEAN' : 'VARCHAR';
  if (field.trait) return field.trait.int ? 'BIGINT' : field.trait.float ? 'DOUBLE' : 'VARCHAR';
  if (field.choice) {
    const values = Array.isArray(field.choice) ? field.choice : Object.keys(field.choice);
    return values.every((v) => typeof v === 'number') ? 'DOUBLE' : 'VARCHAR';
  }
  if (field.when !== undefined) {
    const cases = [...Object.values(field.cases ?? {}), ...(field.else ? [field.else] : [])].map(inferType);
    return cases.every((t) => t === cases[0])
      ? (cases[0] ?? 'VARCHAR')
      : cases.every((t) => t === 'BIGINT' || t === 'DOUBLE')
        ? 'DOUBLE'
        : 'VARCHAR';
  }
  return 'VARCHAR';
}
