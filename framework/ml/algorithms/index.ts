/**
 * The tree algorithms behind one shape, for the ML nodes to call without knowing which is which
 * (the wiring into train.ts / score.ts / the schema is a later step). Inputs everywhere: encoded
 * rows, row-major, `width` numbers each, NaN for a missing value (NULL in SQL).
 *
 * - `predict` returns class probabilities (binary: [negative, positive]) or [value] for
 *   regression; `sql` returns the same numbers as SQL expressions over `inputs`.
 * - `contributions` splits raw output `output` (boosting: log-odds or the value; forest: the
 *   probability or the value) into base + per-input values; `contributionSql` is the same per
 *   input as SQL.
 * - Models are plain JSON, with `importance` (per input, summing to 1) for metrics.json.
 */
import {
  gradientBoostingContributions,
  gradientBoostingContributionSql,
  gradientBoostingDefaults,
  gradientBoostingSql,
  predictGradientBoosting,
  trainGradientBoosting,
  type GradientBoostingModel,
  type GradientBoostingOptions,
} from './gradient_boosting.js';
import {
  predictRandomForest,
  randomForestContributions,
  randomForestContributionSql,
  randomForestDefaults,
  randomForestSql,
  trainRandomForest,
  type RandomForestModel,
  type RandomForestOptions,
} from './random_forest.js';
import type { Target } from './target.js';

export interface TreeAlgorithm<Model, Options> {
  defaults: Options;
  train(x: Float64Array, rows: number, width: number, target: Target, options: Partial<Options>): Model;
  predict(model: Model, x: ArrayLike<number>, offset?: number): number[];
  sql(model: Model, inputs: readonly string[]): string[];
  contributions(model: Model, x: ArrayLike<number>, offset: number, width: number, output?: number): { base: number; values: Float64Array };
  contributionSql(model: Model, inputs: readonly string[], output?: number): string[];
}

export const gradientBoosting: TreeAlgorithm<GradientBoostingModel, GradientBoostingOptions> = {
  defaults: gradientBoostingDefaults,
  train: trainGradientBoosting,
  predict: predictGradientBoosting,
  sql: gradientBoostingSql,
  contributions: gradientBoostingContributions,
  contributionSql: gradientBoostingContributionSql,
};

export const randomForest: TreeAlgorithm<RandomForestModel, RandomForestOptions> = {
  defaults: randomForestDefaults,
  train: trainRandomForest,
  predict: predictRandomForest,
  sql: randomForestSql,
  contributions: randomForestContributions,
  contributionSql: randomForestContributionSql,
};

export type TreeModel = GradientBoostingModel | RandomForestModel;
