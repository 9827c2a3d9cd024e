import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Manifest, ManifestNode, NodeKind } from '../compile/manifest.js';
import { initialAction, NODE_KINDS, relationOf, writtenRelationOf } from '../compile/kinds.js';
import { relationName } from '../compile/manifest.js';
import type { Selection } from '../compile/select.js';
import { hasErrors, formatDiagnostic, type Diagnostic } from '../core/diagnostics.js';
import { LocatedError, PlatError } from '../core/errors.js';
import { naming } from '../core/paths.js';
import type { Warehouse } from '../warehouse/connection.js';
import { locateWarehouse, openWarehouse } from '../warehouse/registry.js';
import { RelationCatalog } from './catalog.js';
import type { Executors } from './executors.js';
import { materializeModel, ModelSqlError } from './materialize/model.js';
import { loadSeed } from './materialize/seed.js';
import { runSnapshot } from './materialize/snapshot.js';
import { checkExposure, runHooks, runProjectHooks } from './hooks.js';
import type { IngestProgress, NodeResult, RunEvent, RunResults } from './results.js';
import { recordNodeResults } from './history.js';
import { retryPolicyOf, withRetries, withTimeLimit, type RetryPolicy } from './attempts.js';
import { recordRun } from './recorder.js';
import type { RunOrigin } from './runs.js';
import { UnchangedInputs, type ReuseOptions } from './reuse.js';
import { schedule } from './scheduler.js';
import { loadSource, type SourceLoader } from './sources/loader.js';

export interface RunOptions extends Selection {
  command?: string;
  threads?: number;
  fullRefresh?: boolean;
  env?: Record<string, string | undefined>;
  now?: () => Date;
  onEvent?: (event: RunEvent) => void;
  /** Where to write run_results.json; default <project>/target. Null: don't write. */
  targetDir?: string | null;
  /** Node → nodes it must also wait for, beyond its parents (build: models wait for their tests). */
  extraBlockers?: ReadonlyMap<string, ReadonlySet<string>>;
  /** Reuse the last result of nodes whose inputs did not change instead of running them (watch rebuilds). */
  reuse?: ReuseOptions;
  /** Who started the run, for the history in the warehouse (default: a library call). */
  origin?: RunOrigin;
  /** Retries of nodes whose failure is transient (a lock held, a broker down, a file not there yet). */
  retry?: RetryPolicy;
  /** Longest a node may run (ms), after which it is interrupted and fails. */
  nodeTimeout?: number;
  /** Run on this open warehouse instead of opening the project's. */
  warehouse?: Warehouse;
  /** The --vars the manifest was compiled with, recorded in run_results.json for `plat retry`. */
  vars?: Record<string, unknown>;
}

/** target/run_results.json of the last run, or null before the first. */
export function lastRunResults(manifest: Manifest): RunResults | null {
  const path = join(manifest.project.root, 'target', 'run_results.json');
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as RunResults) : null;
}

/** Where the project's warehouse is (see WarehouseLocation). */
export function warehouseOf(manifest: Manifest) {
  return locateWarehouse(manifest.target, { root: manifest.project.root });
}

export function failOnSelectorErrors(diagnostics: Diagnostic[]): void {
  if (hasErrors(diagnostics)) {
    throw new PlatError(
      'USAGE',
      diagnostics
        .filter((d) => d.severity === 'error')
        .map(formatDiagnostic)
        .join('\n'),
    );
  }
}

/** Executors of what run/ builds (sources landed by the first of `loaders` that applies); tests come from quality/ and are added by the caller. */
export const buildExecutors = (
  loaders: readonly SourceLoader[],
): Pick<Executors, 'model' | 'source' | 'seed' | 'snapshot' | 'exposure'> => ({
  model: async (node, connection, context) => {
    await runHooks(connection, node.hooks.pre, 'pre_hook');
    const outcome = await materializeModel(connection, node, {
      catalog: context.catalog,
      fullRefresh: context.options.fullRefresh ?? false,
      detectUnchanged: context.options.reuse !== undefined,
      note: context.note,
    });
    await runHooks(connection, node.hooks.post, 'post_hook');
    return outcome;
  },
  seed: (node, connection, context) =>
    loadSeed(connection, node, {
      catalog: context.catalog,
      root: context.manifest.project.root,
      fullRefresh: context.options.fullRefresh ?? false,
    }),
  snapshot: (node, connection, context) =>
    runSnapshot(connection, node, { catalog: context.catalog, now: context.now, note: context.note }),
  exposure: (node, _connection, context) => checkExposure(node, context.manifest, context.catalog),
  source: (node, connection, context) =>
    loadSource(loaders, node, connection, {
      catalog: context.catalog,
      project: context.manifest.project.name,
      projectRoot: context.manifest.project.root,
      env: context.options.env ?? {},
      now: context.now,
      note: context.note,
      progress: context.progress,
    }),
});

/** Opens the project database and runs the given nodes on it. */
export async function runNodes(
  manifest: Manifest,
  selected: Set<string>,
  executors: Executors,
  options: RunOptions = {},
): Promise<RunResults> {
  // A warehouse the caller holds (a scheduler beside a stream) is shared, not opened twice.
  if (options.warehouse) return runOn(options.warehouse, manifest, selected, executors, options);
  const warehouse = await openWarehouse(manifest.target, { root: manifest.project.root });
  try {
    return await runOn(warehouse, manifest, selected, executors, options);
  } finally {
    // Best effort: closing writes the same anyway, and an error here must not hide the run's own.
    await warehouse.settle?.().catch(() => undefined);
    warehouse.close();
  }
}

export async function runOn(
  warehouse: Warehouse,
  manifest: Manifest,
  selected: Set<string>,
  executors: Executors,
  options: RunOptions,
): Promise<RunResults> {
  const emit = options.onEvent ?? (() => undefined);
  const now = options.now ?? (() => new Date());
  const command = options.command ?? 'run';
  const threads = Math.max(1, options.threads ?? manifest.threads);
  const startedAt = now();
  const notes: string[] = [];
  const note = (message: string) => {
    notes.push(message);
    emit({ type: 'note', message });
  };
  const counts = Object.fromEntries(NODE_KINDS.map((kind) => [kind, 0])) as Record<NodeKind, number>;
  for (const id of selected) counts[manifest.nodes[id]!.kind]++;
  const database = warehouseOf(manifest).display;
  emit({ type: 'run_started', command, total: selected.size, threads, database, counts });

  // A micro-batch of `run --stream` is not a command of its own.
  const hooks = command === 'stream' ? { onRunStart: [], onRunEnd: [] } : manifest.hooks;
  const setup = await warehouse.session();
  let catalog: RelationCatalog;
  try {
    // Created up front and one at a time: concurrent CREATE SCHEMA from several sessions conflicts.
    for (const schema of schemasWritten(manifest, selected)) await setup.execute(setup.dialect.createSchema(schema));
    await runProjectHooks(setup, hooks.onRunStart, 'on_run_start');
    catalog = await RelationCatalog.load(setup);
  } finally {
    setup.close();
  }

  const history = await recordRun(
    warehouse,
    { command, origin: options.origin ?? { trigger: 'api' }, startedAt, nodes: selected.size },
    note,
  );
  const total = selected.size;
  let endFailed = false;
  const inputs = options.reuse ? new UnchangedInputs(manifest, selected, options.reuse) : null;
  const execute = executors as {
    [K in NodeKind]: (
      node: ManifestNode,
      ...rest: Parameters<Executors[K]> extends [unknown, ...infer R] ? R : never
    ) => ReturnType<Executors[K]>;
  };
  const results = await schedule<NodeResult>({
    manifest,
    selected,
    threads,
    warehouse,
    extraBlockers: options.extraBlockers,
    failed: (result) => result.status === 'error' || result.status === 'fail',
    skip: (node, index, because) => {
      const at = now().toISOString();
      const result: NodeResult = { ...blankResult(node, at), status: 'skipped', skippedBecause: because, completedAt: at };
      emit({ type: 'node_finished', index, total, result });
      return result;
    },
    execute: async (node, connection, index) => {
      const reused = inputs?.reusable(node.uniqueId);
      if (reused) {
        emit({ type: 'node_finished', index, total, result: reused });
        return reused;
      }
      const identity = blankResult(node, now().toISOString());
      emit({ type: 'node_started', index, total, uniqueId: node.uniqueId, name: node.name, kind: node.kind, relation: identity.relation });
      let clock = performance.now();
      const result: NodeResult = { ...identity, status: 'success' };
      const progress = (p: IngestProgress) => emit({ type: 'ingest_progress', progress: p });
      const context = { manifest, options, note, progress, now: new Date(identity.startedAt), catalog };
      const outcome = await withRetries(
        () => withTimeLimit(() => execute[node.kind](node, connection, context), options.nodeTimeout, connection),
        retryPolicyOf(node, options.retry),
        (error, attempt, wait) => {
          const failed: NodeResult = { ...result, status: 'error', error: nodeError(node, error), completedAt: now().toISOString() };
          failed.executionTime = (performance.now() - clock) / 1000;
          history.attempt(failed, attempt);
          emit({ type: 'node_retrying', uniqueId: node.uniqueId, name: node.name, attempt, wait, error: failed.error! });
          clock = performance.now() + wait;
          result.startedAt = new Date(now().getTime() + wait).toISOString();
        },
      );
      if ('value' in outcome) {
        const { unchanged, ...produced } = outcome.value;
        Object.assign(result, produced);
        if (unchanged) inputs?.leftUnchanged(node.uniqueId);
      } else {
        result.status = 'error';
        result.error = nodeError(node, outcome.error);
      }
      if (outcome.attempt > 1) result.attempts = outcome.attempt;
      result.executionTime = (performance.now() - clock) / 1000;
      result.completedAt = now().toISOString();
      emit({ type: 'node_finished', index, total, result });
      return result;
    },
  }).catch(history.abandon);

  if (hooks.onRunEnd.length) {
    const session = await warehouse.session();
    try {
      await runProjectHooks(session, hooks.onRunEnd, 'on_run_end');
    } catch (error) {
      note(error instanceof Error ? error.message : String(error));
      endFailed = true;
    } finally {
      session.close();
    }
  }
  const runResults: RunResults = {
    version: 1,
    command,
    generatedAt: startedAt.toISOString(),
    elapsed: (now().getTime() - startedAt.getTime()) / 1000,
    database,
    results,
    notes,
    runId: history.id,
    success: !endFailed && results.every((r) => r.status !== 'error' && r.status !== 'fail' && r.status !== 'skipped'),
    args: {
      select: [...(options.select ?? [])],
      exclude: [...(options.exclude ?? [])],
      vars: options.vars ?? {},
      fullRefresh: options.fullRefresh ?? false,
    },
  };
  await history.finish(runResults, now());
  // `plat serve` reads a copy (DuckDB lets no other process read while this one writes): each
  // build and micro-batch of a project with endpoints or dashboards leaves one of what it committed.
  if (
    warehouse.publishServingCopy &&
    (Object.keys(manifest.dashboards).length || Object.values(manifest.nodes).some((n) => n.kind === 'endpoint'))
  ) {
    await warehouse.publishServingCopy().catch((error: unknown) => note(error instanceof Error ? error.message : String(error)));
  }
  const targetDir = options.targetDir === undefined ? join(manifest.project.root, 'target') : options.targetDir;
  if (targetDir) {
    writeJson(join(targetDir, 'run_results.json'), runResults);
    recordNodeResults(targetDir, manifest, results);
  }
  emit({ type: 'run_finished', results: runResults });
  return runResults;
}

function schemasWritten(manifest: Manifest, selected: Set<string>): Set<string> {
  const schemas = new Set<string>();
  for (const id of selected) {
    const relation = writtenRelationOf(manifest.nodes[id]!);
    if (relation) schemas.add(relation.schema);
  }
  return schemas;
}

function blankResult(node: ManifestNode, at: string): NodeResult {
  const relation = relationOf(node);
  return {
    uniqueId: node.uniqueId,
    name: node.name,
    kind: node.kind,
    relation: relation ? relationName(relation) : null,
    action: initialAction(node),
    status: 'skipped',
    rows: null,
    failures: null,
    sample: null,
    unitDiff: null,
    ml: null,
    executionTime: 0,
    startedAt: at,
    completedAt: at,
    error: null,
    skippedBecause: null,
  };
}

function nodeError(node: ManifestNode, error: unknown): NodeResult['error'] {
  if (error instanceof ModelSqlError) return { message: error.message, file: error.templateFile, line: error.templateLine, hint: null };
  // An operational failure (the database folder unwritable, the broker gone) is no fault of the node's file.
  if (error instanceof PlatError) return { message: error.message, file: null, line: null, hint: error.hint };
  if (error instanceof LocatedError)
    return {
      message: error.message,
      file: error.place.file ?? node.path,
      line: error.line,
      column: error.place.column ?? null,
      hint: error.place.hint ?? null,
    };
  return { message: error instanceof Error ? error.message : String(error), file: node.path, line: null, hint: null };
}

export function writeJson(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  naming(path, () => writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`));
}
