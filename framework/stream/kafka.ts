import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import type { SourceNode } from '../compile/manifest.js';
import { PlatError } from '../core/errors.js';

/** KAFKA_BROKERS is a comma-separated list of host:port; empty means no broker. */
export function brokersFrom(env: Record<string, string | undefined>): string[] {
  return (env.KAFKA_BROKERS ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
}

export function kafkaClient(brokers: string[], clientId = 'plat', overrides: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({
    clientId,
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
    retry: { retries: 10, initialRetryTime: 300, maxRetryTime: 5000 },
    ...overrides,
  });
}

export function unreachable(brokers: string[], error: unknown): PlatError {
  const detail = error instanceof Error ? error.message : String(error);
  return new PlatError(
    'KAFKA_UNAVAILABLE',
    `cannot reach Kafka at ${brokers.join(', ')}: ${detail}`,
    'start a broker (scripts/kafka.sh up) or unset KAFKA_BROKERS to use generators',
  );
}

/**
 * The consumer group a source's ingestion joins: `kafka.group`, else one per project, source and
 * topic. The topic is part of it because kafkajs's group leader hands out only the partitions of
 * the topics it reads itself: two copies of a project reading different topics (a test's copy
 * beside a bench's, a staging run beside production) would otherwise share a group and each
 * leave the other's partitions unread.
 */
export function consumerGroup(project: string, node: SourceNode): string {
  const kafka = node.loader.kafka;
  return kafka?.group ?? `plat-${project}-${node.name}${kafka ? `-${kafka.topic}` : ''}`;
}
