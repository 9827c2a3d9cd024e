/**
 * Grows one gradient-boosting tree on binned data, leaf by leaf (best gain first, as LightGBM and
 * scikit-learn's HistGradientBoosting do), from per-row gradients and hessians.
 *
 * Speed comes from three things: histograms of (gradient, hessian, count) per bin instead of
 * sorting; the subtraction trick (only the smaller child's histogram is built, the larger one is
 * parent − smaller); and row-major bins, so a row's features share a cache line. Rows live in
 * one index array that each split partitions in place. On large data a worker thread does half
 * of each large leaf's work (boosting_threads.ts).
 */
import type { BoostingData } from './boosting_data.js';
import type { BinEdges } from './histogram.js';
import { addRows, addRowsCounted, bestSplitOf, partitionRows, subtractFeatures } from './boosting_kernels.js';
import { type BoostingThreads, copyOf, SHARED_FROM_ROWS, typedArray } from './boosting_threads.js';
import { addNode, emptyTree, splitNode, type Tree } from './tree.js';

export interface BoostedTreeOptions {
  maxLeaves: number;
  maxDepth: number;
  minRowsPerLeaf: number;
  minHessianPerLeaf: number;
  l2: number;
  learningRate: number;
}

/** A grown tree, plus where each leaf's rows sit in the partitioned index (to update scores). */
export interface GrownTree {
  tree: Tree;
  leaves: { node: number; start: number; end: number }[];
}

interface Split {
  gain: number;
  feature: number;
  bin: number;
  missingLeft: boolean;
  /** Gradient and hessian sums of the left child. */
  g: number;
  h: number;
}

interface Leaf {
  node: number;
  start: number;
  end: number;
  depth: number;
  g: number;
  h: number;
  histogram: Float64Array | null;
  best: Split | null;
}

const BIN_STRIDE = 3; // gradient, hessian, count
const FEATURE_STRIDE = 256 * BIN_STRIDE;

/** Reusable buffers for growing many trees over the same rows. */
export class BoostedTreeGrower {
  private readonly scratch: Uint32Array;
  private readonly pool: Float64Array[] = [];
  private readonly initialOrder: Uint32Array;
  private readonly index: Uint32Array;
  /**
   * Each row's gradient and hessian side by side (a scattered row's two reads share a cache
   * line), which the caller fills before each `grow`.
   */
  readonly pairs: Float64Array;
  /**
   * The bins again, column-major, for partitioning: a split reads one feature of scattered rows,
   * and one feature's column (a byte a row) stays in cache where the row-major matrix does not.
   */
  private readonly columns: Uint8Array;
  /** Each feature's number of value bins. */
  private readonly valueBins: Int32Array;
  /** The training rows per feature and bin: every root's counts. */
  private readonly counts: Float64Array;
  /** Where `bestSplitOf` writes. */
  private readonly best = new Float64Array(6);

  /** With `threads`, whose worker shares the data's bins and columns, a worker does half of each large leaf's work. */
  constructor(
    private readonly data: BoostingData,
    private readonly edges: BinEdges,
    index: Uint32Array,
    private readonly options: BoostedTreeOptions,
    /** Gain of every split, added per feature: the model's importance. */
    private readonly gains: Float64Array,
    private readonly threads: BoostingThreads | null,
  ) {
    this.scratch = new Uint32Array(index.length);
    this.initialOrder = index.slice();
    const shared = threads !== null;
    this.index = copyOf(Uint32Array, index, shared);
    this.pairs = typedArray(Float64Array, 2 * data.rows, shared);
    this.valueBins = copyOf(
      Int32Array,
      Int32Array.from(edges, (e) => e.length + 1),
      shared,
    );
    this.columns = data.columns;
    this.counts = typedArray(Float64Array, data.width * 256, shared);
    for (const row of index) for (let f = 0; f < data.width; f++) this.counts[f * 256 + data.bins[row * data.width + f]!]!++;
    threads?.share({
      bins: data.bins,
      columns: data.columns,
      index: this.index,
      pairs: this.pairs,
      valueBins: this.valueBins,
      counts: this.counts,
    });
  }

  /** Rows in the order the last tree partitioned them (its leaves' ranges index into this). */
  rowOrder(): Uint32Array {
    return this.index;
  }

  /**
   * A tree from the gradients and hessians in `pairs` (the training rows'); `features` are the
   * columns it may split on.
   */
  grow(features: Int32Array): GrownTree {
    const { options, index } = this;
    // Each tree starts from ascending rows, so the root's histogram reads the bins in order.
    index.set(this.initialOrder);
    const tree = emptyTree();
    let g = 0;
    let h = 0;
    const { pairs } = this;
    for (let i = 0; i < index.length; i++) {
      const row = index[i]!;
      g += pairs[2 * row]!;
      h += pairs[2 * row + 1]!;
    }
    const root: Leaf = {
      node: addNode(tree, [this.leafValue(g, h)]),
      start: 0,
      end: index.length,
      depth: 0,
      g,
      h,
      histogram: null,
      best: null,
    };
    const open: Leaf[] = [root];
    if (this.splittable(root)) {
      root.histogram = this.build(root, features, null);
      root.best = this.bestSplit(root, features);
    }
    while (open.length < options.maxLeaves) {
      let pick = -1;
      for (let k = 0; k < open.length; k++) if (open[k]!.best && (pick < 0 || open[k]!.best!.gain > open[pick]!.best!.gain)) pick = k;
      if (pick < 0) break;
      const leaf = open.splice(pick, 1)[0]!;
      for (const child of this.split(tree, leaf, features)) open.push(child);
    }
    const leaves = open.map((leaf) => {
      if (leaf.histogram) this.pool.push(leaf.histogram);
      return { node: leaf.node, start: leaf.start, end: leaf.end };
    });
    return { tree, leaves };
  }

  private leafValue(g: number, h: number): number {
    return (-this.options.learningRate * g) / (h + this.options.l2);
  }

  private splittable(leaf: Leaf): boolean {
    return leaf.depth < this.options.maxDepth && leaf.end - leaf.start >= 2 * this.options.minRowsPerLeaf;
  }

  private split(tree: Tree, leaf: Leaf, features: Int32Array): Leaf[] {
    const best = leaf.best!;
    const threshold = best.bin < this.edges[best.feature]!.length ? this.edges[best.feature]![best.bin]! : Number.MAX_VALUE;
    const middle = this.partition(leaf, best);
    const { g: gl, h: hl } = best;
    const [gr, hr] = [leaf.g - gl, leaf.h - hl];
    const [left, right] = splitNode(
      tree,
      leaf.node,
      { feature: best.feature, threshold, missingLeft: best.missingLeft },
      [this.leafValue(gl, hl)],
      [this.leafValue(gr, hr)],
    );
    this.gains[best.feature] = this.gains[best.feature]! + best.gain;
    const children: Leaf[] = [
      { node: left, start: leaf.start, end: middle, depth: leaf.depth + 1, g: gl, h: hl, histogram: null, best: null },
      { node: right, start: middle, end: leaf.end, depth: leaf.depth + 1, g: gr, h: hr, histogram: null, best: null },
    ];
    const parent = leaf.histogram!;
    if (!children.some((c) => this.splittable(c))) {
      this.pool.push(parent);
      return children;
    }
    const [first, second] = children as [Leaf, Leaf];
    const [small, large] = first.end - first.start <= second.end - second.start ? [first, second] : [second, first];
    const built = this.build(small, features, parent);
    small.histogram = built;
    large.histogram = parent;
    const { threads } = this;
    if (threads && this.splittable(first) && this.splittable(second)) {
      const { l2, minRowsPerLeaf: minRows, minHessianPerLeaf: minHessian } = this.options;
      const sums = (leaf: Leaf) => ({ histogram: leaf.histogram!, g: leaf.g, h: leaf.h, rows: leaf.end - leaf.start });
      const theirs = threads.bestSplits(features, { l2, minRows, minHessian }, sums(first), sums(second), this.best);
      first.best = splitFrom(this.best);
      second.best = splitFrom(theirs);
      return children;
    }
    for (const child of children) {
      if (this.splittable(child)) child.best = this.bestSplit(child, features);
    }
    return children;
  }

  /** Moves the leaf's rows that go left before those that go right (stable); returns the middle. */
  private partition(leaf: Leaf, split: Split): number {
    const { index, scratch, threads, columns } = this;
    const { start, end } = leaf;
    if (threads && end - start >= SHARED_FROM_ROWS)
      return threads.partition(split.feature, split.bin, split.missingLeft, start, end, scratch);
    const left = partitionRows(
      index,
      columns,
      this.data.rows,
      split.feature,
      start,
      end,
      split.bin,
      split.missingLeft ? 1 : 0,
      index,
      start,
      scratch,
    );
    index.set(scratch.subarray(0, end - start - left), start + left);
    return start + left;
  }

  /** The leaf's histogram; with `parent`, the parent's histogram less this one too. */
  private build(leaf: Leaf, features: Int32Array, parent: Float64Array | null): Float64Array {
    const { index, threads } = this;
    const { bins, width } = this.data;
    const histogram = this.pool.pop() ?? threads?.histogram() ?? new Float64Array(width * FEATURE_STRIDE);
    const used = features.length;
    if (used === width) {
      const root = leaf.start === 0 && leaf.end === index.length;
      if (threads && leaf.end - leaf.start >= SHARED_FROM_ROWS) {
        threads.build(histogram, leaf.start, leaf.end, parent, root);
        return histogram;
      }
      if (root) addRowsCounted(histogram, bins, width, index, leaf.start, leaf.end, this.pairs, 0, width, this.counts);
      else addRows(histogram, bins, width, index, leaf.start, leaf.end, this.pairs, 0, width);
      if (parent) subtractFeatures(parent, histogram, 0, width);
      return histogram;
    }
    for (let j = 0; j < used; j++) {
      const base = features[j]! * FEATURE_STRIDE;
      histogram.fill(0, base, base + FEATURE_STRIDE);
    }
    for (let i = leaf.start; i < leaf.end; i++) {
      const row = index[i]!;
      const g = this.pairs[2 * row]!;
      const h = this.pairs[2 * row + 1]!;
      const offset = row * width;
      for (let j = 0; j < used; j++) {
        const f = features[j]!;
        const at = f * FEATURE_STRIDE + bins[offset + f]! * BIN_STRIDE;
        histogram[at] = histogram[at]! + g;
        histogram[at + 1] = histogram[at + 1]! + h;
        histogram[at + 2] = histogram[at + 2]! + 1;
      }
    }
    if (parent) subtract(parent, histogram, features);
    return histogram;
  }

  private bestSplit(leaf: Leaf, features: Int32Array): Split | null {
    const { l2, minRowsPerLeaf, minHessianPerLeaf } = this.options;
    const out = this.best;
    bestSplitOf(
      leaf.histogram!,
      features,
      features.length,
      this.valueBins,
      leaf.g,
      leaf.h,
      leaf.end - leaf.start,
      l2,
      minRowsPerLeaf,
      minHessianPerLeaf,
      out,
    );
    return splitFrom(out);
  }
}

/** The split `bestSplitOf` wrote, or null. */
function splitFrom(out: Float64Array): Split | null {
  if (out[1]! < 0) return null;
  return { gain: out[0]!, feature: out[1]!, bin: out[2]!, missingLeft: out[3] === 1, g: out[4]!, h: out[5]! };
}

/** parent −= child over the features' bins: the parent's buffer becomes the sibling's histogram. */
function subtract(parent: Float64Array, child: Float64Array, features: Int32Array): void {
  for (let j = 0; j < features.length; j++) {
    const base = features[j]! * FEATURE_STRIDE;
    const end = base + FEATURE_STRIDE;
    for (let k = base; k < end; k++) parent[k] = parent[k]! - child[k]!;
  }
}
