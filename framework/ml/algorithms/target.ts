/**
 * What a supervised tree model learns: class indexes (binary: 0/1, multiclass: 0..classes-1,
 * as train.ts builds them) or a number per row.
 */
export type Target = { task: 'binary' | 'multiclass'; y: Int32Array; classes: number } | { task: 'regression'; y: Float64Array };

export type Task = Target['task'];

/** `count` distinct indexes of 0..width-1 chosen by `random`, ascending (Floyd's algorithm). */
export function sampleFeatures(width: number, count: number, random: () => number): Int32Array {
  if (count >= width) return Int32Array.from({ length: width }, (_, f) => f);
  const chosen = new Set<number>();
  for (let j = width - count; j < width; j++) {
    const t = Math.floor(random() * (j + 1));
    chosen.add(chosen.has(t) ? j : t);
  }
  return Int32Array.from(chosen).sort();
}

/** Gains per feature scaled to sum to 1 (all zeros stay zeros). */
export function normalizeImportance(gains: Float64Array): number[] {
  let total = 0;
  for (const g of gains) total += g;
  return Array.from(gains, (g) => (total > 0 ? g / total : 0));
}
