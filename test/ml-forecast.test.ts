import { describe, expect, it } from 'vitest';
import { seasonalSeries } from '../bench/ml_data.js';
import {
  backtest,
  forecastSeries,
  frequencyMs,
  regularize,
  seriesByEntity,
  type SeriesPoint,
} from '../framework/ml/algorithms/forecast.js';
import { fitHoltWinters, forecastHoltWinters, Z95 } from '../framework/ml/algorithms/holt_winters.js';
import { minimize } from '../framework/ml/algorithms/nelder_mead.js';
import { normalCdf, predictedViolations } from '../framework/ml/algorithms/violations.js';
import { forecastMetrics } from '../framework/ml/metrics_forecast.js';

const hour = frequencyMs('hour');
const points = (values: readonly (number | null)[], start = Date.UTC(2024, 0, 1)): SeriesPoint[] =>
  values.map((value, k) => ({ ts: start + k * hour, value }));

describe('Holt-Winters forecasting', () => {
  it('recovers a seasonal series with trend: small backtest error', () => {
    const y = seasonalSeries(24 * 21, 24, 7);
    const metrics = backtest(points(y), { frequencyMs: hour, horizon: 48, period: 24 })!;
    expect(metrics.points).toBe(48);
    expect(metrics.mape).toBeLessThan(3);
    const model = fitHoltWinters(y, 24);
    expect(model.period).toBe(24);
    expect(model.alpha).toBeGreaterThan(0);
    expect(model.beta).toBeLessThan(model.alpha);
    expect(model.gamma).toBeLessThan(1 - model.alpha);
  });

  it('covers the truth at about the nominal rate of its 80 % and 95 % intervals', () => {
    const tail: Parameters<typeof forecastMetrics>[0][number][] = [];
    for (let s = 0; s < 60; s++) {
      const y = seasonalSeries(24 * 14 + 24, 24, 1000 + s);
      const forecast = forecastHoltWinters(fitHoltWinters(y.slice(0, 24 * 14), 24), 24);
      tail.push(...forecast.map((f, h) => ({ ...f, actual: y[24 * 14 + h]! })));
    }
    const { coverage_80, coverage_95 } = forecastMetrics(tail);
    expect(coverage_95).toBeGreaterThan(0.85);
    expect(coverage_95).toBeLessThanOrEqual(1);
    expect(coverage_80).toBeGreaterThan(0.68);
    expect(coverage_80).toBeLessThan(0.92);
  });

  it('widens intervals with the horizon, by the ETS(A,A,A) variance formula', () => {
    const model = { alpha: 0.5, beta: 0.1, gamma: 0.2, period: 4, level: 10, trend: 1, season: [1, 2, 3, 4], sigma2: 4, observations: 20 };
    const [h1, h2, , , h5] = forecastHoltWinters(model, 5);
    expect(h1!.value).toBe(10 + 1 + 1);
    expect(h5!.value).toBe(10 + 5 + 1);
    expect(h1!.sd).toBeCloseTo(2, 12);
    expect(h2!.sd).toBeCloseTo(Math.sqrt(4 * (1 + 0.6 ** 2)), 12);
    // j = 4 is a full season: γ joins that step's coefficient.
    const c = (j: number) => 0.5 + 0.1 * j + (j % 4 === 0 ? 0.2 : 0);
    expect(h5!.sd).toBeCloseTo(Math.sqrt(4 * (1 + c(1) ** 2 + c(2) ** 2 + c(3) ** 2 + c(4) ** 2)), 12);
    expect(h5!.upper95 - h5!.value).toBeCloseTo(Z95 * h5!.sd, 12);
  });

  it('drops the season when the series holds fewer than two cycles', () => {
    const model = fitHoltWinters([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 24);
    expect(model.period).toBe(0);
    expect(forecastHoltWinters(model, 2).map((f) => f.value)).toEqual([expect.closeTo(11, 3), expect.closeTo(12, 3)]);
  });

  it('fills missing periods by linear interpolation and averages rows of one period', () => {
    const start = Date.UTC(2024, 0, 1);
    const series = regularize(
      [
        { ts: start, value: 1 },
        { ts: start + hour, value: null },
        { ts: start + 3 * hour, value: 7 },
        { ts: start + 3 * hour + 60_000, value: 9 },
      ],
      hour,
    );
    // 7 and 9 share the fourth hour (8); the two empty hours lie on the line from 1 to 8.
    expect(series).toEqual({ start, values: [1, expect.closeTo(10 / 3, 12), expect.closeTo(17 / 3, 12), 8], filled: 2 });
  });

  it('forecasts each entity on its own grid, starting one step after its last observation', () => {
    const start = Date.UTC(2024, 0, 1);
    const rows = [
      ...seasonalSeries(96, 24, 1).map((value, k) => ({ entity: 'press_1', ts: start + k * hour, value })),
      ...seasonalSeries(72, 24, 2).map((value, k) => ({ entity: 'press_2', ts: start + k * hour, value })),
    ];
    const byEntity = seriesByEntity(rows);
    expect([...byEntity.keys()]).toEqual(['press_1', 'press_2']);
    const second = forecastSeries(byEntity.get('press_2')!, { frequencyMs: hour, horizon: 3, period: 24 });
    expect(second.rows.map((r) => r.ts)).toEqual([start + 72 * hour, start + 73 * hour, start + 74 * hour]);
    for (const r of second.rows)
      expect(r.lower95 < r.lower80 && r.lower80 < r.value && r.value < r.upper80 && r.upper80 < r.upper95).toBe(true);
  });
});

describe('forecast metrics and violations', () => {
  it('computes MAPE, sMAPE, MAE and coverage on a hand-checked case', () => {
    const metrics = forecastMetrics([
      { actual: 100, value: 110, lower80: 105, upper80: 115, lower95: 95, upper95: 125 },
      { actual: 50, value: 40, lower80: 35, upper80: 55, lower95: 30, upper95: 60 },
    ]);
    expect(metrics.mape).toBeCloseTo(((10 / 100 + 10 / 50) / 2) * 100, 12);
    expect(metrics.smape).toBeCloseTo(((20 / 210 + 20 / 90) / 2) * 100, 12);
    expect(metrics.mae).toBe(10);
    expect(metrics.coverage_80).toBe(0.5);
    expect(metrics.coverage_95).toBe(1);
  });

  it('lists forecast points beyond warning and critical levels, with the chance of crossing', () => {
    const forecast = [80, 92, 97, 101].map((value, k) => ({ ts: k, value, sd: 2, lower80: 0, upper80: 0, lower95: 0, upper95: 0 }));
    const violations = predictedViolations('pump_7', forecast, { direction: 'above', warning: 90, critical: 100 });
    expect(violations.map((v) => [v.ts, v.severity, v.threshold])).toEqual([
      [1, 'warning', 90],
      [2, 'warning', 90],
      [3, 'critical', 100],
    ]);
    expect(violations[2]!.probability).toBeCloseTo(normalCdf(0.5), 6);
    expect(predictedViolations('pump_7', forecast, { direction: 'below', warning: 85 }).map((v) => v.ts)).toEqual([0]);
  });

  it('has a normal CDF accurate to 1e-6', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959963984540054)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-1.2815515655446004)).toBeCloseTo(0.1, 6);
  });

  it('minimises a Rosenbrock valley with Nelder-Mead', () => {
    const { point } = minimize(([a, b]) => (1 - a!) ** 2 + 100 * (b! - a! * a!) ** 2, [-1.2, 1], {
      step: 0.5,
      maxEvaluations: 5000,
      tolerance: 1e-14,
    });
    expect(point[0]).toBeCloseTo(1, 3);
    expect(point[1]).toBeCloseTo(1, 3);
  });
});
