import pc from 'picocolors';
import { build, compileProjectDir, listNodes, run, seed, snapshot, sourceFreshness, stream, test, type StreamOptions } from '../../api.js';
import { streamWithSchedules } from '../../schedule/beside-stream.js';
import { ingestProgressDisplay } from '../progress.js';
import { exitCodes, PlatError } from '../../core/errors.js';
import { DEFAULT_RETRY, type RetryPolicy } from '../../run/attempts.js';
import type { RunOptions } from '../../run/run.js';
import type { RunEvent, RunResults } from '../../run/results.js';
import { incrementalStrategy, renderDiagnostics, renderFreshness, renderMicroBatch, renderRunEvent } from '../render.js';
import { watchProject, type WatchCycle } from '../../watch/watch.js';
import { toJson } from '../table.js';
import { counted } from '../../core/plural.js';
import {
  err,
  out,
  parseCount,
  parseTime,
  projectDir,
  runOptions,
  selection,
  type CommandSpec,
  type OptionSpec,
  type Options,
} from './shared.js';
import { compiled, selectionOf } from './compiled.js';

/** Run events as JSON lines (progress left out: it is for eyes), or rendered as text. */
export function eventPrinter(options: Options, display?: ReturnType<typeof ingestProgressDisplay>): (event: RunEvent) => void {
  return options.json
    ? (event) => void (event.type !== 'ingest_progress' && out(JSON.stringify(event)))
    : (event) => renderRunEvent(event, out, display);
}

/** One line per rebuild (what changed, what ran, save-to-done time); node lines come between. */
export function cyclePrinter(options: Options): (cycle: WatchCycle) => void {
  return (cycle) => {
    if (options.json) {
      const { manifest: _, results, ...rest } = cycle;
      return out(JSON.stringify({ type: 'watch_cycle', ...rest, success: results?.success ?? null }));
    }
    renderDiagnostics(cycle.diagnostics, err, 'waiting for the next save');
    if (cycle.error) err(`${pc.red('error')} ${cycle.error}`);
    if (cycle.number === 0) return;
    const results = cycle.results?.results ?? [];
    const reused = cycle.reused.length;
    const changed = cycle.changed.map((id) => id.split('.').pop()).join(', ') || 'nothing';
    const compiledHow = cycle.recompiled ? `${cycle.recompiled.length} recompiled` : 'project recompiled';
    err(
      pc.cyan(
        `changed ${cycle.files.join(', ')} → ${changed}${cycle.retried.length ? `; retried ${cycle.retried.length} that failed before` : ''}${cycle.dropped.length ? `; dropped ${cycle.dropped.join(', ')}` : ''}; ` +
          `${compiledHow} in ${(cycle.compileSeconds * 1000).toFixed(0)}ms; ran ${counted(results.length - reused, 'node')}${reused ? `, reused ${reused} whose inputs were unchanged` : ''}; ` +
          `${cycle.seconds.toFixed(2)}s from save to done`,
      ),
    );
    // An edited incremental model keeps its rows: say so, or the edit looks ignored.
    const edited = new Set(cycle.changed);
    for (const r of results.filter((r) => edited.has(r.uniqueId) && incrementalStrategy(r))) {
      err(
        pc.dim(
          `hint: ${r.name} is incremental, so the edit applies to rows that arrive from now on; --full-refresh rebuilds it from scratch on every save`,
        ),
      );
    }
  };
}

/** Resolves on Ctrl-C or SIGTERM, through an AbortSignal the watcher and servers can share. */
export function untilInterrupted(): AbortController {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return controller;
}

async function watchCommand(verb: 'run' | 'build' | 'test', options: Options): Promise<number> {
  if (options.select?.length || options.exclude?.length) {
    // A term that matches nothing would have every rebuild build nothing: refuse it now, when the project compiles.
    const project = compileProjectDir({ projectDir: options.projectDir, vars: options.vars }, false);
    if (project.ok) listNodes(project.manifest, selectionOf(project, options));
  }
  const printCycle = cyclePrinter(options);
  await watchProject({
    projectDir: options.projectDir,
    verb,
    env: process.env,
    vars: options.vars,
    threads: options.threads,
    fullRefresh: options.fullRefresh,
    select: options.select,
    exclude: options.exclude,
    signal: untilInterrupted().signal,
    onEvent: eventPrinter(options),
    onReady: () => err(pc.cyan(`watching ${options.projectDir ?? 'the project'} for changes (Ctrl-C stops)`)),
    onCycle: printCycle,
  });
  return exitCodes.ok;
}

type RetryCliOptions = { retries?: number; retryDelay?: number };

/** --retries and --retry-delay: the run's policy for transient failures; a node's own retries: config wins over it. */
export const retryOptions: OptionSpec[] = [
  {
    flags: '--retries <n>',
    description:
      "run a node again after a transient failure (file not there yet, database locked, broker down; never a SQL error), up to n times; a model's retries: config wins",
    parse: parseRetries,
  },
  {
    flags: '--retry-delay <time>',
    description: 'with --retries: wait before the first retry (default 30s), twice as long before each later one',
    parse: parseTime,
  },
];

function parseRetries(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 20) throw new PlatError('USAGE', `--retries takes a whole number from 0 to 20, got "${text}"`);
  return n;
}

/** The run's policy the flags give; undefined when --retries is not given. */
function retryPolicyFrom(options: RetryCliOptions): RetryPolicy | undefined {
  if (options.retries === undefined) return undefined;
  return { retries: options.retries, delay: options.retryDelay ?? DEFAULT_RETRY.delay, backoff: DEFAULT_RETRY.backoff };
}

/** --retries over each schedule's retries, keeping its retry_delay unless --retry-delay is given. */
export function scheduleRetriesFrom(options: RetryCliOptions): { retries: number; delay?: number } | undefined {
  if (options.retries === undefined) return undefined;
  return options.retryDelay === undefined ? { retries: options.retries } : { retries: options.retries, delay: options.retryDelay };
}

export async function runCommand(verb: 'run' | 'build' | 'test' | 'seed' | 'snapshot', options: Options): Promise<number> {
  if (options.watch && verb !== 'seed' && verb !== 'snapshot') return watchCommand(verb, options);
  const project = compiled(options, 'nothing was run');
  if (!project) return exitCodes.failure;
  const display = ingestProgressDisplay();
  const runOptions: RunOptions = {
    ...selectionOf(project, options),
    threads: options.threads,
    fullRefresh: options.fullRefresh,
    vars: options.vars,
    env: process.env,
    onEvent: eventPrinter(options, display),
    origin: { trigger: 'cli' },
    retry: retryPolicyFrom(options as RetryCliOptions),
  };
  const verbs = { run, build, test, seed, snapshot };
  const results: RunResults = await verbs[verb](project.manifest, runOptions);
  return results.success ? exitCodes.ok : exitCodes.failure;
}

type StreamCliOptions = Options & RetryCliOptions & { batchInterval?: number; batchSize?: number; schedules?: boolean };

async function streamCommand(options: StreamCliOptions): Promise<number> {
  const project = compiled(options, 'nothing was run');
  if (!project) return exitCodes.failure;
  const display = ingestProgressDisplay();
  const controller = new AbortController();
  let interrupts = 0;
  const stop = () => {
    // The first Ctrl-C finishes the batch in hand and closes the database; a second one exits now.
    if (++interrupts > 1) process.exit(exitCodes.failure);
    err(pc.dim('stopping: finishing the current batch (Ctrl-C again to exit at once)'));
    controller.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  let failed = false;
  let batches = 0;
  try {
    const schedules = options.schedules !== false && Object.keys(project.manifest.schedules).length > 0;
    // The project's schedules run beside the stream, on its open database, taking turns with its micro-batches.
    const streamed = schedules
      ? async (streamOptions: StreamOptions) => {
          const { scheduleEventPrinter } = await import('./schedule.js');
          return streamWithSchedules(project.manifest, {
            ...streamOptions,
            onScheduleEvent: scheduleEventPrinter(options),
            scheduleRetries: scheduleRetriesFrom(options),
          });
        }
      : (streamOptions: StreamOptions) => stream(project.manifest, streamOptions);
    const ingested = await streamed({
      ...selectionOf(project, options),
      threads: options.threads,
      env: process.env,
      retry: retryPolicyFrom(options),
      signal: controller.signal,
      batchInterval: options.batchInterval,
      batchSize: options.batchSize,
      onReady: () =>
        err(
          pc.cyan(
            `streaming: waiting for events (micro-batches every ${options.batchInterval ?? 1000} ms or ${counted(options.batchSize ?? 50_000, 'row')}); Ctrl-C stops`,
          ),
        ),
      onEvent: eventPrinter(options, display),
      onBatch: (batch) => {
        display.done();
        if (options.json)
          out(
            JSON.stringify({
              type: 'micro_batch',
              number: batch.number,
              landed: Object.fromEntries(batch.landed),
              seconds: batch.seconds,
              results: batch.results.results,
            }),
          );
        else for (const line of renderMicroBatch(batch)) out(line);
        failed ||= !batch.results.success;
        batches = batch.number;
      },
    });
    const landed = ingested.reduce((sum, r) => sum + r.landed, 0);
    const dead = ingested.reduce((sum, r) => sum + r.deadLetters, 0);
    out(
      `Stopped after ${counted(batches, 'micro-batch', 'micro-batches')}: ${counted(landed, 'row')} landed, ${counted(dead, 'dead letter')}; the database is closed.`,
    );
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    display.done();
  }
  return failed ? exitCodes.failure : exitCodes.ok;
}

export const runCommands: CommandSpec[] = [
  {
    usage: 'build',
    description: 'load sources, build models and run their tests, in DAG order',
    options: [...runOptions, ...retryOptions],
    run: (_, options) => runCommand('build', options as Options),
  },
  {
    usage: 'run',
    description: 'load sources and build models in DAG order; with --stream, keep consuming Kafka and refresh in micro-batches',
    options: [
      ...runOptions,
      ...retryOptions,
      {
        flags: '--stream',
        description: 'keep consuming the Kafka sources; after each micro-batch rebuild what is downstream, then its tests (Ctrl-C stops)',
      },
      { flags: '--batch-interval <time>', description: 'with --stream: refresh this long after rows land (default 1s)', parse: parseTime },
      {
        flags: '--no-schedules',
        description:
          "with --stream: leave the project's schedules out (by default they run beside the stream, taking turns with its micro-batches)",
      },
      {
        flags: '--batch-size <n>',
        description: 'with --stream: or as soon as this many rows have landed (default 50000)',
        parse: parseCount,
      },
    ],
    run: (_, options) =>
      (options as { stream?: boolean }).stream ? streamCommand(options as StreamCliOptions) : runCommand('run', options as Options),
  },
  {
    usage: 'test',
    description: 'run the tests of the selected nodes (generic, singular and unit) against the database as it is',
    options: runOptions.filter((o) => o.flags !== '--full-refresh'),
    run: (_, options) => runCommand('test', options as Options),
  },
  {
    group: 'source',
    usage: 'freshness',
    description: 'check how old the newest row of each source table with freshness: is',
    options: [projectDir, ...selection, { flags: '--json', description: 'print results as JSON' }],
    run: async (_, raw) => {
      const options = raw as Options;
      const project = compiled(options, 'nothing was checked');
      if (!project) return exitCodes.failure;
      const results = await sourceFreshness(project.manifest, selectionOf(project, options));
      if (options.json) out(toJson(results));
      else renderFreshness(results, out);
      return results.some((r) => r.status === 'error') ? exitCodes.failure : exitCodes.ok;
    },
  },
];
