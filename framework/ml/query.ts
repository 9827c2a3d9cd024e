import { CUTOFF_MARKER, type FeatureQuery } from '../compile/manifest.js';
import type { Dialect } from '../warehouse/dialect.js';

/**
 * The feature rows as of `cutoff` (a SQL expression): {{cutoff}} in the feature SQL becomes it,
 * and with an as_of column each entity's latest row strictly before it is kept.
 */
export function featuresAt(set: FeatureQuery, cutoff: string, dialect: Dialect): string {
  const sql = withCutoff(set.sql, cutoff);
  if (!set.asOf) return `SELECT * FROM (\n${sql}\n)`;
  return dialect.latestBefore(sql, set.entity, set.asOf, cutoff);
}

export function withCutoff(sql: string, cutoff: string): string {
  return sql.split(CUTOFF_MARKER).join(cutoff);
}
