/**
 * Histogram binning's loops: a feature's bin edges from its values, and its bin for every row.
 * Self-contained (they call only each other, and nothing imported) because a worker thread runs
 * their source text too (boosting_threads.ts); histogram.ts builds on them.
 */

/**
 * The first bin whose edge is ≥ v, NaN to the missing bin (255). A binary search of fixed steps
 * (edges ≤ 254 < 2⁸): the loop shape never changes, which measured faster than a classic one.
 */
export function binOf(v: number, edges: Float64Array): number {
  if (Number.isNaN(v)) return 255;
  let bin = 0;
  for (let step = 128; step > 0; step >>= 1) {
    const probe = bin + step - 1;
    if (probe < edges.length && v > edges[probe]!) bin += step;
  }
  return bin;
}

export function midpoint(a: number, b: number): number {
  const m = a + (b - a) / 2;
  // Rounding can land the midpoint on b; a split must keep b on the right.
  return m >= b ? a : m;
}

/**
 * Feature `f`'s upper bin edges from the rows `sample` of `x` (row-major, `width` a row), NaN
 * left out: midpoints between distinct values when there are at most `maxBins`, else quantiles
 * of the sorted values, then midpoints between neighbours so an edge never equals a common value
 * by accident; duplicates collapse (heavy ties make fewer bins). `values` is scratch, as long as
 * `sample`.
 */
export function columnEdges(
  x: Float64Array,
  width: number,
  f: number,
  sample: Uint32Array,
  values: Float64Array,
  maxBins: number,
): Float64Array {
  let count = 0;
  for (let k = 0; k < sample.length; k++) {
    const v = x[sample[k]! * width + f]!;
    if (!Number.isNaN(v)) values[count++] = v;
  }
  const sorted = values.subarray(0, count).sort();
  const distinct: number[] = [];
  for (let i = 0; i < sorted.length && distinct.length <= maxBins; i++)
    if (i === 0 || sorted[i] !== sorted[i - 1]) distinct.push(sorted[i]!);
  if (distinct.length <= maxBins) return Float64Array.from(distinct.slice(1), (v, k) => midpoint(distinct[k]!, v));
  const out: number[] = [];
  for (let b = 1; b < maxBins; b++) {
    const at = Math.floor((b * sorted.length) / maxBins);
    const edge = midpoint(sorted[at - 1]!, sorted[at]!);
    if (out.length === 0 || edge > out[out.length - 1]!) out.push(edge);
  }
  return Float64Array.from(out);
}

/** Feature `f`'s bin for each of the `rows` rows of `x`, into `column` (a byte a row). */
export function binColumn(x: Float64Array, rows: number, width: number, f: number, edges: Float64Array, column: Uint8Array): void {
  for (let row = 0; row < rows; row++) column[row] = binOf(x[row * width + f]!, edges);
}
