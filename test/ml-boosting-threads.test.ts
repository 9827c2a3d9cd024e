import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { binaryData, multiclassData, regressionData } from '../bench/ml_data.js';
import { trainGradientBoosting } from '../framework/ml/algorithms/gradient_boosting.js';
import { BoostingThreads } from '../framework/ml/algorithms/boosting_threads.js';

// From 500,000 training cells a worker thread does half of binning, gradients, histograms,
// partitions and split finding. Each half is what one thread computes, so the model must be
// the same to the last bit with the worker or without it.
describe('gradient boosting on two threads', () => {
  it('has a worker to share with on this machine', () => {
    const threads = BoostingThreads.start(20, 1000);
    try {
      expect(availableParallelism() > 1 ? threads : 'one core').not.toBeNull();
    } finally {
      threads?.stop();
    }
  });

  const same = (...args: Parameters<typeof trainGradientBoosting>) => {
    const [x, rows, width, target, options] = args;
    const threaded = trainGradientBoosting(x, rows, width, target, options, true);
    const alone = trainGradientBoosting(x, rows, width, target, options, false);
    expect(threaded.trees[0]!.length).toBeGreaterThan(0);
    expect(JSON.stringify(threaded)).toBe(JSON.stringify(alone));
  };

  it('trains the same binary model, missing values included', () => {
    const data = binaryData(30_000, 20, 41, 0.05);
    same(data.x, data.rows, data.width, { task: 'binary', y: data.y, classes: 2 }, { iterations: 12, seed: 2 });
  });

  it('trains the same binary model on a sample of the features', () => {
    const data = binaryData(30_000, 20, 42);
    same(data.x, data.rows, data.width, { task: 'binary', y: data.y, classes: 2 }, { iterations: 8, featureFraction: 0.5, seed: 3 });
  });

  it('trains the same multiclass model', () => {
    const data = multiclassData(40_000, 13, 43);
    same(data.x, data.rows, data.width, { task: 'multiclass', y: data.y, classes: 3 }, { iterations: 5, seed: 4 });
  });

  it('trains the same regression model with early stopping', () => {
    const data = regressionData(40_000, 15, 44, 0.05);
    same(data.x, data.rows, data.width, { task: 'regression', y: data.y }, { iterations: 30, earlyStopping: true, seed: 5 });
  });
});
