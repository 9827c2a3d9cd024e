import type { EachBatchPayload, KafkaMessage } from 'kafkajs';
import type { SourceNode } from '../compile/manifest.js';
import type { WarehouseSession } from '../run/adapter.js';
import type { IngestProgress } from '../run/results.js';
import { deadLetterRelation, prepareLanding, saveOffset, storedOffsets } from './landing.js';
import { kafkaClient, unreachable } from './kafka.js';
import { compileValidator, messageSchema, validationMessage } from './schema.js';

export interface IngestOptions {
  brokers: string[];
  groupId: string;
  /** caught-up: stop once the end offsets seen at start are landed; continuous: until aborted. */
  mode: 'caught-up' | 'continuous';
  signal?: AbortSignal;
  onProgress?: (progress: IngestProgress) => void;
  /** Called after each landed batch (continuous mode hangs micro-batch refreshes on this). */
  onLanded?: (rows: number) => void;
  /** Give up when nothing lands for this long while behind (ms). */
  stallTimeout?: number;
}

export interface IngestResult {
  source: string;
  topic: string;
  landed: number;
  deadLetters: number;
  seconds: number;
}

/**
 * Lands one Kafka source into DuckDB, exactly once: each batch's rows, its dead letters and
 * the partition's next offset are committed in one DuckDB transaction, and the consumer starts
 * from the offsets stored there. Kafka's committed offsets are written too, for tools, but
 * never read.
 */
export async function ingestSource(session: WarehouseSession, node: SourceNode, options: IngestOptions): Promise<IngestResult> {
  const topic = node.loader.kafka!.topic;
  const started = performance.now();
  const kafka = kafkaClient(options.brokers);
  const admin = kafka.admin();
  let ends: { partition: number; high: number; low: number }[];
  try {
    await admin.connect();
    const topics = await admin.listTopics();
    if (!topics.includes(topic)) throw new Error(`topic "${topic}" does not exist`);
    ends = (await admin.fetchTopicOffsets(topic)).map((e) => ({ partition: e.partition, high: Number(e.high), low: Number(e.low) }));
  } catch (error) {
    throw error instanceof Error && error.message.startsWith('topic ') ? error : unreachable(options.brokers, error);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }

  await prepareLanding(session, node);
  const next = await storedOffsets(session, node, topic);
  const low = new Map(ends.map((e) => [e.partition, e.low]));
  const high = new Map(ends.map((e) => [e.partition, e.high]));
  const position = (partition: number) => Math.max(next.get(partition) ?? 0, low.get(partition) ?? 0);
  const caughtUp = () => ends.every((e) => position(e.partition) >= (options.mode === 'caught-up' ? e.high : Infinity));
  const result: IngestResult = { source: node.name, topic, landed: 0, deadLetters: 0, seconds: 0 };
  if (options.mode === 'caught-up' && caughtUp()) return result;

  const required = new Set(node.columns.filter((c) => c.required).map((c) => c.name));
  const validate = compileValidator(messageSchema(node.columns, required));
  const columns = node.columns.map((c) => c.name);
  const consumer = kafka.consumer({ groupId: options.groupId, allowAutoTopicCreation: false, maxBytesPerPartition: 4 * 1024 * 1024, maxBytes: 16 * 1024 * 1024 });
  let assigned = new Set<number>();
  let landing = Promise.resolve();
  let lastProgress = 0;
  let lastLanded = performance.now();

  const report = (force = false) => {
    const now = performance.now();
    if (!options.onProgress || (!force && now - lastProgress < 250)) return;
    lastProgress = now;
    const lag = [...high].reduce((sum, [p, h]) => sum + Math.max(0, h - position(p)), 0);
    options.onProgress({ source: node.name, topic, landed: result.landed, deadLetters: result.deadLetters, rate: result.landed / ((now - started) / 1000), lag });
  };

  const land = async ({ batch, heartbeat, isStale, resolveOffset }: EachBatchPayload) => {
    const partition = batch.partition;
    // A batch for a partition this member no longer owns belongs to whoever owns it now.
    if (!assigned.has(partition) || isStale()) return;
    high.set(partition, Math.max(high.get(partition) ?? 0, Number(batch.highWatermark)));
    const from = position(partition);
    const messages = batch.messages.filter((m) => Number(m.offset) >= from);
    // Already landed (a fetch from before the seek): move kafkajs past them without landing twice.
    if (messages.length === 0) {
      if (batch.messages.length) resolveOffset(batch.lastOffset());
      return;
    }
    const ingestedAt = new Date().toISOString();
    const rows: unknown[][] = [];
    const dead: unknown[][] = [];
    for (const message of messages) {
      const parsed = parse(message, validate, columns);
      const meta = [topic, partition, Number(message.offset), new Date(Number(message.timestamp)).toISOString(), ingestedAt];
      if ('error' in parsed) dead.push([parsed.raw, parsed.error, ...meta]);
      else rows.push([...parsed.values, parsed.raw, ...meta]);
    }
    const nextOffset = Number(messages[messages.length - 1]!.offset) + 1;
    // One session, so batches of different partitions land one after another.
    const work = landing.then(() =>
      session.transaction(async () => {
        if (rows.length) await appendAll(session, node.relation, rows);
        if (dead.length) await appendAll(session, deadLetterRelation(node), dead);
        await saveOffset(session, node, topic, partition, nextOffset);
      }),
    );
    landing = work.catch(() => undefined);
    await work;
    next.set(partition, nextOffset);
    resolveOffset(String(nextOffset - 1));
    result.landed += rows.length;
    result.deadLetters += dead.length;
    lastLanded = performance.now();
    options.onLanded?.(rows.length);
    await consumer.commitOffsets([{ topic, partition, offset: String(nextOffset) }]).catch(() => undefined);
    await heartbeat();
    report();
  };

  let stopTimer = () => undefined as void;
  const finished = new Promise<void>((resolve, reject) => {
    const stall = setInterval(() => {
      if (options.mode === 'caught-up' && caughtUp()) resolve();
      else if (options.signal?.aborted) resolve();
      else if (options.mode === 'caught-up' && performance.now() - lastLanded > (options.stallTimeout ?? 60_000)) {
        reject(new Error(`ingest of ${node.name} made no progress for ${Math.round((options.stallTimeout ?? 60_000) / 1000)} s (is another consumer in group "${options.groupId}" holding partitions?)`));
      }
      report();
    }, 100);
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart) reject(payload.error);
    });
    options.signal?.addEventListener('abort', () => resolve(), { once: true });
    stopTimer = () => clearInterval(stall);
  });

  try {
    await consumer.connect();
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      assigned = new Set(payload.memberAssignment[topic] ?? []);
      for (const partition of assigned) consumer.seek({ topic, partition, offset: String(position(partition)) });
    });
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: Math.max(1, ends.length),
      eachBatch: land,
    });
    await finished;
    await landing;
  } catch (error) {
    throw error instanceof Error && /connect|ECONNREFUSED|broker/i.test(error.message) ? unreachable(options.brokers, error) : error;
  } finally {
    stopTimer();
    await consumer.disconnect().catch(() => undefined);
  }
  result.seconds = (performance.now() - started) / 1000;
  report(true);
  return result;
}

function parse(message: KafkaMessage, validate: ReturnType<typeof compileValidator>, columns: string[]): { raw: string; values: unknown[] } | { raw: string; error: string } {
  const raw = message.value ? message.value.toString('utf8') : '';
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch (error) {
    return { raw, error: `not JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return { raw, error: 'not a JSON object' };
  if (!validate(data)) return { raw, error: validationMessage(validate) };
  const record = data as Record<string, unknown>;
  return { raw, values: columns.map((c) => record[c] ?? null) };
}

async function appendAll(session: WarehouseSession, relation: { schema: string; name: string }, rows: unknown[][]): Promise<void> {
  const appender = await session.appender(relation);
  try {
    for (const row of rows) appender.append(row);
  } finally {
    appender.close();
  }
}
