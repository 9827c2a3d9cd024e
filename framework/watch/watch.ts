import { watch } from 'chokidar';
import { join, relative } from 'node:path';
import { build, run, test } from '../api.js';
import { writeCompileArtifacts } from '../compile/artifacts.js';
import { IncrementalCompiler } from '../compile/incremental.js';
import type { Manifest } from '../compile/manifest.js';
import { baselineOf, selectNodes } from '../compile/select.js';
import { diagnostic, hasErrors, type Diagnostic } from '../core/diagnostics.js';
import type { NodeResult, RunEvent, RunResults } from '../run/results.js';
import { relationOf } from '../compile/kinds.js';
import { relationName } from '../compile/manifest.js';
import { openWarehouse } from '../warehouse/registry.js';
import { relationKey } from '../warehouse/types.js';
import { readProjectFiles, refreshProjectFiles, resolveProjectDir, toProjectPath } from '../project/files.js';

export interface WatchCycle {
  number: number;
  /** Project files whose text changed since the previous cycle (none for the first build). */
  files: string[];
  diagnostics: Diagnostic[];
  /** The manifest this cycle compiled; null when it had errors. */
  manifest: Manifest | null;
  /** Models recompiled on their own (see IncrementalCompiler); null when the whole project was. */
  recompiled: string[] | null;
  /** Nodes whose definition changed (state:modified against the previous good compile). */
  changed: string[];
  /** Nodes that failed or were skipped last time (those not downstream of another), run again with their downstream. */
  retried: string[];
  /** Relations dropped because their model was deleted. */
  dropped: string[];
  /** Nodes not run because nothing they read changed: their last result stands (see run/reuse.ts). */
  reused: string[];
  results: RunResults | null;
  compileSeconds: number;
  /** From the first save of the burst to the end of the rebuild. */
  seconds: number;
  /** An operational failure (database locked, say); the watcher keeps going. */
  error: string | null;
}

export interface WatchOptions {
  projectDir?: string;
  verb: 'build' | 'run' | 'test';
  env?: Record<string, string | undefined>;
  vars?: Record<string, unknown>;
  threads?: number;
  /** Rebuild incremental models from scratch whenever a rebuild reaches them. */
  fullRefresh?: boolean;
  /** Only these nodes are ever built (the CLI's --select / --exclude); rebuilds stay inside them. */
  select?: string[];
  exclude?: string[];
  /** Saves closer together than this (ms) make one rebuild. */
  debounce?: number;
  signal: AbortSignal;
  /** Awaited before the next cycle may start (plat dev regenerates the docs here). */
  onCycle?: (cycle: WatchCycle) => void | Promise<void>;
  onEvent?: (event: RunEvent) => void;
  /** Called once the watcher is listening, after the first build. */
  onReady?: () => void;
}

/**
 * `plat build --watch`: builds once, then after every burst of saves re-reads the saved files,
 * recompiles incrementally and reruns the nodes whose definition changed and everything
 * downstream, with their tests. Errors are reported and the watcher keeps going. A save during
 * a rebuild is queued: the running rebuild finishes (a half-cancelled build would leave
 * tables behind their upstream), then one more covers every save made meanwhile.
 */
export async function watchProject(options: WatchOptions): Promise<void> {
  const verbs = { build, run, test };
  const root = resolveProjectDir(options.projectDir);
  const files = readProjectFiles(root);
  const compiler = new IncrementalCompiler({ vars: options.vars, env: options.env ?? process.env });
  let previous: Manifest | null = null;
  let unfinished = new Set<string>();
  /** Every node's last result over all cycles: what a rebuild may reuse. */
  const latest = new Map<string, NodeResult>();
  let number = 0;
  let pending: string[] = [];
  let firstSave = 0;
  let running: Promise<void> | null = null;
  let timer: NodeJS.Timeout | null = null;

  const cycle = async (saved: string[], startedAt: number) => {
    const changedFiles = number === 0 ? [] : refreshProjectFiles(files, saved);
    if (number > 0 && changedFiles.length === 0) return; // a save that changed nothing, or a file plat does not read
    const compileStart = performance.now();
    const compiled = compiler.compile(files, changedFiles, new Date().toISOString());
    const compileSeconds = (performance.now() - compileStart) / 1000;
    const report: WatchCycle = {
      number: number++,
      files: changedFiles,
      diagnostics: previous ? explainDeleted(compiled.diagnostics, previous, files.files) : compiled.diagnostics,
      manifest: null,
      recompiled: compiled.recompiled,
      changed: [],
      retried: [],
      dropped: [],
      reused: [],
      results: null,
      compileSeconds,
      seconds: 0,
      error: null,
    };
    if (!hasErrors(compiled.diagnostics)) {
      const manifest = compiled.manifest;
      const before = previous;
      writeCompileArtifacts(manifest, join(root, 'target'), before);
      report.manifest = manifest;
      // What failed first; what it skipped comes along as its downstream.
      report.retried = [...unfinished].filter(
        (id) => manifest.nodes[id] && !manifest.parents[id]!.some((parent) => unfinished.has(parent)),
      );
      const reached = ['state:modified+', ...report.retried.map((id) => `unique_id:${id}+`)];
      // Comma joins selectors into an intersection: what the edit reaches, within --select.
      const within = options.select?.length ? reached.flatMap((r) => options.select!.map((s) => `${r},${s}`)) : reached;
      const baseline = before ? baselineOf(before) : null;
      const selection = baseline
        ? { select: within, exclude: options.exclude, state: baseline }
        : { select: options.select, exclude: options.exclude };
      report.changed = baseline
        ? [...selectNodes(manifest, { select: ['state:modified'], state: baseline }).ids]
        : Object.keys(manifest.nodes);
      if (before) report.dropped = await dropDeleted(before, manifest);
      if (report.changed.length > 0 || report.retried.length > 0) {
        const reuse = before ? { mustRun: new Set(report.changed), previous: latest } : undefined;
        report.results = await verbs[options.verb](manifest, {
          ...selection,
          reuse,
          fullRefresh: options.fullRefresh,
          env: options.env,
          threads: options.threads,
          onEvent: options.onEvent,
          origin: { trigger: 'watch' },
        });
        for (const result of report.results.results) latest.set(result.uniqueId, result);
        report.reused = report.results.results.filter((r) => r.reused).map((r) => r.uniqueId);
        unfinished = new Set(
          report.results.results
            .filter((r) => r.status === 'error' || r.status === 'fail' || r.status === 'skipped')
            .map((r) => r.uniqueId),
        );
      }
      previous = manifest;
    }
    report.seconds = (performance.now() - startedAt) / 1000;
    await options.onCycle?.(report);
  };

  const schedule = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      if (running) return; // picked up when the running cycle ends
      const saved = [...new Set(pending)];
      const startedAt = firstSave;
      pending = [];
      running = cycle(saved, startedAt)
        .catch((error: unknown) => {
          const message = error instanceof Error ? error.message : String(error);
          return options.onCycle?.({
            number: number++,
            files: saved,
            diagnostics: [],
            manifest: null,
            recompiled: null,
            changed: [],
            retried: [],
            dropped: [],
            reused: [],
            results: null,
            compileSeconds: 0,
            seconds: 0,
            error: message,
          });
        })
        .finally(() => {
          running = null;
          if (pending.length) schedule();
        });
    }, options.debounce ?? 50);
  };

  await cycle([], performance.now());
  const watcher = watch(root, {
    ignoreInitial: true,
    ignored: (path) => /(^|[/\\])(target|node_modules|\.git)([/\\]|$)/.test(relative(root, path)),
  });
  watcher.on('all', (_, path) => {
    if (pending.length === 0) firstSave = performance.now();
    pending.push(toProjectPath(root, path));
    schedule();
  });
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  options.onReady?.();
  await new Promise<void>((resolve) => {
    if (options.signal.aborted) resolve();
    options.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  if (timer) clearTimeout(timer);
  await watcher.close();
  await running;
}

/** A ref to a model whose file was just deleted says so, and that its relation is kept. */
function explainDeleted(diagnostics: Diagnostic[], previous: Manifest, files: ReadonlyMap<string, string>): Diagnostic[] {
  const deleted = new Map(
    Object.values(previous.nodes)
      .filter((n) => n.kind === 'model' && !files.has(n.path))
      .map((n) => [diagnostic('UNKNOWN_REF', { name: n.name }, {}).message, n] as const),
  );
  return diagnostics.map((d) => {
    const node = d.code === 'UNKNOWN_REF' ? deleted.get(d.message) : undefined;
    if (!node) return d;
    const relation = relationOf(node);
    const kept = relation ? `; ${relationName(relation)} is kept until nothing refers to it` : '';
    return { ...d, hint: `${node.path} was deleted${kept}. Remove this ref, or restore the file${d.hint ? ` (${d.hint})` : ''}` };
  });
}

/** Models (and other relations) that no longer exist lose their table or view. */
async function dropDeleted(before: Manifest, manifest: Manifest): Promise<string[]> {
  const gone = Object.values(before.nodes).filter((n) => !manifest.nodes[n.uniqueId] && n.kind === 'model' && relationOf(n));
  if (gone.length === 0) return [];
  const warehouse = await openWarehouse(manifest.target, { root: manifest.project.root });
  const connection = await warehouse.session();
  try {
    const kinds = await connection.relations();
    const dropped: string[] = [];
    for (const node of gone) {
      const relation = relationOf(node)!;
      const kind = kinds.get(relationKey(relation));
      if (!kind) continue;
      await connection.execute(connection.dialect.drop(relation, kind, { ifExists: true }));
      dropped.push(relationName(relation));
    }
    return dropped;
  } finally {
    connection.close();
    warehouse.close();
  }
}
