/**
 * npm run bench:run -- --models N [--threads T] [--rounds 3] [--baseline /path/to/other/dist]
 * Runs N trivial view/table models through plat's runner, and the same compiled SQL directly
 * on DuckDB (one connection, DAG order, CREATE OR REPLACE), each side in a process of its own
 * on a fresh database file, so that each side's peak memory is its own. Prints the median
 * times, their ratio and plat's peak RSS. With --baseline, another build's runner (its dist/
 * folder) runs in the same rounds, interleaved. At 10,000 models (or with --memory-limit) plat
 * also runs with the target setting `memory_limit` (default 512MB; at 256MB plat's four
 * concurrent builds ran DuckDB out of memory): DuckDB keeps every block it
 * wrote cached up to its own limit, 80 % of RAM, and each 10-row table takes a 256 KB block;
 * plat's closing checkpoint lowers the limit for that moment (duckdb/lean_checkpoint.ts).
 * Targets (issue 21): ratio ≤ 1.05 at 1,000 models; ≤ 1.1 and peak RSS ≤ 1 GB at 10,000.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { compile } from '../framework/compile/compile.js';
import { topologicalOrder, buildDag } from '../framework/compile/dag.js';
import type { Manifest, ModelNode } from '../framework/compile/manifest.js';
import { readProjectFiles } from '../framework/project/files.js';
import { parseProject } from '../framework/project/parse.js';
import { dialectFor } from '../framework/warehouse/registry.js';
import { argument, option, syntheticProject } from './synthetic.js';
import { reportBench, type Target } from './report.js';

const threads = argument('threads', 4);

/** What one side reports from its own process. */
interface Side {
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

function inChild(project: string, kind: 'direct' | 'plat', dist?: string, settings?: Record<string, string>): Side {
  const path = join(project, `${kind}.duckdb`);
  rmSync(path, { force: true });
  rmSync(`${path}.wal`, { force: true });
  const args = [import.meta.filename, '--side', kind, '--project', project, '--db', path, '--threads', String(threads)];
  const extra = [...(dist ? ['--dist', dist] : []), ...(settings ? ['--settings', JSON.stringify(settings)] : [])];
  const child = spawnSync(process.execPath, [...args, ...extra], { encoding: 'utf8' });
  // At 1,000 models a database takes 130 MB: none is left behind.
  rmSync(path, { force: true });
  rmSync(`${path}.wal`, { force: true });
  if (child.status !== 0) throw new Error(`the ${kind} side failed: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').pop()!) as Side;
}

const sideKind = option('side');
if (sideKind) {
  await side(sideKind, option('project')!);
} else {
  const models = argument('models', 1000);
  const rounds = argument('rounds', 3);
  const baseline = option('baseline');
  const memoryLimit = option('memory-limit') ?? (models >= 10_000 ? '512MB' : null);
  const dir = syntheticProject(models, { mixed: true, trivial: true });
  const plat: Side[] = [];
  const directs: Side[] = [];
  const baselines: Side[] = [];
  const limited: Side[] = [];
  // Alternated so that no side always runs on a colder cache; the median of each is taken.
  try {
    for (let round = 0; round < rounds; round++) {
      directs.push(inChild(dir, 'direct'));
      plat.push(inChild(dir, 'plat'));
      if (baseline) baselines.push(inChild(dir, 'plat', baseline));
      if (memoryLimit) limited.push(inChild(dir, 'plat', undefined, { memory_limit: memoryLimit }));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const p = median(plat.map((s) => s.seconds));
  const d = median(directs.map((s) => s.seconds));
  const rss = Math.max(...plat.map((s) => s.peakRssMb));
  const limit = models >= 10_000 ? 1.1 : 1.05;
  console.log(`run ${models} trivial models (half views, half tables), ${threads} threads, ${rounds} rounds`);
  console.log(`  plat run: ${p.toFixed(3)}s   direct DuckDB: ${d.toFixed(3)}s   ratio plat/direct: ${(p / d).toFixed(2)}`);
  console.log(
    `  peak RSS: plat ${rss.toFixed(0)} MB, direct ${Math.max(...directs.map((s) => s.peakRssMb)).toFixed(0)} MB (each in its own process)`,
  );
  const figures: Record<string, number> = { models, plat_s: p, direct_s: d, ratio: p / d, plat_peak_rss_mb: rss };
  /** Another plat run measured in the same rounds, against the same direct time. */
  const alongside = (prefix: string, label: string, sides: Side[]) => {
    if (!sides.length) return;
    const seconds = median(sides.map((s) => s.seconds));
    const peak = Math.max(...sides.map((s) => s.peakRssMb));
    Object.assign(figures, { [`${prefix}_s`]: seconds, [`${prefix}_ratio`]: seconds / d, [`${prefix}_peak_rss_mb`]: peak });
    console.log(`  ${label}: ${seconds.toFixed(3)}s, ratio ${(seconds / d).toFixed(2)}, peak RSS ${peak.toFixed(0)} MB`);
  };
  alongside('baseline', `baseline (${baseline})`, baselines);
  alongside('limited', `plat with target settings { memory_limit: ${memoryLimit} }`, limited);
  const targets: Record<string, Target> = { ratio: `<= ${limit}` };
  if (models >= 10_000) targets.plat_peak_rss_mb = '<= 1024';
  const met = p / d <= limit && (models < 10_000 || rss <= 1024);
  console.log(`  target ratio ≤ ${limit}${models >= 10_000 ? ', peak RSS ≤ 1 GB' : ''} → ${met ? 'met' : 'MISSED'}`);
  reportBench('run', figures, targets);
}
