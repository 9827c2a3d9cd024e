/** Regression metrics for a held-out split. */
export interface RegressionMetrics {
  mae: number;
  rmse: number;
  /** 1 − SSE / SST (0 for a constant actual). */
  r2: number;
  /** Mean |error| / |actual| × 100, over rows whose actual is not 0. */
  mape: number;
}

export function regressionMetrics(actual: ArrayLike<number>, predicted: ArrayLike<number>): RegressionMetrics {
  const n = actual.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += actual[i]!;
  mean /= Math.max(1, n);
  let absolute = 0;
  let squared = 0;
  let total = 0;
  let ape = 0;
  let apeCount = 0;
  for (let i = 0; i < n; i++) {
    const error = actual[i]! - predicted[i]!;
    absolute += Math.abs(error);
    squared += error * error;
    total += (actual[i]! - mean) ** 2;
    if (actual[i] !== 0) {
      ape += Math.abs(error / actual[i]!);
      apeCount++;
    }
  }
  return {
    mae: n ? absolute / n : NaN,
    rmse: n ? Math.sqrt(squared / n) : NaN,
    r2: total > 0 ? 1 - squared / total : 0,
    mape: apeCount ? (100 * ape) / apeCount : NaN,
  };
}
