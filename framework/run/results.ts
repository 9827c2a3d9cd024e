/** What a run reports, per node and in all; also the shape of target/run_results.json. */
import type { NodeKind } from '../compile/manifest.js';
import type { JsonValue } from '../core/json.js';

/** Models and sources end in success; tests in pass, warn or fail; any node may error or be skipped. */
export type NodeStatus = 'success' | 'pass' | 'warn' | 'fail' | 'error' | 'skipped';

/** Rows as JSON-safe values (bigints and dates converted), for results files and output. */
export type JsonRow = Record<string, JsonValue>;

export interface UnitDiff {
  columns: string[];
  /** Expected rows the model did not return, and returned rows nobody expected. */
  missing: JsonRow[];
  extra: JsonRow[];
}

export interface NodeError {
  message: string;
  file: string | null;
  line: number | null;
  column?: number | null;
  hint: string | null;
}

/** `models/orders.yml:7:18`, or the file alone, or '' when the error is no file's fault. */
export function errorLocation(error: NodeError): string {
  if (!error.file) return '';
  return `${error.file}${error.line ? `:${error.line}${error.column ? `:${error.column}` : ''}` : ''}`;
}

export interface NodeResult {
  uniqueId: string;
  name: string;
  kind: NodeKind;
  /** schema.name of what the node built, or null. */
  relation: string | null;
  /** What was done: table, view, incremental (merge), generated… */
  action: string;
  status: NodeStatus;
  rows: number | null;
  /** Tests: failing rows (or groups) found; unit tests: rows missing plus extra. */
  failures: number | null;
  /** Tests: the first few failing rows. */
  sample: JsonRow[] | null;
  unitDiff: UnitDiff | null;
  /** ML training: the version in use, whether it was (re)trained, its held-out metrics. */
  ml: { version: string | null; trained: boolean; promoted: boolean; metrics: Record<string, unknown> } | null;
  executionTime: number;
  startedAt: string;
  completedAt: string;
  error: NodeError | null;
  /** For a skipped node: the failed node upstream of it. */
  skippedBecause: string | null;
  /** Not run: its inputs were unchanged, so this is its last result (watch rebuilds; see run/reuse.ts). */
  reused?: boolean;
  /** Executions it took, where a transient failure was retried (see run/attempts.ts). */
  attempts?: number;
}

export interface RunResults {
  version: 1;
  command: string;
  generatedAt: string;
  elapsed: number;
  database: string;
  results: NodeResult[];
  notes: string[];
  success: boolean;
  /** Its id in the run history (`_plat.runs`; see run/runs.ts). */
  runId?: number;
  /** What the command was given, so `plat retry` can run its failures again the same way. */
  args?: RunArgs;
}

export interface RunArgs {
  select: string[];
  exclude: string[];
  /** The --vars given (the project's own are in plat_project.yml). */
  vars: Record<string, unknown>;
  fullRefresh: boolean;
}

/** Where a Kafka ingest stands; emitted a few times a second while it runs. */
export interface IngestProgress {
  source: string;
  topic: string;
  landed: number;
  deadLetters: number;
  /** Messages landed per second since the start. */
  rate: number;
  /** Messages not yet landed, over all partitions. */
  lag: number;
}

export type RunEvent =
  | { type: 'run_started'; command: string; total: number; threads: number; database: string; counts: Record<NodeKind, number> }
  | { type: 'note'; message: string }
  | { type: 'ingest_progress'; progress: IngestProgress }
  | { type: 'node_started'; index: number; total: number; uniqueId: string; name: string; kind: NodeKind; relation: string | null }
  | { type: 'node_finished'; index: number; total: number; result: NodeResult }
  | { type: 'node_retrying'; uniqueId: string; name: string; attempt: number; wait: number; error: NodeError }
  | { type: 'run_finished'; results: RunResults };
