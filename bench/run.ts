/**
 * npm run bench:run -- --models N [--threads T] [--rounds 3] [--baseline /path/to/other/dist]
 * Runs N trivial view/table models through plat's runner, and the same compiled SQL directly
 * on DuckDB (one connection, DAG order, CREATE OR REPLACE), each side in a process of its own
 * (run_side.ts) on a fresh database file, so that each side's peak memory is its own. Prints the median
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
import { argument, option, syntheticProject } from './synthetic.js';
import { reportBench, type Target } from './report.js';
import type { Side } from './run_side.js';

const threads = argument('threads', 4);

function inChild(project: string, kind: 'direct' | 'plat', dist?: string, settings?: Record<string, string>): Side {
  const path = join(project, `${kind}.duckdb`);
  rmSync(path, { force: true });
  rmSync(`${path}.wal`, { force: true });
  const args = [join(import.meta.dirname, 'run_side.js'), '--side', kind, '--project', project, '--db', path, '--threads', String(threads)];
  const extra = [...(dist ? ['--dist', dist] : []), ...(settings ? ['--settings', JSON.stringify(settings)] : [])];
  const child = spawnSync(process.execPath, [...args, ...extra], { encoding: 'utf8' });
  // At 1,000 models a database takes 130 MB: none is left behind.
  rmSync(path, { force: true });
  rmSync(`${path}.wal`, { force: true });
  if (child.status !== 0) throw new Error(`the ${kind} side failed: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').pop()!) as Side;
}

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
