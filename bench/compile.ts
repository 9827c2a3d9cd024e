/**
 * npm run bench:compile -- --models N
 * Compile wall time and peak RSS for a synthetic project: read + parse + validate + render +
 * DAG. "cold" is the first compile in a fresh process, "warm" repeats it in the same process.
 * Target: 10,000 models in ≤ 1.5 s and ≤ 600 MB.
 */
import { compile } from '../framework/compile/compile.js';
import { hasErrors } from '../framework/core/diagnostics.js';
import { readProjectFiles } from '../framework/project/files.js';
import { parseProject } from '../framework/project/parse.js';
import { reportBench } from './report.js';
import { argument, syntheticProject } from './synthetic.js';

const models = argument('models', 10_000);
const dir = syntheticProject(models);

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
const cold = once();
const warm = [once(), once(), once()].sort((a, b) => a.total - b.total)[1]!;
const rssMb = process.resourceUsage().maxRSS / 1024;
console.log(`compile ${models} models (${dir})`);
console.log(`  cold: ${fmt(cold.total)}  (read ${fmt(cold.read)}, parse+validate ${fmt(cold.parse)}, render+dag ${fmt(cold.compile)})`);
console.log(`  warm: ${fmt(warm.total)}  (read ${fmt(warm.read)}, parse+validate ${fmt(warm.parse)}, render+dag ${fmt(warm.compile)})`);
console.log(`  peak RSS: ${rssMb.toFixed(0)} MB`);
console.log(
  `  target: ≤ 1.500s and ≤ 600 MB at 10,000 models → cold ${cold.total <= 1500 ? 'met' : 'MISSED'}, memory ${rssMb <= 600 ? 'met' : 'MISSED'}`,
);
reportBench(
  'compile',
  { models, cold_s: cold.total / 1000, warm_s: warm.total / 1000, peak_rss_mb: rssMb },
  { cold_s: '<= 1.5', peak_rss_mb: '<= 600' },
);
