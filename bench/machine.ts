import { spawnSync } from 'node:child_process';

/**
 * The machine's speed at the time of a bench, as one figure: a fixed single-threaded workload of
 * the kinds plat's hot paths do (objects made and serialised, JSON parsed back, strings
 * rewritten, maps filled), timed in fresh Node processes so that no bench's heap or JIT state
 * counts. The work never changes, so the figure moves only with the machine: on this
 * project's VM the same build's figures differ by up to 1.75× between days, and this
 * workload alone took 238–421 ms within two minutes at a load below 1. A figure measured on
 * a slow day, or in a slow minute, is told from a slower plat by this one.
 */
const WORKLOAD = `
const started = performance.now();
let sink = 0;
for (let round = 0; round < 30; round++) {
  const nodes = {};
  const names = new Map();
  for (let i = 0; i < 2000; i++) {
    const name = 'm' + i;
    names.set(name, i);
    nodes['model.bench.' + name] = {
      kind: 'model', name, tags: ['staging', 'group_' + (i % 20)],
      dependsOn: ['model.bench.m' + (i >> 1)],
      sql: 'select id, v, ' + i + ' as model_no from t' + (i % 100) + ' where v > ' + (i % 7),
    };
  }
  const text = JSON.stringify(nodes);
  const back = JSON.parse(text);
  sink += back['model.bench.m7'].sql.length + text.replace(/m(\\d+)/g, (_, n) => 'x' + (names.get('m' + n) % 9)).length;
}
process.stdout.write(JSON.stringify({ ms: performance.now() - started, sink }));
`;

/** Median milliseconds of `runs` runs of the workload (lower is a faster machine). */
export function machineMs(runs = 3): number {
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const child = spawnSync(process.execPath, ['-e', WORKLOAD], { encoding: 'utf8' });
    if (child.status !== 0) throw new Error(`the machine's reference workload failed:\n${child.stderr}`);
    times.push((JSON.parse(child.stdout) as { ms: number }).ms);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}
