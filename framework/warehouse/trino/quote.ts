/** Trino's quoting and the names relations have on the cluster, shared by the Trino adapter's files. */
import type { Relation } from '../types.js';

export const identifier = (name: string) => `"${name.replace(/"/g, '""')}"`;
export const text = (value: string) => `'${value.replace(/'/g, "''")}'`;

/**
 * Where a project's relations live on a cluster: one catalog, and schemas named as the project
 * names them or, with a prefix, `<prefix>_<schema>` (so several developers, or test runs, share
 * a catalog without meeting; dbt's dev schemas do the same).
 */
export interface Placement {
  catalog: string;
  schemaPrefix: string | null;
}

export function physicalSchema(placement: Placement, schema: string): string {
  return placement.schemaPrefix ? `${placement.schemaPrefix}_${schema}` : schema;
}

/** The project's name of a schema on the cluster; null for a schema that is not the project's. */
export function logicalSchema(placement: Placement, schema: string): string | null {
  if (schema === 'information_schema') return null;
  if (!placement.schemaPrefix) return schema;
  const prefix = `${placement.schemaPrefix}_`;
  return schema.startsWith(prefix) ? schema.slice(prefix.length) : null;
}

export function qualifiedSchema(placement: Placement, schema: string): string {
  return `${identifier(placement.catalog)}.${identifier(physicalSchema(placement, schema))}`;
}

export function qualifiedRelation(placement: Placement, r: Relation): string {
  return `${qualifiedSchema(placement, r.schema)}.${identifier(r.name)}`;
}

/**
 * Type names as Trino and Iceberg spell them: projects declare DuckDB's and the SQL standard's
 * spellings (TIMESTAMPTZ, TEXT, INT8), and Iceberg keeps timestamps at microseconds, so a
 * declared TIMESTAMP is timestamp(6) as the catalog reports it.
 */
export function trinoType(type: string): string {
  const spelled = type.trim().replace(/\s+/g, ' ');
  const upper = spelled.toUpperCase();
  const plain: Record<string, string> = {
    TEXT: 'varchar',
    STRING: 'varchar',
    VARCHAR: 'varchar',
    INT: 'integer',
    INT4: 'integer',
    INTEGER: 'integer',
    INT8: 'bigint',
    LONG: 'bigint',
    BIGINT: 'bigint',
    INT2: 'smallint',
    SMALLINT: 'smallint',
    INT1: 'tinyint',
    TINYINT: 'tinyint',
    FLOAT8: 'double',
    DOUBLE: 'double',
    'DOUBLE PRECISION': 'double',
    FLOAT: 'real',
    FLOAT4: 'real',
    REAL: 'real',
    BOOL: 'boolean',
    BOOLEAN: 'boolean',
    DATE: 'date',
    TIMESTAMP: 'timestamp(6)',
    DATETIME: 'timestamp(6)',
    TIMESTAMPTZ: 'timestamp(6) with time zone',
    'TIMESTAMP WITH TIME ZONE': 'timestamp(6) with time zone',
    BLOB: 'varbinary',
    UUID: 'uuid',
    JSON: 'json',
  };
  if (plain[upper]) return plain[upper];
  if (upper === 'DECIMAL' || upper === 'NUMERIC') return 'decimal(18,3)';
  const decimal = /^(?:DECIMAL|NUMERIC)\s*\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)$/.exec(upper);
  if (decimal) return `decimal(${decimal[1]},${decimal[2] ?? 0})`;
  if (/^VARCHAR\s*\(\s*\d+\s*\)$/.test(upper)) return 'varchar';
  const list = /^(.+)\[\]$/.exec(spelled);
  if (list) return `array(${trinoType(list[1]!)})`;
  return spelled.toLowerCase();
}
