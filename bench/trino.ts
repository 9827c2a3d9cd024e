/**
 * npm run bench:trino -- [--models N] [--threads T]
 * The same synthetic project (N models in three layers, half views and half tables, over
 * generator sources) run by plat on DuckDB (a fresh file) and on the Trino cluster of TRINO_URL
 * (fresh schemas under a prefix of their own, dropped afterwards; Parquet bulk loads through
 * TRINO_FILES when set). Prints both times, the cluster's shape, and what a statement costs on
 * each engine, which is what decides the comparison at this data size (10 rows a source).
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../framework/api.js';
import { compile } from '../framework/compile/compile.js';
import type { Manifest } from '../framework/compile/manifest.js';
import { readProjectFiles } from '../framework/project/files.js';
import { parseProject } from '../framework/project/parse.js';
import { request } from '../framework/warehouse/trino/protocol.js';
import type { Target, TrinoTarget } from '../framework/warehouse/types.js';
import { reportBench } from './report.js';
import { argument, syntheticProject } from './synthetic.js';

const models = argument('models', 1000);
const threads = argument('threads', 4);
const url = process.env.TRINO_URL?.trim();
if (!url) {
  console.error('TRINO_URL is not set: start a cluster with scripts/trino.sh up and export what it prints');
  process.exit(2);
}
const files = process.env.TRINO_FILES?.trim();
const dir = syntheticProject(models, { mixed: true });
const { manifest } = compile(parseProject(readProjectFiles(dir)).spec, { env: {} });
const trino: TrinoTarget = {
  type: 'trino',
  url,
  catalog: 'iceberg',
  user: 'plat',
  schemaPrefix: `bench_${randomUUID().slice(0, 8)}`,
  landing: files ? { folder: join(files, 'landing'), location: 'local:///landing' } : null,
  sandboxUser: null,
};
const server = { url, user: trino.user, catalog: trino.catalog };

async function timed(target: Target): Promise<{ seconds: number; nodes: number }> {
  // The models' SQL is the target's: compiled again for it.
  const compiled = target.type === 'duckdb' ? manifest : compileFor(target);
  const started = performance.now();
  const results = await run(compiled, { threads, env: {}, targetDir: null });
  if (!results.success) throw new Error(results.results.find((r) => r.error)?.error?.message);
  return { seconds: (performance.now() - started) / 1000, nodes: results.results.length };
}

/** The project's SQL for the cluster: relations catalog-qualified, schemas under the bench's prefix. */
function compileFor(target: TrinoTarget): Manifest {
  const landing = target.landing ? `, landing: { folder: "${target.landing.folder}", location: "${target.landing.location}" }` : '';
  appendFileSync(
    join(dir, 'plat_project.yml'),
    `targets:\n  cluster: { type: trino, url: "${target.url}", catalog: ${target.catalog}, schema_prefix: ${target.schemaPrefix}${landing} }\n`,
  );
  const { manifest: compiled, diagnostics } = compile(parseProject(readProjectFiles(dir)).spec, { env: {}, target: 'cluster' });
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(errors.map((d) => d.message).join('\n'));
  return compiled;
}

/** Median of `n` runs of one trivial statement: the fixed cost every model pays at least once. */
async function statementMs(sql: string, n = 9): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    await request(server, sql);
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[Math.floor(n / 2)]!;
}

const database = join(dir, 'bench.duckdb');
const duckdb = await timed({ type: 'duckdb', path: database });
rmSync(database, { force: true });
let cluster: { seconds: number; nodes: number };
try {
  cluster = await timed(trino);
} finally {
  const schemas = await request(
    server,
    `SELECT schema_name FROM iceberg.information_schema.schemata WHERE schema_name LIKE '${trino.schemaPrefix}%'`,
  );
  for (const [schema] of schemas.rows) await request(server, `DROP SCHEMA IF EXISTS iceberg."${String(schema)}" CASCADE`);
}
const shape = await request(
  server,
  'SELECT count(*) FILTER (WHERE coordinator), count(*) FILTER (WHERE NOT coordinator) FROM system.runtime.nodes',
);
const [coordinators, workers] = shape.rows[0] as [number, number];
const selectMs = await statementMs('SELECT 1');
rmSync(dir, { recursive: true, force: true });

console.log(
  `run ${models} models (half views, half tables) over ${Math.max(1, Math.round(models / 100))} generator sources, ${threads} threads`,
);
console.log(
  `  DuckDB: ${duckdb.seconds.toFixed(2)}s   Trino (${coordinators} coordinator + ${workers} worker, Iceberg): ${cluster.seconds.toFixed(2)}s`,
);
console.log(`  ratio Trino/DuckDB: ${(cluster.seconds / duckdb.seconds).toFixed(1)}   SELECT 1 on Trino: ${selectMs.toFixed(0)} ms`);
reportBench(
  'trino',
  {
    models,
    nodes: cluster.nodes,
    threads,
    duckdb_s: duckdb.seconds,
    trino_s: cluster.seconds,
    ratio: cluster.seconds / duckdb.seconds,
    trino_coordinators: coordinators,
    trino_workers: workers,
    trino_select_ms: selectMs,
    trino_ms_per_node: (cluster.seconds * 1000 * threads) / cluster.nodes,
  },
  {},
);
