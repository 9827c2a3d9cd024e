import type { MlTask } from '../compile/manifest.js';
import { counted } from '../core/plural.js';
import type { Dialect } from '../warehouse/dialect.js';
import type { Target } from './algorithm.js';
import type { FeatureContribution } from './explanations.js';
import { sqlNumber } from './algorithms/sql.js';
import { computeMetrics, type Metrics, rocAuc } from './metrics.js';
import { anomalyMetrics } from './metrics_anomaly.js';
import { regressionMetrics } from './metrics_regression.js';

export type LabelValue = string | number | boolean;

/** One prediction as `plat ml predict` and agent tools show it. */
export type Prediction = Record<string, LabelValue | Record<string, number> | FeatureContribution[]>;

/**
 * What differs between tasks when a model trains and scores: the target its labels make, its
 * metrics, the columns its predictions table gets, and one prediction in JavaScript. Keyed by
 * every task, so a new task does not compile until it says all of these.
 */
interface TaskFacts {
  /** The target from each training row's label (null where it has none), and the classes it names. */
  target(labels: readonly (LabelValue | null)[]): { target: Target; classes: LabelValue[] };
  /** `threshold`: a binary model's decision threshold on the positive class's probability. */
  metrics(target: Target, outputs: readonly number[][], wanted: readonly string[], threshold: number): Metrics;
  /** The columns predictions_<model> has besides the entity, from the model's outputs as SQL. */
  columns(outputs: readonly string[], classes: readonly LabelValue[], dialect: Dialect, threshold: number): string;
  prediction(outputs: readonly number[], classes: readonly LabelValue[], threshold: number): Prediction;
}

const classification = (task: 'binary' | 'multiclass'): TaskFacts => ({
  target(labels) {
    const missing = labels.filter((l) => l === null).length;
    if (missing) throw new Error(`the label is null for ${counted(missing, 'row')}; give label.default or filter them out`);
    const classes = [...new Set(labels as LabelValue[])].sort((a, b) => (String(a) < String(b) ? -1 : 1));
    if (task === 'binary' && classes.length !== 2)
      throw new Error(`a binary model needs two label values, found ${classes.length}: ${classes.join(', ')}`);
    return { target: { task, y: Int32Array.from(labels, (l) => classes.indexOf(l!)), classes: classes.length }, classes };
  },
  metrics: (target, outputs, wanted, threshold) =>
    target.task === task ? computeMetrics(target.y, outputs as number[][], target.classes, wanted, threshold) : {},
  columns(outputs, classes, dialect, threshold) {
    const literal = (value: LabelValue) => dialect.literal(value);
    if (outputs.length === 2) {
      return `${outputs[1]} AS probability, CASE WHEN ${outputs[1]} >= ${sqlNumber(threshold)} THEN ${literal(classes[1]!)} ELSE ${literal(classes[0]!)} END AS predicted_class`;
    }
    const best = dialect.argMax(outputs, classes.map(literal));
    // Each class's probability as a JSON object in text, which every engine can write and read.
    const members = outputs.map(
      (output, i) =>
        `${literal(`${i === 0 ? '{' : ','}${JSON.stringify(String(classes[i]))}:`)} || ${dialect.cast(output, dialect.types.text)}`,
    );
    return `${best.value} AS probability, ${best.label} AS predicted_class, ${members.join(' || ')} || ${literal('}')} AS probabilities`;
  },
  prediction(outputs, classes, threshold) {
    const best = classes.length === 2 ? (outputs[1]! >= threshold ? 1 : 0) : outputs.indexOf(Math.max(...outputs));
    return {
      // Binary: the probability of the positive class, whichever is predicted.
      probability: classes.length === 2 ? outputs[1]! : outputs[best]!,
      predicted_class: classes[best]!,
      probabilities: Object.fromEntries(classes.map((c, i) => [String(c), outputs[i]!])),
    };
  },
});

export const tasks: Record<MlTask, TaskFacts> = {
  binary: classification('binary'),
  multiclass: classification('multiclass'),
  regression: {
    target(labels) {
      const values = labels.map((l) => (l === null ? Number.NaN : Number(l)));
      const bad = values.filter((v) => !Number.isFinite(v)).length;
      if (bad)
        throw new Error(
          `the label is not a number for ${counted(bad, 'row')}; a regression learns from numbers (give label.default or filter them out)`,
        );
      return { target: { task: 'regression', y: Float64Array.from(values) }, classes: [] };
    },
    metrics(target, outputs, wanted) {
      if (target.task !== 'regression') return {};
      const all = regressionMetrics(
        target.y,
        outputs.map((o) => o[0]!),
      );
      return Object.fromEntries(Object.entries(all).filter(([key, value]) => wanted.includes(key) && Number.isFinite(value)));
    },
    columns: (outputs) => `${outputs[0]} AS prediction`,
    prediction: (outputs) => ({ prediction: outputs[0]! }),
  },
  anomaly: {
    // Labels (1 = anomaly) only evaluate: the model learns without them.
    target(labels) {
      if (labels.every((l) => l === null)) return { target: { task: 'anomaly', y: null }, classes: [] };
      return {
        target: { task: 'anomaly', y: Int32Array.from(labels, (l) => (l === true || l === 1 || l === '1' || l === 'true' ? 1 : 0)) },
        classes: [],
      };
    },
    metrics(target, outputs, wanted) {
      if (target.task !== 'anomaly') return {};
      const flags = outputs.map((o) => o[1]!);
      const counted = anomalyMetrics(flags, 0.5, target.y ?? undefined);
      const all: Metrics = {
        share_flagged: counted.flagged_share,
        precision: counted.precision,
        recall: counted.recall,
        false_positive_rate: counted.false_positive_rate,
        roc_auc: target.y
          ? rocAuc(
              Array.from(target.y, (y) => y === 1),
              outputs.map((o) => o[0]!),
            )
          : undefined,
      };
      return Object.fromEntries(Object.entries(all).filter(([key, value]) => wanted.includes(key) && value !== undefined));
    },
    columns: (outputs) => `${outputs[0]} AS score, ${outputs[1]} >= 0.5 AS is_anomaly`,
    prediction: (outputs) => ({ score: outputs[0]!, is_anomaly: outputs[1]! >= 0.5 }),
  },
};
