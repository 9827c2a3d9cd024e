/**
 * Grows one random-forest tree on binned data, depth first: at each node a random subset of
 * features (more when none of them splits), best split by Gini impurity (classification) or
 * squared error (regression), grown until leaves are pure, too small or at maxDepth.
 *
 * Deep trees have thousands of small nodes, where scanning all 255 bins would cost more than the
 * rows themselves: each node's histogram remembers which bins its rows touched and scans only
 * those, so a node costs about its row count.
 */
import { MISSING_BIN, type BinEdges, type BinnedMatrix } from './histogram.js';
import { addNode, emptyTree, splitNode, type Tree } from './tree.js';

export interface ForestTreeOptions {
  maxDepth: number;
  minRowsPerLeaf: number;
  featuresPerSplit: number;
}

/** Classification: class per row and class count (values stored: P(class 1) when binary, else one per class); regression: a number per row. */
export type ForestLabels = { classes: number; y: Int32Array } | { classes: 0; y: Float64Array };

interface Split {
  /** Impurity decrease times the node's rows (scikit-learn's MDI before normalising). */
  gain: number;
  feature: number;
  bin: number;
  missingLeft: boolean;
}

export class ForestTreeGrower {
  /** Per bin: class counts (classification) or [sum, count] (regression). */
  private readonly histogram: Float64Array;
  private readonly touched = new Uint8Array(256);
  private readonly touchedBins = new Int32Array(256);
  private readonly scratch: Uint32Array;
  private readonly statsWidth: number;
  private readonly left: Float64Array;
  private readonly total: Float64Array;

  constructor(
    private readonly data: BinnedMatrix,
    private readonly edges: BinEdges,
    private readonly labels: ForestLabels,
    private readonly options: ForestTreeOptions,
    /** Impurity decrease of every split, added per feature: the model's importance. */
    private readonly gains: Float64Array,
  ) {
    this.statsWidth = labels.classes === 0 ? 2 : labels.classes;
    this.histogram = new Float64Array(256 * this.statsWidth);
    this.left = new Float64Array(this.statsWidth);
    this.total = new Float64Array(this.statsWidth);
    this.scratch = new Uint32Array(data.rows);
  }

  /** `index` holds the (bootstrap) rows, duplicates allowed; it is reordered in place. */
  grow(index: Uint32Array, random: () => number): Tree {
    const tree = emptyTree();
    const stack: { node: number; start: number; end: number; depth: number; pure: boolean }[] = [];
    const root = this.nodeValues(index, 0, index.length);
    stack.push({ node: addNode(tree, root.values), start: 0, end: index.length, depth: 0, pure: root.pure });
    const order = Int32Array.from({ length: this.data.width }, (_, f) => f);
    while (stack.length > 0) {
      const item = stack.pop()!;
      const { start, end, depth } = item;
      if (item.pure || depth >= this.options.maxDepth || end - start < 2 * this.options.minRowsPerLeaf) continue;
      const split = this.bestSplit(index, start, end, order, random);
      if (!split) continue;
      const middle = this.partition(index, start, end, split);
      const edges = this.edges[split.feature]!;
      const threshold = split.bin < edges.length ? edges[split.bin]! : Number.MAX_VALUE;
      const l = this.nodeValues(index, start, middle);
      const r = this.nodeValues(index, middle, end);
      const [left, right] = splitNode(
        tree,
        item.node,
        { feature: split.feature, threshold, missingLeft: split.missingLeft },
        l.values,
        r.values,
      );
      stack.push(
        { node: right, start: middle, end, depth: depth + 1, pure: r.pure },
        { node: left, start, end: middle, depth: depth + 1, pure: l.pure },
      );
    }
    return tree;
  }

  /** What the node predicts, and whether it is pure (then no split can help: skip the search). */
  private nodeValues(index: Uint32Array, start: number, end: number): { values: number[]; pure: boolean } {
    const n = end - start;
    if (this.labels.classes === 0) {
      const y = this.labels.y;
      let sum = 0;
      let pure = true;
      const first = y[index[start]!]!;
      for (let i = start; i < end; i++) {
        const v = y[index[i]!]!;
        sum += v;
        if (v !== first) pure = false;
      }
      return { values: [sum / n], pure };
    }
    const y = this.labels.y;
    const counts = new Float64Array(this.labels.classes);
    for (let i = start; i < end; i++) counts[y[index[i]!]!]!++;
    const pure = counts.some((c) => c === n);
    return { values: this.labels.classes === 2 ? [counts[1]! / n] : Array.from(counts, (c) => c / n), pure };
  }

  /** Features in random order, at least `featuresPerSplit` of them and more until one splits. */
  private bestSplit(index: Uint32Array, start: number, end: number, order: Int32Array, random: () => number): Split | null {
    let best: Split | null = null;
    const width = order.length;
    for (let k = 0; k < width; k++) {
      if (k >= this.options.featuresPerSplit && best) break;
      const j = k + Math.floor(random() * (width - k));
      const f = order[j]!;
      order[j] = order[k]!;
      order[k] = f;
      const split = this.featureSplit(index, start, end, f);
      if (split && (!best || split.gain > best.gain)) best = split;
    }
    if (best) this.gains[best.feature] = this.gains[best.feature]! + best.gain;
    return best;
  }

  /** The node's own Σ count² / n or sum² / n, which a split must exceed. */
  private parentScore(): number {
    const { total, statsWidth } = this;
    if (this.labels.classes === 0) return (total[0]! * total[0]!) / total[1]!;
    let n = 0;
    let squares = 0;
    for (let s = 0; s < statsWidth; s++) {
      n += total[s]!;
      squares += total[s]! * total[s]!;
    }
    return squares / n;
  }

  private featureSplit(index: Uint32Array, start: number, end: number, f: number): Split | null {
    const { histogram, touched, touchedBins, statsWidth, left, total } = this;
    const { bins, width } = this.data;
    const regression = this.labels.classes === 0;
    const y = this.labels.y;
    let distinct = 0;
    for (let i = start; i < end; i++) {
      const row = index[i]!;
      const bin = bins[row * width + f]!;
      if (touched[bin] === 0) {
        touched[bin] = 1;
        touchedBins[distinct++] = bin;
      }
      if (regression) {
        histogram[bin * 2] = histogram[bin * 2]! + y[row]!;
        histogram[bin * 2 + 1] = histogram[bin * 2 + 1]! + 1;
      } else {
        const at = bin * statsWidth + y[row]!;
        histogram[at] = histogram[at]! + 1;
      }
    }
    const ordered = touchedBins.subarray(0, distinct).sort();
    total.fill(0);
    for (const bin of ordered) for (let s = 0; s < statsWidth; s++) total[s] = total[s]! + histogram[bin * statsWidth + s]!;
    const hasMissing = touched[MISSING_BIN] === 1;
    const valueBins = hasMissing ? distinct - 1 : distinct;
    const n = end - start;
    const missingCount = hasMissing ? this.count(MISSING_BIN) : 0;
    const parent = this.parentScore();
    let best: Split | null = null;
    left.fill(0);
    let leftCount = 0;
    // Splits after each touched value bin but the last; with missing values, after the last too.
    const last = hasMissing ? valueBins : valueBins - 1;
    for (let k = 0; k < last; k++) {
      const bin = ordered[k]!;
      for (let s = 0; s < statsWidth; s++) left[s] = left[s]! + histogram[bin * statsWidth + s]!;
      leftCount += this.count(bin);
      const tries = hasMissing ? 2 : 1;
      for (let t = 0; t < tries; t++) {
        const missingLeft = hasMissing ? t === 1 : leftCount >= n - leftCount;
        const c = missingLeft ? leftCount + missingCount : leftCount;
        if (c < this.options.minRowsPerLeaf || n - c < this.options.minRowsPerLeaf) continue;
        const gain = this.splitScore(missingLeft && hasMissing) - parent;
        if (gain > 1e-12 && (best === null || gain > best.gain)) best = { gain, feature: f, bin, missingLeft };
      }
    }
    for (const bin of ordered) {
      touched[bin] = 0;
      histogram.fill(0, bin * statsWidth, (bin + 1) * statsWidth);
    }
    return best;
  }

  private count(bin: number): number {
    if (this.labels.classes === 0) return this.histogram[bin * 2 + 1]!;
    let c = 0;
    for (let s = 0; s < this.statsWidth; s++) c += this.histogram[bin * this.statsWidth + s]!;
    return c;
  }

  /**
   * Σ count² / n over both sides (Gini) or Σ sum² / n (squared error): the larger, the purer.
   * `left` holds the cumulative value bins; `withMissing` adds the missing bin to it.
   */
  private splitScore(withMissing: boolean): number {
    const { left, total, histogram, statsWidth } = this;
    const missing = MISSING_BIN * statsWidth;
    if (this.labels.classes === 0) {
      const sl = left[0]! + (withMissing ? histogram[missing]! : 0);
      const cl = left[1]! + (withMissing ? histogram[missing + 1]! : 0);
      const sr = total[0]! - sl;
      return (sl * sl) / cl + (sr * sr) / (total[1]! - cl);
    }
    let nl = 0;
    let nr = 0;
    let ql = 0;
    let qr = 0;
    for (let s = 0; s < statsWidth; s++) {
      const a = left[s]! + (withMissing ? histogram[missing + s]! : 0);
      const b = total[s]! - a;
      nl += a;
      nr += b;
      ql += a * a;
      qr += b * b;
    }
    return ql / nl + qr / nr;
  }

  private partition(index: Uint32Array, start: number, end: number, split: Split): number {
    const { bins, width } = this.data;
    const scratch = this.scratch;
    let write = start;
    let spill = 0;
    for (let i = start; i < end; i++) {
      const row = index[i]!;
      const bin = bins[row * width + split.feature]!;
      if (bin === MISSING_BIN ? split.missingLeft : bin <= split.bin) index[write++] = row;
      else scratch[spill++] = row;
    }
    index.set(scratch.subarray(0, spill), write);
    return write;
  }
}
