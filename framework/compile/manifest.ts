/**
 * The manifest: plain, serializable data that every later stage reads. No class instances,
 * no functions; `version` changes when its shape does.
 */
import type {
  BandSpec,
  BuiltinTool,
  EndpointType,
  FactorSpec,
  InsightCondition,
  MetricSpec,
  ColumnSpec,
  ExposureType,
  SnapshotStrategy,
  GeneratorSpec,
  IncrementalStrategy,
  Materialization,
  OnSchemaChange,
  SourceTableSpec,
  TestSpec,
} from '../project/spec.js';
import type { Schedule } from '../schedule/spec.js';
import type { Dashboard } from './dashboard_types.js';
import type { Relation, Target } from '../warehouse/types.js';

export type { Relation } from '../warehouse/types.js';

/** 2: the target by type, and no project folder on disk. 3: seeds, snapshots, exposures; hooks. */
export const MANIFEST_VERSION = 3;

export interface ManifestColumn {
  name: string;
  type: string | null;
  description: string;
  /** Sources: a message without this field (or with null) is a dead letter. */
  required: boolean;
  tests: TestSpec[];
}

interface NodeBase {
  uniqueId: string;
  name: string;
  /** Project-relative file that declares the node. */
  path: string;
  description: string;
  tags: string[];
  dependsOn: string[];
  fqn: string[];
  checksums: { body: string; config: string };
}

/** Lines of compiled SQL that an inlined ephemeral model wrote: from `line` on, lineMap maps them to its template. */
export interface InlinedSql {
  path: string;
  line: number;
  lineMap: number[];
}

/** A position in one of the project's files, for errors found at run time. */
export interface FilePlace {
  file: string;
  line: number | null;
  column: number | null;
}

export interface ResolvedModelConfig {
  materialized: Materialization;
  schema: string;
  tags: string[];
  uniqueKey: string[] | null;
  incrementalStrategy: IncrementalStrategy;
  onSchemaChange: OnSchemaChange;
  /** Retries of a transient failure, when the model's config sets them (they win over the run's). */
  retries: number | null;
  /** Wait before the first retry (ms), when its config sets it. */
  retryDelay: number | null;
}

export interface ModelNode extends NodeBase {
  kind: 'model';
  folder: string;
  relation: Relation;
  config: ResolvedModelConfig;
  rawSql: string;
  compiledSql: string;
  /** The SQL to run when the table exists and is built incrementally; null unless incremental. */
  incrementalSql: string | null;
  /** lineMap[i]: template line of compiled line i+1 (0 for lines plat added). */
  lineMap: number[];
  incrementalLineMap: number[] | null;
  /** The ephemeral models inlined at the top of both compiledSql and incrementalSql. */
  inlined: InlinedSql[];
  columns: ManifestColumn[];
  tests: TestSpec[];
  /** With an enforced contract the built relation must have exactly `columns`, with their types. */
  contractEnforced: boolean;
  /** Where config.uniqueKey is set (the .sql's {{config}}, properties, or plat_project.yml), to report a key that names no column. */
  uniqueKeyAt: FilePlace | null;
  refs: string[];
  sources: string[];
  vars: string[];
  macros: string[];
  propertiesPath: string | null;
  /** pre_hook / post_hook statements, linked, each with where it is written. */
  hooks: { pre: HookSql[]; post: HookSql[] };
}

/** A hook's runnable SQL and where it is written (plat_project.yml, properties, or the model's {{config}}). */
export interface HookSql {
  sql: string;
  place: FilePlace;
}

/** A CSV under seeds/, loaded into a table (replaced atomically) and ref-able like a model. */
export interface SeedNode extends NodeBase {
  kind: 'seed';
  relation: Relation;
  columns: ManifestColumn[];
  /** Declared column types (column_types); the rest are inferred from the file. */
  columnTypes: Record<string, string>;
  csv: { delimiter: string; quote: string };
}

export interface SnapshotConfig {
  schema: string;
  uniqueKey: string[];
  strategy: SnapshotStrategy;
  /** timestamp: the column; null for check. */
  updatedAt: string | null;
  /** check: the compared columns, or 'all' (every column but the key). */
  checkCols: string[] | 'all';
  invalidateHardDeletes: boolean;
}

/** A type-2 slowly changing dimension over a query: each change of a row adds a version. */
export interface SnapshotNode extends NodeBase {
  kind: 'snapshot';
  relation: Relation;
  config: SnapshotConfig;
  rawSql: string;
  compiledSql: string;
  lineMap: number[];
  inlined: InlinedSql[];
  columns: ManifestColumn[];
  refs: string[];
  sources: string[];
}

/** A declared consumer of models (a dashboard, an app, an API); it builds nothing, and checks what it reads exists. */
export interface ExposureNode extends NodeBase {
  kind: 'exposure';
  exposureType: ExposureType;
  url: string | null;
  owner: { name: string | null; email: string | null };
}

export interface SourceNode extends NodeBase {
  kind: 'source';
  sourceName: string;
  tableName: string;
  relation: Relation;
  columns: ManifestColumn[];
  tests: TestSpec[];
  freshness: SourceTableSpec['freshness'];
  loader: {
    kafka: SourceTableSpec['kafka'];
    file: SourceTableSpec['file'];
    generator: GeneratorSpec | null;
  };
  /** Where a file loader's path and each column's declared type are written, for load errors. */
  places: { path: FilePlace | null; types: Record<string, FilePlace> };
}

export type TestType = 'generic' | 'singular' | 'unit';

export interface TestConfig {
  severity: 'error' | 'warn';
  /** Conditions on the failing-row count, e.g. ">10", "!=0". */
  warnIf: string;
  errorIf: string;
  storeFailures: boolean;
}

export interface UnitTestSpec {
  /** The inputs given as fixtures (ref or source names). */
  given: string[];
  /** The model's SQL with each given input replaced by a CTE of its fixture rows. */
  modelSql: string;
  expect: { columns: string[]; rows: unknown[][]; ordered: boolean };
  /** Per given input, the undeclared columns its rows give as strings (so typed as text). */
  inferredText: { input: string; columns: string[] }[];
}

export interface TestNode extends NodeBase {
  kind: 'test';
  testType: TestType;
  /** The generic test's name (not_null, accepted_values, a custom one), or the file's name. */
  testName: string;
  /** The node the test checks (for singular tests: the first node it reads). */
  attachedTo: string | null;
  column: string | null;
  config: TestConfig;
  /** A query returning the failing rows (empty for unit tests, which use `unit`). */
  compiledSql: string;
  unit: UnitTestSpec | null;
}

/** Stands for the cutoff timestamp in compiled ML SQL; replaced with a literal at run time. */
export const CUTOFF_MARKER = '__plat_cutoff__';

export interface FeatureColumn {
  name: string;
  type: 'numeric' | 'categorical' | 'boolean';
  transforms: ('standardize' | 'one_hot' | { fill_null: string | number | boolean })[];
}

/** What training and scoring read: one row per entity, features as columns. */
export interface FeatureQuery {
  name: string;
  entity: string;
  /** The feature rows; may contain CUTOFF_MARKER. */
  sql: string;
  asOf: string | null;
  features: FeatureColumn[];
}

/**
 * What a model predicts: a class (binary, multiclass), a number (regression), or how unusual a
 * row is (anomaly: a score in [0, 1] and a flag, learnt without labels).
 */
export type MlTask = 'binary' | 'multiclass' | 'regression' | 'anomaly';

export interface LogisticRegressionParams {
  learningRate: number;
  iterations: number;
  l2: number;
}

/** Histogram gradient boosting (ml/algorithms/gradient_boosting.ts); maxDepth null: limited by maxLeaves only. */
export interface GradientBoostingParams {
  iterations: number;
  learningRate: number;
  maxLeaves: number;
  maxDepth: number | null;
  minRowsPerLeaf: number;
  l2: number;
  /** Share of features each tree may split on (drawn per tree). */
  featureFraction: number;
  maxBins: number;
  earlyStopping: boolean;
  validationFraction: number;
  /** Rounds without improving the validation loss by `tolerance` before stopping. */
  patience: number;
  tolerance: number;
  seed: number;
}

/** Random forest (ml/algorithms/random_forest.ts); featuresPerSplit null: √width (classification) or width. */
export interface RandomForestParams {
  trees: number;
  /** null: grow until leaves are pure or smaller than 2 × minRowsPerLeaf. */
  maxDepth: number | null;
  featuresPerSplit: number | null;
  minRowsPerLeaf: number;
  bootstrap: boolean;
  maxBins: number;
  seed: number;
}

/** Isolation forest (ml/algorithms/isolation_forest.ts); contamination null: flag scores ≥ 0.5. */
export interface IsolationForestParams {
  trees: number;
  sampleSize: number;
  contamination: number | null;
  seed: number;
}

/** One member per algorithm: its name and its own parameters, defaults applied. */
export type AlgorithmSpec =
  | { name: 'logistic_regression'; params: LogisticRegressionParams }
  | { name: 'gradient_boosting'; params: GradientBoostingParams }
  | { name: 'random_forest'; params: RandomForestParams }
  | { name: 'isolation_forest'; params: IsolationForestParams };
export type AlgorithmName = AlgorithmSpec['name'];

interface MlTrainBase extends NodeBase {
  kind: 'ml_train';
  featureSet: FeatureQuery;
  /** A query returning the cutoff timestamp, or null (no point-in-time split: now). */
  cutoffSql: string | null;
  /** Null for an unsupervised task (anomaly) trained without labels. */
  label: { column: string | null; expression: string | null; sql: string | null; default: string | number | boolean | null } | null;
  /** Random (stratified by class where asked), by entity group (`by`: no group on both sides) or by time (`time`: the latest rows test). */
  split: { testFraction: number; seed: number; stratified: boolean; by: string | null; time: string | null };
  /** Binary: the decision threshold is chosen on a validation share of the training rows to reach this; null: 0.5. */
  threshold: { precision: number } | { recall: number } | null;
  metrics: string[];
  minRows: number;
  promoteIf: string | null;
  /** Lines in the ML spec file, so run-time errors can point at the feature or label. */
  lines: { features: Record<string, number | null>; label: number | null };
}

/** A model that predicts per entity row: a class, a number or an anomaly score. */
export interface PredictiveTrainNode extends MlTrainBase {
  task: MlTask;
  algorithm: AlgorithmSpec;
}

/** What a forecast declares: the series' time column and spacing, how far ahead, the season, and levels to warn of. */
export interface ForecastSettings {
  time: string;
  frequency: 'minute' | 'hour' | 'day' | 'week';
  horizon: number;
  /** Steps per season (24 for a daily cycle of hourly data); 0 for none. */
  season: number;
  /** Steps held out at the end of each series for the backtest. */
  holdout: number;
  /** Per metric (a feature of the set): levels whose predicted crossing is a violation. */
  thresholds: Record<string, { direction: 'above' | 'below'; warning: number | null; critical: number | null }>;
}

/** A forecast: one series per entity and metric, fitted by additive Holt–Winters, scored as future points. */
export interface ForecastTrainNode extends MlTrainBase {
  task: 'forecast';
  algorithm: { name: 'holt_winters'; params: Record<string, never> };
  forecast: ForecastSettings;
}

export type MlTrainNode = PredictiveTrainNode | ForecastTrainNode;

export interface MlScoreNode extends NodeBase {
  kind: 'ml_score';
  /** The registry name of the model, and its training node. */
  model: string;
  trainNode: string;
  relation: Relation;
  featureSet: FeatureQuery;
  /** A query returning the entity keys to score, or null for all. */
  entitiesSql: string | null;
  /** A forecast's second table: the predicted threshold violations; null for other models. */
  violations: Relation | null;
  /** How many of each prediction's largest feature contributions its `contributions` column keeps (0: no column). */
  contributions: number;
}

/** A tool an agent may call: a parameterized query over models, or a built-in. */
export interface AgentToolNode extends NodeBase {
  kind: 'agent_tool';
  builtin: BuiltinTool | null;
  /** JSON Schema (an object schema) of the arguments. */
  parameters: Record<string, unknown>;
  keywords: string[];
  rawSql: string | null;
  /** Linked SQL with $name parameters, bound at call time (never spliced in). */
  compiledSql: string | null;
  /** The $names the SQL uses, in order of first use. */
  sqlParameters: string[];
  /** Relations the tool reads, for citing them in answers. */
  reads: Relation[];
  /** ml_predict: the registry model, and the query of its scoring features (with CUTOFF_MARKER). */
  predict: { model: string; featureSet: FeatureQuery } | null;
}

/** A route `plat serve` answers from the database: its request schema and what its handler reads. */
export interface EndpointNode extends NodeBase {
  kind: 'endpoint';
  endpointType: EndpointType;
  route: string;
  /** JSON Schema (an object schema) of the request body: published in /openapi.json, checked on every request. */
  request: Record<string, unknown>;
  serve: PredictServe | ForecastServe | AnalyticsServe | StreamServe;
}

export interface PredictServe {
  type: 'predict';
  /** The request field and column naming the entity. */
  key: string;
  /** The request field picking one of `predictions`; null when there is one. */
  choose: string | null;
  predictions: Record<string, ServedPrediction>;
}

export interface ServedPrediction {
  model: string;
  /** Linked SQL returning one row per key (all keys; the server indexes them). */
  sql: string;
  score: string;
  output: string;
  fields: Record<string, string>;
  bands: BandSpec[];
  factors: Record<string, FactorSpec>;
}

export interface ForecastServe {
  type: 'forecast';
  key: string;
  model: string;
  forecasts: Relation;
  violations: Relation;
  /** Request metric → the model's series. */
  metrics: Record<string, string>;
  interval: 80 | 95;
  /** The series' step, and how many steps the model forecasts. */
  frequency: ForecastSettings['frequency'];
  horizon: number;
  recommendation: { violation: string; none: string };
}

export interface AnalyticsServe {
  type: 'analytics';
  key: string;
  choose: string | null;
  /** Linked SQL of one value, the end of the latest period; null: the time of the request. */
  asOf: string | null;
  analyses: Record<string, { sql: string; metrics: Record<string, MetricSpec>; insights: { when: InsightCondition[]; text: string }[] }>;
}

export interface StreamServe {
  type: 'stream';
  /** Topic → the Kafka source node whose columns its events must fit. */
  topics: Record<string, string>;
}

export interface AgentSettings {
  name: string;
  path: string;
  description: string;
  /** Words that route a question to this agent when no LLM is reachable. */
  keywords: string[];
  model: { name: string; temperature: number; embeddings: string };
  systemPrompt: string;
  /** Declared tools (agent_tool ids) and built-ins used as they are (their names). */
  tools: { name: string; node: string | null; builtin: BuiltinTool | null }[];
  /** Per tool call: rows, time and bytes (of the rows as JSON) a result may take; model turns per question. */
  limits: { rows: number; timeoutMs: number; bytes: number; steps: number };
}

export type ManifestNode =
  | ModelNode
  | SourceNode
  | TestNode
  | MlTrainNode
  | MlScoreNode
  | AgentToolNode
  | SeedNode
  | SnapshotNode
  | ExposureNode
  | EndpointNode;
export type NodeKind = ManifestNode['kind'];

export interface Manifest {
  version: typeof MANIFEST_VERSION;
  generatedAt: string;
  /**
   * `root` is the project folder the manifest was compiled from or read from; it is not
   * written to manifest.json, whose paths are all relative to the project, so a manifest
   * moves with its project.
   */
  project: { name: string; version: string | null; root: string };
  /** The warehouse; a relative path is relative to the project folder. */
  target: Target;
  threads: number;
  vars: Record<string, unknown>;
  /** Macro name → checksum of its template, so state:modified sees macro edits. */
  macros: Record<string, string>;
  nodes: Record<string, ManifestNode>;
  /** Agents from agents/*.yml, by name. */
  agents: Record<string, AgentSettings>;
  /** Dashboards from dashboards/*.yml, by name; each is also an exposure node. */
  dashboards: Record<string, Dashboard>;
  /** on_run_start / on_run_end of plat_project.yml, linked. */
  hooks: { onRunStart: HookSql[]; onRunEnd: HookSql[] };
  /** uniqueId → the nodes it reads from / the nodes that read it. */
  parents: Record<string, string[]>;
  children: Record<string, string[]>;
  /** plat_project.yml's schedules, by name (run by `plat schedule`). */
  schedules: Record<string, Schedule>;
}

export function columnsOf(columns: readonly ColumnSpec[] | undefined): ManifestColumn[] {
  return (columns ?? []).map((c) => ({
    name: c.name,
    type: c.type ?? null,
    description: c.description ?? '',
    required: c.required ?? false,
    tests: c.tests ?? [],
  }));
}

export function relationName(relation: Relation): string {
  return `${relation.schema}.${relation.name}`;
}
