/**
 * The statements of a snapshot (a type-2 slowly changing dimension) in portable SQL — CREATE
 * TABLE AS, UPDATE with correlated subqueries, INSERT … SELECT; no transaction, no MERGE — each
 * safe to run again, so a run interrupted between two of them is finished by the next. A
 * dialect uses it with its own quoting, casts and hash.
 */
import type { Dialect } from './dialect.js';
import type { Relation } from './types.js';

/** The version columns a snapshot adds to the query's own. */
export const SNAPSHOT_COLUMNS = ['plat_scd_id', 'plat_updated_at', 'plat_valid_from', 'plat_valid_to'] as const;

export interface SnapshotPlan {
  target: Relation;
  /** The query's rows, as a table. */
  staging: Relation;
  /** The query's columns, in order. */
  columns: readonly string[];
  uniqueKey: readonly string[];
  /** timestamp: the column saying when a row changed; check: null (the run's time stands for it). */
  updatedAt: string | null;
  /** check: the compared columns. */
  checkCols: readonly string[];
  invalidateHardDeletes: boolean;
  now: Date;
}

export interface SnapshotSql {
  /** The first run: every row a current version. */
  create: string;
  /** Then, in order: close the current version of each changed row… */
  closeChanged: string;
  /** …of each row gone from the query (with invalidate_hard_deletes)… */
  closeDeleted: string | null;
  /** …and insert a version for each row with no current one (new, changed, or back after a delete). */
  insertNew: string;
}

type Parts = Pick<Dialect, 'identifier' | 'relation' | 'cast' | 'timestamp' | 'types'> & {
  /** A hex digest of the values' text, joined. */
  hashOf: (expressions: readonly string[]) => string;
};

export function snapshotStatements(d: Parts, plan: SnapshotPlan): SnapshotSql {
  const id = d.identifier;
  const tz = d.types.timestamptz;
  const target = d.relation(plan.target);
  const staging = d.relation(plan.staging);
  const now = d.timestamp(plan.now);
  const keysMatch = (a: string, b: string) => plan.uniqueKey.map((k) => `${a}.${id(k)} IS NOT DISTINCT FROM ${b}.${id(k)}`).join(' AND ');
  const changedAt = (alias: string) => (plan.updatedAt ? d.cast(`${alias}.${id(plan.updatedAt)}`, tz) : now);
  const scdId = (alias: string, validFrom: string) => d.hashOf([...plan.uniqueKey.map((k) => `${alias}.${id(k)}`), validFrom]);
  const own = plan.columns.map(id);
  const versionColumns = SNAPSHOT_COLUMNS.map((c) => id(c));
  const open = (alias: string) => `${alias}.${id('plat_valid_to')} IS NULL`;

  const create = `CREATE TABLE ${target} AS
SELECT ${plan.columns.map((c) => `s.${id(c)}`).join(', ')}, ${scdId('s', changedAt('s'))} AS ${id('plat_scd_id')}, ${changedAt('s')} AS ${id('plat_updated_at')}, ${changedAt('s')} AS ${id('plat_valid_from')}, ${d.cast('NULL', tz)} AS ${id('plat_valid_to')}
FROM ${staging} AS s`;

  // The target is named in full in the subqueries: an UPDATE's table takes no alias on every engine.
  const current = (column: string) => `${target}.${id(column)}`;
  const keysOfTarget = (alias: string) => plan.uniqueKey.map((k) => `${alias}.${id(k)} IS NOT DISTINCT FROM ${current(k)}`).join(' AND ');
  const changed = plan.updatedAt
    ? `${changedAt('s')} > ${current('plat_updated_at')}`
    : plan.checkCols.map((c) => `s.${id(c)} IS DISTINCT FROM ${current(c)}`).join(' OR ') || 'FALSE';
  const closeChanged = `UPDATE ${target}
SET ${id('plat_valid_to')} = ${plan.updatedAt ? `(SELECT ${changedAt('s')} FROM ${staging} AS s WHERE ${keysOfTarget('s')})` : now}
WHERE ${current('plat_valid_to')} IS NULL AND EXISTS (SELECT 1 FROM ${staging} AS s WHERE ${keysOfTarget('s')} AND (${changed}))`;

  const closeDeleted = plan.invalidateHardDeletes
    ? `UPDATE ${target}
SET ${id('plat_valid_to')} = ${now}
WHERE ${current('plat_valid_to')} IS NULL AND NOT EXISTS (SELECT 1 FROM ${staging} AS s WHERE ${keysOfTarget('s')})`
    : null;

  // A version never starts before the key's previous one ended (a row back after a delete with its old updated_at).
  const lastEnd = `h.${id('plat_last_valid_to')}`;
  const validFrom = `CASE WHEN ${lastEnd} IS NULL OR ${changedAt('s')} >= ${lastEnd} THEN ${changedAt('s')} ELSE ${lastEnd} END`;
  const keyList = plan.uniqueKey.map((k) => id(k)).join(', ');
  const insertNew = `INSERT INTO ${target} (${[...own, ...versionColumns].join(', ')})
SELECT ${own.map((c) => `v.${c}`).join(', ')}, ${scdId('v', `v.${id('plat_valid_from')}`)}, v.${id('plat_updated_at')}, v.${id('plat_valid_from')}, ${d.cast('NULL', tz)}
FROM (
  SELECT ${own.map((c) => `s.${c}`).join(', ')}, ${changedAt('s')} AS ${id('plat_updated_at')}, ${validFrom} AS ${id('plat_valid_from')}
  FROM ${staging} AS s
  LEFT JOIN (SELECT ${keyList}, max(${id('plat_valid_to')}) AS ${id('plat_last_valid_to')} FROM ${target} GROUP BY ${keyList}) AS h ON (${keysMatch('s', 'h')})
  WHERE NOT EXISTS (SELECT 1 FROM ${target} AS t WHERE ${keysMatch('t', 's')} AND ${open('t')})
) AS v`;

  return { create, closeChanged, closeDeleted, insertNew };
}
