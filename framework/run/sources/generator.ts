import { seededRandom } from '../../core/random.js';
import { parseDuration } from '../../core/duration.js';
import type { FieldSpec, GeneratorSpec } from '../../project/spec.js';

/**
 * Synthetic rows from a declarative spec (the seed's event simulator, generalized).
 * Deterministic: the same spec, seed and `now` give the same rows. `rowSeed` replaces the
 * spec's seed for the rows but not for traits, so a new run of a producer sends new events
 * while each shopper keeps the traits it had.
 */
export interface GeneratedTable {
  columns: { name: string; type: string }[];
  rows: Iterable<unknown[]>;
  /** Rows of each corruption kind that were injected. */
  injected: Map<string, number>;
}

type Value = string | number | boolean | null;

export function generatorColumns(spec: GeneratorSpec): { name: string; type: string }[] {
  return Object.entries(spec.fields)
    .filter(([, field]) => !field.hidden)
    .map(([name, field]) => ({ name, type: inferType(field) }));
}

export function generateTable(spec: GeneratorSpec, now: Date, rowSeed = spec.seed ?? 42): GeneratedTable {
  const columns = generatorColumns(spec);
  const injected = new Map<string, number>();
  return { columns, rows: rows(spec, now, rowSeed, injected), injected };
}

function* rows(spec: GeneratorSpec, now: Date, rowSeed: number, injected: Map<string, number>): Generator<unknown[]> {
  const random = seededRandom(rowSeed);
  const fields = Object.entries(spec.fields);
  const written = fields.filter(([, field]) => !field.hidden).map(([name]) => name);
  const traits = new Map<string, Map<string, Value>>();
  const corruptions = spec.corrupt ?? [];
  const recent: Value[][] = [];
  for (let index = 0; index < spec.rows; index++) {
    let corruption = null;
    let roll = random();
    for (const candidate of corruptions) {
      if (roll < candidate.share) {
        corruption = candidate;
        break;
      }
      roll -= candidate.share;
    }
    if (corruption?.duplicate && recent.length > 0) {
      injected.set(corruption.name, (injected.get(corruption.name) ?? 0) + 1);
      yield recent[Math.floor(random() * recent.length)]!;
      continue;
    }
    const row: Record<string, Value> = {};
    for (const [name, field] of fields) row[name] = field.trait ? trait(name, field.trait, row, spec.seed ?? 42, traits) : value(field, row, index, random, now);
    if (corruption?.set) {
      for (const [name, field] of Object.entries(corruption.set)) row[name] = field === null ? null : value(field, row, index, random, now);
    }
    if (corruption) injected.set(corruption.name, (injected.get(corruption.name) ?? 0) + 1);
    const out = written.map((name) => row[name]!);
    // Duplicates copy a recent row, as a retrying producer would.
    if (recent.length < 1000) recent.push(out);
    else recent[index % 1000] = out;
    yield out;
  }
}

function value(field: FieldSpec, row: Record<string, Value>, index: number, random: () => number, now: Date): Value {
  if (field.const !== undefined) return field.const;
  if (field.sequence) return (field.sequence.start ?? 1) + index;
  if (field.uuid) return uuid(random);
  if (field.int) return field.int.min + Math.floor(random() * (field.int.max - field.int.min + 1));
  if (field.float) {
    const scale = 10 ** (field.float.decimals ?? 2);
    return Math.round((field.float.min + random() * (field.float.max - field.float.min)) * scale) / scale;
  }
  if (field.choice) return choose(field.choice, random);
  if (field.timestamp) {
    const end = field.timestamp.last ? now.getTime() : Date.parse(field.timestamp.end!);
    const start = field.timestamp.last ? end - parseDuration(field.timestamp.last) : Date.parse(field.timestamp.start!);
    return new Date(start + Math.floor(random() * (end - start))).toISOString();
  }
  if (field.when !== undefined) {
    const picked = field.cases?.[String(row[field.when])] ?? field.else;
    return picked ? value(picked, row, index, random, now) : null;
  }
  return null;
}

/** A trait is drawn once per value of its `of` field, from a stream of its own, so it is stable. */
function trait(name: string, spec: { of: string; choice: Record<string, number> }, row: Record<string, Value>, seed: number, traits: Map<string, Map<string, Value>>): Value {
  const key = String(row[spec.of]);
  const known = traits.get(name) ?? new Map<string, Value>();
  traits.set(name, known);
  if (!known.has(key)) known.set(key, choose(spec.choice, seededRandom(hashString(`${seed}:${name}:${key}`))));
  return known.get(key)!;
}

function hashString(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

function choose(choice: NonNullable<FieldSpec['choice']>, random: () => number): Value {
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

function inferType(field: FieldSpec): string {
  if (field.int || field.sequence) return 'BIGINT';
  if (field.float) return 'DOUBLE';
  if (field.const !== undefined) return typeof field.const === 'number' ? 'DOUBLE' : typeof field.const === 'boolean' ? 'BOOLEAN' : 'VARCHAR';
  if (field.choice) {
    const values = Array.isArray(field.choice) ? field.choice : Object.keys(field.choice);
    return values.every((v) => typeof v === 'number') ? 'DOUBLE' : 'VARCHAR';
  }
  if (field.when !== undefined) {
    const cases = [...Object.values(field.cases ?? {}), ...(field.else ? [field.else] : [])].map(inferType);
    return cases.every((t) => t === cases[0]) ? (cases[0] ?? 'VARCHAR') : cases.every((t) => t === 'BIGINT' || t === 'DOUBLE') ? 'DOUBLE' : 'VARCHAR';
  }
  return 'VARCHAR';
}


function uuid(random: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16));
  hex[12] = '4';
  hex[16] = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  const s = hex.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}
