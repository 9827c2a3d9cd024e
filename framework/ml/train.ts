import type { AlgorithmSpec, MlTrainNode } from '../compile/manifest.js';
import { LocatedError } from '../core/errors.js';
import { counted } from '../core/plural.js';
import type { NodeOutcome } from '../run/executors.js';
import type { Connection } from '../warehouse/connection.js';
import type { Dialect } from '../warehouse/dialect.js';
import { encodeRow, fitFeatures, inputWidth, type Row } from './features.js';
import { type Algorithm, algorithms, type Target } from './algorithm.js';
import { featureImportance } from './explanations.js';
import { rocCurve, type Metrics } from './metrics.js';
import { leakage } from './leakage.js';
import { chooseThreshold } from './metrics_threshold.js';
import { tasks } from './tasks.js';
import { featuresAt, withCutoff } from './query.js';
import type { Fingerprint, ModelVersion, Registry } from './registry.js';
import { FORECAST_TS, trainForecast } from './forecast_train.js';
import { splitFor, splitRows } from './split.js';

/** Bumped when training or encoding changes, so that models retrain. */
export const ML_CODE_VERSION = 'plat-ml-2';
const LABEL = '__plat_label';

export interface TrainContext {
  registry: Registry;
  note: (message: string) => void;
  now: Date;
}

/** Trains (or, when nothing changed, reuses) one model; registers and maybe promotes the result. */
export async function trainModel(node: MlTrainNode, connection: Connection, context: TrainContext): Promise<NodeOutcome> {
  const { dialect } = connection;
  const cutoff = await resolveCutoff(node, connection, context.now);
  if (!cutoff) {
    // No time to cut at means no rows yet (a young stream): too little to learn from, like min_rows.
    const promoted = context.registry.promotedVersion(node.name);
    const fallback = promoted ? `scoring keeps ${promoted.version}` : 'no version is promoted yet';
    context.note(`ml ${node.name}: its cutoff query returned no time (no rows yet); not trained, ${fallback}`);
    return outcome(promoted?.version ?? null, false, promoted !== null, promoted?.metrics ?? {}, 0, 'skipped: no rows before the cutoff');
  }
  const columns = (await connection.describe(featuresAt(node.featureSet, cutoff.sql, dialect))).map((c) => c.name);
  const missing = node.featureSet.features.map((f) => f.name).filter((name) => !columns.includes(name));
  const returned = columns.join(', ');
  if (missing.length)
    throw new LocatedError(
      `feature set ${node.featureSet.name} has no column ${missing.join(', ')} (it returns ${returned})`,
      node.lines.features[missing[0]!] ?? null,
    );
  if (node.label?.column && !columns.includes(node.label.column))
    throw new LocatedError(
      `label column ${node.label.column} is not in feature set ${node.featureSet.name} (it returns ${returned})`,
      node.lines.label,
    );
  if (node.task === 'forecast' && !columns.includes(node.forecast.time))
    throw new LocatedError(
      `forecast time column ${node.forecast.time} is not in feature set ${node.featureSet.name} (it returns ${returned})`,
      null,
    );
  const sql = trainingQuery(node, cutoff, dialect);

  // Floating columns count at single precision: a parallel sum or average differs in its last
  // bits from one build to the next, and that must not count as new data.
  const [fingerprintRow] = await connection.query(dialect.fingerprint(sql, await connection.describe(sql), { roundFloats: true }));
  const fingerprint = {
    data: `${fingerprintRow?.n}:${fingerprintRow?.h}`,
    spec: `${node.checksums.body}:${node.checksums.config}`,
    code: ML_CODE_VERSION,
  };
  const rowCount = Number(fingerprintRow?.n ?? 0);
  const latest = context.registry.latest(node.name);
  const promoted = context.registry.promotedVersion(node.name);
  if (latest && sameFingerprint(latest.fingerprint, fingerprint)) {
    return {
      ...outcome(
        latest.version,
        false,
        latest.promoted,
        latest.metrics,
        rowCount,
        `unchanged: ${latest.version}${latest.promoted ? ' (promoted)' : ''}`,
      ),
      unchanged: true,
    };
  }
  if (rowCount < node.minRows) {
    const fallback = promoted ? `scoring keeps ${promoted.version}` : 'no version is promoted yet';
    context.note(`ml ${node.name}: only ${rowCount} training rows (min_rows ${node.minRows}); not trained, ${fallback}`);
    return outcome(
      promoted?.version ?? null,
      false,
      promoted !== null,
      promoted?.metrics ?? {},
      rowCount,
      `skipped: ${counted(rowCount, 'row')} < min_rows ${node.minRows}`,
    );
  }

  const rows = (await connection.query(sql)) as Row[];
  for (const feature of node.featureSet.features) {
    if (rows.every((r) => r[feature.name] === null || r[feature.name] === undefined))
      throw new LocatedError(`feature ${feature.name} is null in every training row`, node.lines.features[feature.name] ?? null);
  }
  if (node.task === 'forecast') {
    const { trained, metrics, points } = trainForecast(node, rows);
    const held = node.forecast.holdout * (trained.series.length || 1);
    return register(node, context, {
      cutoff: cutoff.iso,
      fingerprint,
      rowCount,
      entry: {
        algorithm: 'holt_winters',
        task: 'forecast',
        trained,
        classes: [],
        features: [],
        metrics,
        rows: { train: points, test: held },
        roc: null,
      },
    });
  }
  for (const [key, column] of [
    ['by', node.split.by],
    ['time', node.split.time],
  ] as const) {
    if (column && !columns.includes(column))
      throw new LocatedError(`split.${key} column ${column} is not in feature set ${node.featureSet.name} (it returns ${returned})`, null);
  }
  // One class only (no failure seen yet on a young stream) is too little to learn from, like
  // too few rows: skipped, the promoted version (if any) kept.
  if (node.task === 'binary' || node.task === 'multiclass') {
    const seen = new Set(rows.map((r) => normalize(r[LABEL])).filter((v) => v !== null && v !== undefined));
    if (seen.size === 1) {
      const fallback = promoted ? `scoring keeps ${promoted.version}` : 'no version is promoted yet';
      context.note(`ml ${node.name}: every training row has label ${String([...seen][0])}; not trained, ${fallback}`);
      return outcome(promoted?.version ?? null, false, promoted !== null, promoted?.metrics ?? {}, rowCount, 'skipped: one label value');
    }
  }
  const task = tasks[node.task];
  const { target, classes } = task.target(rows.map((r) => normalize(r[LABEL])));
  // Classes keep their share in both splits; numbers and unlabelled rows split at random.
  const { train: trainAll, test } = splitFor(node, rows, 'classes' in target ? target.y : null);
  // A declared precision or recall target picks the threshold on validation rows kept out of training.
  const validating = node.threshold && target.task === 'binary';
  const { train, validation } = validating ? validationShare(trainAll, target.y, node.split.seed) : { train: trainAll, validation: [] };

  const trainRows = train.map((i) => rows[i]!);
  const { encoded, notes } = fitFeatures(trainRows, node.featureSet.features);
  for (const message of notes) context.note(`ml ${node.name}: ${message}`);
  const trainTarget = subset(target, train);
  for (const finding of leakage(node.featureSet.features, trainRows, trainTarget))
    context.note(`ml ${node.name}: possible label leakage: ${finding}; is it computed after the cutoff?`);

  const width = inputWidth(encoded);
  const matrix = (indexes: number[]) => {
    const out = new Float64Array(indexes.length * width);
    for (const [k, row] of indexes.entries()) encodeRow(encoded, rows[row]!, out, k * width);
    return out;
  };
  // The manifest pairs each algorithm name with its own parameters; TypeScript cannot follow that through the lookup.
  const algorithm = algorithms[node.algorithm.name] as Algorithm<AlgorithmSpec['params'], unknown>;
  const trained = algorithm.train(matrix(train), train.length, width, trainTarget, node.algorithm.params);
  const predictAll = (indexes: number[]) => {
    const x = matrix(indexes);
    const inputs = indexes.map((_, k) => x.subarray(k * width, (k + 1) * width));
    return { inputs, outputs: inputs.map((input) => algorithm.predict(trained, input)) };
  };
  const threshold = validating ? chosenThreshold(node, target.y, validation, predictAll(validation).outputs, context) : 0.5;
  const { inputs: testInputs, outputs } = predictAll(test);
  const tested = subset(target, test);
  const metrics: Metrics = {
    ...task.metrics(tested, outputs, node.metrics, threshold),
    ...(target.task === 'binary' ? { threshold } : {}),
    feature_importance: featureImportance(
      { algorithm: node.algorithm.name, task: node.task, trained, features: encoded },
      testInputs,
      outputs,
    ),
  };
  return register(node, context, {
    cutoff: cutoff.iso,
    fingerprint,
    rowCount,
    entry: {
      algorithm: node.algorithm.name,
      task: node.task,
      trained,
      threshold: target.task === 'binary' ? threshold : undefined,
      classes,
      features: encoded,
      metrics,
      rows: { train: train.length, test: test.length, ...(validation.length ? { validation: validation.length } : {}) },
      roc:
        tested.task === 'binary'
          ? rocCurve(
              Array.from(tested.y, (y) => y === 1),
              outputs.map((p) => p[1]!),
            )
          : null,
    },
  });
}

/** Writes the trained version, promoted when promote_if holds (else scoring keeps the promoted one). */
function register(
  node: MlTrainNode,
  context: TrainContext,
  trained: {
    cutoff: string;
    fingerprint: Fingerprint;
    rowCount: number;
    entry: Omit<ModelVersion, 'version' | 'promoted' | 'model' | 'trainedAt' | 'fingerprint' | 'spec'>;
  },
): NodeOutcome {
  const { metrics } = trained.entry;
  const promoted = context.registry.promotedVersion(node.name);
  const promote = passes(node.promoteIf, metrics);
  const version = context.registry.write(
    {
      ...trained.entry,
      model: node.name,
      trainedAt: context.now.toISOString(),
      fingerprint: trained.fingerprint,
      spec: { ...node, cutoff: trained.cutoff },
    },
    promote,
  );
  if (!promote)
    context.note(
      `ml ${node.name}: ${version} kept but not promoted (promote_if ${node.promoteIf}: ${describe(metrics)})${promoted ? `; scoring keeps ${promoted.version}` : ''}`,
    );
  return outcome(
    promote ? version : (promoted?.version ?? version),
    true,
    promote,
    metrics,
    trained.rowCount,
    `trained ${version}${promote ? ' (promoted)' : ' (not promoted)'}: ${describe(metrics)}`,
  );
}

function outcome(version: string | null, trained: boolean, promoted: boolean, metrics: Metrics, rows: number, action: string): NodeOutcome {
  return { rows, action, ml: { version, trained, promoted, metrics: metrics as Record<string, unknown> } };
}

async function resolveCutoff(node: MlTrainNode, connection: Connection, now: Date): Promise<{ sql: string; iso: string } | null> {
  const { dialect } = connection;
  if (!node.cutoffSql) return { sql: dialect.timestamp(now), iso: now.toISOString() };
  const [row] = await connection.query(`SELECT (${node.cutoffSql}) AS cutoff`);
  const value = row?.cutoff;
  if (value === null || value === undefined) return null;
  const at = value instanceof Date ? value : new Date(String(value));
  return { sql: dialect.timestamp(at), iso: at.toISOString() };
}

/**
 * Features as of the cutoff, joined to the label, in a stable order. The ORDER BY is the
 * statement's own, not a parenthesized query's (Trino drops the order of a query in parentheses,
 * and the split and the trees depend on the rows' order); no WITH, which Trino refuses inside a
 * subquery (the fingerprint reads this query as one).
 */
export function trainingQuery(node: MlTrainNode, cutoff: { sql: string }, dialect: Dialect): string {
  const q = (name: string) => dialect.identifier(name);
  const features = featuresAt(node.featureSet, cutoff.sql, dialect);
  const entity = q(node.featureSet.entity);
  if (node.task === 'forecast') {
    const time = q(node.forecast.time);
    return `SELECT *, ${dialect.epochMilliseconds(time)} AS ${FORECAST_TS} FROM (${features}) AS features ORDER BY ${entity}, ${time}`;
  }
  if (!node.label) return `SELECT * FROM (${features}) AS features ORDER BY ${entity}`;
  const fallback = dialect.literal(node.label.default);
  if (node.label.sql) {
    const labels = withCutoff(node.label.sql, cutoff.sql);
    return `SELECT features.*, coalesce(labels.label, ${fallback}) AS ${LABEL} FROM (${features}) AS features LEFT JOIN (${labels}) AS labels ON features.${entity} = labels.${entity} ORDER BY features.${entity}`;
  }
  const label = node.label.column ? q(node.label.column) : `(${node.label.expression})`;
  return `SELECT *, coalesce(${label}, ${fallback}) AS ${LABEL} FROM (${features}) AS features ORDER BY ${entity}`;
}

/** promote_if: comparisons joined by "and"; no condition promotes every trained version. */
export function passes(condition: string | null, metrics: Metrics): boolean {
  if (!condition) return true;
  return condition.split(/\s+and\s+/).every((part) => {
    const match = /^\s*([a-z_]+)\s*(>=|<=|>|<|==)\s*([-\d.]+)\s*$/.exec(part);
    const value = match ? (metrics as Record<string, unknown>)[match[1]!] : undefined;
    if (typeof value !== 'number') return false;
    const limit = Number(match![3]);
    return { '>=': value >= limit, '<=': value <= limit, '>': value > limit, '<': value < limit, '==': value === limit }[match![2] as '>='];
  });
}

export function describe(metrics: Metrics): string {
  return Object.entries(metrics)
    .filter(([, v]) => typeof v === 'number')
    .map(([k, v]) => `${k} ${(v as number).toFixed(3)}`)
    .join(', ');
}

/** A stratified fifth of the training rows, for choosing the threshold. */
function validationShare(rows: number[], y: Int32Array, seed: number): { train: number[]; validation: number[] } {
  const inner = splitRows(
    Int32Array.from(rows, (i) => y[i]!),
    0.2,
    seed + 1,
    true,
  );
  return { train: inner.train.map((k) => rows[k]!), validation: inner.test.map((k) => rows[k]!) };
}

/**
 * The threshold meeting the declared target on the validation rows, set halfway to the next
 * lower score so no row sits on it (JavaScript and SQL could round such a row apart).
 */
function chosenThreshold(node: MlTrainNode, y: Int32Array, validation: number[], outputs: number[][], context: TrainContext): number {
  const scores = outputs.map((o) => o[1]!);
  const positive = validation.map((i) => y[i] === 1);
  const chosen = chooseThreshold(positive, scores, node.threshold!);
  if (!chosen) {
    context.note(`ml ${node.name}: no threshold reaches ${JSON.stringify(node.threshold)} on the validation rows; 0.5 kept`);
    return 0.5;
  }
  const below = scores.reduce((best, s) => (s < chosen.threshold && s > best ? s : best), 0);
  return (chosen.threshold + below) / 2;
}

/** The target of some rows only (a split). */
function subset(target: Target, indexes: readonly number[]): Target {
  switch (target.task) {
    case 'binary':
    case 'multiclass':
      return { ...target, y: Int32Array.from(indexes, (i) => target.y[i]!) };
    case 'regression':
      return { ...target, y: Float64Array.from(indexes, (i) => target.y[i]!) };
    case 'anomaly':
      return { ...target, y: target.y && Int32Array.from(indexes, (i) => target.y![i]!) };
  }
}

function normalize(value: unknown): string | number | boolean | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'string') return value;
  return String(value);
}

function sameFingerprint(a: { data: string; spec: string; code: string }, b: { data: string; spec: string; code: string }): boolean {
  return a.data === b.data && a.spec === b.spec && a.code === b.code;
}
