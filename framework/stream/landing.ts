import type { SourceNode } from '../compile/manifest.js';
import type { Connection } from '../warehouse/connection.js';
import { atomically } from '../warehouse/queries.js';
import type { Dialect, LandingSql, OffsetSpan } from '../warehouse/dialect.js';
import type { ColumnInfo, Relation, ScratchTable } from '../warehouse/types.js';
import { columnRule } from './schema.js';

/** Columns plat adds to every Kafka landing table, after the declared ones. */
export function metadataColumns(dialect: Dialect): ColumnInfo[] {
  const { text, integer, bigint, timestamptz } = dialect.types;
  return [
    { name: '_raw', type: text },
    { name: '_topic', type: text },
    { name: '_partition', type: integer },
    { name: '_offset', type: bigint },
    { name: '_kafka_ts', type: timestamptz },
    { name: '_ingested_at', type: timestamptz },
  ];
}

/** The message text, why it was refused, and the same metadata as a landed row. */
export function deadLetterColumns(dialect: Dialect): ColumnInfo[] {
  const [raw, ...rest] = metadataColumns(dialect);
  return [raw!, { name: 'error', type: dialect.types.text }, ...rest];
}

export const offsetsTable = { schema: '_plat', name: 'kafka_offsets' };

/**
 * Separators of the staged payload. Valid JSON never holds a raw control character (inside a
 * string it must be escaped), so a message that passed validation cannot contain them.
 */
export const RECORD = '\x1e';
export const FIELD = '\x1f';

/**
 * Valid messages are staged up to 2,048 to a row: each message's offset, Kafka time (ms) and
 * text, separated by FIELD, the messages by RECORD. One value a row instead of four a
 * message, and no array a message: the consumer's thread is what limits ingest, while the
 * warehouse splits the rows and extracts the columns on its own threads. Empty outside a
 * landing.
 */
function stagingColumns(dialect: Dialect): ColumnInfo[] {
  return [
    { name: 'payload', type: dialect.types.text },
    { name: '_partition', type: dialect.types.integer },
  ];
}

/**
 * Where a landing stages its rows: valid messages, dead letters, and the landed rows a column
 * of which came out NULL from a value (moved to the dead letters). Session-private tables
 * where the warehouse has them; else tables of the source's own in `_plat`.
 */
export interface Staging {
  messages: StagingTable;
  dead: StagingTable;
  unlanded: StagingTable;
}

interface StagingTable {
  target: Relation | ScratchTable;
  sql: string;
}

export async function prepareStaging(connection: Connection, node: SourceNode, worker: string): Promise<Staging> {
  const { dialect, capabilities } = connection;
  // Tables in the warehouse are seen by every process: each ingest process (several share a
  // topic's partitions) stages in its own, named after its worker (stream/staging.ts drops a dead one's).
  const name = `${node.relation.schema}_${node.relation.name}${capabilities.tempTables ? '' : `_${worker}`}`;
  const table = async (prefix: string, columns: ColumnInfo[]): Promise<StagingTable> => {
    if (capabilities.tempTables) {
      const scratch = dialect.scratchTable(`${prefix}_${name}`, columns);
      await connection.execute(scratch.create);
      return { target: scratch.table, sql: scratch.table.sql };
    }
    const relation = { schema: offsetsTable.schema, name: `${prefix}_${name}` };
    await connection.execute(dialect.createTable(relation, columns, { replace: true }));
    return { target: relation, sql: dialect.relation(relation) };
  };
  return {
    messages: await table('plat_staging', stagingColumns(dialect)),
    dead: await table('plat_dead_letters', deadLetterColumns(dialect)),
    unlanded: await table('plat_unlanded', deadLetterColumns(dialect)),
  };
}

/** What lands everything staged: valid messages, dead letters and each partition's next offset. */
export function landingSql(
  dialect: Dialect,
  node: SourceNode,
  topic: string,
  staging: Staging,
  spans: ReadonlyMap<number, OffsetSpan>,
  ingestedAt: Date,
): LandingSql {
  return dialect.landing({
    source: node.name,
    topic,
    landing: node.relation,
    deadLetters: deadLetterRelation(node),
    offsets: offsetsTable,
    // Where the schema admits only what lands as itself (text, booleans, doubles, integers up to 32 bits), there is nothing to check.
    columns: node.columns.map((c) => ({ name: c.name, type: c.type ?? dialect.types.text, exact: columnRule(c.type ?? 'VARCHAR').exact })),
    staging: { messages: staging.messages.sql, deadLetters: staging.dead.sql, unlanded: staging.unlanded.sql },
    separators: { record: RECORD, field: FIELD },
    spans,
    ingestedAt,
  });
}

export function landingColumns(node: SourceNode, dialect: Dialect): ColumnInfo[] {
  return [...node.columns.map((c) => ({ name: c.name, type: c.type ?? dialect.types.text })), ...metadataColumns(dialect)];
}

export function deadLetterRelation(node: SourceNode) {
  return { schema: node.relation.schema, name: `${node.relation.name}_dead_letter` };
}

/**
 * Creates what ingestion writes to. A landing table without `_offset` was filled by the
 * generator fallback; it is replaced, and the source's stored offsets with it.
 */
export async function prepareLanding(connection: Connection, node: SourceNode): Promise<void> {
  const { dialect } = connection;
  await connection.execute([dialect.createSchema(node.relation.schema), dialect.createSchema(offsetsTable.schema)]);
  const { text, integer, bigint, timestamptz } = dialect.types;
  const offsetColumns = [
    { name: 'source', type: text },
    { name: 'topic', type: text },
    { name: 'partition', type: integer },
    { name: 'next_offset', type: bigint },
    { name: 'updated_at', type: timestamptz },
  ];
  await connection.execute(
    dialect.createTable(offsetsTable, offsetColumns, { ifNotExists: true, primaryKey: ['source', 'topic', 'partition'] }),
  );
  const existing = await connection.columns(node.relation);
  const landed = existing.some((c) => c.name === '_offset');
  if (existing.length > 0 && !landed) {
    await atomically(connection, () =>
      connection.execute([
        dialect.drop(node.relation, 'table'),
        `DELETE FROM ${dialect.relation(offsetsTable)} WHERE source = ${dialect.literal(node.name)}`,
      ]),
    );
  }
  // IF NOT EXISTS: several ingest processes starting at once on a fresh warehouse all find no table.
  if (!landed) await connection.execute(dialect.createTable(node.relation, landingColumns(node, dialect), { ifNotExists: true }));
  if ((await connection.columns(deadLetterRelation(node))).length === 0)
    await connection.execute(dialect.createTable(deadLetterRelation(node), deadLetterColumns(dialect), { ifNotExists: true }));
}

export async function storedOffsets(connection: Connection, node: SourceNode, topic: string): Promise<Map<number, number>> {
  const { dialect } = connection;
  const rows = await connection.query(
    `SELECT ${dialect.identifier('partition')}, next_offset FROM ${dialect.relation(offsetsTable)} WHERE source = ? AND topic = ?`,
    [node.name, topic],
  );
  return new Map(rows.map((r) => [Number(r.partition), Number(r.next_offset)]));
}
