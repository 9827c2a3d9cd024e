import type { SourceNode } from '../compile/manifest.js';
import { quoteIdentifier, quoteRelation } from '../compile/relation.js';
import type { ColumnInfo, ScratchTable, WarehouseSession } from '../run/adapter.js';

/** Columns plat adds to every Kafka landing table, after the declared ones. */
export const metadataColumns: ColumnInfo[] = [
  { name: '_raw', type: 'VARCHAR' },
  { name: '_topic', type: 'VARCHAR' },
  { name: '_partition', type: 'INTEGER' },
  { name: '_offset', type: 'BIGINT' },
  { name: '_kafka_ts', type: 'TIMESTAMP WITH TIME ZONE' },
  { name: '_ingested_at', type: 'TIMESTAMP WITH TIME ZONE' },
];

/** The message text, why it was refused, and the same metadata as a landed row. */
export const deadLetterColumns: ColumnInfo[] = [metadataColumns[0]!, { name: 'error', type: 'VARCHAR' }, ...metadataColumns.slice(1)];

export const offsetsTable = { schema: '_plat', name: 'kafka_offsets' };

/**
 * Separators of the staged payload. Valid JSON never holds a raw control character (inside a
 * string it must be escaped), so a message that passed validation cannot contain them.
 */
export const RECORD = '\x1e';
export const FIELD = '\x1f';

/**
 * Valid messages are staged up to 2,048 to a row: each message's offset, Kafka time (ms) and
 * text, separated by FIELD, the messages by RECORD. One appender call a row instead of four a
 * message, and no array a message: the consumer's thread is what limits ingest, while DuckDB
 * splits the rows and extracts the columns on its own threads. Empty outside a landing
 * transaction, and never on disk.
 */
export const stagingColumns: ColumnInfo[] = [
  { name: 'payload', type: 'VARCHAR' },
  { name: '_partition', type: 'INTEGER' },
];

/** The session's scratch tables that valid messages and dead letters are staged in before landing. */
export async function prepareStaging(session: WarehouseSession, node: SourceNode): Promise<{ rows: ScratchTable; dead: ScratchTable }> {
  const name = `${node.relation.schema}_${node.relation.name}`;
  return {
    rows: await session.scratchTable(`plat_staging_${name}`, stagingColumns),
    dead: await session.scratchTable(`plat_dead_letters_${name}`, deadLetterColumns),
  };
}

/**
 * One statement list that lands everything staged: valid messages into the landing table,
 * dead letters into theirs and each partition's next offset, in one transaction, then empties
 * the scratch tables. One round trip a landing: each await costs a turn of the event loop,
 * which the consumer keeps busy. The staged messages passed the source's JSON Schema already,
 * so json_transform's typed extraction gives the values the schema promised.
 */
export function landingSql(node: SourceNode, topic: string, staging: { rows: ScratchTable; dead: ScratchTable }, offsets: ReadonlyMap<number, number>): string {
  const structure = JSON.stringify(Object.fromEntries(node.columns.map((c) => [c.name, c.type ?? 'VARCHAR'])));
  const extracted = node.columns.map((c) => `j.${quoteIdentifier(c.name)}`);
  const columns = [...extracted, '_raw', literal(topic), '_partition', '_offset', 'make_timestamptz(_kafka_ms * 1000)', 'now()'];
  const field = (n: number) => `split_part(record, chr(${FIELD.charCodeAt(0)}), ${n})`;
  const messages =
    `SELECT _partition, CAST(${field(1)} AS BIGINT) AS _offset, CAST(${field(2)} AS BIGINT) AS _kafka_ms, ${field(3)} AS _raw\n` +
    `FROM (SELECT _partition, unnest(string_split(payload, chr(${RECORD.charCodeAt(0)}))) AS record FROM ${staging.rows.sql})`;
  const next = [...offsets].map(([partition, offset]) => `(${literal(node.name)}, ${literal(topic)}, ${partition}, ${offset}, now())`);
  return [
    'BEGIN TRANSACTION',
    `INSERT INTO ${quoteRelation(node.relation)} SELECT ${columns.join(', ')}\nFROM (SELECT *, json_transform(_raw, ${literal(structure)}) AS j FROM (${messages}))`,
    `INSERT INTO ${quoteRelation(deadLetterRelation(node))} SELECT * FROM ${staging.dead.sql}`,
    ...(next.length
      ? [`INSERT INTO ${quoteRelation(offsetsTable)} VALUES ${next.join(', ')} ON CONFLICT (source, topic, "partition") DO UPDATE SET next_offset = excluded.next_offset, updated_at = excluded.updated_at`]
      : []),
    'COMMIT',
    clearStagingSql(staging),
  ].join(';\n');
}

/** Empties the scratch tables (after a landing, or after one failed). */
export function clearStagingSql(staging: { rows: ScratchTable; dead: ScratchTable }): string {
  return `DELETE FROM ${staging.rows.sql}; DELETE FROM ${staging.dead.sql}`;
}

const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

export function landingColumns(node: SourceNode): ColumnInfo[] {
  return [...node.columns.map((c) => ({ name: c.name, type: c.type ?? 'VARCHAR' })), ...metadataColumns];
}

export function deadLetterRelation(node: SourceNode) {
  return { schema: node.relation.schema, name: `${node.relation.name}_dead_letter` };
}

/**
 * Creates what ingestion writes to. A landing table without `_offset` was filled by the
 * generator fallback; it is replaced, and the source's stored offsets with it.
 */
export async function prepareLanding(session: WarehouseSession, node: SourceNode): Promise<void> {
  await session.ensureSchema(node.relation.schema);
  await session.ensureSchema(offsetsTable.schema);
  await session.execute(
    `CREATE TABLE IF NOT EXISTS ${quoteRelation(offsetsTable)} (source VARCHAR, topic VARCHAR, "partition" INTEGER, next_offset BIGINT, updated_at TIMESTAMP WITH TIME ZONE, PRIMARY KEY (source, topic, "partition"))`,
  );
  const existing = await session.columns(node.relation);
  if (existing.length > 0 && !existing.some((c) => c.name === '_offset')) {
    await session.transaction(async () => {
      await session.drop(node.relation, 'table');
      await session.execute(`DELETE FROM ${quoteRelation(offsetsTable)} WHERE source = '${node.name.replace(/'/g, "''")}'`);
    });
  }
  if (existing.length === 0 || !existing.some((c) => c.name === '_offset')) await session.createEmptyTable(node.relation, landingColumns(node));
  if ((await session.columns(deadLetterRelation(node))).length === 0) await session.createEmptyTable(deadLetterRelation(node), deadLetterColumns);
}

export async function storedOffsets(session: WarehouseSession, node: SourceNode, topic: string): Promise<Map<number, number>> {
  const rows = await session.query(`SELECT "partition", next_offset FROM ${quoteRelation(offsetsTable)} WHERE source = ? AND topic = ?`, [node.name, topic]);
  return new Map(rows.map((r) => [Number(r.partition), Number(r.next_offset)]));
}
