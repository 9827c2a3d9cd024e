import type { MlTrainNode } from '../compile/manifest.js';
import { seededRandom } from '../core/random.js';

export interface Split {
  train: number[];
  test: number[];
}

/** Row indexes for training and test, shuffled by `seed`; stratified keeps each class's share. */
export function splitRows(labels: ArrayLike<number>, testFraction: number, seed: number, stratified: boolean): Split {
  const random = seededRandom(seed);
  const groups = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const key = stratified ? labels[i]! : 0;
    const group = groups.get(key) ?? [];
    group.push(i);
    groups.set(key, group);
  }
  const train: number[] = [];
  const test: number[] = [];
  for (const key of [...groups.keys()].sort((a, b) => a - b)) {
    const group = groups.get(key)!;
    shuffle(group, random);
    const testCount = Math.round(group.length * testFraction);
    // A loop, not push(...group): a spread of a few hundred thousand rows overflows the stack.
    for (const [k, row] of group.entries()) (k < testCount ? test : train).push(row);
  }
  return { train: train.sort((a, b) => a - b), test: test.sort((a, b) => a - b) };
}

/**
 * Whole groups (e.g. every row of one machine) go to one side: a share `testFraction` of the
 * groups, drawn by `seed`, is the test rows, so no group is both learnt from and tested on.
 */
export function splitByGroup(groups: readonly unknown[], testFraction: number, seed: number): Split {
  const keys = [...new Set(groups.map(String))].sort();
  shuffle(keys, seededRandom(seed));
  const tested = new Set(keys.slice(0, Math.max(1, Math.round(keys.length * testFraction))));
  const split: Split = { train: [], test: [] };
  groups.forEach((g, i) => {
    (tested.has(String(g)) ? split.test : split.train).push(i);
  });
  return split;
}

/** The latest share `testFraction` of rows by `times` is the test rows (rows tied at the boundary all test). */
export function splitByTime(times: readonly unknown[], testFraction: number): Split {
  const at = times.map(timeOf);
  const sorted = [...at].sort((a, b) => a - b);
  const boundary = sorted[Math.min(sorted.length - 1, Math.max(0, sorted.length - Math.round(sorted.length * testFraction)))]!;
  const split: Split = { train: [], test: [] };
  at.forEach((t, i) => {
    (t >= boundary ? split.test : split.train).push(i);
  });
  return split;
}

/** The split a model declares, over its training rows (`strata`: class indexes, for a stratified random split). */
export function splitFor(node: MlTrainNode, rows: readonly Record<string, unknown>[], strata: Int32Array | null): Split {
  const { testFraction, seed, stratified, by, time } = node.split;
  if (by)
    return splitByGroup(
      rows.map((r) => r[by]),
      testFraction,
      seed,
    );
  if (time)
    return splitByTime(
      rows.map((r) => r[time]),
      testFraction,
    );
  return splitRows(strata ?? new Int32Array(rows.length), testFraction, seed, stratified && strata !== null);
}

function shuffle<T>(items: T[], random: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}

function timeOf(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number' || typeof value === 'bigint') return Number(value);
  if (value && typeof value === 'object' && 'micros' in value) return Number((value as { micros: bigint }).micros) / 1000;
  return Date.parse(String(value));
}
