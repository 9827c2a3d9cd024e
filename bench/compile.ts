/**
 * npm run bench:compile -- --models N [--rounds 3] [--baseline path/to/other/dist/framework/cli/main.js]
 * Compile wall time and peak RSS for a synthetic project (two column tests a model).
 * In process: read + parse + validate + render + DAG; "cold" is the first compile in a fresh
 * process, "warm" repeats it in the same process.
 * The CLI as a whole process, spawned (startup, imports, compile, writing target/): "cold"
 * with no target/ (the one before moved aside, see `setAside`), "edited" after one model's
 * SQL changed, "unchanged" with nothing changed;
 * medians of the rounds, peak RSS the most any run took (from /usr/bin/time). With
 * --baseline, another build of plat's CLI is timed in the same rounds, interleaved, on a copy
 * of the project.
 * Targets (issue 21, 10,000 models): CLI cold ≤ 1.5 s, edited ≤ 0.5 s, unchanged ≤ 0.3 s,
 * peak RSS ≤ 400 MB; in-process cold ≤ 1.0 s.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { compile } from '../framework/compile/compile.js';
import { hasErrors } from '../framework/core/diagnostics.js';
import { readProjectFiles } from '../framework/project/files.js';
import { parseProject } from '../framework/project/parse.js';
import { reportBench } from './report.js';
import { argument, option, syntheticProject } from './synthetic.js';

const models = argument('models', 10_000);
const rounds = argument('rounds', 3);
const baseline = option('baseline');
const dir = syntheticProject(models, { testsPerModel: 2 });
const cli = join(import.meta.dirname, '../framework/cli/main.js');

function once(): { total: number; read: number; parse: number; compile: number } {
  const t0 = performance.now();
  const files = readProjectFiles(dir);
  const t1 = performance.now();
  const parsed = parseProject(files);
  const t2 = performance.now();
  const compiled = compile(parsed.spec, { env: {} });
  const t3 = performance.now();
  if (hasErrors([...parsed.diagnostics, ...compiled.diagnostics])) throw new Error('synthetic project did not compile');
  if (Object.keys(compiled.manifest.nodes).length < models) throw new Error('models missing from manifest');
  return { total: t3 - t0, read: t1 - t0, parse: t2 - t1, compile: t3 - t2 };
}

const fmt = (ms: number) => `${(ms / 1000).toFixed(3)}s`;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const cold = once();
const warm = [once(), once(), once()].sort((a, b) => a.total - b.total)[1]!;
const rssMb = process.resourceUsage().maxRSS / 1024;
console.log(`compile ${models} models (${dir})`);
console.log(
  `  in process, cold: ${fmt(cold.total)}  (read ${fmt(cold.read)}, parse+validate ${fmt(cold.parse)}, render+dag ${fmt(cold.compile)})`,
);
console.log(
  `  in process, warm: ${fmt(warm.total)}  (read ${fmt(warm.read)}, parse+validate ${fmt(warm.parse)}, render+dag ${fmt(warm.compile)})`,
);
console.log(`  in process, peak RSS: ${rssMb.toFixed(0)} MB`);

interface CliRun {
  ms: number;
  /** User plus system CPU time: on a shared machine, steadier than wall time. */
  cpuMs: number;
  rssMb: number;
}

/** `plat compile` in a process of its own, timed from spawn to exit. */
function plat(main: string, project: string): CliRun {
  const started = performance.now();
  const run = spawnSync('/usr/bin/time', ['-f', 'maxrss=%M cpu=%U+%S', process.execPath, main, 'compile', '--project-dir', project], {
    encoding: 'utf8',
  });
  const ms = performance.now() - started;
  if (run.status !== 0) throw new Error(`plat compile failed:\n${run.stderr}`);
  const cpu = /cpu=([\d.]+)\+([\d.]+)/.exec(run.stderr);
  return {
    ms,
    cpuMs: cpu ? (Number(cpu[1]) + Number(cpu[2])) * 1000 : Number.NaN,
    rssMb: Number(/maxrss=(\d+)/.exec(run.stderr)?.[1] ?? Number.NaN) / 1024,
  };
}

type Phase = 'cold' | 'edited' | 'unchanged';
const PHASES: Phase[] = ['cold', 'edited', 'unchanged'];

/** Every CLI under test, each with a copy of the project of its own. */
const contenders = [
  { name: 'this', main: cli, project: dir },
  ...(baseline ? [{ name: 'baseline', main: baseline, project: copyOf(dir) }] : []),
].map((c) => ({ ...c, runs: { cold: [], edited: [], unchanged: [] } as Record<Phase, CliRun[]> }));

function copyOf(project: string): string {
  const copy = mkdtempSync(join(tmpdir(), 'plat-bench-baseline-'));
  cpSync(project, copy, { recursive: true });
  return copy;
}

/**
 * "Cold" is a compile with no target/. The one before is moved here and deleted after the
 * rounds, not deleted before the compile: on ext4 without a journal (this project's test
 * machine), a new inode skips every recently deleted one, so creating 10,000 files within a
 * minute or more of deleting 10,000 took seconds of system time in the kernel's
 * recently_deleted() (6.3 s twelve seconds after, 0.13–0.4 s after a quiet few minutes), a
 * cost of the bench's own deleting rather than of the compile. A filesystem with a journal
 * has no such check.
 */
const aside = mkdtempSync(join(tmpdir(), 'plat-bench-aside-'));
function setAside(project: string, name: string): void {
  if (existsSync(join(project, 'target'))) renameSync(join(project, 'target'), join(aside, name));
}

const loadBefore = loadavg()[0]!;
const editedModel = [...readProjectFiles(dir).files.keys()].find((path) => path.includes('/marts/') && path.endsWith('.sql'))!;
for (let round = 0; round < rounds; round++) {
  for (const phase of PHASES) {
    for (const c of contenders) {
      if (phase === 'cold') setAside(c.project, `${c.name}-${round}`);
      // The edit a developer makes: one model's SQL, its refs and config kept.
      if (phase === 'edited') appendFileSync(join(c.project, editedModel), `-- edit ${round}\n`);
      c.runs[phase].push(plat(c.main, c.project));
    }
  }
}

const figures: Record<string, number> = {
  models,
  cold_s: cold.total / 1000,
  warm_s: warm.total / 1000,
  in_process_peak_rss_mb: rssMb,
};
for (const c of contenders) {
  const prefix = c.name === 'this' ? 'cli' : 'baseline_cli';
  const peak = Math.max(...PHASES.flatMap((p) => c.runs[p].map((r) => r.rssMb)));
  for (const phase of PHASES) {
    figures[`${prefix}_${phase}_s`] = median(c.runs[phase].map((r) => r.ms)) / 1000;
    figures[`${prefix}_${phase}_cpu_s`] = median(c.runs[phase].map((r) => r.cpuMs)) / 1000;
  }
  figures[`${prefix}_peak_rss_mb`] = peak;
  console.log(
    `  CLI ${c.name === 'this' ? '' : `(${c.main}) `}medians of ${rounds}: cold ${fmt(figures[`${prefix}_cold_s`]! * 1000)}, one model edited ${fmt(
      figures[`${prefix}_edited_s`]! * 1000,
    )}, unchanged ${fmt(figures[`${prefix}_unchanged_s`]! * 1000)}; peak RSS ${peak.toFixed(0)} MB`,
  );
  console.log(
    `    CPU (user+sys) medians: cold ${fmt(figures[`${prefix}_cold_cpu_s`]! * 1000)}, edited ${fmt(
      figures[`${prefix}_edited_cpu_s`]! * 1000,
    )}, unchanged ${fmt(figures[`${prefix}_unchanged_cpu_s`]! * 1000)}`,
  );
}
// A shared machine's load says how far the wall times can be trusted; compare interleaved figures only.
figures.load_average_before = loadBefore;
figures.load_average_after = loadavg()[0]!;
console.log(`  load average (1 min) before the CLI rounds ${loadBefore.toFixed(1)}, after ${figures.load_average_after.toFixed(1)}`);
// The projects and their target/ folders: 120 MB each at 10,000 models.
for (const folder of [aside, ...contenders.map((c) => c.project)]) rmSync(folder, { recursive: true, force: true });
reportBench('compile', figures, {
  cold_s: '<= 1',
  cli_cold_s: '<= 1.5',
  cli_edited_s: '<= 0.5',
  cli_unchanged_s: '<= 0.3',
  cli_peak_rss_mb: '<= 400',
});
