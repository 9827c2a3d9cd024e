import { rocAuc } from './metrics.js';

/**
 * Anomaly detection metrics at the model's threshold. With labels (1 = anomaly): precision,
 * recall, false-positive rate and ROC-AUC of the score; without: only the share flagged.
 */
export interface AnomalyMetrics {
  flagged_share: number;
  precision?: number;
  recall?: number;
  false_positive_rate?: number;
  roc_auc?: number;
}

export function anomalyMetrics(scores: ArrayLike<number>, threshold: number, labels?: ArrayLike<number>): AnomalyMetrics {
  const n = scores.length;
  let flagged = 0;
  for (let i = 0; i < n; i++) if (scores[i]! >= threshold) flagged++;
  const metrics: AnomalyMetrics = { flagged_share: n ? flagged / n : 0 };
  if (!labels) return metrics;
  let tp = 0;
  let fp = 0;
  let positives = 0;
  for (let i = 0; i < n; i++) {
    const anomaly = labels[i] === 1;
    const flag = scores[i]! >= threshold;
    if (anomaly) positives++;
    if (flag && anomaly) tp++;
    if (flag && !anomaly) fp++;
  }
  const negatives = n - positives;
  metrics.precision = tp + fp ? tp / (tp + fp) : 0;
  metrics.recall = positives ? tp / positives : 0;
  metrics.false_positive_rate = negatives ? fp / negatives : 0;
  metrics.roc_auc = rocAuc(
    Array.from(labels, (v) => v === 1),
    Array.from(scores),
  );
  return metrics;
}
