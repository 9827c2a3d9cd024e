import { CUTOFF_MARKER, type FeatureQuery } from '../compile/manifest.js';
import { quoteIdentifier as q } from '../compile/relation.js';

/** A timestamp as a SQL literal. */
export function timestampLiteral(at: Date): string {
  return `TIMESTAMPTZ '${at.toISOString()}'`;
}

/**
 * The feature rows as of `cutoff` (a SQL expression): {{cutoff}} in the feature SQL becomes it,
 * and with an as_of column each entity's latest row strictly before it is kept.
 */
export function featuresAt(set: FeatureQuery, cutoff: string): string {
  const sql = set.sql.split(CUTOFF_MARKER).join(cutoff);
  if (!set.asOf) return `SELECT * FROM (\n${sql}\n)`;
  return `SELECT * FROM (\n${sql}\n) WHERE ${q(set.asOf)} < ${cutoff} QUALIFY row_number() OVER (PARTITION BY ${q(set.entity)} ORDER BY ${q(set.asOf)} DESC) = 1`;
}

export function withCutoff(sql: string, cutoff: string): string {
  return sql.split(CUTOFF_MARKER).join(cutoff);
}
