/**
 * Histogram gradient-boosted trees for binary, multiclass (one tree per class per round, softmax)
 * and regression (squared error), after scikit-learn's HistGradientBoosting: the same defaults,
 * Newton leaf values −lr·G/(H+λ), missing values sent the way that gains most, and optional early
 * stopping on a held-out share of the training rows. Categorical features arrive one-hot encoded
 * (features.ts), so each category is a 0/1 column a tree can split on.
 */
import type { GradientBoostingParams } from '../../compile/manifest.js';
import { gradientBoostingDefaults } from '../../compile/ml_defaults.js';
import { seededRandom } from '../../core/random.js';
import { BoostedTreeGrower } from './boosted_tree.js';
import { addContributions, contributionSql, sumLeaves, sumLeavesSql, sumRoots, type TreeList } from './ensemble.js';
import { binForBoosting } from './boosting_data.js';
import { logisticGradients } from './boosting_kernels.js';
import { BoostingThreads, copyOf, typedArray } from './boosting_threads.js';
import { sigmoid, softmax } from './link.js';
import { sqlNumber, sqlSigmoid, sqlSoftmax } from './sql.js';
import { normalizeImportance, sampleFeatures, type Target, type Task } from './target.js';
import { leafOf, type Tree } from './tree.js';

/**
 * From this many training cells (rows × features) a worker thread shares the work: its start
 * costs about 30 ms, and bench:ml's 100,000 × 20 trained in 1.6 instead of 2.5 s.
 */
const THREADS_FROM_CELLS = 500_000;

/** The parameters as ml/*.yml declares them (compile/manifest.ts). */
export type GradientBoostingOptions = GradientBoostingParams;

/** scikit-learn's HistGradientBoosting defaults (early stopping off: plat has its own test split). */
export { gradientBoostingDefaults } from '../../compile/ml_defaults.js';

export interface GradientBoostingModel {
  algorithm: 'gradient_boosting';
  task: Task;
  /** Starting raw score per output: log-odds, log class priors, or the mean. */
  init: number[];
  /** trees[k] are the trees of raw output k (binary and regression: one list). */
  trees: Tree[][];
  /** Split gain per input, summing to 1. */
  importance: number[];
  /** Rounds kept (fewer than asked when early stopping stopped). */
  iterations: number;
}

export function trainGradientBoosting(
  x: Float64Array,
  rows: number,
  width: number,
  target: Target,
  options: Partial<GradientBoostingOptions> = {},
  /** False: one thread, whatever the data (the model is the same either way). */
  useThreads = true,
): GradientBoostingModel {
  const o = { ...gradientBoostingDefaults, ...options };
  const random = seededRandom(o.seed);
  const { train, validation } = holdOut(rows, o.earlyStopping ? o.validationFraction : 0, random);
  const threads = useThreads && train.length * width >= THREADS_FROM_CELLS ? BoostingThreads.start(width, rows) : null;
  try {
    return boost(x, rows, width, target, o, random, train, validation, threads);
  } finally {
    threads?.stop();
  }
}

function boost(
  x: Float64Array,
  rows: number,
  width: number,
  target: Target,
  o: GradientBoostingOptions,
  random: () => number,
  train: number[],
  validation: number[],
  threads: BoostingThreads | null,
): GradientBoostingModel {
  const outputs = target.task === 'multiclass' ? target.classes : 1;
  const { edges, data } = binForBoosting(x, rows, width, train, { maxBins: o.maxBins, seed: o.seed }, threads);
  const gains = new Float64Array(width);
  const grower = new BoostedTreeGrower(
    data,
    edges,
    Uint32Array.from(train),
    {
      maxLeaves: o.maxLeaves,
      maxDepth: o.maxDepth ?? Infinity,
      minRowsPerLeaf: Math.max(1, o.minRowsPerLeaf),
      minHessianPerLeaf: 1e-3,
      l2: o.l2,
      learningRate: o.learningRate,
    },
    gains,
    threads,
  );
  const init = initialScores(target, train);
  const shared = threads !== null;
  const raw = typedArray(Float64Array, rows * outputs, shared);
  for (let i = 0; i < rows; i++) for (let k = 0; k < outputs; k++) raw[i * outputs + k] = init[k]!;
  const { pairs } = grower;
  // Binary log loss, the common case, writes the pairs directly, half on the worker if any.
  let logistic: (() => void) | null = null;
  if (target.task === 'binary') {
    const trainRows = copyOf(Uint32Array, train, shared);
    const y = copyOf(Int32Array, target.y, shared);
    threads?.share({ raw, y, train: trainRows });
    logistic = threads ? () => threads.logisticGradients() : () => logisticGradients(raw, y, trainRows, 0, trainRows.length, pairs);
  }
  const gradients = Array.from({ length: logistic ? 0 : outputs }, () => new Float64Array(rows));
  const hessians = Array.from({ length: logistic ? 0 : outputs }, () => new Float64Array(rows));
  const trees: Tree[][] = Array.from({ length: outputs }, () => []);
  const featureCount = Math.max(1, Math.round(width * o.featureFraction));
  let best = { loss: Infinity, iterations: 0 };
  for (let round = 0; round < o.iterations; round++) {
    if (logistic) logistic();
    else computeGradients(target, train, raw, outputs, gradients, hessians);
    for (let k = 0; k < outputs; k++) {
      if (!logistic) {
        const [g, h] = [gradients[k]!, hessians[k]!];
        const constant = target.task === 'regression';
        for (const i of train) {
          pairs[2 * i] = g[i]!;
          pairs[2 * i + 1] = constant ? 1 : h[i]!;
        }
      }
      const { tree, leaves } = grower.grow(sampleFeatures(width, featureCount, random));
      trees[k]!.push(tree);
      const index = grower.rowOrder();
      for (const leaf of leaves) {
        const value = tree.value[leaf.node]!;
        for (let i = leaf.start; i < leaf.end; i++) raw[index[i]! * outputs + k]! += value;
      }
      for (const i of validation) raw[i * outputs + k]! += tree.value[leafOf(tree, x, i * width)]!;
    }
    if (validation.length === 0) continue;
    const loss = meanLoss(target, validation, raw, outputs);
    if (loss < best.loss - o.tolerance) best = { loss, iterations: round + 1 };
    else if (round + 1 - best.iterations >= o.patience) break;
  }
  const kept = validation.length === 0 ? trees[0]!.length : best.iterations;
  return {
    algorithm: 'gradient_boosting',
    task: target.task,
    init,
    trees: trees.map((list) => list.slice(0, kept)),
    importance: normalizeImportance(gains),
    iterations: kept,
  };
}

/** Raw scores (log-odds per output, or the regression value) for the row at `offset`. */
export function gradientBoostingRaw(model: GradientBoostingModel, x: ArrayLike<number>, offset = 0): number[] {
  return model.trees.map((trees, k) => model.init[k]! + sumLeaves({ trees, stride: 1, output: 0 }, x, offset));
}

/** Class probabilities (binary: [negative, positive]) or [value] for regression. */
export function predictGradientBoosting(model: GradientBoostingModel, x: ArrayLike<number>, offset = 0): number[] {
  return link(model.task, gradientBoostingRaw(model, x, offset));
}

export function gradientBoostingRawSql(model: GradientBoostingModel, inputs: readonly string[]): string[] {
  return model.trees.map((trees, k) => `(${sqlNumber(model.init[k]!)} + ${sumLeavesSql({ trees, stride: 1, output: 0 }, inputs)})`);
}

/** The link on raw-score SQL (raw scores may be columns of an inner query). */
export function gradientBoostingLinkSql(task: Task, raw: readonly string[]): string[] {
  if (task === 'regression') return [raw[0]!];
  if (task === 'binary') {
    const p = sqlSigmoid(raw[0]!);
    return [`(1e0 - ${p})`, p];
  }
  return sqlSoftmax(raw);
}

/** SQL per output, the same numbers as `predictGradientBoosting`. */
export function gradientBoostingSql(model: GradientBoostingModel, inputs: readonly string[]): string[] {
  return gradientBoostingLinkSql(model.task, gradientBoostingRawSql(model, inputs));
}

/**
 * Path contributions to raw output `output` (log-odds for classification): base + Σ values equals
 * the raw score.
 */
export function gradientBoostingContributions(
  model: GradientBoostingModel,
  x: ArrayLike<number>,
  offset: number,
  width: number,
  output = 0,
): { base: number; values: Float64Array } {
  const list: TreeList = { trees: model.trees[output]!, stride: 1, output: 0 };
  const values = new Float64Array(width);
  addContributions(list, x, offset, values);
  return { base: model.init[output]! + sumRoots(list), values };
}

/** One SQL expression per input: its contribution to raw output `output`. */
export function gradientBoostingContributionSql(model: GradientBoostingModel, inputs: readonly string[], output = 0): string[] {
  const list: TreeList = { trees: model.trees[output]!, stride: 1, output: 0 };
  return inputs.map((_, f) => contributionSql(list, inputs, f));
}

function link(task: Task, raw: number[]): number[] {
  if (task === 'regression') return raw;
  if (task === 'binary') {
    const p = sigmoid(raw[0]!);
    return [1 - p, p];
  }
  return softmax(raw);
}

function initialScores(target: Target, train: number[]): number[] {
  if (target.task === 'regression') {
    let sum = 0;
    for (const i of train) sum += target.y[i]!;
    return [sum / Math.max(1, train.length)];
  }
  const counts = new Float64Array(target.classes);
  for (const i of train) counts[target.y[i]!]!++;
  const prior = (c: number) => Math.min(1 - 1e-15, Math.max(1e-15, counts[c]! / train.length));
  if (target.task === 'binary') return [Math.log(prior(1) / (1 - prior(1)))];
  return Array.from(counts, (_, c) => Math.log(prior(c)));
}

/** Squared-error gradients (hessians are 1), or softmax ones per class. */
function computeGradients(
  target: Target,
  train: number[],
  raw: Float64Array,
  outputs: number,
  gradients: Float64Array[],
  hessians: Float64Array[],
): void {
  if (target.task === 'regression') {
    const g = gradients[0]!;
    for (const i of train) g[i] = raw[i]! - target.y[i]!;
    return;
  }
  for (const i of train) {
    const p = softmax(raw.subarray(i * outputs, (i + 1) * outputs));
    for (let k = 0; k < outputs; k++) {
      gradients[k]![i] = p[k]! - (target.y[i] === k ? 1 : 0);
      hessians[k]![i] = p[k]! * (1 - p[k]!);
    }
  }
}

function meanLoss(target: Target, rows: number[], raw: Float64Array, outputs: number): number {
  let sum = 0;
  for (const i of rows) {
    if (target.task === 'regression') sum += (raw[i]! - target.y[i]!) ** 2;
    else if (target.task === 'binary') sum -= Math.log(Math.max(1e-15, target.y[i] === 1 ? sigmoid(raw[i]!) : 1 - sigmoid(raw[i]!)));
    else sum -= Math.log(Math.max(1e-15, softmax(raw.subarray(i * outputs, (i + 1) * outputs))[target.y[i]!]!));
  }
  return sum / rows.length;
}

function holdOut(rows: number, fraction: number, random: () => number): { train: number[]; validation: number[] } {
  const validation: number[] = [];
  const train: number[] = [];
  for (let i = 0; i < rows; i++) (fraction > 0 && random() < fraction ? validation : train).push(i);
  return { train, validation };
}
