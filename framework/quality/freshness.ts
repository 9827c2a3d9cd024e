import type { Manifest, SourceNode } from '../compile/manifest.js';
import { parseDuration } from '../core/duration.js';
import { PlatError } from '../core/errors.js';
import { warehouseOf } from '../run/run.js';
import { openWarehouse } from '../warehouse/registry.js';

export interface FreshnessResult {
  uniqueId: string;
  name: string;
  relation: string;
  field: string;
  /** Newest value of the field, ISO-8601; null when the table has no parsable value. */
  latest: string | null;
  ageSeconds: number | null;
  warnAfter: string | null;
  errorAfter: string | null;
  status: 'pass' | 'warn' | 'error';
  message: string | null;
}

/** How old the newest row of each source table is, against its warn_after / error_after. */
export async function checkFreshness(
  manifest: Manifest,
  selected: ReadonlySet<string>,
  now: Date = new Date(),
): Promise<FreshnessResult[]> {
  const sources = [...selected]
    .map((id) => manifest.nodes[id]!)
    .filter((n): n is SourceNode => n.kind === 'source' && n.freshness !== null);
  if (sources.length === 0) return [];
  const where = warehouseOf(manifest);
  if (!where.exists) throw new PlatError('DATABASE_OPEN', `no database at ${where.display}`, 'run `plat build` first to land the sources');
  const warehouse = await openWarehouse(manifest.target, { root: manifest.project.root, mode: 'read-only' });
  const connection = await warehouse.session();
  const { dialect } = connection;
  try {
    const results: FreshnessResult[] = [];
    for (const source of sources) {
      const { field, warn_after: warnAfter = null, error_after: errorAfter = null } = source.freshness!;
      const base = {
        uniqueId: source.uniqueId,
        name: source.name,
        relation: `${source.relation.schema}.${source.relation.name}`,
        field,
        warnAfter,
        errorAfter,
      };
      let latest: Date | null;
      try {
        const rows = await connection.query(
          `SELECT max(${dialect.parseTimestamp(dialect.identifier(field))}) AS latest FROM ${dialect.relation(source.relation)}`,
        );
        latest = (rows[0]?.latest as Date | null) ?? null;
      } catch (error) {
        results.push({
          ...base,
          latest: null,
          ageSeconds: null,
          status: 'error',
          message: error instanceof Error ? error.message.split('\n')[0]! : String(error),
        });
        continue;
      }
      if (!latest) {
        results.push({ ...base, latest: null, ageSeconds: null, status: 'error', message: `no row has a timestamp in ${field}` });
        continue;
      }
      const age = now.getTime() - latest.getTime();
      const status =
        errorAfter && age > parseDuration(errorAfter) ? 'error' : warnAfter && age > parseDuration(warnAfter) ? 'warn' : 'pass';
      results.push({ ...base, latest: latest.toISOString(), ageSeconds: Math.round(age / 1000), status, message: null });
    }
    return results;
  } finally {
    connection.close();
    warehouse.close();
  }
}
