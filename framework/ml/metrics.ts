/** Metrics of a held-out split: classification, regression or anomaly ones, as the model's task has. */
export interface Metrics {
  accuracy?: number;
  precision?: number;
  recall?: number;
  f1?: number;
  roc_auc?: number;
  log_loss?: number;
  confusion_matrix?: number[][];
  mae?: number;
  rmse?: number;
  r2?: number;
  /** The share of rows an anomaly model flags. */
  share_flagged?: number;
}

/** `probabilities[i][c]` is row i's probability of class c. */
export function computeMetrics(actual: ArrayLike<number>, probabilities: number[][], classes: number, wanted: readonly string[]): Metrics {
  const n = actual.length;
  const predicted = probabilities.map((p) => p.indexOf(Math.max(...p)));
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
  return metrics;
}

/** Mean absolute error, root mean squared error and R² of predicted against actual numbers. */
export function regressionMetrics(actual: ArrayLike<number>, predicted: readonly number[], wanted: readonly string[]): Metrics {
  const n = actual.length;
  let absolute = 0;
  let squared = 0;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += actual[i]! / n;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const error = predicted[i]! - actual[i]!;
    absolute += Math.abs(error);
    squared += error * error;
    total += (actual[i]! - mean) ** 2;
  }
  const all: Metrics = { mae: n ? absolute / n : 0, rmse: n ? Math.sqrt(squared / n) : 0, r2: total > 0 ? 1 - squared / total : 0 };
  return Object.fromEntries(Object.entries(all).filter(([key]) => wanted.includes(key)));
}

/** Area under the ROC curve by ranks (Mann–Whitney U), ties counted half. */
export function rocAuc(positive: readonly boolean[], scores: readonly number[]): number {
  const order = scores.map((_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let rankSum = 0;
  let positives = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && scores[order[j + 1]!] === scores[order[i]!]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++)
      if (positive[order[k]!]) {
        rankSum += rank;
        positives++;
      }
    i = j + 1;
  }
  const negatives = positive.length - positives;
  if (positives === 0 || negatives === 0) return 0.5;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
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
