import type { AlgorithmName, AlgorithmSpec, MlTask } from '../compile/manifest.js';
import type { Dialect } from '../warehouse/dialect.js';
import { logisticSql, predictLogistic, trainLogistic, type LogisticModel } from './logistic.js';

/**
 * What training learns from, by task: class indexes (0…classes-1, in the label values' sorted
 * order), numbers, or nothing (anomaly detection learns without labels).
 */
export type Target =
  | { task: 'binary' | 'multiclass'; y: Int32Array; classes: number }
  | { task: 'regression'; y: Float64Array }
  | { task: 'anomaly' };

/** One prediction split into a base value and each encoded input's contribution. */
export interface Explanation {
  base: number;
  values: Float64Array;
}

/**
 * A learning algorithm. Training gets encoded rows (row-major, `width` inputs each) and the
 * target; the trained model is plain JSON, stored in the registry as it is. Outputs, by task:
 * each class's probability (binary: [negative, positive]); [value]; [score in 0…1, flag 0/1].
 */
export interface Algorithm<Params, Model> {
  /** The tasks it trains for (ml.schema.json allows only these with it). */
  tasks: readonly MlTask[];
  train(x: Float64Array, rows: number, width: number, target: Target, params: Params): Model;
  predict(model: Model, input: ArrayLike<number>): number[];
  /** The outputs as SQL, given SQL for each encoded input, so the warehouse scores in bulk. */
  sql?(model: Model, inputs: readonly string[], dialect: Dialect): string[];
  /** Why `predict` gave what it gave (for the first output). */
  explain?(model: Model, input: ArrayLike<number>): Explanation;
}

type ParamsOf<N extends AlgorithmName> = Extract<AlgorithmSpec, { name: N }>['params'];

const logisticRegression: Algorithm<ParamsOf<'logistic_regression'>, LogisticModel> = {
  tasks: ['binary', 'multiclass'],
  train: (x, rows, width, target, params) => {
    if (target.task !== 'binary' && target.task !== 'multiclass') throw new Error(`logistic_regression cannot learn a ${target.task} task`);
    return trainLogistic(x, rows, width, target.y, target.classes, params);
  },
  predict: predictLogistic,
  sql: logisticSql,
};

/** One entry per algorithm name of ml.schema.json; a model is stored with the name that reads it. */
export const algorithms: { [N in AlgorithmName]: Algorithm<ParamsOf<N>, unknown> } = {
  logistic_regression: logisticRegression,
};
