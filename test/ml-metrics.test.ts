import { describe, expect, it } from 'vitest';
import { anomalyMetrics } from '../framework/ml/metrics_anomaly.js';
import { regressionMetrics } from '../framework/ml/metrics_regression.js';
import { chooseThreshold, prAuc, precisionRecallPoints } from '../framework/ml/metrics_threshold.js';

const positive = [true, false, true, true, false, false];
const scores = [0.9, 0.4, 0.35, 0.8, 0.1, 0.6];

describe('classification metrics beyond ROC-AUC', () => {
  it('computes PR-AUC as average precision on a hand-checked case', () => {
    // Ranked: 0.9 (+), 0.8 (+), 0.6 (−), 0.4 (−), 0.35 (+), 0.1 (−): recall steps of 1/3 at precisions 1, 1, 3/5.
    expect(prAuc(positive, scores)).toBeCloseTo((1 + 1 + 3 / 5) / 3, 12);
  });

  it('flags tied scores together', () => {
    expect(precisionRecallPoints([true, false, true], [0.5, 0.5, 0.2])).toEqual([
      { threshold: 0.5, precision: 0.5, recall: 0.5 },
      { threshold: 0.2, precision: 2 / 3, recall: 1 },
    ]);
  });

  it('chooses the threshold that meets a precision or recall target best', () => {
    expect(chooseThreshold(positive, scores, { precision: 0.9 })).toEqual({ threshold: 0.8, precision: 1, recall: 2 / 3 });
    expect(chooseThreshold(positive, scores, { recall: 1 })).toEqual({ threshold: 0.35, precision: 3 / 5, recall: 1 });
    expect(chooseThreshold([false, true], [0.9, 0.1], { precision: 0.9 })).toBeNull();
  });
});

describe('regression and anomaly metrics', () => {
  it('computes MAE, RMSE, R² and MAPE on a hand-checked case', () => {
    const m = regressionMetrics([1, 2, 3, 4], [1.5, 2, 2, 5]);
    expect(m.mae).toBeCloseTo(2.5 / 4, 12);
    expect(m.rmse).toBeCloseTo(Math.sqrt(2.25 / 4), 12);
    expect(m.r2).toBeCloseTo(1 - 2.25 / 5, 12);
    expect(m.mape).toBeCloseTo(((0.5 + 0 + 1 / 3 + 1 / 4) / 4) * 100, 12);
  });

  it('computes precision, recall and false-positive rate at the threshold, or only the share flagged', () => {
    const s = [0.9, 0.7, 0.6, 0.3, 0.2];
    expect(anomalyMetrics(s, 0.6)).toEqual({ flagged_share: 0.6 });
    const m = anomalyMetrics(s, 0.6, [1, 0, 1, 1, 0]);
    expect(m).toMatchObject({ flagged_share: 0.6, precision: 2 / 3, recall: 2 / 3, false_positive_rate: 0.5 });
    expect(m.roc_auc).toBeCloseTo(4 / 6, 12);
  });
});
