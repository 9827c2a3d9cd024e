/** Feature matrices and held-out splits for bench/factory_ml_check.ts. */
import { seededRandom } from '../framework/core/random.js';

export interface Encoded {
  width: number;
  names: string[];
  /** The rows given, row-major, NaN for a missing value. */
  rows(indexes: readonly number[]): Float64Array;
}

/** Numeric columns as they are, categorical ones one-hot (as plat's features.ts encodes them). */
export function encode(
  data: Record<string, unknown[]>,
  numeric: readonly string[],
  categorical: Record<string, readonly string[]>,
): Encoded {
  const names = [...numeric, ...Object.entries(categorical).flatMap(([name, values]) => values.map((v) => `${name}=${v}`))];
  const width = names.length;
  return {
    width,
    names,
    rows(indexes) {
      const x = new Float64Array(indexes.length * width);
      indexes.forEach((r, i) => {
        let j = i * width;
        for (const name of numeric) {
          const v = data[name]![r];
          x[j++] = v === null || v === undefined ? Number.NaN : Number(v);
        }
        for (const [name, values] of Object.entries(categorical)) for (const value of values) x[j++] = data[name]![r] === value ? 1 : 0;
      });
      return x;
    },
  };
}

function shuffled(items: number[], seed: number): number[] {
  const random = seededRandom(seed);
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** A share of each class held out, as plat's ML split does with stratified: true. */
export function stratifiedSplit(y: Int32Array, testFraction: number, seed: number): { train: number[]; test: number[] } {
  const byClass = new Map<number, number[]>();
  y.forEach((c, r) => {
    const rows = byClass.get(c) ?? [];
    rows.push(r);
    byClass.set(c, rows);
  });
  const train: number[] = [];
  const test: number[] = [];
  for (const rows of byClass.values()) {
    const order = shuffled(rows, seed);
    const cut = Math.round(order.length * testFraction);
    test.push(...order.slice(0, cut));
    train.push(...order.slice(cut));
  }
  return { train: train.sort((a, b) => a - b), test: test.sort((a, b) => a - b) };
}

export function splitRows(count: number, testFraction: number, seed: number): { train: number[]; test: number[] } {
  const order = shuffled(
    Array.from({ length: count }, (_, i) => i),
    seed,
  );
  const cut = Math.round(count * testFraction);
  return { train: order.slice(cut).sort((a, b) => a - b), test: order.slice(0, cut).sort((a, b) => a - b) };
}

/** Whole groups (machines) held out, so the test rows come from groups the model never saw. */
export function groupSplit(groups: readonly string[], testFraction: number, seed: number): { train: number[]; test: number[] } {
  const distinct = [...new Set(groups)].sort();
  const names = shuffled(
    distinct.map((_, i) => i),
    seed,
  ).map((i) => distinct[i]!);
  const held = new Set(names.slice(0, Math.round(names.length * testFraction)));
  const train: number[] = [];
  const test: number[] = [];
  groups.forEach((g, r) => {
    (held.has(g) ? test : train).push(r);
  });
  return { train, test };
}

/**
 * The latest share of the time span held out: trained on the past, tested on what followed.
 * Only rows at least `complete` before the newest are used, so that both labels are known there.
 */
export function timeSplit(times: readonly Date[], testFraction: number, complete: number): { train: number[]; test: number[] } {
  const ms = times.map((t) => t.getTime());
  const first = Math.min(...ms);
  const last = Math.max(...ms) - complete;
  const cut = last - (last - first) * testFraction;
  const train: number[] = [];
  const test: number[] = [];
  ms.forEach((t, r) => {
    if (t <= cut) train.push(r);
    else if (t <= last) test.push(r);
  });
  return { train, test };
}
