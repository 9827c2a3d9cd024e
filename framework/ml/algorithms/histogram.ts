/**
 * Histogram binning, as in LightGBM and scikit-learn's HistGradientBoosting: each feature's values
 * become at most 255 ordered bins so that split finding scans bins instead of sorted values, and
 * the binned matrix is one byte per cell. Bin 255 holds missing values (NaN).
 */
import { seededRandom } from '../../core/random.js';

export const MISSING_BIN = 255;
export const MAX_BINS = 255;

/**
 * `edges[f][b]` is the upper edge of bin b: a value goes to the first bin whose edge it does not
 * exceed, so "bin ≤ b" is exactly "x <= edges[f][b]" — the test that trees store and SQL runs.
 */
export type BinEdges = Float64Array[];

/**
 * Row-major bins: `bins[i * width + f]`. A node's rows are scattered over the matrix, and
 * row-major reads one cache line per row for all features where column-major reads one per
 * feature: measured 1.5× faster histogram building on 100,000 × 20 than column-major with
 * gradients gathered into node order (scikit-learn's layout).
 */
export interface BinnedMatrix {
  rows: number;
  width: number;
  bins: Uint8Array;
}

/**
 * Edges from distinct values (midpoints) when a feature has few of them, else from quantiles of
 * up to `sampleRows` rows chosen by seed, like scikit-learn (200,000 rows).
 */
export function fitBinEdges(
  x: Float64Array,
  rows: number,
  width: number,
  options: { maxBins?: number; sampleRows?: number; seed?: number } = {},
): BinEdges {
  const maxBins = Math.min(MAX_BINS, options.maxBins ?? MAX_BINS);
  const sample = sampleIndexes(rows, options.sampleRows ?? 200_000, options.seed ?? 0);
  const edges: BinEdges = [];
  const values = new Float64Array(sample.length);
  for (let f = 0; f < width; f++) {
    let count = 0;
    for (let k = 0; k < sample.length; k++) {
      const v = x[sample[k]! * width + f]!;
      if (!Number.isNaN(v)) values[count++] = v;
    }
    edges.push(featureEdges(values.subarray(0, count).sort(), maxBins));
  }
  return edges;
}

function featureEdges(sorted: Float64Array, maxBins: number): Float64Array {
  const distinct: number[] = [];
  for (let i = 0; i < sorted.length && distinct.length <= maxBins; i++)
    if (i === 0 || sorted[i] !== sorted[i - 1]) distinct.push(sorted[i]!);
  if (distinct.length <= maxBins) {
    return Float64Array.from(distinct.slice(1), (v, k) => midpoint(distinct[k]!, v));
  }
  // Quantile edges, then midpoints between neighbouring sample values so an edge never equals
  // a common value by accident; duplicates collapse (heavy ties make fewer bins).
  const out: number[] = [];
  for (let b = 1; b < maxBins; b++) {
    const at = Math.floor((b * sorted.length) / maxBins);
    const edge = midpoint(sorted[at - 1]!, sorted[at]!);
    if (out.length === 0 || edge > out[out.length - 1]!) out.push(edge);
  }
  return Float64Array.from(out);
}

function midpoint(a: number, b: number): number {
  const m = a + (b - a) / 2;
  // Rounding can land the midpoint on b; a split must keep b on the right.
  return m >= b ? a : m;
}

export function binMatrix(x: Float64Array, rows: number, width: number, edges: BinEdges): BinnedMatrix {
  const bins = new Uint8Array(rows * width);
  for (let f = 0; f < width; f++) {
    const e = edges[f]!;
    for (let at = f; at < rows * width; at += width) bins[at] = binOf(x[at]!, e);
  }
  return { rows, width, bins };
}

/**
 * The first bin whose edge is ≥ v, NaN to the missing bin. A binary search of fixed steps
 * (edges ≤ 254 < 2⁸): the loop shape never changes, which measured faster than a classic one.
 */
export function binOf(v: number, edges: Float64Array): number {
  if (Number.isNaN(v)) return MISSING_BIN;
  let bin = 0;
  for (let step = 128; step > 0; step >>= 1) {
    const probe = bin + step - 1;
    if (probe < edges.length && v > edges[probe]!) bin += step;
  }
  return bin;
}

function sampleIndexes(rows: number, limit: number, seed: number): Uint32Array {
  if (rows <= limit) return Uint32Array.from({ length: rows }, (_, i) => i);
  // Partial Fisher–Yates over all indexes: the first `limit` are a uniform sample.
  const all = Uint32Array.from({ length: rows }, (_, i) => i);
  const random = seededRandom(seed);
  for (let i = 0; i < limit; i++) {
    const j = i + Math.floor(random() * (rows - i));
    const t = all[i]!;
    all[i] = all[j]!;
    all[j] = t;
  }
  return all.subarray(0, limit).sort();
}
