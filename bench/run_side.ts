/**
 * One side of bench:run (run.ts), in a process of its own so that its peak memory is its own:
 *   node run_side.js --side direct|plat --project <dir> --db <path> --threads T [--dist <dist>] [--settings <json>]
 * Compiles the project untimed, then builds its models on a fresh database file, directly on
 * DuckDB or through plat's runner (this build's, or the one in --dist). Prints one JSON line:
 * {"seconds": …, "peakRssMb": …}.
 */
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { compile } from '../framework/compile/compile.js';
import { topologicalOrder, buildDag } from '../framework/compile/dag.js';
import type { Manifest, ModelNode } from '../framework/compile/manifest.js';
import { readProjectFiles } from '../framework/project/files.js';
import { parseProject } from '../framework/project/parse.js';
import { dialectFor } from '../framework/warehouse/registry.js';
import { argument, option } from './synthetic.js';

const threads = argument('threads', 4);

/** What one side reports from its own process. */
export interface Side {
  seconds: number;
  peakRssMb: number;
}

async function direct(manifest: Manifest, path: string): Promise<void> {
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
}

async function viaPlat(manifest: Manifest, path: string, dist: string, settings: Record<string, string> | undefined): Promise<void> {
  const { run } = (await import(join(dist, 'framework/api.js'))) as typeof import('../framework/api.js');
  const results = await run(
    { ...manifest, target: { type: 'duckdb', path, ...(settings ? { settings } : {}) } },
    { threads, env: {}, targetDir: null },
  );
  if (!results.success) throw new Error(results.results.find((r) => r.error)?.error?.message);
}

/** A child: `--side direct|plat --project <dir> --db <path> [--dist <dist>] [--settings <json>]`; prints its time and peak RSS as JSON. */
async function side(kind: string, project: string): Promise<void> {
  const { manifest } = compile(parseProject(readProjectFiles(project)).spec, { env: {} });
  const path = option('db')!;
  const started = performance.now();
  if (kind === 'direct') await direct(manifest, path);
  else {
    const settings = option('settings');
    await viaPlat(manifest, path, option('dist') ?? join(import.meta.dirname, '..'), settings ? JSON.parse(settings) : undefined);
  }
  const report: Side = { seconds: (performance.now() - started) / 1000, peakRssMb: process.resourceUsage().maxRSS / 1024 };
  console.log(JSON.stringify(report));
}

await side(option('side')!, option('project')!);
