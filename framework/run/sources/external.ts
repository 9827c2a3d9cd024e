import { rowCount } from '../../warehouse/queries.js';
import type { SourceLoader } from './loader.js';

/** A table no loader of this run lands: it must exist already. Last in the registry: it applies to every table. */
export const externalLoader: SourceLoader = {
  name: 'external',
  applies: () => true,
  async load(node, connection, context) {
    const { kafka } = node.loader;
    if (kafka)
      throw new Error(
        `source ${node.name} reads Kafka topic "${kafka.topic}" but KAFKA_BROKERS is not set, and it has no generator to fall back on`,
      );
    if (!context.catalog.kind(node.relation))
      throw new Error(
        `${node.relation.schema}.${node.relation.name} does not exist and the source declares no loader (kafka, file or generator)`,
      );
    return { rows: await rowCount(connection, node.relation), action: 'external' };
  },
};
