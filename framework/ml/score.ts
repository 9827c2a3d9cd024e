import type { MlScoreNode } from '../compile/manifest.js';
import type { RelationCatalog } from '../run/catalog.js';
import type { NodeOutcome } from '../run/executors.js';
import { buildAndSwap } from '../run/materialize/swap.js';
import { encodeRow, encodeSql, inputWidth, type Row } from './features.js';
import { algorithms } from './algorithm.js';
import type { Connection } from '../warehouse/connection.js';
import type { Dialect } from '../warehouse/dialect.js';
import { featuresAt, withCutoff } from './query.js';
import { type Prediction, tasks } from './tasks.js';
import type { ModelVersion, Registry } from './registry.js';

/**
 * Scores every entity with the promoted version, inside the warehouse: the encoding and the
 * model are one SQL expression, so a million rows never pass through JavaScript.
 */
export async function scoreModel(
  node: MlScoreNode,
  connection: Connection,
  context: { registry: Registry; catalog: RelationCatalog; now: Date },
): Promise<NodeOutcome> {
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
  const rows = await buildAndSwap(connection, context.catalog, node.relation, (staging) =>
    connection.execute(dialect.createAs('table', staging, sql, { replace: true })),
  );
  return { rows, action: `scored with ${version.version}` };
}

/** The model's outputs as SQL over the encoded features, in the columns its task gives predictions tables. */
function predictionColumns(version: ModelVersion, dialect: Dialect): string {
  const algorithm = algorithms[version.algorithm];
  if (!algorithm.sql) throw new Error(`${version.algorithm} cannot score in SQL yet`);
  const outputs = algorithm.sql(version.trained, encodeSql(version.features, dialect), dialect);
  return tasks[version.task].columns(outputs, version.classes, dialect);
}

/** One prediction in JavaScript, for `plat ml predict` and agent tools; the same encoding and model as scoring. */
export function predictOne(version: ModelVersion, row: Row): Prediction {
  const input = new Float64Array(inputWidth(version.features));
  encodeRow(version.features, row, input, 0);
  return tasks[version.task].prediction(algorithms[version.algorithm].predict(version.trained, input), version.classes);
}
