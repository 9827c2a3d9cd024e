import { basename, relative, resolve } from 'node:path';
import pc from 'picocolors';
import { build, clean, compileProjectDir, ingest, listNodes, loadState, produceTo, run, sourceFreshness, stream, test, type CompiledProject } from '../api.js';
import { ingestProgressDisplay } from './progress.js';
import { generateDocs } from '../docs/generate.js';
import { serveDocs } from '../docs/serve.js';
import { join } from 'node:path';
import { Registry, type ModelVersion } from '../ml/registry.js';
import { listModels, predict, showModel } from '../ml/inspect.js';
import { parseDuration } from '../core/duration.js';
import { exitCodes, PlatError } from '../core/errors.js';
import { initProject } from '../project/init.js';
import { resolveProjectDir } from '../project/files.js';
import { query } from '../run/query.js';
import { relationOf, type RunOptions } from '../run/run.js';
import type { RunResults } from '../run/results.js';
import { renderDiagnostics, renderFreshness, renderMicroBatch, renderRunEvent } from './render.js';
import { formatTable, toJson } from './table.js';
import { relationName, type ManifestNode } from '../compile/manifest.js';

export interface OptionSpec {
  flags: string;
  description: string;
  default?: unknown;
  parse?: (value: string, previous: unknown) => unknown;
}

export interface CommandSpec {
  /** A command under a parent command: `plat source freshness`. */
  group?: string;
  usage: string;
  description: string;
  options: OptionSpec[];
  run: (args: string[], options: Record<string, unknown>) => Promise<number>;
}

type Options = {
  projectDir?: string;
  select?: string[];
  exclude?: string[];
  state?: string;
  vars?: Record<string, unknown>;
  threads?: number;
  fullRefresh?: boolean;
  json?: boolean;
  limit?: number;
  output?: 'name' | 'id' | 'path' | 'table';
};

const out = (line: string) => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

const parseVars = (text: string): Record<string, unknown> => {
  try {
    const value = JSON.parse(text) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through to the usage error below
  }
  throw new PlatError('USAGE', `--vars must be a JSON object, e.g. --vars '{"days": 7}'`);
};
const parseCount = (text: string): number => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new PlatError('USAGE', `expected a whole number ≥ 1, got "${text}"`);
  return n;
};

const parseTime = (text: string): number => {
  try {
    return parseDuration(text);
  } catch {
    throw new PlatError('USAGE', `expected a duration like 30s or 5m, got "${text}"`);
  }
};

const projectDir: OptionSpec = { flags: '--project-dir <dir>', description: 'project folder (default: ./ if it has plat_project.yml, else ./project)' };
const selection: OptionSpec[] = [
  { flags: '-s, --select <selector...>', description: 'nodes to include: name, +name, name+, 2+name, @name, tag:x, path:models/marts, source:src, state:modified' },
  { flags: '--exclude <selector...>', description: 'nodes to leave out (same syntax as --select)' },
  { flags: '--state <dir>', description: 'folder with the manifest.json that state:modified compares with (default: target/ before this run)' },
];
const vars: OptionSpec = { flags: '--vars <json>', description: 'override project vars, as a JSON object', parse: parseVars };
const runOptions: OptionSpec[] = [
  projectDir,
  ...selection,
  vars,
  { flags: '--threads <n>', description: 'nodes to build at once (default: threads in plat_project.yml)', parse: parseCount },
  { flags: '--full-refresh', description: 'rebuild incremental models from scratch' },
  { flags: '--json', description: 'print events as JSON lines instead of text' },
];

function compiled(options: Options, consequence: string): CompiledProject | null {
  const project = compileProjectDir({ projectDir: options.projectDir, vars: options.vars });
  renderDiagnostics(project.diagnostics, err, consequence);
  return project.ok ? project : null;
}

async function runCommand(verb: 'run' | 'build' | 'test', options: Options): Promise<number> {
  const project = compiled(options, 'nothing was run');
  if (!project) return exitCodes.failure;
  const display = ingestProgressDisplay();
  const runOptions: RunOptions = {
    select: options.select,
    exclude: options.exclude,
    state: loadState(project, options.state),
    threads: options.threads,
    fullRefresh: options.fullRefresh,
    env: process.env,
    onEvent: options.json ? (event) => event.type !== 'ingest_progress' && out(JSON.stringify(event)) : (event) => renderRunEvent(event, out, display),
  };
  const verbs = { run, build, test };
  const results: RunResults = await verbs[verb](project.manifest, runOptions);
  return results.success ? exitCodes.ok : exitCodes.failure;
}

type StreamCliOptions = Options & { batchInterval?: number; batchSize?: number };

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
    const ingested = await stream(project.manifest, {
      select: options.select,
      exclude: options.exclude,
      state: loadState(project, options.state),
      threads: options.threads,
      env: process.env,
      signal: controller.signal,
      batchInterval: options.batchInterval,
      batchSize: options.batchSize,
      onReady: () => err(pc.cyan(`streaming: waiting for events (micro-batches every ${options.batchInterval ?? 1000} ms or ${options.batchSize ?? 50_000} rows); Ctrl-C stops`)),
      onEvent: options.json ? (event) => event.type !== 'ingest_progress' && out(JSON.stringify(event)) : (event) => renderRunEvent(event, out, display),
      onBatch: (batch) => {
        display.done();
        if (options.json) out(JSON.stringify({ type: 'micro_batch', number: batch.number, landed: Object.fromEntries(batch.landed), seconds: batch.seconds, results: batch.results.results }));
        else for (const line of renderMicroBatch(batch)) out(line);
        failed ||= !batch.results.success;
        batches = batch.number;
      },
    });
    const landed = ingested.reduce((sum, r) => sum + r.landed, 0);
    const dead = ingested.reduce((sum, r) => sum + r.deadLetters, 0);
    out(`Stopped after ${batches} micro-batch${batches === 1 ? '' : 'es'}: ${landed.toLocaleString('en-US')} rows landed, ${dead.toLocaleString('en-US')} dead letters; the database is closed.`);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    display.done();
  }
  return failed ? exitCodes.failure : exitCodes.ok;
}

export const commands: CommandSpec[] = [
  {
    usage: 'build',
    description: 'load sources, build models and run their tests, in DAG order',
    options: runOptions,
    run: (_, options) => runCommand('build', options as Options),
  },
  {
    usage: 'run',
    description: 'load sources and build models in DAG order; with --stream, keep consuming Kafka and refresh in micro-batches',
    options: [
      ...runOptions,
      { flags: '--stream', description: 'keep consuming the Kafka sources; after each micro-batch rebuild what is downstream, then its tests (Ctrl-C stops)' },
      { flags: '--batch-interval <time>', description: 'with --stream: refresh this long after rows land (default 1s)', parse: parseTime },
      { flags: '--batch-size <n>', description: 'with --stream: or as soon as this many rows have landed (default 50000)', parse: parseCount },
    ],
    run: (_, options) => ((options as { stream?: boolean }).stream ? streamCommand(options as StreamCliOptions) : runCommand('run', options as Options)),
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
      const results = await sourceFreshness(project.manifest, { select: options.select, exclude: options.exclude, state: loadState(project, options.state) });
      if (options.json) out(toJson(results));
      else renderFreshness(results, out);
      return results.some((r) => r.status === 'error') ? exitCodes.failure : exitCodes.ok;
    },
  },
  {
    usage: 'ingest',
    description: 'consume the selected Kafka sources (KAFKA_BROKERS) until they hold what the topics held at the start',
    options: [projectDir, ...selection, { flags: '--json', description: 'print the results as JSON' }],
    run: async (_, raw) => {
      const options = raw as Options;
      const project = compiled(options, 'nothing was ingested');
      if (!project) return exitCodes.failure;
      const display = ingestProgressDisplay();
      const results = await ingest(project.manifest, {
        select: options.select,
        exclude: options.exclude,
        state: loadState(project, options.state),
        env: process.env,
        onProgress: options.json ? undefined : (p) => display.update(p),
      });
      display.done();
      if (options.json) out(toJson(results));
      else if (results.length === 0) out('No selected source reads from Kafka.');
      for (const r of options.json ? [] : results) {
        const rate = r.seconds > 0 ? `, ${Math.round(r.landed / r.seconds).toLocaleString('en-US')} msg/s` : '';
        out(`${pc.green('OK')} ${r.source} (${r.topic}): ${r.landed.toLocaleString('en-US')} landed, ${r.deadLetters.toLocaleString('en-US')} dead letters in ${r.seconds.toFixed(2)}s${rate}`);
      }
      return exitCodes.ok;
    },
  },
  {
    usage: 'produce <source>',
    description: "send events from a source's generator to its Kafka topic (acks=all, keyed by kafka.key)",
    options: [
      projectDir,
      { flags: '--count <n>', description: 'events to send (default: the generator rows)', parse: parseCount },
      { flags: '--rate <n>', description: 'events per second (default: as fast as possible)', parse: parseCount },
      { flags: '--duration <time>', description: 'stop after this long, e.g. 30s or 5m', parse: parseTime },
    ],
    run: async ([source], raw) => {
      const options = raw as Options & { count?: number; rate?: number; duration?: number };
      const project = compiled(options, 'nothing was sent');
      if (!project) return exitCodes.failure;
      const live = process.stdout.isTTY === true;
      const result = await produceTo(project.manifest, source!, {
        count: options.count,
        rate: options.rate,
        duration: options.duration,
        env: process.env,
        onProgress: live ? (sent, seconds) => process.stdout.write(`\r${pc.cyan('producing')} ${sent.toLocaleString('en-US')} sent, ${Math.round(sent / Math.max(seconds, 0.001)).toLocaleString('en-US')}/s`) : undefined,
      });
      if (live) process.stdout.write('\r\x1b[K');
      out(`${pc.green('OK')} sent ${result.sent.toLocaleString('en-US')} events in ${result.seconds.toFixed(2)}s (${Math.round(result.sent / Math.max(result.seconds, 0.001)).toLocaleString('en-US')}/s)`);
      return exitCodes.ok;
    },
  },
  {
    group: 'ml',
    usage: 'ls',
    description: 'list trained models: versions, the promoted one, its metrics',
    options: [projectDir, { flags: '--json', description: 'print JSON' }],
    run: async (_, raw) => {
      const options = raw as Options;
      const models = listModels(new Registry(join(resolveProjectDir(options.projectDir), 'target', 'ml')));
      if (options.json) out(toJson(models));
      else if (models.length === 0) out('No trained models yet: `plat build` trains the models in ml/.');
      else out(formatTable(['model', 'versions', 'promoted', 'latest', 'trained_at', 'metrics'], models.map((m) => ({ ...m, trained_at: m.trainedAt, promoted: m.promoted ?? '—', metrics: metricsText(m.metrics) }))));
      return exitCodes.ok;
    },
  },
  {
    group: 'ml',
    usage: 'show <model>',
    description: 'metrics of the promoted version, and how they changed from the version before',
    options: [projectDir, { flags: '--json', description: 'print JSON' }],
    run: async ([model], raw) => {
      const options = raw as Options;
      const { current, previous } = showModel(new Registry(join(resolveProjectDir(options.projectDir), 'target', 'ml')), model!);
      if (options.json) {
        out(toJson({ current, previous }));
        return exitCodes.ok;
      }
      out(`${pc.bold(current.model)} ${current.version}${current.promoted ? ' (promoted)' : ' (latest, not promoted)'}, trained ${current.trainedAt} on ${current.rows.train} rows, tested on ${current.rows.test}`);
      const names = Object.keys(current.metrics).filter((k) => typeof (current.metrics as Record<string, unknown>)[k] === 'number');
      const value = (v: ModelVersion | null, k: string) => (v ? ((v.metrics as Record<string, unknown>)[k] as number | undefined) : undefined);
      out(
        formatTable(
          ['metric', current.version, previous?.version ?? 'previous', 'change'],
          names.map((k) => {
            const now = value(current, k)!;
            const before = value(previous, k);
            return { metric: k, [current.version]: now.toFixed(4), [previous?.version ?? 'previous']: before === undefined ? '—' : before.toFixed(4), change: before === undefined ? '—' : `${now - before >= 0 ? '+' : ''}${(now - before).toFixed(4)}` };
          }),
        ),
      );
      const matrix = current.metrics.confusion_matrix;
      if (matrix) out(`confusion matrix (rows: actual ${current.classes.join(', ')}; columns: predicted): ${JSON.stringify(matrix)}`);
      out(`features: ${current.features.map((f) => `${f.name}${f.kind === 'one_hot' ? ` (one_hot: ${f.categories.length})` : f.standardize ? ' (standardized)' : ''}`).join(', ')}`);
      return exitCodes.ok;
    },
  },
  {
    group: 'ml',
    usage: 'predict <model> <json>',
    description: "score one row with the model's promoted version: plat ml predict purchase_propensity '{\"carts\": 3, …}'",
    options: [projectDir],
    run: async ([model, json], raw) => {
      let row: Record<string, unknown>;
      try {
        row = JSON.parse(json!) as Record<string, unknown>;
      } catch {
        throw new PlatError('USAGE', 'the row must be a JSON object, e.g. \'{"carts": 3}\'');
      }
      out(toJson(predict(new Registry(join(resolveProjectDir((raw as Options).projectDir), 'target', 'ml')), model!, row)));
      return exitCodes.ok;
    },
  },
  {
    group: 'docs',
    usage: 'generate',
    description: 'write the documentation site to target/docs (lineage, columns, tests, runs, ML); opens from file:// or any static host',
    options: [projectDir, vars],
    run: async (_, raw) => {
      const options = raw as Options;
      const project = compiled(options, 'nothing was generated');
      if (!project) return exitCodes.failure;
      const result = await generateDocs(project.manifest);
      out(`${pc.green('OK')} documentation for ${result.nodes} nodes in ${relative(process.cwd(), result.dir) || '.'} (${result.seconds.toFixed(2)}s): open ${relative(process.cwd(), join(result.dir, 'index.html'))}`);
      return exitCodes.ok;
    },
  },
  {
    group: 'docs',
    usage: 'serve',
    description: 'generate the site and serve it on 127.0.0.1; open pages reload when it is generated again',
    options: [projectDir, vars, { flags: '--port <n>', description: 'port (default 8080; 0 picks a free one)', default: 8080, parse: (v: string) => Number(v) }],
    run: async (_, raw) => {
      const options = raw as Options & { port: number };
      const project = compiled(options, 'nothing was served');
      if (!project) return exitCodes.failure;
      const result = await generateDocs(project.manifest);
      const server = await serveDocs(result.dir, options.port);
      out(`${pc.green('serving')} ${server.url} (Ctrl-C stops)`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await server.close();
      return exitCodes.ok;
    },
  },
  {
    usage: 'compile',
    description: 'render every model and write target/manifest.json and target/compiled/ (no database access); with --select, print the compiled SQL',
    options: [projectDir, ...selection, vars],
    run: async (_, raw) => {
      const options = raw as Options;
      const project = compiled(options, 'nothing was written');
      if (!project) return exitCodes.failure;
      const nodes = Object.values(project.manifest.nodes);
      const models = nodes.filter((n) => n.kind === 'model').length;
      if (options.select) {
        const { nodes: picked } = listNodes(project.manifest, { select: options.select, exclude: options.exclude, state: loadState(project, options.state) });
        for (const node of picked) if (node.kind === 'model') out(`-- ${node.path}\n${node.compiledSql}\n`);
      }
      err(`Compiled ${models} models and ${nodes.length - models} sources to ${relative(process.cwd(), resolve(project.root, 'target/manifest.json'))}`);
      return exitCodes.ok;
    },
  },
  {
    usage: 'ls',
    description: 'list nodes',
    options: [
      projectDir,
      ...selection,
      vars,
      { flags: '--json', description: 'print a JSON array' },
      { flags: '--output <format>', description: 'table (default), name, id or path', default: 'table' },
    ],
    run: async (_, raw) => {
      const options = raw as Options;
      const project = compileProjectDir({ projectDir: options.projectDir, vars: options.vars }, false);
      if (!project.ok) {
        renderDiagnostics(project.diagnostics, err, 'nothing was listed');
        return exitCodes.failure;
      }
      const { nodes, diagnostics } = listNodes(project.manifest, { select: options.select, exclude: options.exclude, state: loadState(project, options.state) });
      renderDiagnostics(diagnostics, err);
      if (options.json) {
        out(toJson(nodes.map(describeNode)));
        return exitCodes.ok;
      }
      if (options.output === 'name' || options.output === 'id' || options.output === 'path') {
        const field = options.output === 'id' ? 'uniqueId' : options.output;
        for (const node of nodes) out(node[field === 'uniqueId' ? 'uniqueId' : field === 'path' ? 'path' : 'name']);
        return exitCodes.ok;
      }
      out(formatTable(['kind', 'name', 'materialized', 'relation', 'path'], nodes.map(describeNode)));
      return exitCodes.ok;
    },
  },
  {
    usage: 'query <sql>',
    description: 'run a read-only SQL query on the project database and print the result',
    options: [
      projectDir,
      { flags: '--json', description: 'print rows as a JSON array' },
      { flags: '--limit <n>', description: 'print at most n rows', default: 1000, parse: parseCount },
    ],
    run: async ([sql], raw) => {
      const options = raw as Options;
      const project = compileProjectDir({ projectDir: options.projectDir }, false);
      const result = await query(project.manifest, sql!, { limit: options.limit });
      if (options.json) out(toJson(result.rows));
      else {
        out(formatTable(result.columns, result.rows));
        err(pc.dim(`${result.rows.length} row${result.rows.length === 1 ? '' : 's'}${result.truncated ? ` (first ${options.limit}; use --limit)` : ''}`));
      }
      return exitCodes.ok;
    },
  },
  {
    usage: 'init <dir>',
    description: 'create a new project that builds at once',
    options: [],
    run: async ([dir]) => {
      const target = resolve(dir!);
      const name = basename(target).replace(/[^A-Za-z0-9_]/g, '_').replace(/^(\d)/, '_$1');
      const files = initProject(target, name);
      for (const file of files) out(`  created ${relative(process.cwd(), resolve(target, file))}`);
      out(`\nNext: cd ${relative(process.cwd(), target) || '.'} && plat build`);
      return exitCodes.ok;
    },
  },
  {
    usage: 'clean',
    description: 'remove target/ (manifest, compiled SQL, run results and the default database)',
    options: [projectDir],
    run: async (_, raw) => {
      const root = resolveProjectDir((raw as Options).projectDir);
      clean(root);
      out(`removed ${relative(process.cwd(), resolve(root, 'target')) || 'target'}`);
      return exitCodes.ok;
    },
  },
];

function metricsText(metrics: Record<string, unknown>): string {
  return Object.entries(metrics)
    .filter(([, v]) => typeof v === 'number')
    .map(([k, v]) => `${k} ${(v as number).toFixed(3)}`)
    .join(', ');
}

function describeNode(node: ManifestNode) {
  const relation = relationOf(node);
  return {
    kind: node.kind,
    name: node.name,
    uniqueId: node.uniqueId,
    materialized: node.kind === 'model' ? node.config.materialized : node.kind === 'test' ? `${node.testType} test` : node.kind === 'source' ? 'source' : node.kind === 'ml_train' ? 'ml training' : 'ml scoring',
    relation: relation ? relationName(relation) : '',
    path: node.path,
    tags: node.tags,
    dependsOn: node.dependsOn,
    ...(node.kind === 'test' ? { attachedTo: node.attachedTo, column: node.column, severity: node.config.severity } : {}),
  };
}
