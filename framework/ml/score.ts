import type { MlScoreNode } from '../compile/manifest.js';
import type { RelationCatalog } from '../run/catalog.js';
import type { NodeOutcome } from '../run/executors.js';
import { buildAndSwap } from '../run/materialize/swap.js';
import { encodeRow, encodeSql, inputWidth, type Row } from './features.js';
import { algorithms } from './algorithm.js';
import type { Connection } from '../warehouse/connection.js';
import type { Dialect } from '../warehouse/dialect.js';
import { featuresAt, withCutoff } from './query.js';
import type { ModelVersion, Registry } from './registry.js';

/**
 * Scores every entity with the promoted version, inside DuckDB: the encoding and the model are
 * one SQL expression, so a million rows never pass through JavaScript.
 */
export async function scoreModel(node: MlScoreNode, connection: Connection, context: { registry: Registry; catalog: RelationCatalog; now: Date }): Promise<NodeOutcome> {
  const version = context.registry.promotedVersion(node.model);
  if (!version) {
    const latest = context.registry.latest(node.model);
    throw new Error(
      latest
        ? `${node.model} has no promoted version to score with (${latest.version} did not pass promote_if)`
        : `${node.model} has no trained version yet (not enough rows for min_rows, or training failed)`,
    );
  }
  const { dialect } = connection;
  const now = dialect.timestamp(context.now);
  const features = featuresAt(node.featureSet, now, dialect);
  const entity = dialect.identifier(node.featureSet.entity);
  const filter = node.entitiesSql ? ` WHERE ${entity} IN (SELECT * FROM (${withCutoff(node.entitiesSql, now)}))` : '';
  const sql = `SELECT ${entity}, ${predictionColumns(version, dialect)}, ${dialect.literal(version.version)} AS model_version, ${now} AS scored_at\nFROM (${features})${filter}\nORDER BY ${entity}`;
  const rows = await buildAndSwap(connection, context.catalog, node.relation, (staging) => connection.execute(dialect.createAs('table', staging, sql, { replace: true })));
  return { rows, action: `scored with ${version.version}` };
}

function predictionColumns(version: ModelVersion, dialect: Dialect): string {
  const probabilities = algorithms[version.weights.algorithm].sql(version.weights, encodeSql(version.features, dialect));
  const literal = (value: string | number | boolean) => dialect.literal(value);
  if (probabilities.length === 2) {
    return `${probabilities[1]} AS probability, CASE WHEN ${probabilities[1]} >= 0.5 THEN ${literal(version.classes[1]!)} ELSE ${literal(version.classes[0]!)} END AS predicted_class`;
  }
  const best = dialect.argMax(probabilities, version.classes.map(literal));
  return `${best.value} AS probability, ${best.label} AS predicted_class`;
}

/** One prediction in JavaScript, for `plat ml predict`; the same encoding and weights as scoring. */
export function predictOne(version: ModelVersion, row: Row): { predicted_class: string | number | boolean; probability: number; probabilities: Record<string, number> } {
  const input = new Float64Array(inputWidth(version.features));
  encodeRow(version.features, row, input, 0);
  const probabilities = algorithms[version.weights.algorithm].predict(version.weights, input);
  const best = probabilities.indexOf(Math.max(...probabilities));
  return {
    predicted_class: version.classes[best]!,
    probability: version.classes.length === 2 ? probabilities[1]! : probabilities[best]!,
    probabilities: Object.fromEntries(version.classes.map((c, i) => [String(c), probabilities[i]!])),
  };
}
