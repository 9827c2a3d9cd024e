import type { Producer } from 'kafkajs';
import type { EndpointNode, Manifest, SourceNode, StreamServe } from '../compile/manifest.js';
import { brokersFrom, kafkaClient, unreachable } from '../stream/kafka.js';
import { compileMessageCheck, type MessageCheck } from '../stream/schema.js';
import { HttpError } from './http.js';

/**
 * A Kafka producer for POST /v1/stream-data, connected on first use and kept for the next
 * request (a connection costs more than a send). Brokers are KAFKA_BROKERS, as `plat ingest`
 * reads them.
 */
export class EventProducer {
  private producer: Promise<Producer> | null = null;
  private readonly checks = new Map<string, MessageCheck>();
  private readonly topics = new Set<string>();
  readonly brokers: string[];

  constructor(
    private readonly manifest: Manifest,
    env: Record<string, string | undefined>,
  ) {
    this.brokers = brokersFrom(env);
  }

  /** Each topic's events must fit its source's declared columns, as `plat ingest` checks them. */
  check(topic: string, node: SourceNode): MessageCheck {
    let check = this.checks.get(topic);
    if (!check) this.checks.set(topic, (check = compileMessageCheck(node.columns)));
    return check;
  }

  async send(topic: string, node: SourceNode, messages: { key: string | null; value: string }[]): Promise<void> {
    if (this.brokers.length === 0)
      throw new HttpError(
        503,
        'no Kafka broker is configured: set KAFKA_BROKERS (host:port, comma-separated) where plat serve runs, as for plat ingest',
      );
    this.producer ??= this.connect();
    let producer: Producer;
    try {
      producer = await this.producer;
    } catch (error) {
      this.producer = null;
      throw new HttpError(503, error instanceof Error ? error.message : String(error));
    }
    try {
      if (!this.topics.has(topic)) await this.ensureTopic(topic, node.loader.kafka?.partitions ?? 3);
      await producer.send({ topic, acks: -1, messages });
    } catch (error) {
      throw new HttpError(503, unreachable(this.brokers, error).message);
    }
  }

  async close(): Promise<void> {
    const producer = this.producer;
    this.producer = null;
    if (producer) await (await producer.catch(() => null))?.disconnect().catch(() => undefined);
  }

  /** Created as `plat produce` creates it, when the first event for it comes before any producer made it. */
  private async ensureTopic(topic: string, partitions: number): Promise<void> {
    const admin = kafkaClient(this.brokers, `plat-serve-${this.manifest.project.name}`).admin();
    await admin.connect();
    try {
      if (!(await admin.listTopics()).includes(topic))
        await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
      this.topics.add(topic);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  private async connect(): Promise<Producer> {
    const producer = kafkaClient(this.brokers, `plat-serve-${this.manifest.project.name}`).producer({
      allowAutoTopicCreation: false,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    try {
      await producer.connect();
    } catch (error) {
      throw unreachable(this.brokers, error);
    }
    return producer;
  }
}

/**
 * POST /v1/stream-data: `{ topic, event }` or `{ topic, events: [...] }`. Each event is checked
 * against the topic's declared columns; the valid ones are produced (keyed as the source
 * declares), and the answer lists each rejected event by its index with the reason, so none is
 * lost without the sender knowing. All rejected: 400, nothing sent.
 */
export async function streamData(
  endpoint: EndpointNode,
  manifest: Manifest,
  producer: EventProducer,
  input: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const serve = endpoint.serve as StreamServe;
  const topic = String(input.topic);
  const node = manifest.nodes[serve.topics[topic]!] as SourceNode;
  const events = Array.isArray(input.events) ? (input.events as unknown[]) : [input.event];
  const check = producer.check(topic, node);
  const key = node.loader.kafka?.key ?? null;
  const accepted: { key: string | null; value: string }[] = [];
  const rejected: { index: number; reason: string }[] = [];
  events.forEach((event, index) => {
    const reason = event && typeof event === 'object' && !Array.isArray(event) ? check(event) : 'an event must be a JSON object';
    if (reason) rejected.push({ index, reason });
    else {
      const value = event as Record<string, unknown>;
      accepted.push({ key: key && value[key] != null ? String(value[key]) : null, value: JSON.stringify(value) });
    }
  });
  if (accepted.length === 0)
    throw new HttpError(400, `no event fits the columns of ${node.sourceName}.${node.tableName}`, {}, { topic, accepted: 0, rejected });
  await producer.send(topic, node, accepted);
  return { topic, accepted: accepted.length, rejected };
}
