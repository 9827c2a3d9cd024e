/**
 * Training a forecast: for each entity and each metric (a feature of the set), the series on a
 * regular grid, a backtest (fit on all but the last `holdout` steps, forecast them, compare),
 * then the fit on the whole series, whose final states the registry keeps. Scoring forecasts
 * from those states alone, so it needs no data.
 */
import type { ForecastTrainNode } from '../compile/manifest.js';
import { frequencyMs, regularize, type SeriesPoint } from './algorithms/forecast.js';
import { fitHoltWinters, forecastHoltWinters, type HoltWintersModel } from './algorithms/holt_winters.js';
import type { Row } from './features.js';
import type { Metrics } from './metrics.js';
import { type ForecastAgainstActual, forecastMetrics } from './metrics_forecast.js';

/** The column of epoch milliseconds the training query adds for a forecast's time column. */
export const FORECAST_TS = '__plat_ts';

export interface ForecastModel {
  algorithm: 'holt_winters';
  stepMs: number;
  horizon: number;
  /** One fitted series per entity and metric; `last` is the epoch ms of its last step. */
  series: { entity: string | number; metric: string; last: number; filled: number; model: HoltWintersModel }[];
}

export function trainForecast(node: ForecastTrainNode, rows: readonly Row[]): { trained: ForecastModel; metrics: Metrics; points: number } {
  const { forecast } = node;
  const stepMs = frequencyMs(forecast.frequency);
  const byEntity = new Map<string | number, Row[]>();
  for (const row of rows) {
    const entity = entityValue(row[node.featureSet.entity]);
    const list = byEntity.get(entity) ?? [];
    list.push(row);
    byEntity.set(entity, list);
  }
  const trained: ForecastModel = { algorithm: 'holt_winters', stepMs, horizon: forecast.horizon, series: [] };
  const pooled: ForecastAgainstActual[] = [];
  const byMetric: Record<string, Record<string, number>> = {};
  let points = 0;
  for (const { name: metric } of node.featureSet.features) {
    const tested: ForecastAgainstActual[] = [];
    for (const [entity, list] of byEntity) {
      const series: SeriesPoint[] = list.map((r) => ({ ts: Number(r[FORECAST_TS]), value: numberOrNull(r[metric]) }));
      const { start, values, filled } = regularize(series, stepMs);
      if (values.length < 3) continue;
      points += values.length;
      if (values.length - forecast.holdout >= 3) {
        const fit = fitHoltWinters(values.slice(0, values.length - forecast.holdout), forecast.season);
        forecastHoltWinters(fit, forecast.holdout).forEach((f, h) => {
          tested.push({ ...f, actual: values[values.length - forecast.holdout + h]! });
        });
      }
      const model = fitHoltWinters(values, forecast.season);
      trained.series.push({ entity, metric, last: start + (values.length - 1) * stepMs, filled, model });
    }
    for (const point of tested) pooled.push(point);
    if (tested.length) byMetric[metric] = { ...forecastMetrics(tested) };
  }
  const overall = pooled.length ? forecastMetrics(pooled) : null;
  const metrics: Metrics = Object.fromEntries(
    node.metrics.filter((m) => overall && Number.isFinite(overall[m as keyof typeof overall])).map((m) => [m, overall![m as 'mape']]),
  );
  return { trained, metrics: { ...metrics, by_metric: byMetric }, points };
}

function entityValue(value: unknown): string | number {
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number' || typeof value === 'string') return value;
  return String(value);
}

function numberOrNull(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}
