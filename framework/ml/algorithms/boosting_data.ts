/**
 * Training rows binned for gradient boosting: the bin edges from the training rows, and every
 * row's bins twice, row-major for histograms and column-major for partitions. With a worker
 * thread, each thread bins half the features, on shared memory.
 */
import { binColumn, columnEdges } from './binning_kernels.js';
import { type BoostingThreads, copyOf, typedArray } from './boosting_threads.js';
import { type BinEdges, type BinnedMatrix, EDGE_SAMPLE_ROWS, MAX_BINS, sampleIndexes } from './histogram.js';

export interface BoostingData extends BinnedMatrix {
  /** The same bins column-major: `columns[f * rows + row]`. */
  columns: Uint8Array;
}

export function binForBoosting(
  x: Float64Array,
  rows: number,
  width: number,
  train: readonly number[],
  options: { maxBins: number; seed: number },
  threads: BoostingThreads | null,
): { edges: BinEdges; data: BoostingData } {
  const maxBins = Math.min(MAX_BINS, options.maxBins);
  const shared = threads !== null;
  const subset = typedArray(Float64Array, train.length * width, shared);
  train.forEach((row, k) => {
    subset.set(x.subarray(row * width, (row + 1) * width), k * width);
  });
  const sample = sampleIndexes(train.length, EDGE_SAMPLE_ROWS, options.seed);
  const columns = typedArray(Uint8Array, rows * width, shared);
  const edges: BinEdges = new Array(width);
  const binFeatures = (from: number, to: number) => {
    const values = new Float64Array(sample.length);
    for (let f = from; f < to; f++) {
      edges[f] = columnEdges(subset, width, f, sample, values, maxBins);
      binColumn(x, rows, width, f, edges[f]!, columns.subarray(f * rows, (f + 1) * rows));
    }
  };
  if (threads) {
    const found = typedArray(Float64Array, width * 255, true);
    const counts = typedArray(Int32Array, width, true);
    threads.share({
      x: copyOf(Float64Array, x, true),
      sample: copyOf(Uint32Array, sample, true),
      subset,
      columns,
      edges: found,
      edgeCounts: counts,
    });
    const half = width >> 1;
    threads.bin(half, width, maxBins, () => binFeatures(0, half));
    for (let f = half; f < width; f++) edges[f] = found.slice(f * 255, f * 255 + counts[f]!);
  } else {
    binFeatures(0, width);
  }
  const bins = typedArray(Uint8Array, rows * width, shared);
  for (let f = 0; f < width; f++) {
    const column = columns.subarray(f * rows, (f + 1) * rows);
    for (let row = 0; row < rows; row++) bins[row * width + f] = column[row]!;
  }
  return { edges, data: { rows, width, bins, columns } };
}
