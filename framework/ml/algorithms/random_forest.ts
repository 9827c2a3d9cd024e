/**
 * Random forest for classification and regression (Breiman; scikit-learn's defaults): bootstrap
 * rows per tree, a random subset of features per split (√width for classification, all for
 * regression), trees grown deep, predictions averaged. Splits are searched on histogram bins
 * (≤255 per feature) rather than every distinct value, which costs little accuracy and makes deep
 * trees cheap; see forest_tree.ts.
 */
import type { RandomForestParams } from '../../compile/manifest.js';
import { randomForestDefaults } from '../../compile/ml_defaults.js';
import { seededRandom } from '../../core/random.js';
import { addContributions, contributionSql, sumLeaves, sumLeavesSql, sumRoots, type TreeList } from './ensemble.js';
import { ForestTreeGrower, type ForestLabels } from './forest_tree.js';
import { binMatrix, fitBinEdges } from './histogram.js';
import { sqlNumber } from './sql.js';
import { normalizeImportance, type Target, type Task } from './target.js';
import type { Tree } from './tree.js';

/** The parameters as ml/*.yml declares them (compile/manifest.ts). */
export type RandomForestOptions = RandomForestParams;

export { randomForestDefaults } from '../../compile/ml_defaults.js';

export interface RandomForestModel {
  algorithm: 'random_forest';
  task: Task;
  /** Values per node: 1 (binary: P(class 1); regression: the mean) or one per class. */
  outputs: number;
  trees: Tree[];
  /** Mean impurity decrease per input, summing to 1. */
  importance: number[];
}

export function trainRandomForest(
  x: Float64Array,
  rows: number,
  width: number,
  target: Target,
  options: Partial<RandomForestOptions> = {},
): RandomForestModel {
  const o = { ...randomForestDefaults, ...options };
  const edges = fitBinEdges(x, rows, width, { maxBins: o.maxBins, seed: o.seed });
  const binned = binMatrix(x, rows, width, edges);
  const labels: ForestLabels = target.task === 'regression' ? { classes: 0, y: target.y } : { classes: target.classes, y: target.y };
  const featuresPerSplit = o.featuresPerSplit ?? (target.task === 'regression' ? width : Math.max(1, Math.floor(Math.sqrt(width))));
  const gains = new Float64Array(width);
  const grower = new ForestTreeGrower(
    binned,
    edges,
    labels,
    { maxDepth: o.maxDepth ?? Infinity, minRowsPerLeaf: Math.max(1, o.minRowsPerLeaf), featuresPerSplit },
    gains,
  );
  const master = seededRandom(o.seed);
  const trees: Tree[] = [];
  const index = new Uint32Array(rows);
  for (let t = 0; t < o.trees; t++) {
    const random = seededRandom(Math.floor(master() * 4294967296));
    for (let i = 0; i < rows; i++) index[i] = o.bootstrap ? Math.floor(random() * rows) : i;
    trees.push(grower.grow(index, random));
  }
  const outputs = target.task === 'multiclass' ? target.classes : 1;
  return { algorithm: 'random_forest', task: target.task, outputs, trees, importance: normalizeImportance(gains) };
}

/** Class probabilities (binary: [negative, positive]) or [value] for regression. */
export function predictRandomForest(model: RandomForestModel, x: ArrayLike<number>, offset = 0): number[] {
  const count = model.trees.length;
  const averages = Array.from({ length: model.outputs }, (_, k) => sumLeaves(list(model, k), x, offset) / count);
  return model.task === 'binary' ? [1 - averages[0]!, averages[0]!] : averages;
}

/** SQL per output, the same numbers as `predictRandomForest`. */
export function randomForestSql(model: RandomForestModel, inputs: readonly string[]): string[] {
  const count = sqlNumber(model.trees.length);
  const averages = Array.from({ length: model.outputs }, (_, k) => `(${sumLeavesSql(list(model, k), inputs)} / ${count})`);
  return model.task === 'binary' ? [`(1e0 - ${averages[0]})`, averages[0]!] : averages;
}

/**
 * Path contributions to output `output` (binary: P(class 1); multiclass: P(class output);
 * regression: the value), averaged over trees: base + Σ values equals the prediction.
 */
export function randomForestContributions(
  model: RandomForestModel,
  x: ArrayLike<number>,
  offset: number,
  width: number,
  output = 0,
): { base: number; values: Float64Array } {
  const count = model.trees.length;
  const values = new Float64Array(width);
  addContributions(list(model, output), x, offset, values);
  for (let f = 0; f < width; f++) values[f] = values[f]! / count;
  return { base: sumRoots(list(model, output)) / count, values };
}

export function randomForestContributionSql(model: RandomForestModel, inputs: readonly string[], output = 0): string[] {
  const count = sqlNumber(model.trees.length);
  return inputs.map((_, f) => `(${contributionSql(list(model, output), inputs, f)} / ${count})`);
}

function list(model: RandomForestModel, output: number): TreeList {
  return { trees: model.trees, stride: model.outputs, output };
}
