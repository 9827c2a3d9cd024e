import { counted } from '../core/plural.js';
import type { SourceLoader } from '../run/sources/loader.js';
import { ingestSource } from './ingest.js';
import { brokersFrom, consumerGroup } from './kafka.js';

/** A Kafka source with a broker configured is ingested until caught up with its topic. */
export const kafkaLoader: SourceLoader = {
  name: 'kafka',
  applies: (node, context) => Boolean(node.loader.kafka) && brokersFrom(context.env).length > 0,
  async load(node, connection, context) {
    const brokers = brokersFrom(context.env);
    const result = await ingestSource(connection, node, {
      brokers,
      groupId: consumerGroup(context.project, node),
      mode: 'caught-up',
      onProgress: context.progress,
    });
    context.catalog.set(node.relation, 'table');
    return {
      rows: result.landed,
      action: `kafka ${result.topic}${result.deadLetters ? `, ${counted(result.deadLetters, 'dead letter')}` : ''}`,
    };
  },
};
