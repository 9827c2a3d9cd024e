/**
 * npm run bench:freshness [-- --rate 5000 --seconds 600 --interval 500 --settings '{"checkpoint_threshold": "256MB"}' --keep]
 * A producer (a separate process) sends the example's events at a steady rate while
 * `plat run --stream` runs here. An event is visible in revenue_per_hour once the first
 * micro-batch that started after it landed has finished; its latency is that moment minus its
 * Kafka timestamp. Prints p50/p95/max overall and for each minute of production, with the
 * refresh time of the micro-batches that started in it. Needs KAFKA_BROKERS.
 * Targets (issue 21): p95 ≤ 1.5 s in the first minute and in the last, and refresh time flat
 * in history: the last minute's refresh p50 within 1.2× of the first minute's.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { compileProjectDir, produceTo, stream } from '../framework/api.js';
import { brokersFrom } from '../framework/stream/kafka.js';
import { argument, option, removeUnlessKept } from './synthetic.js';
import { reportBench } from './report.js';

const rate = argument('rate', 5000);
const seconds = argument('seconds', 600);
const interval = argument('interval', 500);
if (brokersFrom(process.env).length === 0) {
  console.error('set KAFKA_BROKERS (scripts/kafka.sh up starts a local broker)');
  process.exit(2);
}
const repo = join(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'plat-bench-freshness-'));
cpSync(join(repo, 'project'), dir, { recursive: true, filter: (path) => !path.includes('/target') });
const topic = `plat_fresh_${randomUUID().slice(0, 8)}`;
// Event timestamps near now, so that hour windows stay few and the marts stay small.
const sources = readFileSync(join(dir, 'sources.yml'), 'utf8')
  .replace('topic: ecommerce_events', `topic: ${topic}`)
  .replace(/timestamp: \{ timestamp: \{ start: "[^"]+", end: "[^"]+" \} \}/, 'timestamp: { timestamp: { last: 1h } }');
writeFileSync(join(dir, 'sources.yml'), sources);
// --settings '{"checkpoint_threshold": "256MB"}': the target's engine settings for this run.
const settings = option('settings');
if (settings) {
  const config = readFileSync(join(dir, 'plat_project.yml'), 'utf8');
  writeFileSync(
    join(dir, 'plat_project.yml'),
    config.replace('  path: target/plat.duckdb\n', `  path: target/plat.duckdb\n  settings: ${settings}\n`),
  );
}
const { manifest } = compileProjectDir({ projectDir: dir });
await produceTo(manifest, 'ecommerce.events', { env: process.env, count: 1000 });

const controller = new AbortController();
/** Each micro-batch's start and end, and how long each node of its refresh took (s). */
const batches: { started: number; finished: number; nodes: Map<string, number>; before: number; after: number }[] = [];
let ready = (): void => undefined;
const started = new Promise<void>((resolve) => (ready = resolve));
const streaming = stream(manifest, {
  env: process.env,
  signal: controller.signal,
  batchInterval: interval,
  onReady: ready,
  onBatch: (batch) => {
    const finished = Date.now();
    const nodes = new Map(batch.results.results.map((r) => [r.name, r.executionTime]));
    const started = finished - batch.seconds * 1000;
    // Time in the refresh outside its nodes: before the first started, after the last completed.
    const starts = batch.results.results.map((r) => Date.parse(r.startedAt));
    const ends = batch.results.results.map((r) => Date.parse(r.completedAt));
    const before = starts.length ? (Math.min(...starts) - started) / 1000 : 0;
    const after = ends.length ? (finished - Math.max(...ends)) / 1000 : 0;
    batches.push({ started, finished, nodes, before, after });
  },
});
await started;
const producerStarted = Date.now();
const producer = spawn(
  process.execPath,
  [
    join(repo, 'dist/framework/cli/main.js'),
    'produce',
    'ecommerce.events',
    '--rate',
    String(rate),
    '--duration',
    `${seconds}s`,
    '--project-dir',
    dir,
  ],
  {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: process.env,
  },
);
await new Promise((resolve) => producer.on('exit', resolve));
// The stream stops once it has caught up: no micro-batch has finished for a while after the
// producer ended, long enough for one in flight to have finished (a fixed wait cut off the last
// batches of a loaded machine, whose refreshes take seconds, and counted their events as missing).
const producerEnded = Date.now();
const longest = () => batches.reduce((most, x) => Math.max(most, x.finished - x.started), 0);
const lastActive = () => Math.max(producerEnded, batches[batches.length - 1]?.finished ?? 0);
while (Date.now() - lastActive() < Math.max(3 * interval + 2000, 2 * longest()))
  await new Promise((resolve) => setTimeout(resolve, interval));
controller.abort();
await streaming;

const instance = await DuckDBInstance.create(join(dir, 'target/plat.duckdb'), { access_mode: 'READ_ONLY' });
const connection = await instance.connect();
const rows = (
  await connection.runAndReadAll(
    'select epoch_ms(_kafka_ts) as produced, epoch_ms(_ingested_at) as landed from bronze.events order by _ingested_at',
  )
).getRows();
// The latencies count an event as visible once its batch finished; this checks that it really is.
const [accounted] = (
  await connection.runAndReadAll(`select (select count(*) from bronze.events) as landed,
    (select count(*) from staging.stg_events) + (select count(*) from staging.stg_events_rejected) as staged_or_rejected,
    (select count(*) from staging.stg_events where event_type = 'purchase') as staged_purchases,
    (select sum(purchase_count) from marts.revenue_per_hour) as mart_purchases`)
).getRowObjectsJson();
connection.closeSync();
instance.closeSync();
removeUnlessKept(dir);

interface Seen {
  produced: number;
  latency: number;
}
const seen: Seen[] = [];
let b = 0;
for (const [produced, landed] of rows as [bigint, bigint][]) {
  while (b < batches.length && batches[b]!.started < Number(landed)) b++;
  if (b === batches.length) break;
  seen.push({ produced: Number(produced), latency: (batches[b]!.finished - Number(produced)) / 1000 });
}
const sorted = (xs: number[]) => [...xs].sort((x, y) => x - y);
const quantile = (xs: number[], q: number) => xs[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? Number.NaN;
const latencies = sorted(seen.map((s) => s.latency));
const refresh = sorted(batches.map((x) => (x.finished - x.started) / 1000));

// Minute by minute of production (events by their Kafka time, micro-batches by their start):
// the first and the last minute tell whether the refresh keeps up as history grows. The events
// sent before the stream started (the initial build's) are left out.
interface Minute {
  events: number;
  p50: number;
  p95: number;
  batches: number;
  refreshP50: number;
  /** Each node's median time over the minute's micro-batches. */
  nodeP50: Map<string, number>;
}
const minutes: Minute[] = [];
const lastProduced = seen.reduce((newest, s) => Math.max(newest, s.produced), 0);
const span = lastProduced - producerStarted;
for (let m = 0; m * 60_000 < span; m++) {
  const from = producerStarted + m * 60_000;
  const to = Math.min(from + 60_000, lastProduced + 1);
  const inMinute = sorted(seen.filter((s) => s.produced >= from && s.produced < to).map((s) => s.latency));
  const inBatches = batches.filter((x) => x.started >= from && x.started < to);
  const refreshes = sorted(inBatches.map((x) => (x.finished - x.started) / 1000));
  const names = new Set(inBatches.flatMap((x) => [...x.nodes.keys()]));
  const nodeP50 = new Map([...names].map((name) => [name, quantile(sorted(inBatches.flatMap((x) => x.nodes.get(name) ?? [])), 0.5)]));
  minutes.push({
    events: inMinute.length,
    p50: quantile(inMinute, 0.5),
    p95: quantile(inMinute, 0.95),
    batches: refreshes.length,
    refreshP50: quantile(refreshes, 0.5),
    nodeP50,
  });
}
// A last minute cut short by the end of production says little; it counts only if it is at least half a minute long.
const last =
  minutes.length > 1 && span - (minutes.length - 1) * 60_000 < 30_000 ? minutes[minutes.length - 2]! : minutes[minutes.length - 1]!;
const first = minutes[0]!;
const growth = last.refreshP50 / first.refreshP50;

console.log(
  `freshness: ${rate}/s for ${seconds}s, micro-batch interval ${interval} ms, ${batches.length} micro-batches (refresh p50 ${quantile(refresh, 0.5).toFixed(2)}s)`,
);
console.log(
  `  event → visible in revenue_per_hour, over ${latencies.length.toLocaleString('en-US')} events: p50 ${quantile(latencies, 0.5).toFixed(2)}s  p95 ${quantile(latencies, 0.95).toFixed(2)}s  max ${latencies[latencies.length - 1]!.toFixed(2)}s`,
);
console.log('  minute   events    p50     p95    micro-batches  refresh p50');
for (const [i, m] of minutes.entries()) {
  console.log(
    `  ${String(i + 1).padStart(4)}  ${m.events.toLocaleString('en-US').padStart(9)}  ${m.p50.toFixed(2).padStart(5)}s  ${m.p95.toFixed(2).padStart(5)}s  ${String(m.batches).padStart(9)}      ${m.refreshP50.toFixed(2)}s${m === first ? '  ← first' : m === last ? '  ← last' : ''}`,
  );
}
// Which nodes' time grows with history: each node's median in the first and the last minute.
console.log('  node (median time per micro-batch)                    first    last   last/first');
const growthOf = (name: string) => (last.nodeP50.get(name) ?? Number.NaN) / (first.nodeP50.get(name) ?? Number.NaN);
for (const name of [...first.nodeP50.keys()].sort((x, y) => (last.nodeP50.get(y) ?? 0) - (last.nodeP50.get(x) ?? 0))) {
  console.log(
    `  ${name.padEnd(52)} ${first.nodeP50.get(name)!.toFixed(3)}s  ${(last.nodeP50.get(name) ?? Number.NaN).toFixed(3)}s  ${growthOf(name).toFixed(2)}×`,
  );
}
// The slowest micro-batches and their slowest nodes: a spike in one node (a checkpoint landing in
// its commit) reads differently from a refresh slow all over.
console.log('  slowest micro-batches (minute: refresh, time before its first node and after its last, its slowest nodes)');
for (const x of [...batches].sort((p, q) => q.finished - q.started - (p.finished - p.started)).slice(0, 5)) {
  const slowest = [...x.nodes].sort((p, q) => q[1] - p[1]).slice(0, 3);
  console.log(
    `  ${String(Math.floor((x.started - producerStarted) / 60_000) + 1).padStart(4)}: ${((x.finished - x.started) / 1000).toFixed(2)}s  before ${x.before.toFixed(2)}s after ${x.after.toFixed(2)}s  ${slowest.map(([name, s]) => `${name} ${s.toFixed(2)}s`).join(', ')}`,
  );
}
const complete = accounted!.landed === accounted!.staged_or_rejected && accounted!.staged_purchases === accounted!.mart_purchases;
console.log(
  `  ${Number(accounted!.landed).toLocaleString('en-US')} landed, ${Number(accounted!.staged_or_rejected).toLocaleString('en-US')} staged or rejected; ` +
    `${Number(accounted!.mart_purchases).toLocaleString('en-US')} of ${Number(accounted!.staged_purchases).toLocaleString('en-US')} staged purchases in revenue_per_hour → ${complete ? 'every event accounted for' : 'EVENTS MISSING'}`,
);
const met = first.p95 <= 1.5 && last.p95 <= 1.5 && growth <= 1.2 && complete;
console.log(
  `  target p95 ≤ 1.5 s in the first and the last minute (${first.p95.toFixed(2)}s, ${last.p95.toFixed(2)}s), last minute's refresh p50 ≤ 1.2× the first's (${growth.toFixed(2)}×) → ${met ? 'met' : 'MISSED'}`,
);
reportBench(
  'freshness',
  {
    rate,
    seconds,
    micro_batches: batches.length,
    p50_s: quantile(latencies, 0.5),
    p95_s: quantile(latencies, 0.95),
    max_s: latencies[latencies.length - 1]!,
    first_minute_p50_s: first.p50,
    first_minute_p95_s: first.p95,
    first_minute_refresh_p50_s: first.refreshP50,
    last_minute_p50_s: last.p50,
    last_minute_p95_s: last.p95,
    last_minute_refresh_p50_s: last.refreshP50,
    refresh_growth: growth,
    every_event_accounted: complete,
  },
  { first_minute_p95_s: '<= 1.5', last_minute_p95_s: '<= 1.5', refresh_growth: '<= 1.2', every_event_accounted: '== 1' },
);
