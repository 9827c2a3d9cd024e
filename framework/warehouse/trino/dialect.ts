/**
 * Trino's SQL, for Iceberg tables. Pure: a dialect is made for a target's catalog and schema
 * prefix (relations are written catalog-qualified, schemas prefixed); the driver lives in
 * driver.ts. Types declared in DuckDB's spellings are written in Trino's (quote.ts trinoType).
 */
import { mergeStatement } from '../merge.js';
import { snapshotStatements } from '../snapshot.js';
import { PlatError } from '../../core/errors.js';
import type { Capabilities } from '../connection.js';
import type { Dialect, SyntaxTrap } from '../dialect.js';
import type { ColumnInfo, RelationKind } from '../types.js';
import { trinoLanding } from './landing.js';
import { identifier, type Placement, physicalSchema, qualifiedRelation, qualifiedSchema, text, trinoType } from './quote.js';

export const trinoCapabilities: Capabilities = {
  transactions: false,
  transactionalDdl: false,
  tempTables: false,
  appender: false,
  merge: true,
  createOrReplace: true,
  parameters: 'positional',
  readsFiles: false,
  directWriteRows: 0,
};

const kindWord = (kind: RelationKind) => (kind === 'view' ? 'VIEW' : 'TABLE');
const columnList = (columns: readonly ColumnInfo[]) => columns.map((c) => `${identifier(c.name)} ${trinoType(c.type)}`).join(', ');

function literal(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (typeof value === 'object') return text(JSON.stringify(value));
  return text(String(value));
}

const TIMESTAMPTZ = 'timestamp(6) with time zone';

/** ISO-8601 text (or Trino's own printing of a timestamp) as a timestamp with time zone; NULL when it is neither. */
const parseTimestamp = (expression: string) => {
  const value = `CAST(${expression} AS varchar)`;
  return `CAST(coalesce(try(from_iso8601_timestamp(${value})), try_cast(${value} AS ${TIMESTAMPTZ})) AS ${TIMESTAMPTZ})`;
};

/** An ISO-8601 text literal ('…T10:00:00Z') as a timestamp: Trino's CAST takes only its own 'YYYY-MM-DD hh:mm:ss [zone]'. */
function isoLiteral(expression: string, type: string): string | null {
  return trinoType(type).startsWith('timestamp') && /^'\d{4}-\d\d-\d\dT[^']*'$/.test(expression.trim())
    ? `from_iso8601_timestamp(${expression.trim()})`
    : null;
}

/** Σ f(x, y) over two arrays of the same length. */
const sumOf = (a: string, b: string, f: string) => `reduce(zip_with(${a}, ${b}, (x, y) -> ${f}), 0e0, (s, v) -> s + v, s -> s)`;

/** DuckDB's spellings Trino does not take (measured on Trino 476). */
const TRINO_LACKS: SyntaxTrap[] = [
  { pattern: /::/, syntax: '"::" casts', instead: 'write CAST(x AS type)' },
  { pattern: /\bqualify\b/i, syntax: 'QUALIFY', instead: 'filter row_number() … in an outer query' },
  { pattern: /\*\s*(exclude|replace)\s*\(/i, syntax: 'SELECT * EXCLUDE/REPLACE', instead: 'list the columns' },
  { pattern: /\bby\s+name\b/i, syntax: 'UNION/INSERT … BY NAME', instead: 'list the columns in the same order on both sides' },
  { pattern: /\b(anti|semi)\s+join\b/i, syntax: 'ANTI/SEMI JOIN', instead: 'write WHERE [NOT] EXISTS (…)' },
  { pattern: /\bas\s+(not\s+)?materialized\s*\(/i, syntax: 'AS [NOT] MATERIALIZED CTEs', instead: 'write a plain CTE' },
  { pattern: /\bstrftime\s*\(/i, syntax: 'strftime()', instead: 'write format_datetime(ts, pattern)' },
  { pattern: /\btimestamptz\b/i, syntax: 'the type name TIMESTAMPTZ', instead: 'write TIMESTAMP WITH TIME ZONE' },
  { pattern: /\bgroup\s+by\s+all\b/i, syntax: 'GROUP BY ALL', instead: 'name the grouped columns (or their positions)' },
  {
    pattern: /\binterval\s*(\(|\d)/i,
    syntax: 'an interval of an unquoted number',
    instead: "write interval '3' hour (or n * interval '1' hour)",
  },
  {
    pattern:
      /\b(epoch_ms|epoch_us|epoch_ns|epoch|md5_number|list_\w+|struct_pack|string_split|regexp_matches|arg_max|arg_min|datediff)\s*\(/i,
    syntax: (matched) => `DuckDB's ${matched.replace(/\s*\($/, '')}()`,
    instead:
      'use Trino\'s own (to_unixtime, max_by, min_by, split, regexp_like, date_diff…), or a macro with {{#on "trino"}}…{{else}}…{{/on}}',
  },
];

export function trinoDialect(placement: Placement): Dialect {
  const relation = (r: { schema: string; name: string }) => qualifiedRelation(placement, r);
  const dialect: Dialect = {
    type: 'trino',
    lacks: TRINO_LACKS,
    // The coordinator's query.max-length as Trino ships it; a cluster may raise it, never past 1e9.
    maxStatementLength: 1_000_000,
    // Measured on 476: a 200-tree ensemble in one query, or ten deep trees in one column, fail to compile.
    maxProjectionLength: 30_000,
    // Trino compiles each CASE to bytecode that runs row by row (and drops an ORDER BY inside a subquery).
    sortScoredRowsFrom: null,
    identifier,
    relation,
    literal,

    types: { text: 'varchar', integer: 'integer', bigint: 'bigint', double: 'double', boolean: 'boolean', timestamptz: TIMESTAMPTZ },
    cast: (expression, type) => `CAST(${isoLiteral(expression, type) ?? expression} AS ${trinoType(type)})`,
    tryCast: (expression, type) => {
      const iso = isoLiteral(expression, type);
      return iso ? `CAST(try(${iso}) AS ${trinoType(type)})` : `TRY_CAST(${expression} AS ${trinoType(type)})`;
    },
    typedNulls: (types) => `SELECT ${types.map((type, i) => `CAST(NULL AS ${trinoType(type)}) AS c${i}`).join(', ')}`,

    timestamp: (at) =>
      `CAST(from_iso8601_timestamp(${text(typeof at === 'string' ? at.trim().replace(' ', 'T') : at.toISOString())}) AS ${TIMESTAMPTZ})`,
    parseTimestamp,
    nowMinus: (milliseconds) => `current_timestamp - parse_duration('${milliseconds}ms')`,
    epochMilliseconds: (expression) => `CAST(round(to_unixtime(${expression}) * 1000) AS bigint)`,

    columnsQuery: (r) =>
      `SELECT column_name, data_type FROM ${identifier(placement.catalog)}.information_schema.columns WHERE table_schema = ${text(physicalSchema(placement, r.schema))} AND table_name = ${text(r.name)} ORDER BY ordinal_position`,

    fingerprint: (query, columns, { roundFloats }) => {
      const values = columns.map((c) => {
        const column = `t.${identifier(c.name)}`;
        return roundFloats && /^(double|real|float|decimal)/i.test(c.type) ? `CAST(${column} AS real)` : column;
      });
      // checksum() is order-independent; a one-field ROW keeps the same form for one column.
      return `SELECT count(*) AS n, to_base64(checksum(ROW(${values.join(', ')}))) AS h FROM (${query}) AS t`;
    },

    createSchema: (schema) => `CREATE SCHEMA IF NOT EXISTS ${qualifiedSchema(placement, schema)}`,
    createAs: (kind, r, query, { replace }) => `CREATE ${replace ? 'OR REPLACE ' : ''}${kindWord(kind)} ${relation(r)} AS\n${query}`,
    // Iceberg has no primary keys: the offsets table's key is kept by MERGE (landing.ts).
    createTable: (r, columns, options = {}) =>
      `CREATE ${options.replace ? 'OR REPLACE ' : ''}TABLE ${options.ifNotExists && !options.replace ? 'IF NOT EXISTS ' : ''}${relation(r)} (${columnList(columns)})`,
    drop: (r, kind, options = {}) => `DROP ${kindWord(kind)} ${options.ifExists ? 'IF EXISTS ' : ''}${relation(r)}`,
    // An unqualified new name would do, but a full one says where it goes whatever the session's schema.
    rename: (from, to) => `ALTER TABLE ${relation(from)} RENAME TO ${relation(to)}`,
    alterTable: (r, change) => {
      if ('add' in change) return `ALTER TABLE ${relation(r)} ADD COLUMN ${identifier(change.add.name)} ${trinoType(change.add.type)}`;
      if ('drop' in change) return `ALTER TABLE ${relation(r)} DROP COLUMN ${identifier(change.drop)}`;
      return `ALTER TABLE ${relation(r)} ALTER COLUMN ${identifier(change.retype.name)} SET DATA TYPE ${trinoType(change.retype.type)}`;
    },
    valuesChangedByType: (r, column, type) => {
      const value = identifier(column.name);
      return `SELECT count(*) AS n, arbitrary(${value}) AS example FROM ${relation(r)} WHERE TRY_CAST(TRY_CAST(${value} AS ${trinoType(type)}) AS ${trinoType(column.type)}) IS DISTINCT FROM ${value}`;
    },

    insertByName: (target, from, columns) => {
      const list = columns.map(identifier).join(', ');
      return `INSERT INTO ${relation(target)} (${list}) SELECT ${list} FROM ${relation(from)}`;
    },
    merge: mergeStatement(relation, identifier),
    deleteByKey: (target, from, keys) => {
      const row = keys.length === 1 ? identifier(keys[0]!) : `ROW(${keys.map(identifier).join(', ')})`;
      return `DELETE FROM ${relation(target)} WHERE ${row} IN (SELECT ${row} FROM ${relation(from)})`;
    },

    readFiles: () => {
      throw new PlatError(
        'USAGE',
        'Trino reads no files from SQL: a file source cannot load on a Trino target',
        'land the files into an Iceberg table outside plat (or with a DuckDB target), and declare it as a source without file:',
      );
    },
    withCasts: (casts) => {
      if (casts.length === 0) return '*';
      throw new PlatError('USAGE', 'Trino has no SELECT * REPLACE: a file source cannot load on a Trino target');
    },

    // No session-private tables: a scratch table is a table of the project's own schema `_plat`.
    scratchTable: (name, columns) => {
      const r = { schema: '_plat', name };
      return { table: { scratch: name, sql: relation(r) }, create: `CREATE OR REPLACE TABLE ${relation(r)} (${columnList(columns)})` };
    },
    landing: (plan) => trinoLanding(placement, plan),

    vectorTable: (r) => `CREATE TABLE IF NOT EXISTS ${relation(r)} (model varchar, checksum varchar, vector array(real))`,
    insertVector: (r) => `INSERT INTO ${relation(r)} VALUES (?, ?, CAST(json_parse(?) AS array(real)))`,
    nearestVectors: (r) => {
      const v = 'CAST(vector AS array(double))';
      const q = 'CAST(q.query AS array(double))';
      return `SELECT checksum, ${sumOf(v, q, 'x * y')} / sqrt(${sumOf(v, v, 'x * y')} * ${sumOf(q, q, 'x * y')}) AS score
         FROM ${relation(r)} CROSS JOIN (SELECT CAST(json_parse(?) AS array(double)) AS query) AS q WHERE model = ? AND cardinality(vector) = cardinality(q.query) ORDER BY score DESC`;
    },

    latestBefore: (query, entity, asOf, cutoff) => {
      const e = identifier(entity);
      const at = identifier(asOf);
      // No QUALIFY: each entity's latest time before the cutoff, joined back (rows tied at that time are all kept).
      return `SELECT q.* FROM (\n${query}\n) AS q JOIN (SELECT ${e} AS __plat_entity, max(${at}) AS __plat_at FROM (\n${query}\n) AS w WHERE ${at} < ${cutoff} GROUP BY ${e}) AS l ON q.${e} = l.__plat_entity AND q.${at} = l.__plat_at`;
    },
    argMax: (values, labels) => {
      const value = `greatest(${values.join(', ')})`;
      return { value, label: `CASE ${values.map((v, i) => `WHEN ${v} = ${value} THEN ${labels[i]}`).join(' ')} END` };
    },

    snapshot: (plan) =>
      snapshotStatements(
        {
          ...dialect,
          hashOf: (expressions) =>
            `lower(to_hex(md5(to_utf8(concat_ws('|', ${expressions.map((e) => `coalesce(CAST(${e} AS varchar), '')`).join(', ')})))))`,
        },
        plan,
      ),
  };
  return dialect;
}
