import { randomInt } from 'node:crypto';
import type { SourceNode } from '../compile/manifest.js';
import { PlatError } from '../core/errors.js';
import { generateTable } from '../run/sources/generator.js';
import { kafkaClient, unreachable } from './kafka.js';

export interface ProduceOptions {
  brokers: string[];
  /** Messages to send; default the generator's row count (unlimited when a duration is given). */
  count?: number;
  /** Messages per second; default as fast as the broker takes them. */
  rate?: number;
  /** Stop after this long (ms), whatever the count. */
  duration?: number;
  now?: Date;
  /** Seed of the generated rows; default a new one per run, so runs send different events. */
  seed?: number;
  /** The project folder, which a generator's entity file is relative to. */
  root?: string;
  signal?: AbortSignal;
  onProgress?: (sent: number, seconds: number) => void;
}

/**
 * Sends the source's generator rows to its topic as JSON (acks=all, idempotent), keyed by the declared
 * key field: the seed's event simulator, declared instead of written.
 */
export async function produce(node: SourceNode, options: ProduceOptions): Promise<{ sent: number; seconds: number; seed: number }> {
  const { kafka: spec, generator } = node.loader;
  if (!spec) throw new PlatError('USAGE', `source ${node.name} has no kafka topic to produce to`);
  if (!generator)
    throw new PlatError(
      'USAGE',
      `source ${node.name} has no generator to produce events from`,
      'add a generator: to the table in sources.yml',
    );
  // With only a duration, send for that long: the generator's row count does not cap it.
  const count = options.count ?? (options.duration !== undefined ? Number.POSITIVE_INFINITY : (generator.rows ?? Number.POSITIVE_INFINITY));
  // A producer replaying its last run would send the same event ids, which staging drops as duplicates.
  const seed = options.seed ?? randomInt(1, 2 ** 31);
  const table = generateTable({ ...generator, rows: count }, options.now ?? new Date(), seed, { root: options.root });
  const names = table.columns.map((c) => c.name);
  const keyIndex = spec.key ? names.indexOf(spec.key) : -1;
  if (spec.key && keyIndex === -1) throw new PlatError('USAGE', `key field "${spec.key}" of ${node.name} is not a generated field`);

  const kafka = kafkaClient(options.brokers, 'plat-producer');
  const admin = kafka.admin();
  // Idempotent, so a send retried across a broker restart cannot write its messages twice.
  const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
  try {
    await admin.connect();
    if (!(await admin.listTopics()).includes(spec.topic)) {
      await admin.createTopics({
        topics: [{ topic: spec.topic, numPartitions: spec.partitions ?? 3, replicationFactor: 1 }],
        waitForLeaders: true,
      });
    }
    await producer.connect();
  } catch (error) {
    throw unreachable(options.brokers, error);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }

  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  const rows = table.rows[Symbol.iterator]();
  const chunk = options.rate ? Math.max(1, Math.round(options.rate / 20)) : 2000;
  let sent = 0;
  try {
    while (sent < count && !options.signal?.aborted && (options.duration === undefined || seconds() * 1000 < options.duration)) {
      const messages = [];
      for (let i = 0; i < chunk && sent + messages.length < count; i++) {
        const row = rows.next();
        if (row.done) break;
        const values = row.value;
        const record = Object.fromEntries(names.map((name, j) => [name, values[j]]));
        messages.push({ key: keyIndex === -1 ? null : String(values[keyIndex]), value: JSON.stringify(record) });
      }
      if (messages.length === 0) break;
      await producer.send({ topic: spec.topic, acks: -1, messages });
      sent += messages.length;
      options.onProgress?.(sent, seconds());
      if (options.rate) {
        // Pace to the requested rate: wait until the time these messages are due.
        const due = (sent / options.rate) * 1000 - (performance.now() - started);
        if (due > 0) await new Promise((resolve) => setTimeout(resolve, due));
      }
    }
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
  return { sent, seconds: seconds(), seed };
}
