/**
 * npm run bench:run -- --models N [--threads T]
 * Runs N trivial view/table models through plat's runner, and the same compiled SQL directly
 * on DuckDB (one connection, DAG order, CREATE OR REPLACE), in this one process, each on a
 * fresh database file. Prints both times and their ratio. Target at N=1,000: plat/direct ≤ 1.3.
 */
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { compile } from '../framework/compile/compile.js';
import { topologicalOrder, buildDag } from '../framework/compile/dag.js';
import type { Manifest, ModelNode } from '../framework/compile/manifest.js';
import { readProjectFiles } from '../framework/project/files.js';
import { parseProject } from '../framework/project/parse.js';
import { run } from '../framework/api.js';
import { dialectFor } from '../framework/warehouse/registry.js';
import { argument, syntheticProject } from './synthetic.js';
import { reportBench } from './report.js';

const models = argument('models', 1000);
const threads = argument('threads', 4);
const dir = syntheticProject(models, { mixed: true, trivial: true });
const { manifest } = compile(parseProject(readProjectFiles(dir)).spec, { env: {} });

async function direct(manifest: Manifest, path: string): Promise<number> {
  const started = performance.now();
  const instance = await DuckDBInstance.create(path);
  const connection = await instance.connect();
  const nodes = Object.values(manifest.nodes).filter((n): n is ModelNode => n.kind === 'model');
  for (const schema of new Set(nodes.map((n) => n.relation.schema))) await connection.run(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  for (const id of topologicalOrder(buildDag(nodes))) {
    const node = manifest.nodes[id] as ModelNode;
    const kind = node.config.materialized === 'table' ? 'TABLE' : 'VIEW';
    await connection.run(`CREATE OR REPLACE ${kind} ${dialectFor(manifest.target).relation(node.relation)} AS\n${node.compiledSql}`);
  }
  connection.closeSync();
  instance.closeSync();
  return performance.now() - started;
}

async function viaPlat(manifest: Manifest, path: string): Promise<number> {
  const relocated = { ...manifest, target: { type: 'duckdb' as const, path } };
  const started = performance.now();
  const results = await run(relocated, { threads, env: {}, targetDir: null });
  if (!results.success) throw new Error(results.results.find((r) => r.error)?.error?.message);
  return performance.now() - started;
}

const fresh = (name: string) => {
  const path = join(dir, `${name}.duckdb`);
  rmSync(path, { force: true });
  rmSync(`${path}.wal`, { force: true });
  return path;
};

// Alternate the two so that neither always runs on a colder cache; take the median of each.
const platTimes: number[] = [];
const directTimes: number[] = [];
// One database file per side, replaced each round, and the project removed at the end: at 1,000
// models a database takes 130 MB, and six of them left behind by each run filled a shared disk.
for (let round = 0; round < 3; round++) {
  directTimes.push(await direct(manifest, fresh('direct')));
  platTimes.push(await viaPlat(manifest, fresh('plat')));
}
rmSync(dir, { recursive: true, force: true });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p = median(platTimes);
const d = median(directTimes);
console.log(`run ${models} trivial models (half views, half tables), ${threads} threads`);
console.log(`  plat run: ${(p / 1000).toFixed(3)}s   direct DuckDB: ${(d / 1000).toFixed(3)}s   ratio plat/direct: ${(p / d).toFixed(2)}`);
console.log(`  target ≤ 1.30 at 1,000 models → ${p / d <= 1.3 ? 'met' : 'MISSED'}`);
reportBench('run', { models, plat_s: p / 1000, direct_s: d / 1000, ratio: p / d }, { ratio: '<= 1.3' });
