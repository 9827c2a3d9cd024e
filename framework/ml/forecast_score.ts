/**
 * Scoring a forecast: each series' future points with their 80 % and 95 % intervals, from the
 * states training left (forecasts_<model>), and the points whose value crosses a declared
 * warning or critical level (forecast_violations_<model>). A few hundred rows per entity at most,
 * so they are computed in JavaScript and loaded, not written as SQL.
 */
import type { ForecastSettings, MlScoreNode } from '../compile/manifest.js';
import type { RelationCatalog } from '../run/catalog.js';
import type { NodeOutcome } from '../run/executors.js';
import { buildAndSwap } from '../run/materialize/swap.js';
import type { Connection } from '../warehouse/connection.js';
import type { ColumnInfo, Relation } from '../warehouse/types.js';
import { forecastHoltWinters } from './algorithms/holt_winters.js';
import { predictedViolations } from './algorithms/violations.js';
import type { ForecastModel } from './forecast_train.js';
import { featuresAt } from './query.js';
import type { ModelVersion } from './registry.js';

export async function scoreForecast(
  node: MlScoreNode,
  version: ModelVersion,
  connection: Connection,
  context: { catalog: RelationCatalog; now: Date },
): Promise<NodeOutcome> {
  const { dialect } = connection;
  const trained = version.trained as ForecastModel;
  const { thresholds } = (version.spec as { forecast: ForecastSettings }).forecast;
  const entity = node.featureSet.entity;
  const entityType = (await connection.describe(featuresAt(node.featureSet, dialect.timestamp(context.now), dialect))).find(
    (c) => c.name === entity,
  )!.type;
  const { text, double, timestamptz } = dialect.types;
  const iso = (ms: number) => new Date(ms).toISOString();
  const scoredAt = context.now.toISOString();
  const points: unknown[][] = [];
  const violations: unknown[][] = [];
  for (const series of trained.series) {
    const rows = forecastHoltWinters(series.model, trained.horizon).map((p, h) => ({ ts: series.last + (h + 1) * trained.stepMs, ...p }));
    for (const p of rows)
      points.push([
        series.entity,
        series.metric,
        iso(p.ts),
        p.value,
        p.lower80,
        p.upper80,
        p.lower95,
        p.upper95,
        version.version,
        scoredAt,
      ]);
    const levels = thresholds[series.metric];
    if (!levels) continue;
    const declared = { direction: levels.direction, warning: levels.warning ?? undefined, critical: levels.critical ?? undefined };
    for (const v of predictedViolations(series.entity, rows, declared))
      violations.push([v.entity, series.metric, iso(v.ts), v.value, v.threshold, v.severity, v.probability, version.version, scoredAt]);
  }
  const load = (relation: Relation, columns: ColumnInfo[], rows: unknown[][]) =>
    buildAndSwap(connection, context.catalog, relation, async (staging) => {
      await connection.execute(dialect.createTable(staging, columns, { replace: true }));
      return connection.bulkLoad(staging, rows);
    });
  const key = { name: entity, type: entityType };
  const tail = [
    { name: 'model_version', type: text },
    { name: 'scored_at', type: timestamptz },
  ];
  const written = await load(
    node.relation,
    [
      key,
      { name: 'metric', type: text },
      { name: 'ts', type: timestamptz },
      ...['value', 'lower_80', 'upper_80', 'lower_95', 'upper_95'].map((name) => ({ name, type: double })),
      ...tail,
    ],
    points,
  );
  await load(
    node.violations!,
    [
      key,
      { name: 'metric', type: text },
      { name: 'ts', type: timestamptz },
      { name: 'value', type: double },
      { name: 'threshold', type: double },
      { name: 'severity', type: text },
      { name: 'probability', type: double },
      ...tail,
    ],
    violations,
  );
  return { rows: written, action: `forecast with ${version.version}: ${violations.length} predicted violations` };
}
