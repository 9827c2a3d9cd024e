/**
 * npm run bench:ingest [-- --events N --rounds 3]
 * Pre-loads N JSON events of the e-commerce shape into a fresh 3-partition topic, then measures
 * (a) a bare kafkajs consume-and-discard and (b) `plat ingest` (validation + DuckDB landing).
 * Needs KAFKA_BROKERS (scripts/kafka.sh up). Targets: (b) ≥ 100,000 events/s, (b)/(a) ≥ 0.6.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileProjectDir, ingest, produceTo } from '../framework/api.js';
import { brokersFrom, kafkaClient } from '../framework/stream/kafka.js';
import { argument } from './synthetic.js';
import { reportBench } from './report.js';

const events = argument('events', 1_000_000);
const brokers = brokersFrom(process.env);
if (brokers.length === 0) {
  console.error('set KAFKA_BROKERS (scripts/kafka.sh up starts a local broker)');
  process.exit(2);
}
const topic = `plat_bench_${randomUUID().slice(0, 8)}`;
const dir = mkdtempSync(join(tmpdir(), 'plat-bench-ingest-'));
mkdirSync(join(dir, 'models'));
writeFileSync(join(dir, 'plat_project.yml'), 'name: bench_ingest\n');
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
const produced = await produceTo(manifest, 'ecommerce.events', { env: process.env });
console.log(`pre-loaded ${produced.sent.toLocaleString('en-US')} events into ${topic} in ${produced.seconds.toFixed(1)}s`);

async function bareConsume(): Promise<number> {
  const kafka = kafkaClient(brokers);
  const consumer = kafka.consumer({
    groupId: `bench-bare-${randomUUID()}`,
    maxBytesPerPartition: 4 * 1024 * 1024,
    maxBytes: 16 * 1024 * 1024,
  });
  const started = performance.now();
  let seen = 0;
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await new Promise<void>((resolve) => {
    void consumer.run({
      partitionsConsumedConcurrently: 3,
      eachBatch: async ({ batch }) => {
        seen += batch.messages.length;
        if (seen >= events) resolve();
      },
    });
  });
  const seconds = (performance.now() - started) / 1000;
  await consumer.disconnect();
  return seconds;
}

// Alternate the two, three rounds each, and compare medians: the first consumer after the
// pre-load also waits on the broker's own flushing, which is no fault of either.
const rounds = argument('rounds', 3);
const bareRuns: number[] = [];
const platRuns: number[] = [];
for (let round = 0; round < rounds; round++) {
  bareRuns.push(await bareConsume());
  rmSync(join(dir, 'target'), { recursive: true, force: true });
  const started = performance.now();
  const [result] = await ingest(manifest, { env: process.env });
  platRuns.push((performance.now() - started) / 1000);
  if (result!.landed !== events) throw new Error(`landed ${result!.landed} of ${events}`);
}
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
const runs = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(', ');
const a = events / median(bareRuns);
const b = events / median(platRuns);
console.log(
  `(a) bare kafkajs consume:   ${Math.round(a).toLocaleString('en-US')} events/s (median of ${runs(bareRuns)} s, incl. group join)`,
);
console.log(
  `(b) plat ingest + landing:  ${Math.round(b).toLocaleString('en-US')} events/s (median of ${runs(platRuns)} s, incl. group join)`,
);
console.log(
  `    ratio (b)/(a): ${(b / a).toFixed(2)}   targets: (b) ≥ 100,000/s → ${b >= 100_000 ? 'met' : 'MISSED'}; ratio ≥ 0.6 → ${b / a >= 0.6 ? 'met' : 'MISSED'}`,
);
reportBench('ingest', { events, bare_per_s: a, plat_per_s: b, ratio: b / a }, { plat_per_s: '>= 100000', ratio: '>= 0.6' });
