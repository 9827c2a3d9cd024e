import type { AlgorithmName, AlgorithmSpec, MlTask } from '../compile/manifest.js';
import type { Dialect } from '../warehouse/dialect.js';
import { logisticContributions } from './algorithms/explain.js';
import {
  gradientBoostingContributions,
  predictGradientBoosting,
  trainGradientBoosting,
  type GradientBoostingModel,
} from './algorithms/gradient_boosting.js';
import {
  isolationContributions,
  isolationFlag,
  isolationScore,
  trainIsolationForest,
  type IsolationForestModel,
} from './algorithms/isolation_forest.js';
import { predictRandomForest, randomForestContributions, trainRandomForest, type RandomForestModel } from './algorithms/random_forest.js';
import { sqlNumber, sqlSigmoid, sqlSoftmax } from './algorithms/sql.js';
import { branches, sumLeavesSql, type Branches } from './algorithms/ensemble.js';
import type { Tree } from './algorithms/tree.js';
import { logisticSql, predictLogistic, trainLogistic, type LogisticModel } from './logistic.js';

/**
 * What training learns from, by task: class indexes (0…classes-1, in the label values' sorted
 * order), numbers, or nothing (anomaly detection learns without labels; `y`, 1 = anomaly, only
 * evaluates it where the data has such a label).
 */
export type Target =
  | { task: 'binary' | 'multiclass'; y: Int32Array; classes: number }
  | { task: 'regression'; y: Float64Array }
  | { task: 'anomaly'; y: Int32Array | null };

/** One prediction split into a base value and each encoded input's contribution (base + Σ values = the explained score). */
export interface Explanation {
  base: number;
  values: Float64Array;
}

/**
 * A model's outputs as SQL. Each raw output is the sum of `parts[k]` (trees in groups), which the
 * scoring query projects as columns of their own so the warehouse evaluates each once and no
 * expression grows too deep; `link` turns the summed raw outputs into the outputs.
 */
export interface ScoringSql {
  parts: string[][];
  link(raw: readonly string[]): string[];
  /** The trees' splits, for an engine whose speed depends on the order of the rows (none for a linear model). */
  branches: Branches;
}

/**
 * A learning algorithm. Training gets encoded rows (row-major, `width` inputs each, NaN for a
 * missing value) and the target; the trained model is plain JSON, stored in the registry as it
 * is. Outputs, by task: each class's probability (binary: [negative, positive]); [value];
 * [score in 0…1, flag 0/1].
 */
export interface Algorithm<Params, Model> {
  /** The tasks it trains for (ml.schema.json allows only these with it). */
  tasks: readonly MlTask[];
  train(x: Float64Array, rows: number, width: number, target: Target, params: Params): Model;
  predict(model: Model, input: ArrayLike<number>): number[];
  /** The outputs as SQL, given SQL for each encoded input (NULL for missing), so the warehouse scores in bulk. */
  sql(model: Model, inputs: readonly string[], dialect: Dialect): ScoringSql;
  /**
   * Why `predict` gave output `output` (binary: 1, the positive class; multiclass: the class;
   * else 0), in the model's own units: log-odds for logistic regression and boosting, the
   * probability or value for a forest, anomaly (minus path length) for an isolation forest.
   */
  explain(model: Model, input: ArrayLike<number>, output: number): Explanation;
}

type ParamsOf<N extends AlgorithmName> = Extract<AlgorithmSpec, { name: N }>['params'];

/**
 * Trees summed in groups of this many per SQL column: fewer, wider columns measured slower in
 * DuckDB. An engine that compiles each column to bytecode with a size limit (Trino: one with a
 * maxProjectionLength) gets a tree per column: ten deep trees in one expression fail to compile.
 */
const TREES_PER_PART = 10;

function treeParts(trees: readonly Tree[], stride: number, output: number, inputs: readonly string[], dialect: Dialect): string[] {
  const perPart = dialect.maxProjectionLength === null ? TREES_PER_PART : 1;
  const parts: string[] = [];
  for (let at = 0; at < trees.length; at += perPart)
    parts.push(sumLeavesSql({ trees: trees.slice(at, at + perPart), stride, output }, inputs));
  return parts;
}

const supervised = (name: string, target: Target) => {
  if (target.task === 'anomaly') throw new Error(`${name} needs a label to learn from`);
  return target;
};

const logisticRegression: Algorithm<ParamsOf<'logistic_regression'>, LogisticModel> = {
  tasks: ['binary', 'multiclass'],
  train: (x, rows, width, target, params) => {
    if (target.task !== 'binary' && target.task !== 'multiclass') throw new Error(`logistic_regression cannot learn a ${target.task} task`);
    return trainLogistic(x, rows, width, target.y, target.classes, params);
  },
  predict: predictLogistic,
  sql: (model, inputs) => {
    const outputs = logisticSql(model, inputs);
    return { parts: outputs.map((o) => [o]), link: (raw) => [...raw], branches: { splits: 0, common: [] } };
  },
  // Coefficient × encoded value: the standardized value for a standardized feature.
  explain: (model, input, output) => logisticContributions(model, input, model.weights.length === 1 ? 0 : output),
};

const gradientBoosting: Algorithm<ParamsOf<'gradient_boosting'>, GradientBoostingModel> = {
  tasks: ['binary', 'multiclass', 'regression'],
  train: (x, rows, width, target, params) => trainGradientBoosting(x, rows, width, supervised('gradient_boosting', target), params),
  predict: (model, input) => predictGradientBoosting(model, input),
  sql: (model, inputs, dialect) => ({
    parts: model.trees.map((trees, k) => [sqlNumber(model.init[k]!), ...treeParts(trees, 1, 0, inputs, dialect)]),
    link: (raw) => {
      if (model.task === 'regression') return [raw[0]!];
      if (model.task === 'binary') return [`(1e0 - ${sqlSigmoid(raw[0]!)})`, sqlSigmoid(raw[0]!)];
      return sqlSoftmax(raw);
    },
    branches: branches(model.trees.flat(), inputs),
  }),
  explain: (model, input, output) => gradientBoostingContributions(model, input, 0, input.length, model.task === 'multiclass' ? output : 0),
};

const randomForest: Algorithm<ParamsOf<'random_forest'>, RandomForestModel> = {
  tasks: ['binary', 'multiclass', 'regression'],
  train: (x, rows, width, target, params) => trainRandomForest(x, rows, width, supervised('random_forest', target), params),
  predict: (model, input) => predictRandomForest(model, input),
  sql: (model, inputs, dialect) => {
    const count = sqlNumber(model.trees.length);
    return {
      parts: Array.from({ length: model.outputs }, (_, k) => treeParts(model.trees, model.outputs, k, inputs, dialect)),
      link: (raw) => {
        const averages = raw.map((r) => `(${r} / ${count})`);
        return model.task === 'binary' ? [`(1e0 - ${averages[0]})`, averages[0]!] : averages;
      },
      branches: branches(model.trees, inputs),
    };
  },
  explain: (model, input, output) => randomForestContributions(model, input, 0, input.length, model.task === 'multiclass' ? output : 0),
};

const isolationForest: Algorithm<ParamsOf<'isolation_forest'>, IsolationForestModel> = {
  tasks: ['anomaly'],
  train: (x, rows, width, _target, params) => trainIsolationForest(x, rows, width, params),
  predict: (model, input) => {
    const score = isolationScore(model, input);
    return [score, isolationFlag(model, score) ? 1 : 0];
  },
  sql: (model, inputs, dialect) => ({
    parts: [treeParts(model.trees, 1, 0, inputs, dialect)],
    link: ([pathSum]) => {
      const score = `exp(${sqlNumber(model.scale)} * (${pathSum} / ${sqlNumber(model.trees.length)}))`;
      return [score, `CASE WHEN ${score} >= ${sqlNumber(model.threshold)} THEN 1e0 ELSE 0e0 END`];
    },
    branches: branches(model.trees, inputs),
  }),
  // Path-length contributions negated: a positive contribution pushes the row towards "anomalous".
  explain: (model, input) => {
    const { base, values } = isolationContributions(model, input, 0, input.length);
    return { base: -base, values: values.map((v) => -v) };
  },
};

/** One entry per algorithm name of ml.schema.json; a model is stored with the name that reads it. */
export const algorithms: { [N in AlgorithmName]: Algorithm<ParamsOf<N>, unknown> } = {
  logistic_regression: logisticRegression as Algorithm<ParamsOf<'logistic_regression'>, unknown>,
  gradient_boosting: gradientBoosting as Algorithm<ParamsOf<'gradient_boosting'>, unknown>,
  random_forest: randomForest as Algorithm<ParamsOf<'random_forest'>, unknown>,
  isolation_forest: isolationForest as Algorithm<ParamsOf<'isolation_forest'>, unknown>,
};
