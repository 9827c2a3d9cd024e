/**
 * Why a model predicted what it did: per prediction, the declared features that moved it most
 * (with the feature's value and the signed size of its contribution), and per model, each
 * feature's share of the mean |contribution| over the test rows (feature importance).
 */
import type { MlTask } from '../compile/manifest.js';
import { algorithms } from './algorithm.js';
import { contributionsByFeature, topContributions } from './algorithms/explain.js';
import type { EncodedFeature, Row } from './features.js';
import type { PredictiveVersion } from './registry.js';

export interface FeatureContribution {
  feature: string;
  value: unknown;
  contribution: number;
}

type Explained = Pick<PredictiveVersion, 'algorithm' | 'task' | 'trained' | 'features'>;

/** The output an explanation is about: the positive class, the predicted class, or the one output. */
export function explainedOutput(task: MlTask, outputs: readonly number[]): number {
  if (task === 'binary') return 1;
  if (task === 'multiclass') return outputs.indexOf(Math.max(...outputs));
  return 0;
}

/** Contributions per declared feature (one-hot columns summed), missing ones (NaN) as 0. */
function byFeature(model: Explained, input: Float64Array, outputs: readonly number[]) {
  const { values } = algorithms[model.algorithm].explain(model.trained, input, explainedOutput(model.task, outputs));
  return contributionsByFeature(
    values.map((v) => (Number.isFinite(v) ? v : 0)),
    model.features,
  );
}

/** The `k` largest contributions to one prediction, sign kept, with the row's value of each feature. */
export function topFeatures(model: Explained, row: Row, input: Float64Array, outputs: readonly number[], k: number): FeatureContribution[] {
  return topContributions(byFeature(model, input, outputs), k).map((c) => ({
    feature: c.feature,
    value: jsonValue(row[c.feature]),
    contribution: c.contribution,
  }));
}

/** Each declared feature's share of Σ|contribution| over the rows (summing to 1), largest first. */
export function featureImportance(
  model: Explained,
  inputs: readonly Float64Array[],
  outputs: readonly (readonly number[])[],
): Record<string, number> {
  const totals = new Map<string, number>(model.features.map((f: EncodedFeature) => [f.name, 0]));
  inputs.forEach((input, i) => {
    for (const c of byFeature(model, input, outputs[i]!)) totals.set(c.feature, totals.get(c.feature)! + Math.abs(c.contribution));
  });
  const sum = [...totals.values()].reduce((a, b) => a + b, 0);
  return Object.fromEntries([...totals].sort((a, b) => b[1] - a[1]).map(([name, total]) => [name, sum > 0 ? total / sum : 0]));
}

function jsonValue(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Date) return value.toISOString();
  return value ?? null;
}
