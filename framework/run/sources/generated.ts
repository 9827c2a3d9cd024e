import { metadataColumns } from '../../stream/landing.js';
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
    const { dialect } = connection;
    // A Kafka source has the columns a landing adds (empty here) however it is filled, so its models read one shape.
    const landing = node.loader.kafka ? metadataColumns(dialect) : [];
    const columns = [...table.columns.map((c) => ({ name: c.name, type: declared.get(c.name) ?? c.type })), ...landing];
    const rows = await buildAndSwap(connection, context.catalog, node.relation, async (staging) => {
      await connection.execute(dialect.createTable(staging, columns, { replace: true }));
      return connection.bulkLoad(staging, landing.length ? withNulls(table.rows, landing.length) : table.rows);
    });
    const injected = [...table.injected].map(([name, count]) => `${count} ${name}`).join(', ');
    return { rows, action: injected ? `generated, injected ${injected}` : 'generated' };
  },
};

function* withNulls(rows: Iterable<unknown[]>, count: number): Iterable<unknown[]> {
  const nulls = new Array<null>(count).fill(null);
  for (const row of rows) yield [...row, ...nulls];
}
