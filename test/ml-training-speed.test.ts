/**
 * The faster training paths give the numbers of the plain formulas they replace, to the last
 * bit: the unrolled logistic loop against a plain batch gradient descent, the counting ROC-AUC
 * against the rank formula, the fitted mean and std against reduce.
 */
import { describe, expect, it } from 'vitest';
import type { FeatureColumn } from '../framework/compile/manifest.js';
import { seededRandom } from '../framework/core/random.js';
import { fitFeatures } from '../framework/ml/features.js';
import { trainLogistic } from '../framework/ml/logistic.js';
import { rocAuc } from '../framework/ml/metrics.js';

/** Batch gradient descent written plainly: the arithmetic trainLogistic must reproduce. */
function plainDescent(x: Float64Array, rows: number, width: number, y: Int32Array, rate: number, iterations: number, l2: number): number[] {
  const w = new Array<number>(width + 1).fill(0);
  for (let iteration = 0; iteration < iterations; iteration++) {
    const g = new Array<number>(width + 1).fill(0);
    for (let i = 0; i < rows; i++) {
      let s = w[0]!;
      for (let j = 0; j < width; j++) s += w[j + 1]! * x[i * width + j]!;
      const p = s >= 0 ? 1 / (1 + Math.exp(-s)) : Math.exp(s) / (1 + Math.exp(s));
      const error = p - y[i]!;
      g[0] = g[0]! + error;
      for (let j = 0; j < width; j++) g[j + 1] = g[j + 1]! + error * x[i * width + j]!;
    }
    w[0] = w[0]! - (rate * g[0]!) / rows;
    for (let j = 1; j <= width; j++) w[j] = w[j]! - rate * (g[j]! / rows + l2 * w[j]!);
  }
  return w;
}

function data(rows: number, width: number, seed: number) {
  const random = seededRandom(seed);
  const x = Float64Array.from({ length: rows * width }, () => random() * 4 - 2);
  const y = Int32Array.from({ length: rows }, (_, i) => (x[i * width]! - 0.5 * x[i * width + 1]! + random() - 0.5 > 0 ? 1 : 0));
  return { x, y };
}

/** The rank formula (Mann–Whitney U by average ranks) that rocAuc replaced. */
function rankAuc(positive: boolean[], scores: number[]): number {
  const order = scores.map((_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let rankSum = 0;
  let positives = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && scores[order[j + 1]!] === scores[order[i]!]) j++;
    for (let k = i; k <= j; k++)
      if (positive[order[k]!]) {
        rankSum += (i + j) / 2 + 1;
        positives++;
      }
    i = j + 1;
  }
  const negatives = positive.length - positives;
  if (positives === 0 || negatives === 0) return 0.5;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

describe('training speed-ups keep the numbers', () => {
  // 12 inputs take the loop written out per width, 70 the general one.
  for (const width of [1, 12, 70]) {
    it(`trains binary logistic regression on ${width} inputs to the plain descent's weights, bit for bit`, () => {
      const rows = 500;
      const { x, y } = data(rows, width, width);
      const model = trainLogistic(x, rows, width, y, 2, { learningRate: 0.5, iterations: 40, l2: 0.01 });
      expect(model.weights).toStrictEqual([plainDescent(x, rows, width, y, 0.5, 40, 0.01)]);
    });
  }

  it('computes ROC-AUC as the rank formula does, ties and negative zero included', () => {
    const random = seededRandom(3);
    for (const levels of [2, 7, 1e9]) {
      const scores = Array.from({ length: 400 }, (_, i) => (i % 50 === 0 ? -0 : Math.floor(random() * levels) / levels));
      const positive = scores.map((s) => random() < 0.2 + 0.6 * s);
      expect(rocAuc(positive, scores)).toBe(rankAuc(positive, scores));
    }
    expect(rocAuc([true, true], [0.1, 0.2])).toBe(0.5);
  });

  it('fits the mean, fill and std of a numeric feature as sums in row order', () => {
    const column: FeatureColumn = { name: 'v', type: 'numeric', transforms: ['standardize'] };
    const values = [0.1, null, 0.7, 2.3, undefined, -1.9, 0.3];
    const { encoded, notes } = fitFeatures(
      values.map((v) => ({ v })),
      [column],
    );
    const present = [0.1, 0.7, 2.3, -1.9, 0.3];
    const mean = present.reduce((a, b) => a + b, 0) / present.length;
    const filled = values.map((v) => v ?? mean);
    const m = filled.reduce((a, b) => a + b, 0) / filled.length;
    const std = Math.sqrt(filled.reduce((a, b) => a + (b - m) ** 2, 0) / filled.length);
    expect(encoded[0]).toMatchObject({ fill: mean, mean: m, std, standardize: true });
    expect(notes).toEqual(['feature v has 2 nulls and no fill_null; filled with the training mean']);
  });
});
