import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { SourceNode } from '../compile/manifest.js';
import { parseDuration } from '../core/duration.js';
import { PlatError } from '../core/errors.js';
import type { IngestProgress } from '../run/results.js';
import type { Connection } from '../warehouse/connection.js';
import { kafkaClient, unreachable } from './kafka.js';
import { ingestPace, Lander, type ParsedBatch } from './lander.js';
import { FIELD, landingSql, prepareLanding, prepareStaging, RECORD, storedOffsets } from './landing.js';
import { compileTextCheck, type TextCheck } from './text_check.js';
import { dropOwnStaging, dropStaleStaging, newWorkerId, workerClientId } from './staging.js';

export interface IngestOptions {
  brokers: string[];
  groupId: string;
  /** caught-up: stop once the end offsets seen at start are landed; continuous: until aborted. */
  mode: 'caught-up' | 'continuous';
  signal?: AbortSignal;
  onProgress?: (progress: IngestProgress) => void;
  /** Called after each landing transaction with the rows it added (stream mode refreshes on it). */
  onLanded?: (rows: number) => void;
  /** Give up when nothing lands for this long while behind (ms). */
  stallTimeout?: number;
  /** The landing tables exist already (prepareSources ran): sessions landing at once must not each create them. */
  prepared?: boolean;
}

export interface IngestResult {
  source: string;
  topic: string;
  landed: number;
  deadLetters: number;
  seconds: number;
}

/**
 * The Kafka side of one source's ingest, begun before the warehouse is open: the topic's end
 * offsets and the consumer's connection need nothing from it, and took 50–60 ms of the first
 * batch's wait, as long as opening a DuckDB file and preparing it.
 */
export interface KafkaStart {
  worker: string;
  kafka: Kafka;
  consumer: Consumer;
  ends: Promise<PartitionEnds[]>;
  connected: Promise<void>;
  /** When it began: the ingest's seconds count from here. */
  at: number;
  /** Disconnects the consumer; once, however often it is called. */
  stop(): Promise<void>;
}

interface PartitionEnds {
  partition: number;
  high: number;
  low: number;
}

export function startKafka(node: SourceNode, options: Pick<IngestOptions, 'brokers' | 'groupId' | 'mode'>): KafkaStart {
  const at = performance.now();
  const worker = newWorkerId();
  const kafka = kafkaClient(options.brokers, workerClientId(worker));
  // A short long-poll: an idle fetch would otherwise hold disconnect (and stream refreshes) for 5 s.
  // Catching up, a fetch waits only at the end, where it holds the disconnect that ends the ingest.
  const consumer = kafka.consumer({
    groupId: options.groupId,
    ...liveness(node.loader.kafka!.session_timeout),
    allowAutoTopicCreation: false,
    maxBytesPerPartition: 4 * 1024 * 1024,
    maxBytes: 16 * 1024 * 1024,
    maxWaitTimeInMs: options.mode === 'caught-up' ? 50 : 250,
  });
  const ends = endOffsets(kafka, node, options.brokers);
  const connected = consumer.connect();
  // Each is awaited where the ingest needs it; a failure before then is not an unhandled rejection.
  ends.catch(() => undefined);
  connected.catch(() => undefined);
  let stopped: Promise<void> | null = null;
  const stop = () => (stopped ??= connected.then(() => consumer.disconnect()).catch(() => undefined));
  return { worker, kafka, consumer, ends, connected, at, stop };
}

/**
 * A source's session_timeout: how soon the group gives a silent member's partitions to the
 * others. Heartbeats go at a third of it (kafkajs's 3 s at most), so a live member is not taken
 * for a dead one.
 */
function liveness(sessionTimeout: string | undefined): { sessionTimeout?: number; heartbeatInterval?: number } {
  if (sessionTimeout === undefined) return {};
  const ms = parseDuration(sessionTimeout);
  return { sessionTimeout: ms, heartbeatInterval: Math.max(1, Math.min(3000, Math.floor(ms / 3))) };
}

/**
 * Lands one Kafka source into the warehouse, exactly once: rows, dead letters and each
 * partition's next offset commit in one transaction, and the consumer starts from the offsets
 * stored there. Kafka's committed offsets are written too, for tools, but never read.
 * `start`: its Kafka side, begun already (else begun here).
 */
export async function ingestSource(
  connection: Connection,
  node: SourceNode,
  options: IngestOptions & { start?: KafkaStart },
): Promise<IngestResult> {
  const start = options.start ?? startKafka(node, options);
  try {
    return await ingestStarted(connection, node, options, start);
  } finally {
    await start.stop();
  }
}

async function ingestStarted(connection: Connection, node: SourceNode, options: IngestOptions, start: KafkaStart): Promise<IngestResult> {
  const topic = node.loader.kafka!.topic;
  const { worker, kafka, consumer, at: started } = start;
  const ends = await start.ends;

  if (!options.prepared) await prepareLanding(connection, node);
  /** Next offset to land per partition, as committed in the warehouse. */
  const landed = await storedOffsets(connection, node, topic);
  /** Next offset to queue per partition: everything below is landed or on its way. */
  const queued = new Map<number, number>();
  const low = new Map(ends.map((e) => [e.partition, e.low]));
  const high = new Map(ends.map((e) => [e.partition, e.high]));
  const landedAt = (p: number) => Math.max(landed.get(p) ?? 0, low.get(p) ?? 0);
  const queuedAt = (p: number) => Math.max(queued.get(p) ?? 0, landedAt(p));
  const caughtUp = () => options.mode === 'caught-up' && ends.every((e) => landedAt(e.partition) >= e.high);
  const result: IngestResult = { source: node.name, topic, landed: 0, deadLetters: 0, seconds: 0 };
  if (!connection.capabilities.tempTables) await dropStaleStaging(connection, node, kafka, { groupId: options.groupId, self: worker });
  if (caughtUp()) return result;
  const staging = await prepareStaging(connection, node, worker);

  const validate = compileTextCheck(node.columns);
  let assigned = new Set<number>();
  /** Ends the wait for the ingest to finish; the landing that catches up calls it at once rather than at the next tick. */
  let finish: () => void = () => undefined;
  let lastProgress = 0;
  let lastLanded = performance.now();

  const report = (force = false) => {
    const now = performance.now();
    if (!options.onProgress || (!force && now - lastProgress < 250)) return;
    lastProgress = now;
    const lag = [...high].reduce((sum, [p, h]) => sum + Math.max(0, h - landedAt(p)), 0);
    options.onProgress({
      source: node.name,
      topic,
      landed: result.landed,
      deadLetters: result.deadLetters,
      rate: result.landed / Math.max((now - started) / 1000, 0.001),
      lag,
    });
  };

  const lander = new Lander(
    connection,
    staging,
    (offsets) => landingSql(connection.dialect, node, topic, staging, offsets, new Date()),
    (batches, unlanded) => {
      let rows = -unlanded;
      result.deadLetters += unlanded;
      for (const batch of batches) {
        landed.set(batch.partition, Math.max(landed.get(batch.partition) ?? 0, batch.nextOffset));
        rows += batch.valid;
        result.deadLetters += batch.dead.length;
      }
      result.landed += rows;
      lastLanded = performance.now();
      options.onLanded?.(rows);
      if (caughtUp()) finish();
      // Informational only, and off the critical path: nothing reads these back.
      consumer.commitOffsets([...landed].map(([partition, next]) => ({ topic, partition, offset: String(next) }))).catch(() => undefined);
      // A landing is shown when it commits, not at the next quarter second: landings of a backlog are a row group each, a few a second.
      report(true);
    },
    ingestPace(connection, () => [...assigned].reduce((sum, p) => sum + Math.max(0, (high.get(p) ?? 0) - queuedAt(p)), 0)),
  );

  /**
   * Partitions this process gains may have been landed past what it last knew, by the process
   * that held them: the stored offsets are read again (between two landings) and fetching
   * moves past what they say, rather than fetching again what that one landed.
   */
  let refreshed: Promise<void> = Promise.resolve();
  const refresh = (gained: number[]) =>
    lander
      .between(() => storedOffsets(connection, node, topic))
      .then((stored) => {
        for (const partition of gained) {
          const was = queuedAt(partition);
          landed.set(partition, Math.max(landed.get(partition) ?? 0, stored.get(partition) ?? 0));
          if (queuedAt(partition) > was && assigned.has(partition))
            consumer.seek({ topic, partition, offset: String(queuedAt(partition)) });
        }
      })
      // Not knowing costs only fetching again what the other landed, which the landing does not add twice.
      .catch(() => undefined);

  const eachBatch = async ({ batch, heartbeat, isStale, resolveOffset }: EachBatchPayload) => {
    await refreshed;
    const partition = batch.partition;
    // A batch for a partition this member no longer owns belongs to whoever owns it now.
    if (!assigned.has(partition) || isStale()) return;
    high.set(partition, Math.max(high.get(partition) ?? 0, Number(batch.highWatermark)));
    const from = queuedAt(partition);
    // Offsets ascend within a batch: only one that starts below what is queued needs filtering.
    const first = batch.firstOffset();
    const messages = first !== null && Number(first) >= from ? batch.messages : batch.messages.filter((m) => Number(m.offset) >= from);
    if (batch.messages.length) resolveOffset(batch.lastOffset());
    if (messages.length === 0) return;
    const parsed = parseBatch(partition, messages, topic, validate);
    queued.set(partition, parsed.nextOffset);
    await lander.add(parsed);
    await heartbeat();
  };

  let stopTimer: () => void = () => undefined;
  const finished = new Promise<void>((resolve, reject) => {
    finish = resolve;
    const timer = setInterval(() => {
      if (caughtUp() || options.signal?.aborted) resolve();
      else if (options.mode === 'caught-up' && performance.now() - lastLanded > (options.stallTimeout ?? 60_000)) {
        reject(
          new Error(
            `ingest of ${node.name} made no progress for ${Math.round((options.stallTimeout ?? 60_000) / 1000)} s (is another consumer in group "${options.groupId}" holding partitions?)`,
          ),
        );
      }
      report();
    }, 50);
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart) reject(payload.error);
    });
    options.signal?.addEventListener('abort', () => resolve(), { once: true });
    stopTimer = () => clearInterval(timer);
  });

  try {
    await start.connected;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      const before = assigned;
      assigned = new Set(payload.memberAssignment[topic] ?? []);
      // A new assignment is progress: partitions a killed member held come back only after its
      // session times out, and that wait is not a stall of this one.
      lastLanded = performance.now();
      for (const partition of assigned) consumer.seek({ topic, partition, offset: String(queuedAt(partition)) });
      const gained = [...assigned].filter((p) => !before.has(p));
      if (gained.length) refreshed = refresh(gained);
    });
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: Math.max(1, ends.length),
      eachBatch,
    });
    await finished;
    await lander.flush();
  } catch (error) {
    if ((error as { type?: string }).type === 'INVALID_SESSION_TIMEOUT')
      throw new PlatError(
        'PROJECT_INVALID',
        `the broker refuses source ${node.sourceName}.${node.tableName}'s session_timeout of ${node.loader.kafka!.session_timeout ?? '30s'}: ${(error as Error).message}`,
        `set kafka.session_timeout in ${node.path} within the broker's range (6s to 30m unless the broker says otherwise)`,
      );
    throw error instanceof Error && /ECONNREFUSED|Connection error|connect ETIMEDOUT/i.test(error.message)
      ? unreachable(options.brokers, error)
      : error;
  } finally {
    stopTimer();
    await start.stop();
    await dropOwnStaging(connection, staging).catch(() => undefined);
  }
  result.seconds = (performance.now() - started) / 1000;
  report(true);
  return result;
}

/**
 * Creates the landing tables of several sources one after the other, before their consumers
 * start: sessions creating the same schema or `_plat.kafka_offsets` at once on a fresh
 * database fail with a write-write conflict.
 */
export async function prepareSources(connection: Connection, nodes: readonly SourceNode[]): Promise<void> {
  for (const node of nodes) await prepareLanding(connection, node);
}

async function endOffsets(kafka: Kafka, node: SourceNode, brokers: string[]): Promise<PartitionEnds[]> {
  const topic = node.loader.kafka!.topic;
  const admin = kafka.admin();
  try {
    await admin.connect();
    if (!(await admin.listTopics()).includes(topic))
      throw new PlatError(
        'KAFKA_TOPIC_MISSING',
        `topic "${topic}" of source ${node.sourceName}.${node.tableName} does not exist on ${brokers.join(', ')}`,
        `check kafka.topic in ${node.path}, or create the topic (plat produce ${node.sourceName}.${node.tableName} creates it and sends the generator's rows)`,
      );
    return (await admin.fetchTopicOffsets(topic)).map((e) => ({ partition: e.partition, high: Number(e.high), low: Number(e.low) }));
  } catch (error) {
    throw error instanceof PlatError ? error : unreachable(brokers, error);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * DuckDB splits a staged row into messages a vector (2,048 rows) at a time and splits the
 * whole row again for each: rows of one vector's worth keep that linear. Each row is joined
 * at once: a string grown message by message keeps its pieces alive, and the garbage
 * collector copies them, until DuckDB reads it.
 */
const MESSAGES_PER_ROW = 2048;

export function parseBatch(partition: number, messages: KafkaMessage[], topic: string, validate: TextCheck): ParsedBatch {
  const rows: unknown[][] = [];
  let pieces: string[] = [];
  let valid = 0;
  const dead: unknown[][] = [];
  let ingestedAt: string | undefined;
  for (const message of messages) {
    // A tombstone (no value at all, a key's deletion) keeps its NULL, unlike an empty message.
    const raw = message.value === null ? null : message.value.toString('utf8');
    const problem = raw === null ? 'tombstone' : validate(raw);
    if (problem === null) {
      pieces.push(`${message.offset}${FIELD}${message.timestamp}${FIELD}${raw}`);
      valid++;
      if (pieces.length === MESSAGES_PER_ROW) {
        rows.push([pieces.join(RECORD), partition]);
        pieces = [];
      }
    } else
      dead.push([
        raw,
        problem,
        topic,
        partition,
        Number(message.offset),
        new Date(Number(message.timestamp)).toISOString(),
        (ingestedAt ??= new Date().toISOString()),
      ]);
  }
  if (pieces.length) rows.push([pieces.join(RECORD), partition]);
  return {
    partition,
    rows,
    valid,
    dead,
    firstOffset: Number(messages[0]!.offset),
    nextOffset: Number(messages[messages.length - 1]!.offset) + 1,
  };
}
