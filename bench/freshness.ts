/**
 * npm run bench:freshness [-- --rate 5000 --seconds 60 --interval 500]
 * A producer (a separate process) sends the example's events at a steady rate while
 * `plat run --stream` runs here. An event is visible in revenue_per_hour once the first
 * micro-batch that started after it landed has finished; its latency is that moment minus its
 * Kafka timestamp. Prints p50/p95/max. Needs KAFKA_BROKERS. Target: p95 ≤ 2 s.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { compileProjectDir, produceTo, stream } from '../framework/api.js';
import { brokersFrom } from '../framework/stream/kafka.js';
import { argument } from './synthetic.js';
import { reportBench } from './report.js';

const rate = argument('rate', 5000);
const seconds = argument('seconds', 60);
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
const { manifest } = compileProjectDir({ projectDir: dir });
await produceTo(manifest, 'ecommerce.events', { env: process.env, count: 1000 });

const controller = new AbortController();
const batches: { started: number; finished: number }[] = [];
let ready: () => void = () => undefined;
const started = new Promise<void>((resolve) => (ready = resolve));
const streaming = stream(manifest, {
  env: process.env,
  signal: controller.signal,
  batchInterval: interval,
  onReady: ready,
  onBatch: (batch) => {
    const finished = Date.now();
    batches.push({ started: finished - batch.seconds * 1000, finished });
  },
});
await started;
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
await new Promise((resolve) => setTimeout(resolve, 3 * interval + 2000));
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

const latencies: number[] = [];
let b = 0;
for (const [produced, landed] of rows as [bigint, bigint][]) {
  while (b < batches.length && batches[b]!.started < Number(landed)) b++;
  if (b === batches.length) break;
  latencies.push((batches[b]!.finished - Number(produced)) / 1000);
}
latencies.sort((x, y) => x - y);
const pick = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
const refresh = batches.map((x) => (x.finished - x.started) / 1000).sort((x, y) => x - y);
console.log(
  `freshness: ${rate}/s for ${seconds}s, micro-batch interval ${interval} ms, ${batches.length} micro-batches (refresh p50 ${refresh[Math.floor(refresh.length / 2)]?.toFixed(2)}s)`,
);
console.log(
  `  event → visible in revenue_per_hour, over ${latencies.length.toLocaleString('en-US')} events: p50 ${pick(0.5).toFixed(2)}s  p95 ${pick(0.95).toFixed(2)}s  max ${latencies[latencies.length - 1]!.toFixed(2)}s`,
);
const complete = accounted!.landed === accounted!.staged_or_rejected && accounted!.staged_purchases === accounted!.mart_purchases;
console.log(
  `  ${Number(accounted!.landed).toLocaleString('en-US')} landed, ${Number(accounted!.staged_or_rejected).toLocaleString('en-US')} staged or rejected; ` +
    `${Number(accounted!.mart_purchases).toLocaleString('en-US')} of ${Number(accounted!.staged_purchases).toLocaleString('en-US')} staged purchases in revenue_per_hour → ${complete ? 'every event accounted for' : 'EVENTS MISSING'}`,
);
console.log(`  target p95 ≤ 2 s → ${pick(0.95) <= 2 && complete ? 'met' : 'MISSED'}`);
reportBench(
  'freshness',
  {
    rate,
    seconds,
    micro_batches: batches.length,
    p50_s: pick(0.5),
    p95_s: pick(0.95),
    max_s: latencies[latencies.length - 1]!,
    every_event_accounted: complete,
  },
  { p95_s: '<= 2', every_event_accounted: '== 1' },
);
