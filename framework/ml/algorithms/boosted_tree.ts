/**
 * Grows one gradient-boosting tree on binned data, leaf by leaf (best gain first, as LightGBM and
 * scikit-learn's HistGradientBoosting do), from per-row gradients and hessians.
 *
 * Speed comes from three things: histograms of (gradient, hessian, count) per bin instead of
 * sorting; the subtraction trick (only the smaller child's histogram is built, the larger one is
 * parent − smaller); and row-major bins, so a row's features share a cache line. Rows live in
 * one index array that each split partitions in place.
 */
import { MISSING_BIN, type BinEdges, type BinnedMatrix } from './histogram.js';
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

  constructor(
    private readonly data: BinnedMatrix,
    private readonly edges: BinEdges,
    private readonly index: Uint32Array,
    private readonly options: BoostedTreeOptions,
    /** Gain of every split, added per feature: the model's importance. */
    private readonly gains: Float64Array,
  ) {
    this.scratch = new Uint32Array(index.length);
    this.initialOrder = index.slice();
  }

  /** Rows in the order the last tree partitioned them (its leaves' ranges index into this). */
  rowOrder(): Uint32Array {
    return this.index;
  }

  /**
   * `gradient`/`hessian` are per row of the binned matrix; `features` the columns this tree may
   * split on; `constantHessian` skips hessian sums when every row's is 1 (squared error).
   */
  grow(gradient: Float64Array, hessian: Float64Array, features: Int32Array, constantHessian: boolean): GrownTree {
    const { options, index } = this;
    // Each tree starts from ascending rows, so the root's histogram reads the bins in order.
    index.set(this.initialOrder);
    const tree = emptyTree();
    let g = 0;
    let h = 0;
    for (let i = 0; i < index.length; i++) {
      g += gradient[index[i]!]!;
      h += constantHessian ? 1 : hessian[index[i]!]!;
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
      root.histogram = this.build(root, gradient, hessian, features, constantHessian);
      root.best = this.bestSplit(root, features);
    }
    while (open.length < options.maxLeaves) {
      let pick = -1;
      for (let k = 0; k < open.length; k++) if (open[k]!.best && (pick < 0 || open[k]!.best!.gain > open[pick]!.best!.gain)) pick = k;
      if (pick < 0) break;
      const leaf = open.splice(pick, 1)[0]!;
      for (const child of this.split(tree, leaf, gradient, hessian, features, constantHessian)) open.push(child);
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

  private split(
    tree: Tree,
    leaf: Leaf,
    gradient: Float64Array,
    hessian: Float64Array,
    features: Int32Array,
    constantHessian: boolean,
  ): Leaf[] {
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
    const built = this.build(small, gradient, hessian, features, constantHessian);
    subtract(parent, built, features);
    small.histogram = built;
    large.histogram = parent;
    for (const child of children) {
      if (this.splittable(child)) child.best = this.bestSplit(child, features);
    }
    return children;
  }

  /** Moves the leaf's rows that go left before those that go right (stable); returns the middle. */
  private partition(leaf: Leaf, split: Split): number {
    const { index, scratch } = this;
    const { bins, width } = this.data;
    const feature = split.feature;
    let write = leaf.start;
    let spill = 0;
    for (let i = leaf.start; i < leaf.end; i++) {
      const row = index[i]!;
      const bin = bins[row * width + feature]!;
      if (bin === MISSING_BIN ? split.missingLeft : bin <= split.bin) index[write++] = row;
      else scratch[spill++] = row;
    }
    index.set(scratch.subarray(0, spill), write);
    return write;
  }

  private build(leaf: Leaf, gradient: Float64Array, hessian: Float64Array, features: Int32Array, constantHessian: boolean): Float64Array {
    const histogram = this.pool.pop() ?? new Float64Array(this.data.width * FEATURE_STRIDE);
    const { index } = this;
    const { bins, width } = this.data;
    const used = features.length;
    for (let j = 0; j < used; j++) {
      const base = features[j]! * FEATURE_STRIDE;
      histogram.fill(0, base, base + FEATURE_STRIDE);
    }
    if (used === width) {
      buildAllFeatures(histogram, bins, width, index, leaf.start, leaf.end, gradient, hessian, constantHessian);
      return histogram;
    }
    for (let i = leaf.start; i < leaf.end; i++) {
      const row = index[i]!;
      const g = gradient[row]!;
      const h = constantHessian ? 1 : hessian[row]!;
      const offset = row * width;
      for (let j = 0; j < used; j++) {
        const f = features[j]!;
        const at = f * FEATURE_STRIDE + bins[offset + f]! * BIN_STRIDE;
        histogram[at] = histogram[at]! + g;
        histogram[at + 1] = histogram[at + 1]! + h;
        histogram[at + 2] = histogram[at + 2]! + 1;
      }
    }
    return histogram;
  }

  private bestSplit(leaf: Leaf, features: Int32Array): Split | null {
    const { l2, minRowsPerLeaf, minHessianPerLeaf } = this.options;
    const histogram = leaf.histogram!;
    const total = leaf.end - leaf.start;
    const parentScore = (leaf.g * leaf.g) / (leaf.h + l2);
    let best: Split | null = null;
    for (const f of features) {
      const base = f * FEATURE_STRIDE;
      const valueBins = this.edges[f]!.length + 1;
      const missing = base + MISSING_BIN * BIN_STRIDE;
      const gm = histogram[missing]!;
      const hm = histogram[missing + 1]!;
      const cm = histogram[missing + 2]!;
      let gl = 0;
      let hl = 0;
      let cl = 0;
      // With missing values, scanning the last value bin too makes "values left, missing right" a split.
      const last = cm > 0 ? valueBins : valueBins - 1;
      for (let b = 0; b < last; b++) {
        const at = base + b * BIN_STRIDE;
        gl += histogram[at]!;
        hl += histogram[at + 1]!;
        cl += histogram[at + 2]!;
        // Without missing values in training, missing rows follow the larger side (as scikit-learn).
        const tries = cm > 0 ? 2 : 1;
        for (let t = 0; t < tries; t++) {
          const missingLeft = cm > 0 ? t === 1 : cl >= total - cl;
          const g = missingLeft ? gl + gm : gl;
          const h = missingLeft ? hl + hm : hl;
          const c = missingLeft ? cl + cm : cl;
          if (c < minRowsPerLeaf || total - c < minRowsPerLeaf || h < minHessianPerLeaf || leaf.h - h < minHessianPerLeaf) continue;
          const gr = leaf.g - g;
          const gain = (g * g) / (h + l2) + (gr * gr) / (leaf.h - h + l2) - parentScore;
          if (gain > 1e-12 && (best === null || gain > best.gain)) best = { gain, feature: f, bin: b, missingLeft, g, h };
        }
      }
    }
    return best;
  }
}

/** parent −= child over the features' bins: the parent's buffer becomes the sibling's histogram. */
function subtract(parent: Float64Array, child: Float64Array, features: Int32Array): void {
  for (let j = 0; j < features.length; j++) {
    const base = features[j]! * FEATURE_STRIDE;
    const end = base + FEATURE_STRIDE;
    for (let k = base; k < end; k++) parent[k] = parent[k]! - child[k]!;
  }
}

/**
 * The histogram loop without the feature list's indirection, four features per step: measured
 * 1.4× and then 1.1× faster than the plain loop, and all features is the common case.
 */
function buildAllFeatures(
  histogram: Float64Array,
  bins: Uint8Array,
  width: number,
  index: Uint32Array,
  start: number,
  end: number,
  gradient: Float64Array,
  hessian: Float64Array,
  constantHessian: boolean,
): void {
  const unrolled = width - (width % 4);
  for (let i = start; i < end; i++) {
    const row = index[i]!;
    const g = gradient[row]!;
    const h = constantHessian ? 1 : hessian[row]!;
    const offset = row * width;
    let f = 0;
    for (; f < unrolled; f += 4) {
      const a = f * FEATURE_STRIDE + bins[offset + f]! * BIN_STRIDE;
      const b = (f + 1) * FEATURE_STRIDE + bins[offset + f + 1]! * BIN_STRIDE;
      const c = (f + 2) * FEATURE_STRIDE + bins[offset + f + 2]! * BIN_STRIDE;
      const d = (f + 3) * FEATURE_STRIDE + bins[offset + f + 3]! * BIN_STRIDE;
      histogram[a] = histogram[a]! + g;
      histogram[a + 1] = histogram[a + 1]! + h;
      histogram[a + 2] = histogram[a + 2]! + 1;
      histogram[b] = histogram[b]! + g;
      histogram[b + 1] = histogram[b + 1]! + h;
      histogram[b + 2] = histogram[b + 2]! + 1;
      histogram[c] = histogram[c]! + g;
      histogram[c + 1] = histogram[c + 1]! + h;
      histogram[c + 2] = histogram[c + 2]! + 1;
      histogram[d] = histogram[d]! + g;
      histogram[d + 1] = histogram[d + 1]! + h;
      histogram[d + 2] = histogram[d + 2]! + 1;
    }
    for (; f < width; f++) {
      const at = f * FEATURE_STRIDE + bins[offset + f]! * BIN_STRIDE;
      histogram[at] = histogram[at]! + g;
      histogram[at + 1] = histogram[at + 1]! + h;
      histogram[at + 2] = histogram[at + 2]! + 1;
    }
  }
}
