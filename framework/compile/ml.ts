import { gradientBoostingDefaults, randomForestDefaults } from './ml_defaults.js';
import { diagnostic, type Diagnostic } from '../core/diagnostics.js';
import { sha256 } from '../core/hash.js';
import { didYouMean } from '../core/suggest.js';
import type { FeatureSetSpec, ProjectSpec, TrainingSpec } from '../project/spec.js';
import { isFaulty } from '../project/entries.js';
import { firstOfEachName } from './collisions.js';
import { linkDependencies } from './deps.js';
import type { NodeCompileContext } from './context.js';
import {
  type AlgorithmSpec,
  CUTOFF_MARKER,
  type FeatureQuery,
  type MlScoreNode,
  type MlTask,
  type MlTrainNode,
  type Relation,
} from './manifest.js';
import { renderModel } from './render.js';

export const predictionsRelation = (model: string) => ({ schema: 'ml', name: `predictions_${model}` });
/** A forecast model's scoring writes its future points and the predicted threshold violations. */
export const forecastRelations = (model: string) => ({
  forecasts: { schema: 'ml', name: `forecasts_${model}` },
  violations: { schema: 'ml', name: `forecast_violations_${model}` },
});

/** The relations scoring `model` builds, the first being the node's own (SQL models may ref them all). */
export function scoringRelations(spec: ProjectSpec, model: string): { schema: string; name: string }[] {
  if (!spec.ml.models.some((m) => m.name === model && m.task === 'forecast')) return [predictionsRelation(model)];
  const { forecasts, violations } = forecastRelations(model);
  return [forecasts, violations];
}

export interface MlInput extends NodeCompileContext {
  spec: ProjectSpec;
}

/** Training and scoring nodes from ml/*.yml. Their SQL may use {{ref}}, {{source}} and {{cutoff}}. */
export function compileMl(input: MlInput): (MlTrainNode | MlScoreNode)[] {
  const { spec, diagnostics } = input;
  const place = (origin: { file: string; path: (string | number)[] }, ...path: (string | number)[]) => ({
    file: origin.file,
    ...spec.locator.locate(origin.file, [...origin.path, ...path]),
  });
  const render = (sql: string, origin: { file: string; path: (string | number)[] }, key: string) => {
    const rendered = renderModel({ path: origin.file, sql }, input.environment, false, diagnostics, () => ({}), { cutoff: CUTOFF_MARKER });
    if (!rendered) return null;
    // Positions inside embedded SQL are reported at the YAML key that holds it.
    const local: Diagnostic[] = [];
    const dependsOn = linkDependencies(origin.file, rendered, input, local);
    for (const d of local) diagnostics.push({ ...d, ...place(origin, key) });
    return { sql: input.linker.link(rendered, null).sql, dependsOn };
  };

  const featureSets = new Map<
    string,
    { query: FeatureQuery; dependsOn: string[]; spec: FeatureSetSpec; lines: Record<string, number | null> }
  >();
  for (const set of firstOfEachName(spec.ml.featureSets, (f) => f.name, 'feature set', 'name', spec, diagnostics)) {
    if (Boolean(set.ref) === Boolean(set.sql)) {
      diagnostics.push(
        diagnostic('BAD_CONFIG', { detail: `feature set ${set.name} needs exactly one of ref: or sql:` }, place(set.origin, 'name')),
      );
      continue;
    }
    const rendered = render(set.sql ?? `select * from {{ref "${set.ref}"}}`, set.origin, set.sql ? 'sql' : 'ref');
    if (!rendered) continue;
    const features = set.features.map((f) => ({ name: f.name, type: f.type ?? 'numeric', transforms: f.transforms ?? [] }));
    const lines = Object.fromEntries(set.features.map((f, i) => [f.name, place(set.origin, 'features', i).line ?? null]));
    featureSets.set(set.name, {
      query: { name: set.name, entity: set.entity, sql: rendered.sql, asOf: set.as_of ?? null, features },
      dependsOn: rendered.dependsOn,
      spec: set,
      lines,
    });
  }

  const nodes: (MlTrainNode | MlScoreNode)[] = [];
  const trained = new Map<string, MlTrainNode>();
  for (const model of firstOfEachName(spec.ml.models, (m) => m.name, 'ML model', 'name', spec, diagnostics)) {
    const set = featureSets.get(model.feature_set);
    if (!set) {
      // A feature set that is declared has its own errors, reported where it is.
      if (isFaulty(spec.faulty.featureSets, model.feature_set) || spec.ml.featureSets.some((f) => f.name === model.feature_set)) continue;
      diagnostics.push(
        diagnostic(
          'BAD_CONFIG',
          { detail: `model ${model.name}: no feature set "${model.feature_set}"` },
          place(model.origin, 'feature_set'),
          didYouMean(model.feature_set, featureSets.keys()),
        ),
      );
      continue;
    }
    const node = trainNode(model, set, input, render, place);
    if (node) {
      nodes.push(node);
      trained.set(model.name, node);
    }
  }

  for (const scoring of firstOfEachName(spec.ml.scoring, (s) => s.model, 'scoring of model', 'model', spec, diagnostics)) {
    const train = trained.get(scoring.model);
    if (!train) {
      const declared = spec.ml.models.some((m) => m.name === scoring.model) || isFaulty(spec.faulty.mlModels, scoring.model);
      const detail = declared
        ? `scoring: model "${scoring.model}" has errors (reported above), so it cannot be scored`
        : `scoring: no model "${scoring.model}" in ml/`;
      diagnostics.push(
        diagnostic(
          'BAD_CONFIG',
          { detail },
          place(scoring.origin, 'model'),
          declared
            ? null
            : didYouMean(
                scoring.model,
                spec.ml.models.map((m) => m.name),
              ),
        ),
      );
      continue;
    }
    const entities = scoring.entities ? render(scoring.entities, scoring.origin, 'entities') : null;
    const [relation, violations] = scoringRelations(spec, scoring.model) as [Relation, Relation | undefined];
    nodes.push({
      kind: 'ml_score',
      uniqueId: `ml_score.${input.project}.${scoring.model}`,
      name: relation.name,
      path: scoring.origin.file,
      description:
        scoring.description ??
        (train.task === 'forecast'
          ? `Forecasts of ${scoring.model} for every entity of ${train.featureSet.name}, and ${violations!.name}.`
          : `Scores of ${scoring.model} for every entity of ${train.featureSet.name}.`),
      tags: ['ml'],
      dependsOn: [...new Set([train.uniqueId, ...featureSets.get(train.featureSet.name)!.dependsOn, ...(entities?.dependsOn ?? [])])],
      fqn: [input.project, 'ml', relation.name],
      checksums: { body: sha256(JSON.stringify(scoring)), config: train.checksums.config },
      model: scoring.model,
      trainNode: train.uniqueId,
      relation,
      featureSet: train.featureSet,
      entitiesSql: entities?.sql ?? null,
      violations: violations ?? null,
      contributions: train.task === 'forecast' ? 0 : (scoring.contributions ?? 3),
    });
  }
  return nodes;
}

const CLASSIFICATION_METRICS = ['accuracy', 'precision', 'recall', 'f1', 'roc_auc', 'log_loss', 'confusion_matrix'];
const DEFAULT_METRICS: Record<MlTask | 'forecast', string[]> = {
  forecast: ['mape', 'smape', 'mae', 'coverage_80', 'coverage_95'],
  binary: [...CLASSIFICATION_METRICS, 'pr_auc'],
  multiclass: CLASSIFICATION_METRICS,
  regression: ['mae', 'rmse', 'r2', 'mape'],
  // Precision and the rest need a label, and are left out without one.
  anomaly: ['share_flagged', 'precision', 'recall', 'false_positive_rate', 'roc_auc'],
};

/** An algorithm's parameters from its branch of ml.schema.json, defaults applied: one case per algorithm. */
function algorithmSpec(given: TrainingSpec['algorithm']): AlgorithmSpec {
  const algorithm = given ?? { name: 'logistic_regression' };
  switch (algorithm.name) {
    case 'logistic_regression':
      return {
        name: 'logistic_regression',
        params: { learningRate: algorithm.learning_rate ?? 0.5, iterations: algorithm.iterations ?? 300, l2: algorithm.l2 ?? 0 },
      };
    case 'gradient_boosting':
      return {
        name: 'gradient_boosting',
        params: {
          iterations: algorithm.iterations ?? gradientBoostingDefaults.iterations,
          learningRate: algorithm.learning_rate ?? gradientBoostingDefaults.learningRate,
          maxLeaves: algorithm.max_leaves ?? gradientBoostingDefaults.maxLeaves,
          maxDepth: algorithm.max_depth ?? gradientBoostingDefaults.maxDepth,
          minRowsPerLeaf: algorithm.min_rows_per_leaf ?? gradientBoostingDefaults.minRowsPerLeaf,
          l2: algorithm.l2 ?? gradientBoostingDefaults.l2,
          featureFraction: algorithm.feature_fraction ?? gradientBoostingDefaults.featureFraction,
          maxBins: algorithm.max_bins ?? gradientBoostingDefaults.maxBins,
          earlyStopping: algorithm.early_stopping ?? gradientBoostingDefaults.earlyStopping,
          validationFraction: algorithm.validation_fraction ?? gradientBoostingDefaults.validationFraction,
          patience: algorithm.patience ?? gradientBoostingDefaults.patience,
          tolerance: gradientBoostingDefaults.tolerance,
          seed: algorithm.seed ?? gradientBoostingDefaults.seed,
        },
      };
    // Depth 12 rather than unlimited: a full-depth forest's CASE expressions are too large to score in SQL.
    case 'random_forest':
      return {
        name: 'random_forest',
        params: {
          trees: algorithm.trees ?? randomForestDefaults.trees,
          maxDepth: algorithm.max_depth ?? 12,
          featuresPerSplit: algorithm.features_per_split ?? randomForestDefaults.featuresPerSplit,
          minRowsPerLeaf: algorithm.min_rows_per_leaf ?? randomForestDefaults.minRowsPerLeaf,
          bootstrap: algorithm.bootstrap ?? randomForestDefaults.bootstrap,
          maxBins: algorithm.max_bins ?? randomForestDefaults.maxBins,
          seed: algorithm.seed ?? randomForestDefaults.seed,
        },
      };
    case 'isolation_forest':
      return {
        name: 'isolation_forest',
        params: {
          trees: algorithm.trees ?? 100,
          sampleSize: algorithm.sample_size ?? 256,
          contamination: algorithm.contamination ?? null,
          seed: algorithm.seed ?? 0,
        },
      };
  }
}

function trainNode(
  model: TrainingSpec,
  set: { query: FeatureQuery; dependsOn: string[]; lines: Record<string, number | null> },
  input: MlInput,
  render: (sql: string, origin: TrainingSpec['origin'], key: string) => { sql: string; dependsOn: string[] } | null,
  place: (origin: TrainingSpec['origin'], ...path: (string | number)[]) => { file: string; line?: number; column?: number },
): MlTrainNode | null {
  // The schema asks supervised tasks for a label; an unsupervised one learns without, and a label it has only evaluates it.
  const label = model.task === 'forecast' ? null : model.task === 'anomaly' ? (model.label ?? null) : (model.label ?? {});
  const kinds = label ? [label.column, label.expression, label.sql].filter((v) => v !== undefined).length : 1;
  if (kinds !== 1) {
    input.diagnostics.push(
      diagnostic(
        'BAD_CONFIG',
        { detail: `model ${model.name}: label needs exactly one of column:, expression: or sql:` },
        place(model.origin, 'label'),
      ),
    );
    return null;
  }
  if (label?.column && !set.query.features.some((f) => f.name === label.column) && label.column === set.query.entity) {
    input.diagnostics.push(
      diagnostic(
        'BAD_CONFIG',
        { detail: `model ${model.name}: the label cannot be the entity key` },
        place(model.origin, 'label', 'column'),
      ),
    );
  }
  const labelSql = label?.sql ? render(label.sql, model.origin, 'label') : null;
  const cutoff = typeof model.cutoff === 'object' ? render(model.cutoff.sql, model.origin, 'cutoff') : null;
  if (typeof model.cutoff === 'string' && Number.isNaN(Date.parse(model.cutoff))) {
    input.diagnostics.push(
      diagnostic(
        'BAD_CONFIG',
        { detail: `model ${model.name}: cutoff "${model.cutoff}" is not an ISO-8601 time` },
        place(model.origin, 'cutoff'),
      ),
    );
  }
  const promoteIf = model.promote_if ?? null;
  if (promoteIf && !/^\s*[a-z_]+\s*(>=|<=|>|<|==)\s*[-\d.]+(\s+and\s+[a-z_]+\s*(>=|<=|>|<|==)\s*[-\d.]+)*\s*$/.test(promoteIf)) {
    input.diagnostics.push(
      diagnostic(
        'BAD_CONFIG',
        { detail: `model ${model.name}: promote_if "${promoteIf}" is not understood` },
        place(model.origin, 'promote_if'),
        'write it like "roc_auc >= 0.75 and accuracy > 0.6"',
      ),
    );
  }
  if (model.threshold && model.task !== 'binary') {
    input.diagnostics.push(
      diagnostic(
        'BAD_CONFIG',
        { detail: `model ${model.name}: threshold is for binary models (this one is ${model.task})` },
        place(model.origin, 'threshold'),
        'remove threshold:',
      ),
    );
  }
  if (model.split?.by && model.split.time) {
    input.diagnostics.push(
      diagnostic(
        'BAD_CONFIG',
        { detail: `model ${model.name}: split by a group or by time, not both` },
        place(model.origin, 'split', 'time'),
        'keep one of split.by and split.time',
      ),
    );
  }
  const cutoffSql = cutoff?.sql ?? (typeof model.cutoff === 'string' ? `select ${input.dialect.timestamp(model.cutoff)}` : null);
  const base = {
    kind: 'ml_train' as const,
    uniqueId: `ml_train.${input.project}.${model.name}`,
    name: model.name,
    path: model.origin.file,
    description: model.description ?? '',
    tags: ['ml'],
    dependsOn: [...new Set([...set.dependsOn, ...(labelSql?.dependsOn ?? []), ...(cutoff?.dependsOn ?? [])])],
    fqn: [input.project, 'ml', model.name],
    checksums: {
      body: sha256(JSON.stringify({ features: set.query, label: labelSql?.sql ?? label, cutoffSql })),
      config: sha256(JSON.stringify({ ...model, origin: undefined })),
    },
    featureSet: set.query,
    cutoffSql,
    label: label && {
      column: label.column ?? null,
      expression: label.expression ?? null,
      sql: labelSql?.sql ?? null,
      default: label.default ?? null,
    },
    split: {
      testFraction: model.split?.test_fraction ?? 0.2,
      seed: model.split?.seed ?? 42,
      stratified: model.split?.stratified ?? true,
      by: model.split?.by ?? null,
      time: model.split?.time ?? null,
    },
    threshold: model.threshold ?? null,
    metrics: model.metrics ?? DEFAULT_METRICS[model.task],
    minRows: model.min_rows ?? 100,
    promoteIf,
    lines: { features: set.lines, label: place(model.origin, 'label').line ?? null },
  };
  if (model.task !== 'forecast') {
    if (model.forecast)
      input.diagnostics.push(
        diagnostic(
          'BAD_CONFIG',
          { detail: `model ${model.name}: forecast: is for task: forecast (this one is ${model.task})` },
          place(model.origin, 'forecast'),
          'remove forecast:, or make the task forecast',
        ),
      );
    return { ...base, task: model.task, algorithm: algorithmSpec(model.algorithm) };
  }
  const forecast = model.forecast!;
  const metrics = new Set(set.query.features.map((f) => f.name));
  for (const metric of Object.keys(forecast.thresholds ?? {})) {
    if (metrics.has(metric)) continue;
    input.diagnostics.push(
      diagnostic(
        'BAD_CONFIG',
        { detail: `model ${model.name}: a threshold for "${metric}", which is not a feature of ${set.query.name}` },
        place(model.origin, 'forecast', 'thresholds', metric),
        didYouMean(metric, metrics),
      ),
    );
  }
  return {
    ...base,
    task: 'forecast',
    algorithm: { name: 'holt_winters', params: {} },
    forecast: {
      time: forecast.time,
      frequency: forecast.frequency ?? 'hour',
      horizon: forecast.horizon,
      season: forecast.season ?? 0,
      holdout: forecast.holdout ?? forecast.horizon,
      thresholds: Object.fromEntries(
        Object.entries(forecast.thresholds ?? {}).map(([metric, t]) => [
          metric,
          { direction: t.direction ?? 'above', warning: t.warning ?? null, critical: t.critical ?? null },
        ]),
      ),
    },
  };
}
