import type { Connection } from '../../warehouse/connection.js';
import { buildAndSwap } from '../materialize/swap.js';
import { generateTable } from './generator.js';
import type { SourceLoader } from './loader.js';

/** Synthetic rows from the table's generator; also what a Kafka source lands when no broker is configured. */
export const generatorLoader: SourceLoader = {
  name: 'generator',
  applies: (node) => Boolean(node.loader.generator),
  async load(node, connection: Connection, context) {
    if (node.loader.kafka)
      context.note(
        `source ${node.name}: no Kafka broker configured (KAFKA_BROKERS unset), filling ${node.relation.schema}.${node.relation.name} from its generator`,
      );
    const table = generateTable(node.loader.generator!, context.now, undefined, { root: context.projectRoot });
    const declared = new Map(node.columns.map((c) => [c.name, c.type]));
    const columns = table.columns.map((c) => ({ name: c.name, type: declared.get(c.name) ?? c.type }));
    const { dialect } = connection;
    const rows = await buildAndSwap(connection, context.catalog, node.relation, async (staging) => {
      await connection.execute(dialect.createTable(staging, columns, { replace: true }));
      return connection.bulkLoad(staging, table.rows);
    });
    const injected = [...table.injected].map(([name, count]) => `${count} ${name}`).join(', ');
    return { rows, action: injected ? `generated, injected ${injected}` : 'generated' };
  },
};
