import { quoteRelation } from '../../compile/compile.js';
import type { SourceNode } from '../../compile/manifest.js';
import type { WarehouseSession } from '../adapter.js';
import type { RelationCatalog } from '../catalog.js';
import { buildAndSwap } from '../materialize/swap.js';
import { loadFile } from './file.js';
import { generateTable } from './generator.js';

export interface SourceContext {
  catalog: RelationCatalog;
  projectRoot: string;
  env: Record<string, string | undefined>;
  now: Date;
  note: (message: string) => void;
}

export interface SourceOutcome {
  rows: number;
  action: string;
}

/**
 * Lands a source table from its generator or its files. Kafka sources with a broker are
 * ingested by stream/ (wired in api.ts); here a Kafka source falls back to its generator.
 */
export async function loadSource(session: WarehouseSession, node: SourceNode, context: SourceContext): Promise<SourceOutcome> {
  const { kafka, file, generator } = node.loader;
  if (kafka && !generator) {
    throw new Error(`source ${node.name} reads Kafka topic "${kafka.topic}" but KAFKA_BROKERS is not set, and it has no generator to fall back on`);
  }
  if (generator) {
    if (kafka) context.note(`source ${node.name}: no Kafka broker configured (KAFKA_BROKERS unset), filling ${node.relation.schema}.${node.relation.name} from its generator`);
    return loadGenerated(session, node, context);
  }
  if (file) return loadFile(session, node, context);
  return useExisting(session, node, context.catalog, 'external', `${node.relation.schema}.${node.relation.name} does not exist and the source declares no loader (kafka, file or generator)`);
}

async function loadGenerated(session: WarehouseSession, node: SourceNode, context: SourceContext): Promise<SourceOutcome> {
  const table = generateTable(node.loader.generator!, context.now, undefined, { root: context.projectRoot });
  const declared = new Map(node.columns.map((c) => [c.name, c.type]));
  const columns = table.columns.map((c) => ({ name: c.name, type: declared.get(c.name) ?? c.type }));
  const rows = await buildAndSwap(session, context.catalog, node.relation, async (staging) => {
    await session.createEmptyTable(staging, columns, { replace: true });
    const appender = await session.appender(staging);
    let appended = 0;
    try {
      for (const row of table.rows) {
        appender.append(row);
        appended++;
      }
    } finally {
      appender.close();
    }
    return appended;
  });
  const injected = [...table.injected].map(([name, count]) => `${count} ${name}`).join(', ');
  return { rows, action: injected ? `generated, injected ${injected}` : 'generated' };
}

async function useExisting(session: WarehouseSession, node: SourceNode, catalog: RelationCatalog, action: string, missing: string): Promise<SourceOutcome> {
  if (!catalog.kind(node.relation)) throw new Error(missing);
  const rows = await session.query(`SELECT count(*) AS n FROM ${quoteRelation(node.relation)}`);
  return { rows: Number(rows[0]?.n ?? 0), action };
}
