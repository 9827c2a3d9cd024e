/**
 * Isolation forest (Liu, Ting & Zhou 2008): trees of random splits on small subsamples isolate
 * unusual rows in few steps. Score 2^(−E(h)/c(ψ)) in [0, 1], where E(h) is the mean path length
 * (depth plus c(size) for the rows left in the leaf) and c(ψ) the mean path length of an
 * unsuccessful search in a binary tree of ψ rows: near 1 anomalous, well under 0.5 normal.
 * Unsupervised: no labels; `contamination` turns the score into a flag.
 */
import { seededRandom } from '../../core/random.js';
import { addContributions, contributionSql, sumLeaves, sumLeavesSql, sumRoots, type TreeList } from './ensemble.js';
import { sqlNumber } from './sql.js';
import { normalizeImportance } from './target.js';
import { addNode, emptyTree, splitNode, type Tree } from './tree.js';

export interface IsolationForestOptions {
  trees: number;
  /** ψ, rows drawn (without replacement) per tree. */
  sampleSize: number;
  /** Expected share of anomalies: the flag threshold is that quantile of training scores; null: 0.5. */
  contamination: number | null;
  seed: number;
}

export const isolationForestDefaults: IsolationForestOptions = { trees: 100, sampleSize: 256, contamination: null, seed: 0 };

export interface IsolationForestModel {
  algorithm: 'isolation_forest';
  /** Node values are mean path lengths: leaves' depth + c(size), inner nodes' mean over their sample rows. */
  trees: Tree[];
  /** −ln 2 / c(ψ): score = exp(scale · E(h)), the same constant in JavaScript and SQL. */
  scale: number;
  /** Flag rows whose score is at least this. */
  threshold: number;
  /** Mean |contribution| per input over the training rows (at most 10,000), summing to 1. */
  importance: number[];
}

export function trainIsolationForest(
  x: Float64Array,
  rows: number,
  width: number,
  options: Partial<IsolationForestOptions> = {},
): IsolationForestModel {
  const o = { ...isolationForestDefaults, ...options };
  const sampleSize = Math.min(o.sampleSize, rows);
  const heightLimit = Math.ceil(Math.log2(Math.max(2, sampleSize)));
  const master = seededRandom(o.seed);
  const trees: Tree[] = [];
  for (let t = 0; t < o.trees; t++) {
    const random = seededRandom(Math.floor(master() * 4294967296));
    trees.push(isolationTree(x, width, drawWithoutReplacement(rows, sampleSize, random), heightLimit, random));
  }
  const model: IsolationForestModel = {
    algorithm: 'isolation_forest',
    trees,
    scale: -Math.LN2 / averagePathLength(sampleSize),
    threshold: 0.5,
    importance: [],
  };
  const scores = Float64Array.from({ length: rows }, (_, i) => isolationScore(model, x, i * width));
  if (o.contamination !== null) model.threshold = upperQuantile(scores, o.contamination);
  model.importance = contributionImportance(model, x, rows, width);
  return model;
}

/** Anomaly score in [0, 1] of the row at `offset`. */
export function isolationScore(model: IsolationForestModel, x: ArrayLike<number>, offset = 0): number {
  return Math.exp(model.scale * (sumLeaves(list(model), x, offset) / model.trees.length));
}

export function isolationFlag(model: IsolationForestModel, score: number): boolean {
  return score >= model.threshold;
}

/** SQL for the score, the same number as `isolationScore`. */
export function isolationScoreSql(model: IsolationForestModel, inputs: readonly string[]): string {
  return `exp(${sqlNumber(model.scale)} * (${sumLeavesSql(list(model), inputs)} / ${sqlNumber(model.trees.length)}))`;
}

/** SQL for the flag, given the score's SQL (or the name of a column holding it). */
export function isolationFlagSql(model: IsolationForestModel, score: string): string {
  return `(${score} >= ${sqlNumber(model.threshold)})`;
}

/**
 * Path contributions to the mean path length E(h): negative values shorten the path, i.e. make
 * the row look more anomalous. base + Σ values = E(h).
 */
export function isolationContributions(
  model: IsolationForestModel,
  x: ArrayLike<number>,
  offset: number,
  width: number,
): { base: number; values: Float64Array } {
  const count = model.trees.length;
  const values = new Float64Array(width);
  addContributions(list(model), x, offset, values);
  for (let f = 0; f < width; f++) values[f] = values[f]! / count;
  return { base: sumRoots(list(model)) / count, values };
}

export function isolationContributionSql(model: IsolationForestModel, inputs: readonly string[]): string[] {
  const count = sqlNumber(model.trees.length);
  return inputs.map((_, f) => `(${contributionSql(list(model), inputs, f)} / ${count})`);
}

/** c(n): the mean path length of an unsuccessful search in a binary search tree of n keys. */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + 0.5772156649015329) - (2 * (n - 1)) / n;
}

function isolationTree(x: Float64Array, width: number, sample: Uint32Array, heightLimit: number, random: () => number): Tree {
  const tree = emptyTree();
  const order = Int32Array.from({ length: width }, (_, f) => f);
  // An inner node's value is the mean path length of its sample rows, known once its leaves are.
  const grow = (node: number, rows: Uint32Array, depth: number): number => {
    const split = depth < heightLimit && rows.length > 1 ? randomSplit(x, width, rows, order, random) : null;
    if (!split) {
      const h = depth + averagePathLength(rows.length);
      tree.value[node] = h;
      return h * rows.length;
    }
    const goesLeft = (row: number) => {
      const v = x[row * width + split.feature]!;
      return v <= split.threshold || (Number.isNaN(v) && split.missingLeft);
    };
    const leftRows = rows.filter(goesLeft);
    const rightRows = rows.filter((row) => !goesLeft(row));
    const [left, right] = splitNode(tree, node, split, [0], [0]);
    const total = grow(left, leftRows, depth + 1) + grow(right, rightRows, depth + 1);
    tree.value[node] = total / rows.length;
    return total;
  };
  grow(addNode(tree, [0]), sample, 0);
  return tree;
}

/** A random feature that varies in these rows (tried in random order) and a uniform threshold in its range. */
function randomSplit(
  x: Float64Array,
  width: number,
  rows: Uint32Array,
  order: Int32Array,
  random: () => number,
): { feature: number; threshold: number; missingLeft: boolean } | null {
  for (let k = 0; k < width; k++) {
    const j = k + Math.floor(random() * (width - k));
    const f = order[j]!;
    order[j] = order[k]!;
    order[k] = f;
    let min = Infinity;
    let max = -Infinity;
    let missing = 0;
    for (const row of rows) {
      const v = x[row * width + f]!;
      if (Number.isNaN(v)) missing++;
      else {
        if (v < min) min = v;
        if (v > max) max = v;
      }
    }
    if (!(max > min)) continue;
    let threshold = min + random() * (max - min);
    if (threshold >= max) threshold = min;
    let left = 0;
    for (const row of rows) if (x[row * width + f]! <= threshold) left++;
    // Missing values follow the side that holds more of the sample, as in the other trees.
    return { feature: f, threshold, missingLeft: left >= rows.length - missing - left };
  }
  return null;
}

function drawWithoutReplacement(rows: number, count: number, random: () => number): Uint32Array {
  const chosen = new Set<number>();
  for (let j = rows - count; j < rows; j++) {
    const t = Math.floor(random() * (j + 1));
    chosen.add(chosen.has(t) ? j : t);
  }
  return Uint32Array.from(chosen).sort();
}

/**
 * A score that flags a share `contamination` of the training rows: halfway between the lowest
 * flagged score and the next one down, so that no training row sits on the threshold, where
 * JavaScript and SQL rounding the last bit differently would flag it in one and not the other.
 */
function upperQuantile(scores: Float64Array, contamination: number): number {
  const sorted = Float64Array.from(scores).sort().reverse();
  const k = Math.min(sorted.length - 1, Math.max(0, Math.ceil(contamination * sorted.length) - 1));
  const next = sorted.subarray(k + 1).find((s) => s < sorted[k]!);
  return next === undefined ? sorted[k]! : (sorted[k]! + next) / 2;
}

function contributionImportance(model: IsolationForestModel, x: Float64Array, rows: number, width: number): number[] {
  const totals = new Float64Array(width);
  const step = Math.max(1, Math.floor(rows / 10_000));
  for (let i = 0; i < rows; i += step) {
    const { values } = isolationContributions(model, x, i * width, width);
    for (let f = 0; f < width; f++) totals[f] = totals[f]! + Math.abs(values[f]!);
  }
  return normalizeImportance(totals);
}

function list(model: IsolationForestModel): TreeList {
  return { trees: model.trees, stride: 1, output: 0 };
}
