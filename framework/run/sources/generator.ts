import { seededRandom } from '../../core/random.js';
import type { GeneratorSpec } from '../../project/spec.js';
import { seriesRows } from './generator_series.js';
import { garble, inferType, value, writtenFields, type Value, type ValueContext } from './generator_values.js';

/**
 * Synthetic rows from a declarative spec (the seed's event simulator, generalized): independent
 * rows, or with `series:` time series per entity (generator_series.ts).
 * Deterministic: the same spec, seed and `now` give the same rows. `rowSeed` replaces the
 * spec's seed for the rows but not for traits or lifecycles, so a new run of a producer sends
 * new events while each shopper keeps the traits it had and each machine fails when it did.
 */
export interface GeneratedTable {
  columns: { name: string; type: string }[];
  rows: Iterable<unknown[]>;
  /** Rows of each corruption kind that were injected. */
  injected: Map<string, number>;
}

export interface GenerateOptions {
  /** The project folder, which a series' entity file is relative to (default the working directory). */
  root?: string;
}

export function generatorColumns(spec: GeneratorSpec): { name: string; type: string }[] {
  return writtenFields(spec).map((name) => ({ name, type: inferType(spec.fields[name]!) }));
}

export function generateTable(spec: GeneratorSpec, now: Date, rowSeed = spec.seed ?? 42, options: GenerateOptions = {}): GeneratedTable {
  const columns = generatorColumns(spec);
  const injected = new Map<string, number>();
  const rows = spec.series
    ? seriesRows(spec, spec.series, { now, rowSeed, root: options.root ?? process.cwd(), injected })
    : independentRows(spec, now, rowSeed, injected);
  return { columns, rows, injected };
}

function* independentRows(spec: GeneratorSpec, now: Date, rowSeed: number, injected: Map<string, number>): Generator<unknown[]> {
  const random = seededRandom(rowSeed);
  const fields = Object.entries(spec.fields);
  const written = writtenFields(spec);
  const context: ValueContext = { seed: spec.seed ?? 42, now, traits: new Map() };
  const corruptions = spec.corrupt ?? [];
  const recent: Value[][] = [];
  const count = spec.rows ?? 0;
  for (let index = 0; index < count; index++) {
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
      const copy = recent[Math.floor(random() * recent.length)]!;
      yield corruption.set ? garble(copy, written, corruption.set, index, random, context) : copy;
      continue;
    }
    const row: Record<string, Value> = {};
    for (const [name, field] of fields) row[name] = value(field, name, row, index, random, context);
    if (corruption?.set) {
      for (const [name, field] of Object.entries(corruption.set))
        row[name] = field === null ? null : value(field, name, row, index, random, context);
    }
    if (corruption) injected.set(corruption.name, (injected.get(corruption.name) ?? 0) + 1);
    const out = written.map((name) => row[name]!);
    // Duplicates copy a recent row, as a retrying producer would.
    if (recent.length < 1000) recent.push(out);
    else recent[index % 1000] = out;
    yield out;
  }
}
