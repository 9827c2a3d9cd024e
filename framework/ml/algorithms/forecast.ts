/**
 * Forecasting equipment metrics: one series per entity (entity, time, value), put on a regular
 * grid of `frequencyMs`, fitted with additive Holt–Winters, forecast `horizon` steps ahead with
 * 80 % and 95 % intervals, and backtested on a held-out tail.
 *
 * Missing periods (no row, or a NULL value) are filled by linear interpolation between the
 * nearest observed neighbours (the first or last observed value at the ends); several rows in one
 * period are averaged. The counts are reported so that a mostly-interpolated series shows.
 */
import { forecastMetrics, type ForecastMetrics } from '../metrics_forecast.js';
import { fitHoltWinters, forecastHoltWinters, type ForecastPoint, type HoltWintersModel } from './holt_winters.js';

export interface SeriesPoint {
  /** Epoch milliseconds. */
  ts: number;
  value: number | null;
}

export interface ForecastSpec {
  frequencyMs: number;
  horizon: number;
  /** Steps per season (24 for a daily cycle of hourly data); 0 or 1 for none. */
  period: number;
}

export interface RegularSeries {
  start: number;
  values: number[];
  /** Periods that had no observed value and were interpolated. */
  filled: number;
}

export type ForecastRow = { ts: number } & ForecastPoint;

export interface SeriesForecast {
  model: HoltWintersModel;
  rows: ForecastRow[];
  filled: number;
}

const NAMED_FREQUENCIES = { minute: 60_000, hour: 3_600_000, day: 86_400_000, week: 604_800_000 } as const;

/** Milliseconds per step for a named frequency (months vary in length and are not offered). */
export function frequencyMs(name: keyof typeof NAMED_FREQUENCIES): number {
  return NAMED_FREQUENCIES[name];
}

export function regularize(points: readonly SeriesPoint[], step: number): RegularSeries {
  const observed = points.filter((p) => p.value !== null && Number.isFinite(p.value));
  if (observed.length === 0) return { start: points[0]?.ts ?? 0, values: [], filled: 0 };
  const start = Math.min(...points.map((p) => p.ts));
  const end = Math.max(...points.map((p) => p.ts));
  const length = Math.round((end - start) / step) + 1;
  const sums = new Float64Array(length);
  const counts = new Uint32Array(length);
  for (const p of observed) {
    const k = Math.round((p.ts - start) / step);
    sums[k] = sums[k]! + p.value!;
    counts[k]!++;
  }
  const known = Array.from({ length }, (_, k) => k).filter((k) => counts[k]! > 0);
  const values = new Array<number>(length);
  for (const k of known) values[k] = sums[k]! / counts[k]!;
  for (let j = 0; j <= known.length; j++) {
    const before = known[j - 1];
    const after = known[j];
    const from = before === undefined ? 0 : before + 1;
    const to = after === undefined ? length : after;
    for (let k = from; k < to; k++) {
      if (before === undefined) values[k] = values[after!]!;
      else if (after === undefined) values[k] = values[before]!;
      else values[k] = values[before]! + ((values[after]! - values[before]!) * (k - before)) / (after - before);
    }
  }
  return { start, values, filled: length - known.length };
}

export function forecastSeries(points: readonly SeriesPoint[], spec: ForecastSpec): SeriesForecast {
  const series = regularize(points, spec.frequencyMs);
  const model = fitHoltWinters(series.values, spec.period);
  const last = series.start + (series.values.length - 1) * spec.frequencyMs;
  const rows = forecastHoltWinters(model, spec.horizon).map((point, h) => ({ ts: last + (h + 1) * spec.frequencyMs, ...point }));
  return { model, rows, filled: series.filled };
}

/**
 * Fits on all but the last `holdout` periods (default: the horizon), forecasts them and compares.
 * Null when the series is too short to leave three observations to fit on.
 */
export function backtest(points: readonly SeriesPoint[], spec: ForecastSpec, holdout = spec.horizon): ForecastMetrics | null {
  const { values } = regularize(points, spec.frequencyMs);
  if (values.length - holdout < 3) return null;
  const model = fitHoltWinters(values.slice(0, values.length - holdout), spec.period);
  const forecast = forecastHoltWinters(model, holdout);
  return forecastMetrics(forecast.map((f, h) => ({ ...f, actual: values[values.length - holdout + h]! })));
}

/** Groups rows by entity (in first-seen order) for `forecastSeries` / `backtest`. */
export function seriesByEntity<E>(rows: Iterable<{ entity: E; ts: number; value: number | null }>): Map<E, SeriesPoint[]> {
  const out = new Map<E, SeriesPoint[]>();
  for (const { entity, ts, value } of rows) {
    const list = out.get(entity) ?? [];
    list.push({ ts, value });
    out.set(entity, list);
  }
  return out;
}
