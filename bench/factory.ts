/**
 * npm run bench:factory [-- --rate 2000 --interval 500 --keep]
 * The manufacturing example's figures (issue 16). Needs KAFKA_BROKERS.
 *
 * 1. Build: `plat build` of a clean copy on the embedded default (generators), its time.
 * 2. Throughput: the three topics produced at once (one `plat produce` process each, the whole
 *    21 days), then `plat ingest` of the three at once: events per second each way (target ≥
 *    10,000/s, the reference's).
 * 3. Freshness: `plat run --stream --select +mart_equipment_health` while a producer sends the
 *    last day's readings, time-stamped up to now, at --rate. A reading counts as visible once the
 *    first micro-batch that started after it landed has finished; its latency is that moment
 *    minus its Kafka timestamp (target p95 ≤ 5 s; the reference asks < 5 minutes).
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { build, compileProjectDir, ingest, produceTo, stream } from '../framework/api.js';
import { brokersFrom } from '../framework/stream/kafka.js';
import { reportBench } from './report.js';
import { argument, removeUnlessKept } from './synthetic.js';

const rate = argument('rate', 2000);
const interval = argument('interval', 500);
if (brokersFrom(process.env).length === 0) {
  console.error('set KAFKA_BROKERS (scripts/kafka.sh up starts a local broker)');
  process.exit(2);
}
const repo = join(import.meta.dirname, '../..');
const cli = join(repo, 'dist/framework/cli/main.js');
const SOURCES = ['factory.equipment_sensors', 'factory.equipment_status', 'factory.quality_metrics'];

// 1. The one command, on the embedded default.
const embedded = copyProject(join(repo, 'examples/factory'));
let started = performance.now();
const built = await build(compileProjectDir({ projectDir: embedded }).manifest, { env: {} });
const buildSeconds = (performance.now() - started) / 1000;
const failed = built.results.filter((r) => r.status === 'error' || r.status === 'fail').length;
console.log(`build: ${built.results.length} nodes in ${buildSeconds.toFixed(1)}s (${failed} failed)`);

// 2. Produce the three topics at once, then ingest them at once, on topics of their own.
const dir = copyProject(join(repo, 'examples/factory'));
const suffix = randomUUID().slice(0, 8);
let sources = readFileSync(join(dir, 'sources.yml'), 'utf8');
for (const topic of ['equipment-sensors', 'equipment-status', 'quality-metrics'])
  sources = sources.replace(`topic: ${topic},`, `topic: ${topic}-${suffix},`);
writeFileSync(join(dir, 'sources.yml'), sources);
const { manifest } = compileProjectDir({ projectDir: dir });
// Several sources landing at once on a fresh database race to create _plat.kafka_offsets
// (stream/landing.ts prepareLanding): an ingest of one empty topic creates it first.
await produceTo(manifest, 'factory.equipment_status', { env: process.env, count: 0 });
await ingest(manifest, { env: process.env, select: ['source:factory.equipment_status'] });

started = performance.now();
const sent = (await Promise.all(SOURCES.map((source) => run(['produce', source])))).map((out) =>
  Number(/sent ([\d,]+)/.exec(out)?.[1]?.replace(/,/g, '') ?? 0),
);
const produceSeconds = (performance.now() - started) / 1000;
const produced = sent.reduce((a, b) => a + b, 0);
started = performance.now();
const ingested = await ingest(manifest, { env: process.env });
const ingestSeconds = (performance.now() - started) / 1000;
const landed = ingested.reduce((sum, r) => sum + r.landed + r.deadLetters, 0);
console.log(
  `produce: ${produced.toLocaleString('en-US')} events to three topics at once in ${produceSeconds.toFixed(1)}s → ${Math.round(produced / produceSeconds).toLocaleString('en-US')}/s`,
);
console.log(
  `ingest:  ${landed.toLocaleString('en-US')} messages from three topics at once in ${ingestSeconds.toFixed(1)}s → ${Math.round(landed / ingestSeconds).toLocaleString('en-US')}/s (${ingested.map((r) => `${r.source} ${r.landed.toLocaleString('en-US')} + ${r.deadLetters} dead letters`).join(', ')})`,
);

// 3. Freshness of mart_equipment_health: the last day's readings, ending now, at --rate.
writeFileSync(
  join(dir, 'sources.yml'),
  sources.replace(/end: "2026-11-23T00:00:00Z"\n(\s+)last: 21d\n(\s+)while: \[running\]/, 'last: 1d\n$1while: [running]'),
);
const controller = new AbortController();
const batches: { started: number; finished: number }[] = [];
let ready = (): void => undefined;
const streamReady = new Promise<void>((resolve) => (ready = resolve));
const streaming = stream(manifest, {
  env: process.env,
  select: ['+mart_equipment_health'],
  // This phase sends readings alone, without the status events of the same hours, so the test
  // that the topics agree (no readings while a machine is down) cannot hold here.
  exclude: ['readings_only_while_running'],
  signal: controller.signal,
  batchInterval: interval,
  onReady: ready,
  onBatch: (batch) => {
    const finished = Date.now();
    batches.push({ started: finished - batch.seconds * 1000, finished });
  },
});
await streamReady;
const freshFrom = Date.now();
await run(['produce', 'factory.equipment_sensors', '--rate', String(rate)]);
await new Promise((resolve) => setTimeout(resolve, 3 * interval + 3000));
controller.abort();
await streaming;

const instance = await DuckDBInstance.create(join(dir, 'target/plat.duckdb'), { access_mode: 'READ_ONLY' });
const connection = await instance.connect();
const rows = (
  await connection.runAndReadAll(
    `select epoch_ms(_kafka_ts) as produced, epoch_ms(_ingested_at) as landed from bronze.equipment_sensors where epoch_ms(_ingested_at) >= ${freshFrom} order by _ingested_at`,
  )
).getRows();
const [health] = (
  await connection.runAndReadAll(`select (select count(*) from bronze.equipment_sensors as b
      where b.reading_id not in (select reading_id from staging.stg_sensor_readings)
        and b.equipment_id in (select equipment_id from reference.equipment) and b.temperature between -40 and 400 and b.vibration >= 0) as valid_not_staged,
    (select max(as_of) from marts.mart_equipment_health) as as_of, (select max(reading_ts) from staging.stg_sensor_readings) as newest`)
).getRowObjectsJson();
connection.closeSync();
instance.closeSync();

const latencies: number[] = [];
let b = 0;
for (const [producedAt, landedAt] of rows as [bigint, bigint][]) {
  while (b < batches.length && batches[b]!.started < Number(landedAt)) b++;
  if (b === batches.length) break;
  latencies.push((batches[b]!.finished - Number(producedAt)) / 1000);
}
latencies.sort((x, y) => x - y);
const pick = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
const refresh = batches.map((x) => (x.finished - x.started) / 1000).sort((x, y) => x - y);
const complete = Number(health!.valid_not_staged) === 0 && health!.as_of === health!.newest;
console.log(
  `freshness: ${rate}/s, micro-batch interval ${interval} ms, ${batches.length} micro-batches (refresh p50 ${refresh[Math.floor(refresh.length / 2)]?.toFixed(2)}s)`,
);
console.log(
  `  reading → visible in mart_equipment_health, over ${latencies.length.toLocaleString('en-US')} readings: p50 ${pick(0.5).toFixed(2)}s  p95 ${pick(0.95).toFixed(2)}s  max ${pick(1).toFixed(2)}s`,
);
console.log(`  every valid landed reading staged, and the mart's as_of at the newest: ${complete ? 'yes' : 'NO'}`);
for (const copy of [embedded, dir]) removeUnlessKept(copy);
reportBench(
  'factory',
  {
    build_s: buildSeconds,
    build_failed_nodes: failed,
    produce_events_per_s: produced / produceSeconds,
    ingest_events_per_s: landed / ingestSeconds,
    freshness_rate: rate,
    freshness_p50_s: pick(0.5),
    freshness_p95_s: pick(0.95),
    every_reading_accounted: complete,
  },
  {
    build_failed_nodes: '== 0',
    produce_events_per_s: '>= 10000',
    ingest_events_per_s: '>= 10000',
    freshness_p95_s: '<= 5',
    every_reading_accounted: '== 1',
  },
);

function copyProject(source: string): string {
  const copy = mkdtempSync(join(tmpdir(), 'plat-bench-factory-'));
  cpSync(source, copy, { recursive: true, filter: (path) => !path.includes('/target') });
  return copy;
}

/** Runs the CLI in the bench's copy, as a user would (a process of its own); returns its output. */
function run(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args, '--project-dir', dir], { env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let errors = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (errors += chunk));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`plat ${args.join(' ')} exited with ${code}: ${errors || out}`)),
    );
  });
}
