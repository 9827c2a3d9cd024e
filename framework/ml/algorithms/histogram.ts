/**
 * Histogram binning, as in LightGBM and scikit-learn's HistGradientBoosting: each feature's values
 * become at most 255 ordered bins so that split finding scans bins instead of sorted values, and
 * the binned matrix is one byte per cell. Bin 255 holds missing values (NaN).
 */
import { seededRandom } from '../../core/random.js';
import { binOf, columnEdges } from './binning_kernels.js';

export const MISSING_BIN = 255;
export const MAX_BINS = 255;
/** Edges come from at most this many rows, chosen by seed, like scikit-learn. */
export const EDGE_SAMPLE_ROWS = 200_000;

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
  const sample = sampleIndexes(rows, options.sampleRows ?? EDGE_SAMPLE_ROWS, options.seed ?? 0);
  const values = new Float64Array(sample.length);
  return Array.from({ length: width }, (_, f) => columnEdges(x, width, f, sample, values, maxBins));
}

export function binMatrix(x: Float64Array, rows: number, width: number, edges: BinEdges): BinnedMatrix {
  const bins = new Uint8Array(rows * width);
  for (let f = 0; f < width; f++) {
    const e = edges[f]!;
    for (let at = f; at < rows * width; at += width) bins[at] = binOf(x[at]!, e);
  }
  return { rows, width, bins };
}

export { binOf };

export function sampleIndexes(rows: number, limit: number, seed: number): Uint32Array {
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
