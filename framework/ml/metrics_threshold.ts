/**
 * Ranking metrics beyond ROC-AUC for a binary score: the area under the precision–recall curve,
 * and a decision threshold chosen on validation rows to meet a precision or recall target.
 */

/** Precision and recall when flagging every score ≥ each distinct threshold, highest first. */
export function precisionRecallPoints(
  positive: readonly boolean[],
  scores: ArrayLike<number>,
): { threshold: number; precision: number; recall: number }[] {
  const order = Array.from(scores, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  const positives = positive.filter(Boolean).length;
  const points: { threshold: number; precision: number; recall: number }[] = [];
  let tp = 0;
  let flagged = 0;
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!;
    flagged++;
    if (positive[i]) tp++;
    // Tied scores are flagged together, so a point is emitted only after the last of them.
    if (k + 1 < order.length && scores[order[k + 1]!] === scores[i]) continue;
    points.push({ threshold: scores[i]!, precision: tp / flagged, recall: positives ? tp / positives : 0 });
  }
  return points;
}

/** Average precision, Σ (Rₙ − Rₙ₋₁)·Pₙ — scikit-learn's `average_precision_score`, no interpolation. */
export function prAuc(positive: readonly boolean[], scores: ArrayLike<number>): number {
  let area = 0;
  let previousRecall = 0;
  for (const p of precisionRecallPoints(positive, scores)) {
    area += (p.recall - previousRecall) * p.precision;
    previousRecall = p.recall;
  }
  return area;
}

export type ThresholdTarget = { precision: number } | { recall: number };

/**
 * The threshold meeting the target best: for a precision target the lowest one that still
 * reaches it (most recall), for a recall target the highest that reaches it (most precision).
 * Null when no threshold reaches a precision target.
 */
export function chooseThreshold(
  positive: readonly boolean[],
  scores: ArrayLike<number>,
  target: ThresholdTarget,
): { threshold: number; precision: number; recall: number } | null {
  const points = precisionRecallPoints(positive, scores);
  if ('precision' in target) {
    let chosen: (typeof points)[number] | null = null;
    for (const p of points) if (p.precision >= target.precision) chosen = p;
    return chosen;
  }
  return points.find((p) => p.recall >= target.recall) ?? null;
}
