export {
  compileProjectDir,
  loadState,
  listNodes,
  run,
  test,
  build,
  seed,
  snapshot,
  sourceFreshness,
  ingest,
  produceTo,
  stream,
  clean,
  type ListOptions,
  type StreamOptions,
  type CompiledProject,
  type ProjectOptions,
} from './api.js';
export type { FreshnessResult } from './quality/freshness.js';
export { loadProject } from './project/load.js';
export { parseProject } from './project/parse.js';
export { readProjectFiles, resolveProjectDir, type ProjectFiles } from './project/files.js';
export { compile, compileProject, type CompileOptions, type CompileResult } from './compile/compile.js';
export { selectNodes, baselineOf, type Selection, type StateBaseline, type NodeDefinition } from './compile/select.js';
export { relationOf } from './compile/kinds.js';
export type {
  Manifest,
  ManifestNode,
  ModelNode,
  SourceNode,
  TestNode,
  AgentToolNode,
  AgentSettings,
  SeedNode,
  SnapshotNode,
  ExposureNode,
} from './compile/manifest.js';
export type { RunOptions } from './run/run.js';
export { query, type QueryResult } from './run/query.js';
export { show, showSql } from './run/show.js';
export { retry, retryPlan, type RetryPlan } from './retry.js';
export { compileInline } from './compile/inline.js';
export type { RunEvent, RunResults, NodeResult } from './run/results.js';
export { formatDiagnostic, type Diagnostic } from './core/diagnostics.js';
export { PlatError } from './core/errors.js';
export { initProject } from './project/init.js';
export type { IngestResult } from './stream/ingest.js';
export type { MicroBatch } from './stream/loop.js';
export { generateDocs } from './docs/generate.js';
export { serveDocs } from './docs/serve.js';
export { dashboardByName, dashboardsData, type DashboardData } from './docs/dashboards.js';
export { watchProject, type WatchCycle, type WatchOptions } from './watch/watch.js';
export { IncrementalCompiler } from './compile/incremental.js';
export { Agent, type AgentAnswer, type AgentOptions, type Exchange } from './agent/agent.js';
export type { ToolCall, ToolDefinition } from './agent/tools.js';
export { serveAgent } from './agent/http.js';
export { Endpoints } from './serve/endpoints.js';
export { runScheduler, type SchedulerOptions } from './schedule/scheduler.js';
export { streamWithSchedules, type StreamWithSchedulesOptions } from './schedule/beside-stream.js';
export { runSchedule, type ScheduleEvent } from './schedule/job.js';
export type { Schedule } from './schedule/spec.js';
export type { RunSummary } from './schedule/alerts.js';
export { parseCron, nextFire } from './schedule/cron.js';
export { listRuns, showRun } from './run/runs-read.js';
export type { RunRecord, NodeRunRecord, RunStatus, RunTrigger } from './run/records.js';
