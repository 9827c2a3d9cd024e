import type { MlScoreNode, MlTrainNode, PredictiveTrainNode } from '../compile/manifest.js';
import type { RelationCatalog } from '../run/catalog.js';
import type { NodeOutcome } from '../run/executors.js';
import { buildAndSwap } from '../run/materialize/swap.js';
import type { Connection } from '../warehouse/connection.js';
import type { Relation } from '../warehouse/types.js';
import { algorithms } from './algorithm.js';
import { topFeatures } from './explanations.js';
import { encodeRow, inputWidth, type Row } from './features.js';
import { featuresAt, withCutoff } from './query.js';
import { isPredictive, type ModelVersion, type PredictiveVersion, type Registry } from './registry.js';
import { scoreForecast } from './forecast_score.js';
import { PlatError } from '../core/errors.js';
import { predictionSteps } from './score_sql.js';
import { type Prediction, tasks } from './tasks.js';

/**
 * Scores every entity with the promoted version, inside the warehouse: the encoding and the
 * model are SQL, so a million rows never pass through JavaScript. The `contributions` column
 * (each prediction's top features) is the exception: it is computed in JavaScript for the scored
 * rows and joined in, because per-feature contributions of a tree ensemble in SQL cost about one
 * extra ensemble per feature.
 */
export async function scoreModel(
  node: MlScoreNode,
  connection: Connection,
  context: { registry: Registry; catalog: RelationCatalog; now: Date; train: MlTrainNode },
): Promise<NodeOutcome> {
  const version = context.registry.promotedVersion(node.model);
  if (!version) {
    const latest = context.registry.latest(node.model);
    // A model no version of which was ever trained (too little history yet, as on a fresh stream)
    // leaves an empty table with its columns, so marts that join its predictions still build.
    if (!latest && context.train.task !== 'forecast') return emptyPredictions(node, context.train, connection, context);
    throw new Error(
      latest
        ? `${node.model} has no promoted version to score with (${latest.version} did not pass promote_if)`
        : `${node.model} has no trained version yet (not enough rows for min_rows, or training failed)`,
    );
  }
  if (!isPredictive(version)) return scoreForecast(node, version, connection, context);
  const { dialect } = connection;
  const now = dialect.timestamp(context.now);
  const entity = node.featureSet.entity;
  const e = dialect.identifier(entity);
  const filter = node.entitiesSql ? ` WHERE ${e} IN (SELECT * FROM (${withCutoff(node.entitiesSql, now)}))` : '';
  const scored = `SELECT * FROM (${featuresAt(node.featureSet, now, dialect)})${filter}`;
  const explained: Relation = { schema: node.relation.schema, name: `${node.relation.name}__plat_contributions` };
  const join = node.contributions > 0;
  const predictions = predictionSteps(version, entity, scored, dialect, (suffix) => ({
    schema: node.relation.schema,
    name: `${node.relation.name}${suffix}`,
  }));
  const columns = `p.*, ${dialect.literal(version.version)} AS model_version, ${now} AS scored_at${join ? ', c.contributions' : ''}`;
  const from = join
    ? `(${predictions.select}) AS p LEFT JOIN ${dialect.relation(explained)} AS c ON p.${e} = c.${e}`
    : `(${predictions.select}) AS p`;
  try {
    if (join) await loadContributions(version, scored, entity, node.contributions, explained, connection);
    for (const statement of predictions.before) await connection.execute(statement);
    const rows = await buildAndSwap(connection, context.catalog, node.relation, (staging) =>
      connection.execute(dialect.createAs('table', staging, `SELECT ${columns}\nFROM ${from}\nORDER BY p.${e}`, { replace: true })),
    );
    return { rows, action: `scored with ${version.version}` };
  } finally {
    for (const table of [...(join ? [explained] : []), ...predictions.scratch])
      await connection.execute(dialect.drop(table, 'table', { ifExists: true }));
  }
}

/** Each scored row's top contributions as JSON text, computed in JavaScript, into a table of (entity, contributions). */
async function loadContributions(
  version: PredictiveVersion,
  scored: string,
  entity: string,
  k: number,
  into: Relation,
  connection: Connection,
): Promise<void> {
  const { dialect } = connection;
  const entityType = (await connection.describe(scored)).find((c) => c.name === entity)!.type;
  const rows = (await connection.query(scored)) as Row[];
  const algorithm = algorithms[version.algorithm];
  const input = new Float64Array(inputWidth(version.features));
  const loaded = rows.map((row) => {
    encodeRow(version.features, row, input, 0);
    const outputs = algorithm.predict(version.trained, input);
    return [row[entity], JSON.stringify(topFeatures(version, row, input, outputs, k))] as const;
  });
  await connection.execute(
    dialect.createTable(
      into,
      [
        { name: entity, type: entityType },
        { name: 'contributions', type: dialect.types.text },
      ],
      { replace: true },
    ),
  );
  await connection.bulkLoad(into, loaded);
}

/** One prediction in JavaScript, for `plat ml predict` and agent tools; the same encoding and model as scoring. */
export function predictOne(version: ModelVersion, row: Row, contributions = 3): Prediction {
  if (!isPredictive(version))
    throw new PlatError('USAGE', `${version.model} is a forecast: it predicts no single row`, `read ml.forecasts_${version.model}`);
  const input = new Float64Array(inputWidth(version.features));
  encodeRow(version.features, row, input, 0);
  const outputs = algorithms[version.algorithm].predict(version.trained, input);
  const prediction = tasks[version.task].prediction(outputs, version.classes, version.threshold ?? 0.5);
  return contributions > 0 ? { ...prediction, contributions: topFeatures(version, row, input, outputs, contributions) } : prediction;
}

/** The columns each task's predictions have besides the entity, typed, with no rows. */
async function emptyPredictions(
  node: MlScoreNode,
  train: PredictiveTrainNode,
  connection: Connection,
  { catalog, now }: { catalog: RelationCatalog; now: Date },
): Promise<NodeOutcome> {
  const { dialect } = connection;
  const task = train.task;
  const at = dialect.timestamp(now);
  const { double, text, boolean, timestamptz } = dialect.types;
  const nulls: [string, string][] =
    task === 'regression'
      ? [['prediction', double]]
      : task === 'anomaly'
        ? [
            ['score', double],
            ['is_anomaly', boolean],
          ]
        : [
            ['probability', double],
            ['predicted_class', await labelType(train, at, connection)],
            ...(task === 'multiclass' ? ([['probabilities', text]] as [string, string][]) : []),
          ];
  nulls.push(['model_version', text], ['scored_at', timestamptz]);
  if (node.contributions > 0) nulls.push(['contributions', text]);
  const e = dialect.identifier(node.featureSet.entity);
  const columns = nulls.map(([name, type]) => `${dialect.cast('NULL', type)} AS ${dialect.identifier(name)}`).join(', ');
  const sql = `SELECT ${e}, ${columns} FROM (${featuresAt(node.featureSet, at, dialect)}) AS f WHERE 1 = 0`;
  await buildAndSwap(connection, catalog, node.relation, (staging) =>
    connection.execute(dialect.createAs('table', staging, sql, { replace: true })),
  );
  return { rows: 0, action: `no trained version of ${node.model} yet: empty` };
}

/** The label's type, as the class a trained version would predict has; text when it cannot be told. */
async function labelType(train: PredictiveTrainNode, at: string, connection: Connection): Promise<string> {
  const label = train.label?.column ?? train.label?.expression;
  if (!label) return connection.dialect.types.text;
  const column = train.label?.column ? connection.dialect.identifier(label) : label;
  try {
    const [described] = await connection.describe(
      `SELECT ${column} AS label FROM (${featuresAt(train.featureSet, at, connection.dialect)}) AS f`,
    );
    return described?.type ?? connection.dialect.types.text;
  } catch {
    return connection.dialect.types.text;
  }
}
