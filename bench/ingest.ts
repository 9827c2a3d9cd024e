/**
 * npm run bench:ingest [-- --events N --rounds 3 --baseline /path/to/other/dist --topic plat_bench_… --settings '{"checkpoint_threshold": "1GB"}']
 * Pre-loads N JSON events of the e-commerce shape into a fresh 3-partition topic, then
 * measures, in rounds, on the same messages, each in a process of its own (ingest_part.ts):
 *   (a) a bare kafkajs consume-and-discard;
 *   (b) the message check (text_check.ts; JSON.parse + ajv for what it does not settle) and
 *       staging rows alone, on those messages in memory (the consumer's parsing in
 *       `plat ingest`, stream/ingest.ts parseBatch);
 *   (c) warehouse landing alone of the rows (b) makes (stream/lander.ts into a fresh DuckDB);
 *   (p) `plat ingest`, all three at once.
 * With --baseline, another build's `ingest` (its dist/ folder) runs in the same rounds.
 * Each figure is the median of the rounds (min and max printed beside). Needs KAFKA_BROKERS.
 * Targets (issue 21): (p) ≥ 0.85 × the limit the parts allow, and ≥ 250,000 events/s.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileProjectDir, produceTo } from '../framework/api.js';
import { brokersFrom } from '../framework/stream/kafka.js';
import type { Timed } from './ingest_part.js';
import { reportBench } from './report.js';
import { argument, option } from './synthetic.js';

const events = argument('events', 1_000_000);
const rounds = argument('rounds', 3);
const baseline = option('baseline');
const brokers = brokersFrom(process.env);
if (brokers.length === 0) {
  console.error('set KAFKA_BROKERS (scripts/kafka.sh up starts a local broker)');
  process.exit(2);
}
const cores = availableParallelism();
/** --topic reuses a topic an earlier run pre-loaded with the same events (its name is printed), to spare the broker another million. */
const reused = option('topic');
const topic = reused ?? `plat_bench_${randomUUID().slice(0, 8)}`;
const dir = mkdtempSync(join(tmpdir(), 'plat-bench-ingest-'));
mkdirSync(join(dir, 'models'));
// --settings: the target's engine settings, for plat and for the landing alone.
const settings = option('settings');
writeFileSync(join(dir, 'plat_project.yml'), `name: bench_ingest\n${settings ? `target: { type: duckdb, settings: ${settings} }\n` : ''}`);
writeFileSync(
  join(dir, 'sources.yml'),
  `sources:
  - name: ecommerce
    tables:
      - name: events
        kafka: { topic: ${topic}, key: user_id, partitions: 3 }
        generator:
          rows: ${events}
          seed: 1
          fields:
            user_id: { int: { min: 1, max: 10000 } }
            product_id: { int: { min: 1, max: 5000 } }
            event_type: { choice: { view: 0.7, cart: 0.2, purchase: 0.1 } }
            price: { when: event_type, cases: { purchase: { float: { min: 5, max: 500 } } }, else: { const: 0.0 } }
            timestamp: { timestamp: { last: 1h } }
        columns:
          - { name: user_id, type: INTEGER, required: true }
          - { name: product_id, type: INTEGER, required: true }
          - { name: event_type, type: VARCHAR, required: true }
          - { name: price, type: DOUBLE }
          - { name: timestamp, type: VARCHAR }
`,
);
const { manifest } = compileProjectDir({ projectDir: dir }, false);
if (reused === null) {
  const produced = await produceTo(manifest, 'ecommerce.events', { env: process.env });
  console.log(`pre-loaded ${produced.sent.toLocaleString('en-US')} events into ${topic} in ${produced.seconds.toFixed(1)}s`);
}

/** One part, in a process of its own (ingest_part.ts): each starts from an empty heap, as `plat ingest` does. */
function run(part: 'bare' | 'parse' | 'land' | 'plat', dist?: string): Timed {
  const child = spawnSync(
    process.execPath,
    [join(import.meta.dirname, 'ingest_part.js'), part, dir, String(events), ...(dist ? [dist] : [])],
    {
      encoding: 'utf8',
      env: process.env,
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  if (child.status !== 0) throw new Error(`part ${part} failed:\n${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').pop()!) as Timed;
}

// Rounds alternate the parts, and compare medians: the first consumer after the pre-load also
// waits on the broker's own flushing, which is no fault of any of them.
const runs: Record<'bare' | 'parse' | 'land' | 'plat' | 'baseline', Timed[]> = { bare: [], parse: [], land: [], plat: [], baseline: [] };
for (let round = 0; round < rounds; round++) {
  runs.bare.push(run('bare'));
  runs.parse.push(run('parse'));
  runs.land.push(run('land'));
  runs.plat.push(run('plat'));
  if (baseline) runs.baseline.push(run('plat', baseline));
}

const sorted = (xs: Timed[]) => xs.map((x) => x.seconds).sort((x, y) => x - y);
const median = (xs: Timed[]) => sorted(xs)[Math.floor(xs.length / 2)]!;
const rate = (xs: Timed[]) => events / median(xs);
/** CPU seconds a part spends per event (every thread of the process). */
const cpuPerEvent = (xs: Timed[]) => xs.map((x) => x.cpu).sort((x, y) => x - y)[Math.floor(xs.length / 2)]! / events;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/*
 * The limit: the rate the parts allow when perfectly overlapped on the machine's C cores. No
 * part goes faster than it does alone (w_i: its median wall seconds per event), and the cores
 * share the work of them all (c_i: its median CPU seconds per event, every thread of its
 * process):
 *   limit = 1 / max(max_i w_i, Σ_i c_i / C).
 * The work is CPU time, not wall time: alone, the bare consume keeps 1.3 cores busy (kafkajs on
 * the JavaScript thread, V8's collector on its helpers), so its wall time undercounts what it
 * leaves the other parts. The wall-time form, 1 / max(max_i w_i, Σ_i w_i / C), the eighth
 * session's yardstick, is printed beside it.
 */
const parts = [runs.bare, runs.parse, runs.land];
const wall = parts.map((xs) => median(xs) / events);
const slowest = Math.max(...wall);
const work = parts.reduce((sum, xs) => sum + cpuPerEvent(xs), 0);
const limit = 1 / Math.max(slowest, work / cores);
const wallLimit = 1 / Math.max(slowest, wall.reduce((a, b) => a + b, 0) / cores);
const platRate = rate(runs.plat);
const spread = (xs: Timed[]) => {
  const s = sorted(xs);
  return `median ${fmt(events / median(xs)).padStart(9)}/s, min ${fmt(events / s[s.length - 1]!).padStart(9)}/s, max ${fmt(events / s[0]!).padStart(9)}/s`;
};
const line = (label: string, xs: Timed[]) =>
  console.log(
    `${label.padEnd(34)} ${spread(xs)} (${xs.map((x) => x.seconds.toFixed(2)).join(', ')} s; ${(cpuPerEvent(xs) * 1e6).toFixed(2)} CPU µs/event)`,
  );
line('(a) bare kafkajs consume', runs.bare);
line('(b) message check + staging rows', runs.parse);
line('(c) DuckDB landing alone', runs.land);
line('(p) plat ingest', runs.plat);
if (baseline) line(`    baseline ingest (${baseline})`, runs.baseline);
console.log(`limit = 1 / max(max_i w_i, Σ c_i / C), C = ${cores} cores; w_i, c_i: median wall and CPU seconds per event of part i alone`);
console.log(
  `limit ${fmt(limit)} events/s; plat ${fmt(platRate)} events/s = ${(platRate / limit).toFixed(2)} × the limit` +
    ` (with wall time for the work, 1 / max(max_i w_i, Σ w_i / C): limit ${fmt(wallLimit)}, plat at ${(platRate / wallLimit).toFixed(2)} ×)`,
);
const ratios = runs.plat.map((x) => events / x.seconds / limit).sort((x, y) => x - y);
console.log(`plat / limit per round: ${ratios.map((r) => r.toFixed(2)).join(', ')}`);
rmSync(dir, { recursive: true, force: true });
reportBench(
  'ingest',
  {
    events,
    cores,
    rounds,
    bare_events_per_s: rate(runs.bare),
    parse_events_per_s: rate(runs.parse),
    land_events_per_s: rate(runs.land),
    plat_events_per_s: platRate,
    plat_min_events_per_s: events / sorted(runs.plat).at(-1)!,
    plat_max_events_per_s: events / sorted(runs.plat)[0]!,
    limit_events_per_s: limit,
    ratio: platRate / limit,
    wall_limit_events_per_s: wallLimit,
    wall_ratio: platRate / wallLimit,
    plat_cpu_us_per_event: cpuPerEvent(runs.plat) * 1e6,
    parts_cpu_us_per_event: work * 1e6,
    ...(baseline
      ? {
          baseline_events_per_s: rate(runs.baseline),
          baseline_ratio: rate(runs.baseline) / limit,
          baseline_wall_ratio: rate(runs.baseline) / wallLimit,
        }
      : {}),
  },
  { plat_events_per_s: '>= 250000', ratio: '>= 0.85' },
);
