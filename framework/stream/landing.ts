import type { SourceNode } from '../compile/manifest.js';
import { quoteIdentifier, quoteRelation } from '../compile/relation.js';
import type { ColumnInfo, ScratchTable, WarehouseSession } from '../run/adapter.js';
import { columnRule } from './schema.js';

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

/**
 * The session's scratch tables: valid messages and dead letters staged before landing, and the
 * landed rows a column of which came out NULL from a value (moved to the dead letters).
 */
export interface Staging {
  rows: ScratchTable;
  dead: ScratchTable;
  unlanded: ScratchTable;
}

export async function prepareStaging(session: WarehouseSession, node: SourceNode): Promise<Staging> {
  const name = `${node.relation.schema}_${node.relation.name}`;
  return {
    rows: await session.scratchTable(`plat_staging_${name}`, stagingColumns),
    dead: await session.scratchTable(`plat_dead_letters_${name}`, deadLetterColumns),
    unlanded: await session.scratchTable(`plat_unlanded_${name}`, deadLetterColumns),
  };
}

/**
 * One statement list that lands everything staged: valid messages into the landing table,
 * dead letters into theirs and each partition's next offset, in one transaction, then empties
 * the scratch tables; it answers with the number of landed rows it moved to the dead letters.
 * One round trip a landing: each await costs a turn of the event loop, which the consumer keeps
 * busy. The staged messages passed the source's JSON Schema already, so json_transform's typed
 * extraction mostly gives the values the schema promised; where it gave NULL for a value that
 * was there (a date like 2026-02-30, a BIGINT just past 2^63), the row moves to the dead
 * letters with the value and the type. Only this landing's rows with a NULL are looked at,
 * found by their ingestion time, which the table's zone maps narrow to its last row groups.
 */
export function landingSql(node: SourceNode, topic: string, staging: Staging, offsets: ReadonlyMap<number, number>, ingestedAt: Date): string {
  const structure = JSON.stringify(Object.fromEntries(node.columns.map((c) => [c.name, c.type ?? 'VARCHAR'])));
  const extracted = node.columns.map((c) => `j.${quoteIdentifier(c.name)}`);
  const landedAt = `TIMESTAMPTZ ${literal(ingestedAt.toISOString())}`;
  const columns = [...extracted, '_raw', literal(topic), '_partition', '_offset', 'make_timestamptz(_kafka_ms * 1000)', landedAt];
  const field = (n: number) => `split_part(record, chr(${FIELD.charCodeAt(0)}), ${n})`;
  const messages =
    `SELECT _partition, CAST(${field(1)} AS BIGINT) AS _offset, CAST(${field(2)} AS BIGINT) AS _kafka_ms, ${field(3)} AS _raw\n` +
    `FROM (SELECT _partition, unnest(string_split(payload, chr(${RECORD.charCodeAt(0)}))) AS record FROM ${staging.rows.sql})`;
  const next = [...offsets].map(([partition, offset]) => `(${literal(node.name)}, ${literal(topic)}, ${partition}, ${offset}, now())`);
  const landing = quoteRelation(node.relation);
  return [
    'BEGIN TRANSACTION',
    `INSERT INTO ${landing} SELECT ${columns.join(', ')}\nFROM (SELECT *, json_transform(_raw, ${literal(structure)}) AS j FROM (${messages}))`,
    ...unlandedSql(node, staging.unlanded, landedAt),
    `INSERT INTO ${quoteRelation(deadLetterRelation(node))} SELECT * FROM ${staging.dead.sql}`,
    ...(next.length
      ? [`INSERT INTO ${quoteRelation(offsetsTable)} VALUES ${next.join(', ')} ON CONFLICT (source, topic, "partition") DO UPDATE SET next_offset = excluded.next_offset, updated_at = excluded.updated_at`]
      : []),
    'COMMIT',
    `DELETE FROM ${staging.rows.sql}; DELETE FROM ${staging.dead.sql}`,
    `SELECT count(*) AS unlanded FROM ${staging.unlanded.sql}`,
  ].join(';\n');
}

/** Moves this landing's rows whose typed column is NULL while their message held a value there to the dead letters. */
function unlandedSql(node: SourceNode, unlanded: ScratchTable, landedAt: string): string[] {
  // Where the schema admits only what lands as itself (text, booleans, doubles, integers up to 32 bits), there is nothing to check.
  const checked = node.columns.filter((c) => !columnRule(c.type ?? 'VARCHAR').exact);
  if (checked.length === 0) return [];
  const landing = quoteRelation(node.relation);
  const reasons = checked.map((c) => {
    const pointer = literal(`/${c.name.replace(/~/g, '~0').replace(/\//g, '~1')}`);
    return `CASE WHEN ${quoteIdentifier(c.name)} IS NULL AND json_type(_raw, ${pointer}) <> 'NULL' THEN ${literal(`${c.name}: `)} || left(json_extract(_raw, ${pointer})::VARCHAR, 200) || ${literal(` cannot be stored as ${c.type}`)} END`;
  });
  const suspects = `_ingested_at = ${landedAt} AND (${checked.map((c) => `${quoteIdentifier(c.name)} IS NULL`).join(' OR ')})`;
  return [
    `DELETE FROM ${unlanded.sql}`,
    `INSERT INTO ${unlanded.sql} SELECT * FROM (SELECT _raw, nullif(concat_ws('; ', ${reasons.join(', ')}), '') AS error, _topic, _partition, _offset, _kafka_ts, _ingested_at FROM ${landing} WHERE ${suspects}) WHERE error IS NOT NULL`,
    `DELETE FROM ${landing} WHERE ${suspects} AND (_partition, _offset) IN (SELECT _partition, _offset FROM ${unlanded.sql})`,
    `INSERT INTO ${quoteRelation(deadLetterRelation(node))} SELECT * FROM ${unlanded.sql}`,
  ];
}

/** Empties the scratch tables (after a landing failed). */
export function clearStagingSql(staging: Staging): string {
  return `DELETE FROM ${staging.rows.sql}; DELETE FROM ${staging.dead.sql}; DELETE FROM ${staging.unlanded.sql}`;
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
