/**
 * One timed part of bench:ingest (ingest.ts), run in a process of its own so that each starts
 * from the same empty heap a user's `plat ingest` starts from: in one process, the parts run
 * later kept the million decoded messages of those before alive.
 *   node ingest_part.js <part> <project dir> <events> [dist folder]
 * part: bare (kafkajs consume-and-discard), parse (the message check + staging rows, on
 * messages consumed beforehand, untimed), land (the landing alone of rows parsed beforehand,
 * untimed), plat (`ingest` from the dist folder given, else this build's).
 * Prints one JSON line: {"seconds": …, "cpu": …}, wall and this process's CPU seconds (every
 * thread: kafkajs, ajv, DuckDB's workers) of the timed part.
 */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { KafkaMessage } from 'kafkajs';
import { compileProjectDir, type ingest } from '../framework/api.js';
import type { SourceNode } from '../framework/compile/manifest.js';
import { parseBatch } from '../framework/stream/ingest.js';
import { brokersFrom, kafkaClient } from '../framework/stream/kafka.js';
import { ingestPace, Lander, type ParsedBatch } from '../framework/stream/lander.js';
import { landingSql, prepareLanding, prepareStaging } from '../framework/stream/landing.js';
import { compileTextCheck } from '../framework/stream/text_check.js';
import { newWorkerId } from '../framework/stream/staging.js';
import { openWarehouse } from '../framework/warehouse/registry.js';

const [part, dir, count, dist] = process.argv.slice(2) as [string, string, string, string | undefined];
const events = Number(count);
const brokers = brokersFrom(process.env);
const { manifest } = compileProjectDir({ projectDir: dir }, false);
const node = Object.values(manifest.nodes).find((n): n is SourceNode => n.kind === 'source')!;
const topic = node.loader.kafka!.topic;

export interface Timed {
  seconds: number;
  cpu: number;
}

async function timed(work: () => Promise<void>): Promise<Timed> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await work();
  const used = process.cpuUsage(cpu);
  return { seconds: (performance.now() - started) / 1000, cpu: (used.user + used.system) / 1e6 };
}

/** Consumes the topic from the start; `keep` gets each batch as kafkajs hands it over. */
async function consume(keep: ((partition: number, messages: KafkaMessage[]) => void) | null): Promise<void> {
  const consumer = kafkaClient(brokers).consumer({
    groupId: `bench-bare-${randomUUID()}`,
    maxBytesPerPartition: 4 * 1024 * 1024,
    maxBytes: 16 * 1024 * 1024,
  });
  let seen = 0;
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await new Promise<void>((resolve) => {
    void consumer.run({
      partitionsConsumedConcurrently: 3,
      eachBatch: async ({ batch }) => {
        keep?.(batch.partition, batch.messages);
        seen += batch.messages.length;
        if (seen >= events) resolve();
      },
    });
  });
  await consumer.disconnect();
  if (seen < events) throw new Error(`consumed ${seen} of ${events}`);
}

async function fetched(): Promise<{ partition: number; messages: KafkaMessage[] }[]> {
  const batches: { partition: number; messages: KafkaMessage[] }[] = [];
  await consume((partition, messages) => batches.push({ partition, messages }));
  return batches;
}

const validate = compileTextCheck(node.columns);
/** The consumer's parsing in `plat ingest`: the message check and staging rows. */
const parse = (batches: { partition: number; messages: KafkaMessage[] }[]): ParsedBatch[] =>
  batches.map((b) => parseBatch(b.partition, b.messages, topic, validate));

/** What plat's landing does with the rows, fed as fast as it takes them, with the threads `plat ingest` gives one source. */
async function land(parsed: ParsedBatch[]): Promise<Timed> {
  rmSync(join(dir, 'target'), { recursive: true, force: true });
  const warehouse = await openWarehouse(manifest.target, { root: dir, threads: Math.max(1, availableParallelism() - 1) });
  try {
    const connection = await warehouse.session();
    await prepareLanding(connection, node);
    const staging = await prepareStaging(connection, node, newWorkerId());
    let landed = 0;
    let added = 0;
    const lander = new Lander(
      connection,
      staging,
      (offsets) => landingSql(connection.dialect, node, topic, staging, offsets, new Date()),
      (batches) => {
        for (const b of batches) landed += b.valid;
      },
      // Paced as plat paces it: the rows not yet added are the consumer's still to come.
      ingestPace(connection, () => events - added),
    );
    // Closing is part of it: plat's ingest ends with DuckDB's checkpoint too.
    const result = await timed(async () => {
      for (const batch of parsed) {
        added += batch.valid + batch.dead.length;
        await lander.add(batch);
      }
      await lander.flush();
      connection.close();
      warehouse.close();
    });
    if (landed !== events) throw new Error(`landing alone landed ${landed} of ${events}`);
    return result;
  } catch (error) {
    warehouse.close();
    throw error;
  }
}

async function plat(): Promise<Timed> {
  const verb = dist
    ? ((await import(join(dist, 'framework/api.js'))) as { ingest: typeof ingest }).ingest
    : (await import('../framework/api.js')).ingest;
  rmSync(join(dir, 'target'), { recursive: true, force: true });
  let landed = 0;
  const result = await timed(async () => {
    const [outcome] = await verb(manifest, { env: process.env });
    landed = outcome!.landed;
  });
  if (landed !== events) throw new Error(`landed ${landed} of ${events}`);
  return result;
}

async function measure(): Promise<Timed> {
  switch (part) {
    case 'bare':
      return timed(() => consume(null));
    case 'parse': {
      const batches = await fetched();
      let rows: ParsedBatch[] = [];
      const result = await timed(async () => {
        rows = parse(batches);
      });
      if (rows.reduce((sum, b) => sum + b.valid, 0) !== events) throw new Error('parsing lost messages');
      return result;
    }
    case 'land':
      return land(parse(await fetched()));
    case 'plat':
      return plat();
    default:
      throw new Error(`no part "${part}" (bare, parse, land or plat)`);
  }
}

console.log(JSON.stringify(await measure()));
