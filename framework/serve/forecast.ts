import type { EndpointNode, ForecastServe } from '../compile/manifest.js';
import { didYouMean } from '../core/suggest.js';
import { frequencyMs } from '../ml/algorithms/forecast.js';
import { HttpError } from './http.js';
import { format } from './predict.js';
import type { Snapshot } from './snapshot.js';

const UNIT_MS = { minutes: 60_000, hours: 3_600_000, days: 86_400_000, weeks: 604_800_000 } as const;

/**
 * POST /v1/forecast: the entity's forecast of one metric as scored into forecasts_<model>, cut
 * at the requested horizon, its predicted threshold violations (forecast_violations_<model>)
 * and a recommendation worded from the first of them.
 */
export async function forecast(
  endpoint: EndpointNode,
  snapshot: Snapshot,
  input: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const serve = endpoint.serve as ForecastServe;
  const key = String(input[serve.key]);
  const metric = String(input.metric);
  const series = serve.metrics[metric]!;
  const step = frequencyMs(serve.frequency);
  const most = serve.horizon * step;
  const horizon = typeof input.forecast_horizon === 'string' ? horizonMs(input.forecast_horizon) : most;
  if (horizon > most)
    throw new HttpError(
      400,
      `${serve.model} forecasts at most ${spoken(most)} ahead; ask for forecast_horizon ${serve.horizon}_${serve.frequency}s or less`,
    );
  const all = snapshot.forecasts.get(endpoint.name)!;
  const rows = all.get(`${key}\u0000${series}`);
  if (!rows) {
    const keys = new Set([...all.keys()].map((id) => id.split('\u0000')[0]!));
    throw new HttpError(
      404,
      `no forecast of ${metric} for ${serve.key} "${key}"`,
      {},
      { hint: didYouMean(key, keys) ?? `${keys.size} ${serve.key}s have one` },
    );
  }
  const first = rows.points[0] ? Date.parse(String(rows.points[0].ts)) : 0;
  // The first point is one step after the last observation: the horizon counts from there.
  const within = (ts: unknown) => Date.parse(String(ts)) < first - step + horizon + 1;
  const low = serve.interval === 80 ? 'lower_80' : 'lower_95';
  const high = serve.interval === 80 ? 'upper_80' : 'upper_95';
  const violations = rows.violations
    .filter((v) => within(v.ts))
    .map((v) => ({
      timestamp: v.ts,
      predicted_value: v.value,
      threshold: v.threshold,
      severity: capitalized(String(v.severity)),
      probability: v.probability,
    }));
  const firstViolation = violations[0];
  const filled: Record<string, string> = firstViolation
    ? {
        metric,
        severity: firstViolation.severity.toLowerCase(),
        threshold: String(firstViolation.threshold),
        value: format(Number(firstViolation.predicted_value), 1),
        time: String(firstViolation.timestamp),
      }
    : { metric, horizon: spoken(horizon) };
  const template = firstViolation ? serve.recommendation.violation : serve.recommendation.none;
  const sentence = template.replace(/\{(\w+)\}/g, (whole, name: string) => filled[name] ?? whole);
  return {
    [serve.key]: input[serve.key],
    metric,
    forecast_horizon: input.forecast_horizon ?? `${serve.horizon}_${serve.frequency}s`,
    forecasted_values: rows.points
      .filter((p) => within(p.ts))
      .map((p) => ({ timestamp: p.ts, value: p.value, confidence_interval: [p[low], p[high]] })),
    confidence_level: serve.interval / 100,
    threshold_violations: violations,
    recommendation: `${sentence[0]?.toUpperCase() ?? ''}${sentence.slice(1)}`,
    model: { name: serve.model, version: rows.points[0]?.model_version ?? null },
    data_as_of: snapshot.publishedAt,
  };
}

/** 24_hours → ms (the request schema admits only <n>_<unit>). */
function horizonMs(text: string): number {
  const [count, unit] = text.split('_') as [string, keyof typeof UNIT_MS];
  return Number(count) * UNIT_MS[unit];
}

function spoken(ms: number): string {
  for (const [unit, size] of Object.entries(UNIT_MS).reverse())
    if (ms % size === 0) return `${ms / size} ${ms / size === 1 ? unit.slice(0, -1) : unit}`;
  return `${ms / 60_000} minutes`;
}

function capitalized(text: string): string {
  return `${text[0]?.toUpperCase() ?? ''}${text.slice(1)}`;
}
