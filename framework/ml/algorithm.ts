import type { MlTrainNode } from '../compile/manifest.js';
import { logisticSql, predictLogistic, trainLogistic, type LogisticModel } from './logistic.js';

/**
 * What a learning algorithm provides. Training gets encoded rows (row-major, `width` inputs
 * each) and class indexes; the trained model is plain JSON. `sql`, when an algorithm can offer
 * it, lets DuckDB score in bulk; otherwise scoring would go through `predict`.
 */
export interface Algorithm<Model> {
  train(x: Float64Array, rows: number, width: number, y: Int32Array, classes: number, params: MlTrainNode['algorithm']): Model;
  /** Probability of each class for one encoded row. */
  predict(model: Model, input: ArrayLike<number>): number[];
  /** SQL for each class's probability, given SQL for each encoded input. */
  sql(model: Model, inputs: readonly string[]): string[];
}

const logisticRegression: Algorithm<LogisticModel> = {
  train: (x, rows, width, y, classes, params) => trainLogistic(x, rows, width, y, classes, params),
  predict: predictLogistic,
  sql: logisticSql,
};

/** One entry per algorithm name the ML schema accepts. */
export const algorithms: Record<MlTrainNode['algorithm']['name'], Algorithm<LogisticModel>> = {
  logistic_regression: logisticRegression,
};
