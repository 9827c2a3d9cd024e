/**
 * The verbs, as a library. The CLI is a thin layer over these; watch mode, docs and tests
 * call them too. Here the stages are wired together: the runner gets its executors, and each
 * command decides which node kinds it runs.
 */
import { availableParallelism } from 'node:os';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { checkTool } from './agent/check.js';
import type { Manifest, ManifestNode, MlTrainNode, NodeKind, SourceNode } from './compile/manifest.js';
import { selectNodes, walk, type Selection } from './compile/select.js';
import { testBlockers } from './quality/blocking.js';
import { executeTest } from './quality/execute.js';
import { checkFreshness, type FreshnessResult } from './quality/freshness.js';
import type { Executors } from './run/executors.js';
import type { IngestProgress, RunResults } from './run/results.js';
import { builtinSourceLoaders } from './run/sources/registry.js';
import { brokersFrom, consumerGroup } from './stream/kafka.js';
import { kafkaLoader } from './stream/loader.js';
import { openWarehouse } from './warehouse/registry.js';
import { ingestSource, prepareSources, startKafka, type IngestResult } from './stream/ingest.js';
import { produce, type ProduceOptions } from './stream/produce.js';
import { Registry } from './ml/registry.js';
import { trainModel } from './ml/train.js';
import { scoreModel } from './ml/score.js';
import { checkEndpoint } from './serve/check.js';
import { PlatError } from './core/errors.js';
import type { Turns } from './core/turns.js';
import { didYouMean } from './core/suggest.js';
import { buildExecutors, failOnSelectorErrors, runNodes, runOn, writeJson, type RunOptions } from './run/run.js';
import { streamLoop, type MicroBatch } from './stream/loop.js';

export { compileProjectDir, loadState, type CompiledProject, type ProjectOptions } from './compile/project_dir.js';

/** The ways a source table is landed, tried in this order: Kafka (with a broker configured), then run/'s own. */
const sourceLoaders = [kafkaLoader, ...builtinSourceLoaders];

const executors: Executors = {
  ...buildExecutors(sourceLoaders),
  test: (node, connection) => executeTest(node, connection),
  ml_train: (node, connection, context) =>
    trainModel(node, connection, { registry: registryOf(context.manifest), note: context.note, now: context.now }),
  ml_score: (node, connection, context) =>
    scoreModel(node, connection, {
      registry: registryOf(context.manifest),
      catalog: context.catalog,
      now: context.now,
      train: context.manifest.nodes[node.trainNode] as MlTrainNode,
    }),
  agent_tool: (node, connection, context) => checkTool(node, connection, registryOf(context.manifest)),
  endpoint: (node, connection) => checkEndpoint(node, connection),
};

/** Trained models live in target/ml/ of the project. */
export function registryOf(manifest: Manifest): Registry {
  return Registry.forProject(manifest.project.root);
}

export interface ListOptions extends Selection {
  /** Only nodes of these kinds (after the selection and its tests are resolved). */
  resourceTypes?: readonly NodeKind[];
}

/** What `build` would run for this selection: the selected nodes and the tests that join them. */
export function listNodes(manifest: Manifest, options: ListOptions) {
  const { ids, diagnostics } = selectNodes(manifest, options);
  failOnSelectorErrors(diagnostics);
  const built = withTests(manifest, ids, new Set(), excludedBy(manifest, options));
  const kinds = options.resourceTypes?.length ? new Set(options.resourceTypes) : null;
  return { nodes: Object.values(manifest.nodes).filter((n) => built.has(n.uniqueId) && (!kinds || kinds.has(n.kind))), diagnostics };
}

function selected(manifest: Manifest, selection: Selection): Set<string> {
  const { ids, diagnostics } = selectNodes(manifest, selection);
  failOnSelectorErrors(diagnostics);
  return ids;
}

/** What --exclude names: a test it names stays out even when the nodes it checks are built. */
function excludedBy(manifest: Manifest, selection: Selection): Set<string> {
  return selection.exclude?.length ? selectNodes(manifest, { select: selection.exclude }).ids : new Set();
}

const isTest = (node: ManifestNode) => node.kind === 'test';
const isUnitTest = (node: ManifestNode) => node.kind === 'test' && node.testType === 'unit';
/** What `plat run` leaves to its own commands (seed, snapshot, test) and to build (exposures). */
const notRun = new Set<NodeKind>(['test', 'seed', 'snapshot', 'exposure']);

/** Loads sources and builds models (no tests, seeds or snapshots); with `kinds`, only the selected nodes of those kinds (a scheduled ingest or training). */
export function run(manifest: Manifest, options: RunOptions & { kinds?: readonly NodeKind[] } = {}): Promise<RunResults> {
  const wanted = (id: string) => {
    const { kind } = manifest.nodes[id]!;
    return !notRun.has(kind) && (!options.kinds || options.kinds.includes(kind));
  };
  const ids = new Set([...selected(manifest, options)].filter(wanted));
  return runNodes(manifest, ids, executors, { command: 'run', ...options });
}

/** Loads the selected seeds (`plat seed`). */
export function seed(manifest: Manifest, options: RunOptions = {}): Promise<RunResults> {
  const ids = new Set([...selected(manifest, options)].filter((id) => manifest.nodes[id]!.kind === 'seed'));
  return runNodes(manifest, ids, executors, { command: 'seed', ...options });
}

/** Runs the selected snapshots (`plat snapshot`). */
export function snapshot(manifest: Manifest, options: RunOptions = {}): Promise<RunResults> {
  const ids = new Set([...selected(manifest, options)].filter((id) => manifest.nodes[id]!.kind === 'snapshot'));
  return runNodes(manifest, ids, executors, { command: 'snapshot', ...options });
}

/** The verbs `plat retry` can repeat, by the command name run_results.json records. */
export const retryableVerbs = { run, build, test, seed, snapshot } as const;

/**
 * Runs tests: those selected directly, and those reading a selected node. Nothing is built;
 * tests read what is in the database.
 */
export function test(manifest: Manifest, options: RunOptions = {}): Promise<RunResults> {
  const chosen = selected(manifest, options);
  const ids = new Set(
    Object.values(manifest.nodes)
      .filter((n): n is Extract<ManifestNode, { kind: 'test' }> => n.kind === 'test')
      .filter(
        (t) => chosen.has(t.uniqueId) || t.dependsOn.some((d) => chosen.has(d)) || (t.attachedTo !== null && chosen.has(t.attachedTo)),
      )
      .map((t) => t.uniqueId),
  );
  return runNodes(manifest, ids, executors, { command: 'test', ...options });
}

/**
 * Sources, models and tests in one DAG walk: a node's tests run right after it, and a failing
 * error-severity test skips everything downstream. A test joins when all it reads is selected.
 */
export function build(manifest: Manifest, options: RunOptions = {}): Promise<RunResults> {
  const ids = withTests(manifest, selected(manifest, options), new Set(), excludedBy(manifest, options));
  return runNodes(manifest, ids, executors, { command: 'build', extraBlockers: testBlockers(manifest, ids), ...options });
}

/**
 * The chosen nodes plus the tests that can run with them: those whose inputs are all chosen
 * or already `available` (built earlier in the same session).
 */
function withTests(
  manifest: Manifest,
  chosen: ReadonlySet<string>,
  available: ReadonlySet<string>,
  excluded: ReadonlySet<string> = new Set(),
): Set<string> {
  const ids = new Set([...chosen].filter((id) => !isTest(manifest.nodes[id]!)));
  for (const node of Object.values(manifest.nodes)) {
    if (node.kind !== 'test' || excluded.has(node.uniqueId)) continue;
    const reads = node.testType === 'unit' ? [node.attachedTo!] : node.dependsOn;
    const touched = reads.some((id) => ids.has(id));
    if (chosen.has(node.uniqueId) || (touched && reads.every((id) => ids.has(id) || available.has(id)))) ids.add(node.uniqueId);
  }
  return ids;
}

export interface StreamOptions extends RunOptions {
  /** Start a micro-batch this long after rows land (ms; default 1000)… */
  batchInterval?: number;
  /** …or as soon as this many rows have (default 50,000). */
  batchSize?: number;
  signal: AbortSignal;
  onBatch?: (batch: MicroBatch) => void;
  /** Called once the first build is done and continuous consumption starts. */
  onReady?: () => void;
  /** Turns at writing shared with other writers on `warehouse` (schedules beside the stream); each build and micro-batch takes one. */
  turns?: Turns;
}

/** The Kafka sources a stream over `selection` consumes (and so lands, rather than any run beside it). */
export function streamedSources(manifest: Manifest, selection: Selection): SourceNode[] {
  return [...selected(manifest, selection)]
    .map((id) => manifest.nodes[id]!)
    .filter((n): n is SourceNode => n.kind === 'source' && n.loader.kafka !== null);
}

/**
 * `plat run --stream`: builds the selection once (Kafka sources ingest until caught up), then
 * keeps consuming, and after every micro-batch rebuilds the models downstream of the sources
 * that received rows (views need nothing) and runs their tests.
 */
export async function stream(manifest: Manifest, options: StreamOptions): Promise<IngestResult[]> {
  const brokers = brokersFrom(options.env ?? process.env);
  if (brokers.length === 0)
    throw new PlatError(
      'USAGE',
      'plat run --stream needs KAFKA_BROKERS',
      'set KAFKA_BROKERS=host:port (scripts/kafka.sh up starts a local broker)',
    );
  const chosen = selected(manifest, options);
  const sources = streamedSources(manifest, options);
  if (sources.length === 0) throw new PlatError('USAGE', 'no selected source reads from Kafka', 'select a kafka source, or drop --stream');
  const warehouse = options.warehouse ?? (await openWarehouse(manifest.target, { root: manifest.project.root, workload: 'stream' }));
  const turn = <T>(work: () => Promise<T>) => (options.turns ? options.turns.take(work) : work());
  try {
    const excluded = excludedBy(manifest, options);
    const initial = withTests(manifest, chosen, new Set(), excluded);
    await turn(() =>
      runOn(warehouse, manifest, initial, executors, {
        command: 'build',
        extraBlockers: testBlockers(manifest, initial),
        origin: { trigger: 'stream' },
        ...options,
      }),
    );
    const built = new Set([...initial].filter((id) => !isTest(manifest.nodes[id]!)));
    options.onReady?.();
    return await streamLoop({
      warehouse,
      sources,
      brokers,
      groupOf: (node) => consumerGroup(manifest.project.name, node),
      interval: options.batchInterval ?? 1000,
      batchSize: options.batchSize ?? 50_000,
      signal: options.signal,
      onBatch: options.onBatch,
      onProgress: (progress) => options.onEvent?.({ type: 'ingest_progress', progress }),
      refresh: (landed) => {
        const downstream = new Set<string>();
        for (const child of walk(manifest.children, landed))
          if (chosen.has(child) && manifest.nodes[child]!.kind === 'model') downstream.add(child);
        // Unit tests check a model's SQL on the rows they give, not the data: the first build ran
        // them, and a micro-batch changes no SQL (they were a fifth of each refresh, ahead of the models they gate).
        const ids = new Set([...withTests(manifest, downstream, built, excluded)].filter((id) => !isUnitTest(manifest.nodes[id]!)));
        return turn(() =>
          runOn(warehouse, manifest, ids, executors, {
            ...options,
            command: 'stream',
            origin: { trigger: 'stream' },
            extraBlockers: testBlockers(manifest, ids),
            onEvent: undefined,
            targetDir: null,
          }),
        );
      },
    });
  } finally {
    if (warehouse !== options.warehouse) warehouse.close();
  }
}

/** Freshness of the selected sources; results also go to target/sources.json. */
export async function sourceFreshness(
  manifest: Manifest,
  options: Selection & { now?: Date; targetDir?: string | null } = {},
): Promise<FreshnessResult[]> {
  const results = await checkFreshness(manifest, selected(manifest, options), options.now);
  const targetDir = options.targetDir === undefined ? join(manifest.project.root, 'target') : options.targetDir;
  if (targetDir)
    writeJson(join(targetDir, 'sources.json'), { version: 1, generatedAt: (options.now ?? new Date()).toISOString(), results });
  return results;
}

export interface IngestCommandOptions extends Selection {
  env?: Record<string, string | undefined>;
  onProgress?: (progress: IngestProgress) => void;
  signal?: AbortSignal;
}

/** Consumes every selected Kafka source until it has landed what the topic held at the start. */
export async function ingest(manifest: Manifest, options: IngestCommandOptions = {}): Promise<IngestResult[]> {
  const brokers = brokersFrom(options.env ?? process.env);
  if (brokers.length === 0)
    throw new PlatError('USAGE', 'KAFKA_BROKERS is not set', 'set KAFKA_BROKERS=host:port (scripts/kafka.sh up starts a local broker)');
  const ids = selected(manifest, options);
  const sources = [...ids].map((id) => manifest.nodes[id]!).filter((n): n is SourceNode => n.kind === 'source' && n.loader.kafka !== null);
  if (sources.length === 0) return [];
  const ingests = sources.map((node) => {
    const ingest = { brokers, groupId: consumerGroup(manifest.project.name, node), mode: 'caught-up' as const };
    // Kafka first: its side needs nothing from the warehouse, and is under way while it opens.
    return { node, ingest, start: startKafka(node, ingest) };
  });
  // The consumer's thread (kafkajs decodes every record there) is what limits ingest: the
  // warehouse gets the other cores rather than competing for that one (8-10% faster on two cores).
  const threads = Math.max(1, availableParallelism() - sources.length);
  try {
    const warehouse = await openWarehouse(manifest.target, { root: manifest.project.root, threads });
    try {
      const preparing = await warehouse.session();
      try {
        await prepareSources(preparing, sources);
      } finally {
        preparing.close();
      }
      return await Promise.all(
        ingests.map(async ({ node, ingest, start }) => {
          const connection = await warehouse.session();
          try {
            return await ingestSource(connection, node, {
              ...ingest,
              start,
              onProgress: options.onProgress,
              signal: options.signal,
              prepared: true,
            });
          } finally {
            connection.close();
          }
        }),
      );
    } finally {
      warehouse.close();
    }
  } finally {
    // Consumers whose ingest never began (the warehouse did not open) are let go too.
    await Promise.all(ingests.map(({ start }) => start.stop()));
  }
}

/** Sends a source's generated events to its topic. */
export function produceTo(
  manifest: Manifest,
  sourceName: string,
  options: Omit<ProduceOptions, 'brokers'> & { env?: Record<string, string | undefined> },
) {
  const brokers = brokersFrom(options.env ?? process.env);
  if (brokers.length === 0)
    throw new PlatError('USAGE', 'KAFKA_BROKERS is not set', 'set KAFKA_BROKERS=host:port (scripts/kafka.sh up starts a local broker)');
  const sources = Object.values(manifest.nodes).filter((n): n is SourceNode => n.kind === 'source');
  const node = sources.find((n) => n.name === sourceName || `${n.sourceName}` === sourceName);
  if (!node)
    throw new PlatError(
      'USAGE',
      `no source "${sourceName}"`,
      didYouMean(
        sourceName,
        sources.map((n) => n.name),
      ) ?? `sources: ${sources.map((n) => n.name).join(', ')}`,
    );
  return produce(node, { root: manifest.project.root, ...options, brokers });
}

export function clean(root: string): void {
  rmSync(join(root, 'target'), { recursive: true, force: true });
}
