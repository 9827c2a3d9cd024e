import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { Manifest, ManifestNode, NodeKind } from '../compile/manifest.js';
import { relationName } from '../compile/manifest.js';
import { selectNodes, type Selection } from '../compile/select.js';
import { hasErrors, formatDiagnostic, type Diagnostic } from '../core/diagnostics.js';
import { PlatError } from '../core/errors.js';
import type { Warehouse, WarehouseSession } from './adapter.js';
import { openDuckDB } from './duckdb/warehouse.js';
import { materializeModel, ModelSqlError } from './materialize/model.js';
import type { NodeResult, RunEvent, RunResults } from './results.js';
import { schedule } from './scheduler.js';
import { loadSource } from './sources/load.js';
import { RelationCatalog } from './catalog.js';

export interface RunOptions extends Selection {
  command?: string;
  threads?: number;
  fullRefresh?: boolean;
  env?: Record<string, string | undefined>;
  now?: () => Date;
  onEvent?: (event: RunEvent) => void;
  /** Where to write run_results.json; default <project>/target. Null: don't write. */
  targetDir?: string | null;
}

export function databasePath(manifest: Manifest): string {
  return resolve(manifest.project.root, manifest.target.duckdb);
}

/** Runs the selected nodes of a compiled manifest on its DuckDB database. */
export async function run(manifest: Manifest, options: RunOptions = {}): Promise<RunResults> {
  const { ids, diagnostics } = selectNodes(manifest, options);
  failOnSelectorErrors(diagnostics);
  const warehouse = await openDuckDB(databasePath(manifest), { displayPath: displayPath(manifest) });
  try {
    return await runOn(warehouse, manifest, ids, options);
  } finally {
    warehouse.close();
  }
}

export function failOnSelectorErrors(diagnostics: Diagnostic[]): void {
  if (hasErrors(diagnostics)) {
    throw new PlatError('USAGE', diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic).join('\n'));
  }
}

export function displayPath(manifest: Manifest): string {
  const path = databasePath(manifest);
  const fromCwd = relative(process.cwd(), path);
  return fromCwd.startsWith('..') ? path : fromCwd;
}

export async function runOn(warehouse: Warehouse, manifest: Manifest, selected: Set<string>, options: RunOptions): Promise<RunResults> {
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
  const counts = { source: 0, model: 0 } satisfies Record<NodeKind, number>;
  for (const id of selected) counts[manifest.nodes[id]!.kind]++;
  emit({ type: 'run_started', command, total: selected.size, threads, database: displayPath(manifest), counts });

  const setup = await warehouse.session();
  let catalog: RelationCatalog;
  try {
    // Created up front and one at a time: concurrent CREATE SCHEMA from several sessions conflicts.
    for (const schema of new Set([...selected].map((id) => relationOf(manifest.nodes[id]!)?.schema).filter((s): s is string => !!s))) {
      await setup.ensureSchema(schema);
    }
    catalog = await RelationCatalog.load(setup);
  } finally {
    setup.close();
  }

  const total = selected.size;
  const results = await schedule<NodeResult>({
    manifest,
    selected,
    threads,
    warehouse,
    failed: (result) => result.status === 'error',
    skip: (node, index, because) => {
      const at = now().toISOString();
      const result: NodeResult = {
        ...identity(node),
        action: actionOf(node),
        status: 'skipped',
        rows: null,
        executionTime: 0,
        startedAt: at,
        completedAt: at,
        error: null,
        skippedBecause: because,
      };
      emit({ type: 'node_finished', index, total, result });
      return result;
    },
    execute: async (node, session, index) => {
      emit({ type: 'node_started', index, total, uniqueId: node.uniqueId, name: node.name, kind: node.kind, relation: relationOf(node) ? relationName(relationOf(node)!) : null });
      const began = now();
      const clock = performance.now();
      const result: NodeResult = { ...identity(node), action: actionOf(node), status: 'success', rows: null, executionTime: 0, startedAt: began.toISOString(), completedAt: '', error: null, skippedBecause: null };
      try {
        const outcome = await executeNode(node, session, { manifest, options, note, now: began, catalog });
        result.rows = outcome.rows;
        result.action = outcome.action;
      } catch (error) {
        result.status = 'error';
        result.error = nodeError(node, error);
      }
      result.executionTime = (performance.now() - clock) / 1000;
      result.completedAt = now().toISOString();
      emit({ type: 'node_finished', index, total, result });
      return result;
    },
  });

  const runResults: RunResults = {
    version: 1,
    command,
    generatedAt: startedAt.toISOString(),
    elapsed: (now().getTime() - startedAt.getTime()) / 1000,
    database: displayPath(manifest),
    results,
    notes,
    success: results.every((r) => r.status !== 'error' && r.status !== 'skipped'),
  };
  const targetDir = options.targetDir === undefined ? join(manifest.project.root, 'target') : options.targetDir;
  if (targetDir) writeJson(join(targetDir, 'run_results.json'), runResults);
  emit({ type: 'run_finished', results: runResults });
  return runResults;
}

interface ExecuteContext {
  catalog: RelationCatalog;
  manifest: Manifest;
  options: RunOptions;
  note: (message: string) => void;
  now: Date;
}

/** One entry per node kind: adding a kind fails to compile until it is handled here. */
function executeNode(node: ManifestNode, session: WarehouseSession, context: ExecuteContext): Promise<{ rows: number | null; action: string }> {
  switch (node.kind) {
    case 'model':
      return materializeModel(session, node, { catalog: context.catalog, fullRefresh: context.options.fullRefresh ?? false });
    case 'source':
      return loadSource(session, node, { catalog: context.catalog, projectRoot: context.manifest.project.root, env: context.options.env ?? {}, now: context.now, note: context.note });
  }
}

function relationOf(node: ManifestNode) {
  if (node.kind === 'model' && node.config.materialized === 'ephemeral') return null;
  return node.relation;
}

function identity(node: ManifestNode): Pick<NodeResult, 'uniqueId' | 'name' | 'kind' | 'relation'> {
  const relation = relationOf(node);
  return { uniqueId: node.uniqueId, name: node.name, kind: node.kind, relation: relation ? relationName(relation) : null };
}

function actionOf(node: ManifestNode): string {
  return node.kind === 'model' ? node.config.materialized : 'source';
}

function nodeError(node: ManifestNode, error: unknown): NodeResult['error'] {
  if (error instanceof ModelSqlError) {
    return { message: error.message, file: node.path, line: error.templateLine, hint: null };
  }
  if (error instanceof PlatError) return { message: error.message, file: node.path, line: null, hint: error.hint };
  return { message: error instanceof Error ? error.message : String(error), file: node.path, line: null, hint: null };
}

export function writeJson(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}
