import { describe, expect, it } from 'vitest';
import type { FeatureColumn } from '../framework/compile/manifest.js';
import { leakage } from '../framework/ml/leakage.js';
import { seededRandom } from '../framework/core/random.js';

const numeric = (name: string): FeatureColumn => ({ name, type: 'numeric', transforms: [] });
const categorical = (name: string): FeatureColumn => ({ name, type: 'categorical', transforms: [] });

/** 600 rows: an honest noisy feature and one computed from the label. */
function rows(label: (i: number) => number, copy: (y: number, i: number) => unknown) {
  const random = seededRandom(11);
  const y = Array.from({ length: 600 }, (_, i) => label(i));
  const data = y.map((v, i) => ({ honest: v + 3 * random(), copy: copy(v, i) }));
  return { y, data };
}

describe('label leakage, per task', () => {
  it('names a feature that alone separates a binary label, not an honest one', () => {
    const { y, data } = rows(
      (i) => i % 2,
      (v, i) => v * 10 + (i % 7) / 10,
    );
    const found = leakage([numeric('honest'), numeric('copy')], data, { task: 'binary', y: Int32Array.from(y), classes: 2 });
    expect(found).toEqual(['feature copy alone separates the label (ROC-AUC 1.000)']);
  });

  it('names a numeric or categorical feature that alone predicts the class of a multiclass label', () => {
    const { y, data } = rows(
      (i) => i % 3,
      (v) => ['scratch', 'dent', 'ok'][v],
    );
    const withCode = data.map((row, i) => ({ ...row, code: y[i]! * 2 + 1 }));
    const target = { task: 'multiclass' as const, y: Int32Array.from(y), classes: 3 };
    expect(leakage([numeric('honest'), categorical('copy'), numeric('code')], withCode, target)).toEqual([
      'feature copy alone predicts the class of 100.0 % of training rows (the most common class alone: 33.3 %)',
      'feature code alone predicts the class of 100.0 % of training rows (the most common class alone: 33.3 %)',
    ]);
  });

  it('does not call a class that is nearly every row a leak', () => {
    const { y, data } = rows(
      (i) => (i === 0 ? 1 : 0),
      () => 5,
    );
    expect(leakage([numeric('copy')], data, { task: 'multiclass', y: Int32Array.from(y), classes: 2 })).toEqual([]);
  });

  it('names a feature that alone explains a numeric label, even through a monotone transform', () => {
    const random = seededRandom(5);
    const y = Array.from({ length: 800 }, () => 100 * random());
    const data = y.map((v) => ({ honest: v / 10 + 40 * random(), copy: Math.exp(v / 20) }));
    const found = leakage([numeric('honest'), numeric('copy')], data, { task: 'regression', y: Float64Array.from(y) });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^feature copy alone explains 99\.\d % of the label's variance$/);
  });

  it('says nothing for anomaly models, which learn without labels, or for an identifier', () => {
    const { y, data } = rows(
      (i) => i % 2,
      (_, i) => `id-${i}`,
    );
    expect(leakage([numeric('copy')], data, { task: 'anomaly', y: Int32Array.from(y) })).toEqual([]);
    expect(leakage([categorical('copy')], data, { task: 'multiclass', y: Int32Array.from(y), classes: 2 })).toEqual([]);
  });
});
