/** Forecast accuracy on a held-out tail: percentages for MAPE and sMAPE, as statsmodels and most tools report. */
export interface ForecastMetrics {
  /** Mean |error| / |actual| × 100, over points whose actual is not 0. */
  mape: number;
  /** Mean 2|error| / (|actual| + |forecast|) × 100. */
  smape: number;
  mae: number;
  /** Share of actuals inside the 80 % and 95 % intervals. */
  coverage_80: number;
  coverage_95: number;
  points: number;
}

export interface ForecastAgainstActual {
  actual: number;
  value: number;
  lower80: number;
  upper80: number;
  lower95: number;
  upper95: number;
}

export function forecastMetrics(points: readonly ForecastAgainstActual[]): ForecastMetrics {
  let ape = 0;
  let apeCount = 0;
  let sape = 0;
  let sapeCount = 0;
  let absolute = 0;
  let in80 = 0;
  let in95 = 0;
  for (const p of points) {
    const error = Math.abs(p.actual - p.value);
    absolute += error;
    if (p.actual !== 0) {
      ape += error / Math.abs(p.actual);
      apeCount++;
    }
    const denominator = Math.abs(p.actual) + Math.abs(p.value);
    if (denominator > 0) {
      sape += (2 * error) / denominator;
      sapeCount++;
    }
    if (p.actual >= p.lower80 && p.actual <= p.upper80) in80++;
    if (p.actual >= p.lower95 && p.actual <= p.upper95) in95++;
  }
  const n = points.length;
  return {
    mape: apeCount ? (100 * ape) / apeCount : NaN,
    smape: sapeCount ? (100 * sape) / sapeCount : 0,
    mae: n ? absolute / n : NaN,
    coverage_80: n ? in80 / n : NaN,
    coverage_95: n ? in95 / n : NaN,
    points: n,
  };
}
