import { watch } from 'chokidar';
import { relative, sep } from 'node:path';
import { build, compileProjectDir, run, test } from '../api.js';
import type { Manifest } from '../compile/manifest.js';
import { selectNodes } from '../compile/select.js';
import { hasErrors, type Diagnostic } from '../core/diagnostics.js';
import { openDuckDB } from '../run/duckdb/warehouse.js';
import type { RunEvent, RunResults } from '../run/results.js';
import { databasePath, displayPath, relationOf } from '../run/run.js';
import { resolveProjectDir } from '../project/files.js';

export interface WatchCycle {
  number: number;
  /** Project-relative files saved since the previous cycle (none for the first build). */
  files: string[];
  diagnostics: Diagnostic[];
  /** Nodes whose definition changed (state:modified against the previous good compile). */
  changed: string[];
  /** Relations dropped because their model was deleted. */
  dropped: string[];
  results: RunResults | null;
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
  /** Saves closer together than this (ms) make one rebuild. */
  debounce?: number;
  signal: AbortSignal;
  onCycle?: (cycle: WatchCycle) => void;
  onEvent?: (event: RunEvent) => void;
  /** Called once the watcher is listening, after the first build. */
  onReady?: () => void;
}

/**
 * `plat build --watch`: builds once, then after every burst of saves recompiles and reruns the
 * nodes whose definition changed and everything downstream, with their tests. Errors are
 * reported and the watcher keeps going; a save during a rebuild queues one more.
 */
export async function watchProject(options: WatchOptions): Promise<void> {
  const verbs = { build, run, test };
  let previous: Manifest | null = null;
  let number = 0;
  let pending: string[] = [];
  let firstSave = 0;
  let running: Promise<void> | null = null;
  let timer: NodeJS.Timeout | null = null;

  const cycle = async (files: string[], startedAt: number) => {
    const project = compileProjectDir({ projectDir: options.projectDir, vars: options.vars, env: options.env });
    const report: WatchCycle = { number: number++, files, diagnostics: project.diagnostics, changed: [], dropped: [], results: null, seconds: 0, error: null };
    if (!hasErrors(project.diagnostics)) {
      const manifest = project.manifest;
      const before = previous;
      const selection = before ? { select: ['state:modified+'], state: before } : {};
      report.changed = before ? [...selectNodes(manifest, { select: ['state:modified'], state: before }).ids] : Object.keys(manifest.nodes);
      if (before) report.dropped = await dropDeleted(before, manifest);
      if (report.changed.length > 0) {
        report.results = await verbs[options.verb](manifest, { ...selection, env: options.env, threads: options.threads, onEvent: options.onEvent });
      }
      previous = manifest;
    }
    report.seconds = (performance.now() - startedAt) / 1000;
    options.onCycle?.(report);
  };

  const schedule = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      if (running) return; // picked up when the running cycle ends
      const files = [...new Set(pending)];
      const startedAt = firstSave;
      pending = [];
      running = cycle(files, startedAt)
        .catch((error: unknown) =>
          options.onCycle?.({ number: number++, files, diagnostics: [], changed: [], dropped: [], results: null, seconds: 0, error: error instanceof Error ? error.message : String(error) }),
        )
        .finally(() => {
          running = null;
          if (pending.length) schedule();
        });
    }, options.debounce ?? 100);
  };

  await cycle([], performance.now());
  const root = resolveProjectDir(options.projectDir);
  const watcher = watch(root, {
    ignoreInitial: true,
    ignored: (path) => /(^|[/\\])(target|node_modules|\.git)([/\\]|$)/.test(relative(root, path)),
  });
  watcher.on('all', (_, path) => {
    if (pending.length === 0) firstSave = performance.now();
    pending.push(relative(root, path).split(sep).join('/'));
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

/** Models (and other relations) that no longer exist lose their table or view. */
async function dropDeleted(before: Manifest, manifest: Manifest): Promise<string[]> {
  const gone = Object.values(before.nodes).filter((n) => !manifest.nodes[n.uniqueId] && n.kind === 'model' && relationOf(n));
  if (gone.length === 0) return [];
  const warehouse = await openDuckDB(databasePath(manifest), { displayPath: displayPath(manifest) });
  const session = await warehouse.session();
  try {
    const kinds = await session.relations();
    const dropped: string[] = [];
    for (const node of gone) {
      const relation = relationOf(node)!;
      const kind = kinds.get(`${relation.schema}\u0000${relation.name}`);
      if (!kind) continue;
      await session.drop(relation, kind);
      dropped.push(`${relation.schema}.${relation.name}`);
    }
    return dropped;
  } finally {
    session.close();
    warehouse.close();
  }
}

