import type { DashboardSpec } from './dashboard_spec.js';
/** What the project stage hands to the compiler: validated, typed, positions kept. */
import type { FaultyNames } from './entries.js';
import type { TargetType } from '../warehouse/types.js';
import type { YamlLocator } from './yaml.js';
import type { ScheduleConfig } from '../schedule/spec.js';

export type Materialization = 'view' | 'table' | 'incremental' | 'ephemeral';
export type IncrementalStrategy = 'append' | 'merge' | 'delete+insert';
/** What an incremental run does when the model's columns differ from its table's (dbt's meanings). */
export type OnSchemaChange = 'fail' | 'append_new_columns' | 'sync_all_columns';

export interface ModelConfig {
  materialized?: Materialization;
  schema?: string;
  tags?: string[];
  unique_key?: string | string[];
  incremental_strategy?: IncrementalStrategy;
  on_schema_change?: OnSchemaChange;
  enabled?: boolean;
  /** SQL run before / after the model is built, templated like the model. */
  pre_hook?: string | string[];
  post_hook?: string | string[];
  /** Retries of a transient failure (see run/attempts.ts), and the wait before the first. */
  retries?: number;
  retry_delay?: string;
}

/** A seed's config: where it lands, and how its CSV is read. */
export interface SeedConfig {
  schema?: string;
  tags?: string[];
  enabled?: boolean;
  /** Column → type; the others are inferred from the file. */
  column_types?: Record<string, string>;
  delimiter?: string;
  /** The character that quotes a field holding the delimiter (default "). */
  quote?: string;
}

export type SnapshotStrategy = 'timestamp' | 'check';

export interface SnapshotConfig {
  schema?: string;
  tags?: string[];
  enabled?: boolean;
  unique_key?: string | string[];
  strategy?: SnapshotStrategy;
  /** timestamp: the column that says when a row last changed. */
  updated_at?: string;
  /** check: the columns whose change makes a new version, or all. */
  check_cols?: string[] | 'all';
  /** A row gone from the query closes its current version. */
  invalidate_hard_deletes?: boolean;
}

export type TestSpec = string | Record<string, unknown>;

export interface ColumnSpec {
  name: string;
  type?: string;
  description?: string;
  required?: boolean;
  tests?: TestSpec[];
}

export interface ProjectConfig {
  name: string;
  version?: string | number;
  /** `{ type, path }`; `{ duckdb: path }` is the older spelling of `{ type: duckdb, path }`. */
  target?: TargetSpec;
  /** Other targets by name, picked with --target or PLAT_TARGET (see compile/target.ts). */
  targets?: Record<string, TargetSpec>;
  threads?: number;
  vars?: Record<string, unknown>;
  models?: { defaults?: ModelConfig; paths?: Record<string, ModelConfig> };
  schedules?: ScheduleConfig[];
  seeds?: { defaults?: SeedConfig };
  snapshots?: { defaults?: SnapshotConfig };
  /** SQL run once before / after every run, build, seed and snapshot, templated with the same helpers. */
  on_run_start?: string | string[];
  on_run_end?: string | string[];
}

/** A warehouse as plat_project.yml gives it; which fields apply depends on `type`. */
export interface TargetSpec {
  type?: TargetType;
  /** duckdb: the database file. */
  path?: string;
  duckdb?: string;
  /** trino: the coordinator, its catalog, the user, a schema prefix, the sandbox's user, and where bulk loads put files. */
  url?: string;
  catalog?: string;
  user?: string;
  schema_prefix?: string;
  sandbox_user?: string;
  landing?: { folder: string; location: string };
  /** The engine's own settings: DuckDB configuration options at open; Trino session properties. */
  settings?: Record<string, string | number | boolean>;
}

export interface FieldSpec {
  const?: string | number | boolean;
  sequence?: { start?: number };
  uuid?: Record<string, never>;
  int?: { min: number; max: number };
  float?: { min: number; max: number; decimals?: number };
  choice?: (string | number | boolean)[] | Record<string, number>;
  timestamp?: { start?: string; end?: string; last?: string };
  /** Drawn once per value of `of`, from `choice`, `int` or `float`. */
  trait?: {
    of: string;
    choice?: Record<string, number>;
    int?: { min: number; max: number };
    float?: { min: number; max: number; decimals?: number };
  };
  hidden?: boolean;
  when?: string;
  cases?: Record<string, FieldSpec>;
  else?: FieldSpec;
  /** A weighted sum of earlier fields plus Gaussian noise: the hidden driver of a rule. */
  score?: ScoreSpec;
  /** A class picked by where a numeric field falls between cuts. */
  bands?: BandsSpec;
  /** Series only: the row's entity (`{}`: its key) or one of its attributes. */
  entity?: { attribute?: string };
  /** Series only: the row's time (the step's, or the lifecycle event's), ISO-8601. */
  time?: { jitter?: string };
  /** Series only: what the entity's lifecycle says at the row's time. */
  lifecycle?: LifecycleField;
  /** Series only: a numeric signal per entity over time. */
  signal?: SignalSpec;
  /** Series only: the injected anomaly this row carries (spike, drift, stuck), or none. */
  anomaly?: Record<string, never>;
}

export type LifecycleState = 'running' | 'idle' | 'error' | 'maintenance';
export type LifecycleEventName = 'start' | 'stop' | 'failure' | 'repair' | 'maintenance_start' | 'maintenance_end';
/**
 * state: running, idle, error or maintenance; event: the event's name (event rows); degradation:
 * 0 → 1 over the window before a failure; hours_since_reset: hours since the last repair or
 * maintenance (or since the lifecycle began).
 */
export type LifecycleField = 'state' | 'event' | 'degradation' | 'hours_since_reset';

export interface ScoreSpec {
  terms: ScoreTerm[];
  /** Standard deviation of the Gaussian noise added to the sum. */
  noise?: number;
}

/**
 * One addend: weight × value, weight × max(0, value − above), weight × max(0, below − value), or
 * for categories weights[value]. above/below take a number or the name of an earlier field.
 */
export interface ScoreTerm {
  field: string;
  weight?: number;
  above?: number | string;
  below?: number | string;
  weights?: Record<string, number>;
}

export interface BandsSpec {
  of: string;
  /** Class → upper bound (exclusive), ascending; values past the last cut get `else`. */
  cuts: Record<string, number>;
  else: string;
}

export type Range = { min: string; max: string };

export interface SignalSpec {
  /** Per entity: a number, an entity attribute, or drawn uniformly from min–max. */
  base: number | { attribute: string } | { min: number; max: number };
  /** Multiplies the base: e.g. a typical output as a share of an ideal rate. */
  scale?: number;
  daily?: { amplitude: number; peak?: number };
  weekly?: { amplitude: number; peak?: number };
  noise?: number;
  walk?: number;
  /** Approaching a failure: + add and × times at full degradation, linear over the window. */
  degrade?: { add?: number; times?: number };
  min?: number;
  max?: number;
  decimals?: number;
}

export interface EntitiesSpec {
  count?: number;
  prefix?: string;
  list?: string[];
  /** A CSV file with a header, relative to the project; one entity per row. */
  file?: string;
  /** The file's id column (default its first). */
  key?: string;
}

export interface LifecycleSpec {
  seed?: number;
  /** When each entity's lifecycle starts: an ISO time, or a date attribute of the entity. */
  from?: string | { attribute: string };
  /** degradation: how long before a failure the signals drift: fixed, or drawn per failure from a range. */
  failures?: { mtbf: string; shape?: number; spread?: number; degradation: string | Range; repair: Range };
  maintenance?: { every: string; jitter?: string; duration: Range };
  idle?: { every: string; duration: Range };
}

export interface AnomaliesSpec {
  spike?: { share: number; size: Record<string, number> };
  drift?: { share: number; length: string; size: Record<string, number> };
  stuck?: { share: number; length: string; fields: string[] };
}

export interface SeriesSpec {
  entities: EntitiesSpec;
  /** Steps: one row per entity every so often. Events: one row per lifecycle event. */
  rows?: 'steps' | 'events';
  every?: string;
  start?: string;
  end?: string;
  last?: string;
  /** Steps: rows only while the entity is in one of these states. */
  while?: LifecycleState[];
  lifecycle?: LifecycleSpec;
  anomalies?: AnomaliesSpec;
}

export interface GeneratorSpec {
  /** Independent rows: how many. Series: at most this many (default all). */
  rows?: number;
  seed?: number;
  fields: Record<string, FieldSpec>;
  corrupt?: { name: string; share: number; duplicate?: boolean; set?: Record<string, FieldSpec | null> }[];
  series?: SeriesSpec;
  /** The fields written, in order, hidden ones included (default: every field not hidden). */
  write?: string[];
}

/** A file reader's option: a value, a list or a struct, passed to DuckDB's reader as its literal. */
export type ReaderOption = string | number | boolean | ReaderOption[] | { [key: string]: ReaderOption };

export interface SourceTableSpec {
  sourceName: string;
  name: string;
  schema: string;
  description: string;
  sourceDescription: string;
  tags: string[];
  columns: ColumnSpec[];
  tests: TestSpec[];
  freshness: { field: string; warn_after?: string; error_after?: string } | null;
  kafka: { topic: string; group?: string; key?: string; format?: 'json'; partitions?: number; session_timeout?: string } | null;
  file: { path: string; format?: 'csv' | 'ndjson' | 'parquet'; options?: Record<string, ReaderOption> } | null;
  generator: GeneratorSpec | null;
  /** Where it is declared, for diagnostics: file and YAML path. */
  origin: { file: string; path: (string | number)[] };
}

export interface ModelProperties {
  name: string;
  description?: string;
  contract?: 'enforced';
  tags?: string[];
  config?: ModelConfig;
  columns?: ColumnSpec[];
  tests?: TestSpec[];
  origin: { file: string; path: (string | number)[] };
}

export interface SeedProperties {
  name: string;
  description?: string;
  tags?: string[];
  config?: SeedConfig;
  columns?: ColumnSpec[];
  tests?: TestSpec[];
  origin: { file: string; path: (string | number)[] };
}

export interface SnapshotProperties {
  name: string;
  description?: string;
  tags?: string[];
  config?: SnapshotConfig;
  columns?: ColumnSpec[];
  tests?: TestSpec[];
  origin: { file: string; path: (string | number)[] };
}

export type ExposureType = 'dashboard' | 'notebook' | 'analysis' | 'ml' | 'application' | 'api' | 'agent';

/** A declared consumer of models: a dashboard, an app, an API. */
export interface ExposureSpec {
  name: string;
  type: ExposureType;
  description?: string;
  url?: string;
  owner?: { name?: string; email?: string };
  tags?: string[];
  depends_on: ({ ref: string } | { source: string })[];
  origin: { file: string; path: (string | number)[] };
}

/** A seeds/**\/*.csv file; its text is hashed, never put in the manifest. */
export interface SeedFile {
  name: string;
  path: string;
  text: string;
}

/** A `{% docs name %}…{% enddocs %}` block of a Markdown file. */
export interface DocBlock {
  name: string;
  file: string;
  line: number;
  text: string;
}

export interface ModelFile {
  name: string;
  /** Project-relative path with forward slashes, e.g. models/staging/stg_events.sql */
  path: string;
  /** Folder under models/, e.g. staging or marts/finance; '' at the top. */
  folder: string;
  sql: string;
}

export interface UnitTestInput {
  ref?: string;
  source?: string;
  rows: Record<string, unknown>[];
}

export interface UnitTestProperties {
  name: string;
  model: string;
  description?: string;
  given: UnitTestInput[];
  expect: { rows: Record<string, unknown>[]; ordered?: boolean };
  origin: { file: string; path: (string | number)[] };
}

/** A .sql file under tests/: a singular test, or (under tests/generic/) a custom generic test. */
export interface TestFile {
  name: string;
  path: string;
  sql: string;
}

export type FeatureTransform = 'standardize' | 'one_hot' | { fill_null: string | number | boolean };

export interface FeatureSpec {
  name: string;
  type?: 'numeric' | 'categorical' | 'boolean';
  description?: string;
  transforms?: FeatureTransform[];
}

type Origin = { origin: { file: string; path: (string | number)[] } };

export type FeatureSetSpec = Origin & {
  name: string;
  description?: string;
  entity: string;
  ref?: string;
  sql?: string;
  as_of?: string;
  features: FeatureSpec[];
};

export type TrainingSpec = Origin & {
  name: string;
  description?: string;
  feature_set: string;
  cutoff?: string | { sql: string };
  label?: { column?: string; expression?: string; sql?: string; default?: string | number | boolean };
  task: 'binary' | 'multiclass' | 'regression' | 'anomaly' | 'forecast';
  forecast?: {
    time: string;
    frequency?: 'minute' | 'hour' | 'day' | 'week';
    horizon: number;
    season?: number;
    holdout?: number;
    thresholds?: Record<string, { direction?: 'above' | 'below'; warning?: number; critical?: number }>;
  };
  /** One member per algorithm of ml.schema.json, with its own parameters. */
  algorithm?:
    | { name: 'logistic_regression'; learning_rate?: number; iterations?: number; l2?: number }
    | {
        name: 'gradient_boosting';
        iterations?: number;
        learning_rate?: number;
        max_leaves?: number;
        max_depth?: number;
        min_rows_per_leaf?: number;
        l2?: number;
        feature_fraction?: number;
        max_bins?: number;
        early_stopping?: boolean;
        validation_fraction?: number;
        patience?: number;
        seed?: number;
      }
    | {
        name: 'random_forest';
        trees?: number;
        max_depth?: number;
        features_per_split?: number;
        min_rows_per_leaf?: number;
        bootstrap?: boolean;
        max_bins?: number;
        seed?: number;
      }
    | { name: 'isolation_forest'; trees?: number; sample_size?: number; contamination?: number; seed?: number };
  split?: { test_fraction?: number; seed?: number; stratified?: boolean; by?: string; time?: string };
  threshold?: { precision: number } | { recall: number };
  metrics?: string[];
  min_rows?: number;
  promote_if?: string;
};

export type ScoringSpec = Origin & { model: string; description?: string; entities?: string; contributions?: number };

export type BuiltinTool = 'list_models' | 'describe_model' | 'search_catalog' | 'run_sql' | 'ml_predict';

export type AgentSpec = Origin & {
  name: string;
  description?: string;
  keywords?: string[];
  model?: { name?: string; temperature?: number; embeddings?: string };
  system_prompt?: string;
  tools: string[];
  limits?: { rows?: number; timeout?: string; bytes?: string; steps?: number };
};

export type ToolSpec = Origin & {
  name: string;
  description: string;
  keywords?: string[];
  parameters?: { type: 'object'; properties?: Record<string, { type?: string; description?: string }>; required?: string[] } & Record<
    string,
    unknown
  >;
  sql?: string;
  builtin?: BuiltinTool;
  model?: string;
};

export interface MacroFile {
  name: string;
  path: string;
  template: string;
}

export interface ProjectSpec {
  root: string;
  configFile: string;
  config: ProjectConfig;
  sources: SourceTableSpec[];
  models: ModelFile[];
  properties: Map<string, ModelProperties>;
  unitTests: UnitTestProperties[];
  singularTests: TestFile[];
  genericTests: TestFile[];
  ml: { featureSets: FeatureSetSpec[]; models: TrainingSpec[]; scoring: ScoringSpec[] };
  agents: { agents: AgentSpec[]; tools: ToolSpec[] };
  macros: MacroFile[];
  seeds: SeedFile[];
  seedProperties: Map<string, SeedProperties>;
  /** snapshots/**\/*.sql: a SELECT whose rows are versioned; `folder` is under snapshots/. */
  snapshots: ModelFile[];
  snapshotProperties: Map<string, SnapshotProperties>;
  exposures: ExposureSpec[];
  /** dashboards/*.yml, one dashboard a file. */
  dashboards: DashboardSpec[];
  /** endpoints/*.yml: routes `plat serve` answers from models and predictions. */
  endpoints: EndpointSpec[];
  docs: Map<string, DocBlock>;
  locator: YamlLocator;
  /** Names declared by YAML entries with errors (reported already), so references to them are not. */
  faulty: FaultyNames;
}

/** A response's risk level and action for scores at or above `min`, or equal to one of `values`, or any (neither). */
export interface BandSpec {
  min?: number;
  values?: (string | number | boolean)[];
  level: string;
  action?: string;
}

/** How one feature's contribution is worded in contributing_factors. */
export interface FactorSpec {
  text?: string;
  above?: string;
  below?: string;
  reference?: number | string;
  divide_by?: number;
  decimals?: number;
}

export interface PredictionSpec {
  model: string;
  sql: string;
  score?: string;
  output?: string;
  fields?: Record<string, string>;
  bands?: BandSpec[];
  factors?: Record<string, FactorSpec>;
}

export interface MetricSpec {
  label?: string;
  unit?: string;
  decimals?: number;
  change?: 'relative' | 'difference';
}

export interface InsightCondition {
  metric: string;
  trend?: 'up' | 'down';
  min_change?: number;
  above?: number;
  below?: number;
}

export interface AnalysisSpec {
  description?: string;
  sql: string;
  metrics: Record<string, MetricSpec>;
  insights?: { when: InsightCondition[]; text: string }[];
}

export type EndpointType = 'predict' | 'forecast' | 'analytics' | 'stream';

/** One entry of endpoints/*.yml; which keys apply depends on `type` (the compiler reports the others). */
export type EndpointSpec = Origin & {
  name: string;
  type: EndpointType;
  route?: string;
  description?: string;
  key?: string;
  choose?: string;
  parameters?: Record<string, Record<string, unknown>>;
  predictions?: Record<string, PredictionSpec>;
  model?: string;
  metrics?: Record<string, string>;
  interval?: 80 | 95;
  recommendation?: { violation?: string; none?: string };
  as_of?: string;
  analyses?: Record<string, AnalysisSpec>;
  topics?: { source: string; table: string }[];
};
