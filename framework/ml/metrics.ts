import { prAuc } from './metrics_threshold.js';

/** Metrics of a held-out split: classification, regression or anomaly ones, as the model's task has. */
export interface Metrics {
  accuracy?: number;
  precision?: number;
  recall?: number;
  f1?: number;
  roc_auc?: number;
  log_loss?: number;
  confusion_matrix?: number[][];
  /** Binary: area under the precision–recall curve (average precision). */
  pr_auc?: number;
  mae?: number;
  rmse?: number;
  r2?: number;
  /** Regression and forecast: mean absolute percentage error, in percent. */
  mape?: number;
  /** Forecast: symmetric MAPE in percent, and the share of held-out actuals inside the 80 % and 95 % intervals. */
  smape?: number;
  coverage_80?: number;
  coverage_95?: number;
  /** Forecast: the backtest metrics of each metric's series. */
  by_metric?: Record<string, Record<string, number>>;
  /** The share of rows an anomaly model flags. */
  share_flagged?: number;
  /** Anomaly models with a label: normal rows flagged, over normal rows. */
  false_positive_rate?: number;
  /** Binary: the decision threshold the precision, recall and confusion matrix are at (chosen on validation rows when declared). */
  threshold?: number;
  /** Each declared feature's share of the mean |contribution| over the test rows. */
  feature_importance?: Record<string, number>;
}

/** `probabilities[i][c]` is row i's probability of class c; a binary row is class 1 when its probability reaches `threshold`. */
export function computeMetrics(
  actual: ArrayLike<number>,
  probabilities: number[][],
  classes: number,
  wanted: readonly string[],
  threshold = 0.5,
): Metrics {
  const n = actual.length;
  const predicted = probabilities.map((p) => (classes === 2 ? (p[1]! >= threshold ? 1 : 0) : p.indexOf(Math.max(...p))));
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < n; i++) confusion[actual[i]!]![predicted[i]!]!++;
  const perClass = (c: number) => {
    const tp = confusion[c]![c]!;
    const fp = confusion.reduce((sum, row, r) => sum + (r === c ? 0 : row[c]!), 0);
    const fn = confusion[c]!.reduce((sum, v, k) => sum + (k === c ? 0 : v), 0);
    const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
    const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
    return { precision, recall, f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall) };
  };
  // Binary metrics are for the positive class (index 1); multiclass ones are macro averages.
  const scored = classes === 2 ? [perClass(1)] : Array.from({ length: classes }, (_, c) => perClass(c));
  const average = (key: 'precision' | 'recall' | 'f1') => scored.reduce((sum, s) => sum + s[key], 0) / scored.length;
  const metrics: Metrics = {};
  const all: Required<Pick<Metrics, 'accuracy' | 'precision' | 'recall' | 'f1' | 'roc_auc' | 'log_loss' | 'confusion_matrix'>> = {
    accuracy: n === 0 ? 0 : confusion.reduce((sum, row, c) => sum + row[c]!, 0) / n,
    precision: average('precision'),
    recall: average('recall'),
    f1: average('f1'),
    roc_auc:
      classes === 2
        ? rocAuc(
            Array.from(actual, (a) => a === 1),
            probabilities.map((p) => p[1]!),
          )
        : Array.from({ length: classes }, (_, c) =>
            rocAuc(
              Array.from(actual, (a) => a === c),
              probabilities.map((p) => p[c]!),
            ),
          ).reduce((a, b) => a + b, 0) / classes,
    log_loss:
      n === 0 ? 0 : -probabilities.reduce((sum, p, i) => sum + Math.log(Math.min(1 - 1e-15, Math.max(1e-15, p[actual[i]!]!))), 0) / n,
    confusion_matrix: confusion,
  };
  for (const key of wanted) if (key in all) (metrics as Record<string, unknown>)[key] = all[key as keyof typeof all];
  if (classes === 2 && wanted.includes('pr_auc'))
    metrics.pr_auc = prAuc(
      Array.from(actual, (a) => a === 1),
      probabilities.map((p) => p[1]!),
    );
  return metrics;
}

/**
 * Area under the ROC curve (Mann–Whitney U): for each positive, the negatives scored below it,
 * ties counted half, over positives × negatives. Counted over the two classes' scores sorted
 * apart as typed arrays (a native sort, no comparator), which is the rank formula's number
 * exactly — every term is a multiple of ½ — at a tenth of its time on 80,000 rows.
 */
export function rocAuc(positive: readonly boolean[], scores: ArrayLike<number>): number {
  let positives = 0;
  for (let i = 0; i < scores.length; i++) if (positive[i]) positives++;
  const negatives = scores.length - positives;
  if (positives === 0 || negatives === 0) return 0.5;
  const pos = new Float64Array(positives);
  const neg = new Float64Array(negatives);
  for (let i = 0, p = 0, n = 0; i < scores.length; i++) {
    if (positive[i]) pos[p++] = scores[i]!;
    else neg[n++] = scores[i]!;
  }
  pos.sort();
  neg.sort();
  let u = 0;
  let below = 0;
  let notAbove = 0;
  for (const score of pos) {
    while (below < negatives && neg[below]! < score) below++;
    if (notAbove < below) notAbove = below;
    while (notAbove < negatives && neg[notAbove]! <= score) notAbove++;
    u += below + (notAbove - below) / 2;
  }
  return u / (positives * negatives);
}

/** The ROC curve, thinned to about `points` points: (false positive rate, true positive rate). */
export function rocCurve(positive: readonly boolean[], scores: readonly number[], points = 50): [number, number][] {
  const order = scores.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  const positives = positive.filter(Boolean).length;
  const negatives = positive.length - positives;
  if (positives === 0 || negatives === 0)
    return [
      [0, 0],
      [1, 1],
    ];
  const curve: [number, number][] = [[0, 0]];
  let tp = 0;
  let fp = 0;
  const step = Math.max(1, Math.floor(order.length / points));
  order.forEach((i, k) => {
    if (positive[i]) tp++;
    else fp++;
    if (k % step === step - 1 || k === order.length - 1) curve.push([fp / negatives, tp / positives]);
  });
  return curve;
}
