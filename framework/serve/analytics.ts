import type { AnalyticsServe, EndpointNode } from '../compile/manifest.js';
import type { InsightCondition, MetricSpec } from '../project/spec.js';
import { HttpError } from './http.js';
import { format } from './predict.js';
import type { Snapshot } from './snapshot.js';

const UNIT_MS = { hours: 3_600_000, days: 86_400_000 } as const;
const DEFAULT_RANGE = 'last_7_days';

/** The figures an analysis found, for insights worded by an LLM from the same numbers. */
export interface AnalyticsFigures {
  entity: string;
  analysis: string;
  period: { start: string; end: string };
  current: Record<string, number | null>;
  previous: Record<string, number | null>;
  insights: string[];
}

/** Words insights from the figures (an LLM, when one is reachable); null keeps the rule-based ones. */
export type InsightWriter = (figures: AnalyticsFigures) => Promise<string[] | null>;

/**
 * POST /v1/analytics: the declared figures of one entity over the period (time_range counted
 * back from the data's as_of) and the period before it, each metric's trend, and the insights
 * whose declared conditions hold.
 */
export async function analytics(
  endpoint: EndpointNode,
  snapshot: Snapshot,
  input: Record<string, unknown>,
  writer: InsightWriter | null = null,
): Promise<Record<string, unknown>> {
  const serve = endpoint.serve as AnalyticsServe;
  const choice = serve.choose ? String(input[serve.choose]) : Object.keys(serve.analyses)[0]!;
  const analysis = serve.analyses[choice]!;
  const range = typeof input.time_range === 'string' ? input.time_range : DEFAULT_RANGE;
  const [, count, unit] = range.split('_') as [string, string, keyof typeof UNIT_MS];
  const length = Number(count) * UNIT_MS[unit];
  const asOf = serve.asOf ? (Object.values((await snapshot.query(serve.asOf))[0] ?? {})[0] ?? null) : new Date().toISOString();
  if (asOf === null) throw new HttpError(503, 'as_of found no time: is the data empty?');
  // The period ends just after the newest row, so that row is in it.
  const end = Date.parse(String(asOf).replace(' ', 'T')) + 1;
  const figures = async (from: number, to: number) => {
    const params = { ...input, [serve.key]: input[serve.key], start: sqlTime(from), end: sqlTime(to) };
    const [row] = await snapshot.query(analysis.sql, params);
    return Object.fromEntries(Object.keys(analysis.metrics).map((m) => [m, typeof row?.[m] === 'number' ? (row[m] as number) : null]));
  };
  const current = await figures(end - length, end);
  const previous = await figures(end - 2 * length, end - length);
  if (Object.values(current).every((v) => v === null))
    throw new HttpError(
      404,
      `no figures for ${serve.key} "${String(input[serve.key])}" in the ${range.replace(/_/g, ' ')} before ${String(asOf)}`,
    );
  const metrics: Record<string, string | null> = {};
  const trends: Record<string, string> = {};
  const changes: Record<string, number | null> = {};
  for (const [name, spec] of Object.entries(analysis.metrics)) {
    metrics[name] = shown(current[name] ?? null, spec);
    changes[name] = changeOf(current[name] ?? null, previous[name] ?? null, spec);
    trends[spec.label ?? name] = trend(changes[name], spec);
  }
  const holds = (c: InsightCondition) => {
    const value = current[c.metric] ?? null;
    const change = changes[c.metric] ?? null;
    if (c.above !== undefined && !(value !== null && value > c.above)) return false;
    if (c.below !== undefined && !(value !== null && value < c.below)) return false;
    if (c.trend === 'up' && !(change !== null && change > (c.min_change ?? 0))) return false;
    if (c.trend === 'down' && !(change !== null && change < -(c.min_change ?? 0))) return false;
    return true;
  };
  const words: Record<string, string> = {};
  for (const [name, spec] of Object.entries(analysis.metrics)) {
    words[name] = metrics[name] ?? 'n/a';
    words[`${name}_change`] = changes[name] === null ? 'n/a' : changeText(changes[name]!, spec);
  }
  const ruled = analysis.insights
    .filter((insight) => insight.when.every(holds))
    .map((insight) => insight.text.replace(/\{(\w+)\}/g, (whole, name: string) => words[name] ?? whole));
  const period = { start: iso(end - length), end: iso(end) };
  const written = writer
    ? await writer({ entity: String(input[serve.key]), analysis: choice, period, current, previous, insights: ruled }).catch(() => null)
    : null;
  return {
    [serve.key]: input[serve.key],
    ...(serve.choose ? { [serve.choose]: choice } : {}),
    time_range: range,
    period,
    metrics,
    trends,
    insights: written ?? ruled,
    insights_by: written ? 'llm' : 'rules',
    figures: { current, previous },
    data_as_of: snapshot.publishedAt,
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * A time as the text `$start` and `$end` bind: '2026-11-15 23:58:57.023 UTC', which DuckDB and
 * Trino both cast to a timestamp (with or without time zone); Trino's CAST refuses ISO-8601's
 * '…T23:58:57.023Z'.
 */
function sqlTime(ms: number): string {
  return `${iso(ms).replace('T', ' ').replace('Z', '')} UTC`;
}

function shown(value: number | null, spec: MetricSpec): string | null {
  return value === null ? null : `${format(value, spec.decimals ?? 1)}${spec.unit ?? ''}`;
}

/** The change against the previous period: in % of it (relative), or in the metric's own unit (difference). */
function changeOf(current: number | null, previous: number | null, spec: MetricSpec): number | null {
  if (current === null || previous === null) return null;
  if (spec.change === 'difference') return current - previous;
  return previous === 0 ? null : (100 * (current - previous)) / Math.abs(previous);
}

function changeText(change: number, spec: MetricSpec): string {
  if (spec.change !== 'difference') return `${format(Math.abs(change), 1)}%`;
  return `${format(Math.abs(change), spec.decimals ?? 1)}${spec.unit === '%' ? ' points' : (spec.unit ?? '')}`;
}

function trend(change: number | null, spec: MetricSpec): string {
  if (change === null) return 'no previous period to compare with';
  const arrow = change > 0 ? '↑' : change < 0 ? '↓' : '→';
  return `${arrow} ${changeText(change, spec)} vs previous period`;
}
