import type { ForecastSettings, Manifest, MlTrainNode } from '../compile/manifest.js';
import { featuresAt } from '../ml/query.js';
import type { Connection } from '../warehouse/connection.js';

/** How many series a forecast's page carries: the site is a snapshot, not a browser of every machine. */
const ENTITIES = 8;

/** One entity's metric on a forecast page: the latest history, then each future step with its 80 % and 95 % intervals. */
export interface ForecastSeries {
  entity: string;
  metric: string;
  /** [epoch ms, value] */
  history: [number, number][];
  /** [epoch ms, value, lower 80, upper 80, lower 95, upper 95] */
  forecast: number[][];
  thresholds: ForecastSettings['thresholds'][string] | null;
}

/**
 * A forecast model's series for its page: the first entities of its forecasts table, each
 * metric's last three horizons of history and the scored future. Null before it is scored.
 */
export async function forecastSeries(
  session: Connection,
  manifest: Manifest,
  node: Extract<MlTrainNode, { task: 'forecast' }>,
  now: Date,
): Promise<ForecastSeries[] | null> {
  const scores = Object.values(manifest.nodes).find((n) => n.kind === 'ml_score' && n.trainNode === node.uniqueId);
  if (scores?.kind !== 'ml_score') return null;
  const { dialect } = session;
  const q = (name: string) => dialect.identifier(name);
  const entity = node.featureSet.entity;
  const metrics = node.featureSet.features.map((f) => f.name);
  const table = dialect.relation(scores.relation);
  let future: Record<string, unknown>[];
  try {
    const entities = await session.query(`SELECT DISTINCT ${q(entity)} AS e FROM ${table} ORDER BY 1 LIMIT ${ENTITIES}`);
    if (entities.length === 0) return [];
    const chosen = entities.map((r) => dialect.literal(r.e)).join(', ');
    future = await session.query(
      `SELECT ${dialect.cast(q(entity), dialect.types.text)} AS e, metric, ${dialect.epochMilliseconds('ts')} AS t, value, lower_80, upper_80, lower_95, upper_95 FROM ${table} WHERE ${q(entity)} IN (${chosen}) ORDER BY 1, 2, 3`,
    );
    const past = await session.query(
      `SELECT ${dialect.cast(q(entity), dialect.types.text)} AS e, ${dialect.epochMilliseconds(q(node.forecast.time))} AS t, ${metrics.map((m) => `${dialect.cast(q(m), dialect.types.double)} AS ${q(m)}`).join(', ')} FROM (${featuresAt(node.featureSet, dialect.timestamp(now), dialect)}) AS f WHERE ${q(entity)} IN (${chosen}) ORDER BY 1, 2`,
    );
    return assemble(node.forecast, metrics, future, past);
  } catch {
    // Not built yet, or dropped since: the page shows the backtest without the chart.
    return null;
  }
}

function assemble(
  settings: ForecastSettings,
  metrics: string[],
  future: Record<string, unknown>[],
  past: Record<string, unknown>[],
): ForecastSeries[] {
  const keep = 3 * settings.horizon;
  const series: ForecastSeries[] = [];
  for (const e of [...new Set(future.map((r) => String(r.e)))]) {
    const history = past.filter((r) => String(r.e) === e);
    for (const metric of metrics) {
      const ahead = future.filter((r) => String(r.e) === e && r.metric === metric);
      if (ahead.length === 0) continue;
      series.push({
        entity: e,
        metric,
        history: history
          .filter((r) => r[metric] !== null)
          .slice(-keep)
          .map((r) => [Number(r.t), Number(r[metric])]),
        forecast: ahead.map((r) => ['t', 'value', 'lower_80', 'upper_80', 'lower_95', 'upper_95'].map((k) => Number(r[k]))),
        thresholds: settings.thresholds[metric] ?? null,
      });
    }
  }
  return series;
}
