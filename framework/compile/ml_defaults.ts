import type { GradientBoostingParams, RandomForestParams } from './manifest.js';

/**
 * What an ml/*.yml leaves out, and what the algorithm modules fall back on when called directly
 * (benches, tests): one set of numbers for both. Gradient boosting: scikit-learn's
 * HistGradientBoosting defaults, early stopping off (plat holds out its own test rows).
 */
export const gradientBoostingDefaults: GradientBoostingParams = {
  iterations: 100,
  learningRate: 0.1,
  maxLeaves: 31,
  maxDepth: null,
  minRowsPerLeaf: 20,
  l2: 0,
  featureFraction: 1,
  maxBins: 255,
  earlyStopping: false,
  validationFraction: 0.1,
  patience: 10,
  tolerance: 1e-7,
  seed: 0,
};

export const randomForestDefaults: RandomForestParams = {
  trees: 100,
  maxDepth: null,
  featuresPerSplit: null,
  minRowsPerLeaf: 1,
  bootstrap: true,
  maxBins: 255,
  seed: 0,
};
