import type { Relation } from './types.js';

/**
 * The standard MERGE of an incremental model's new rows by key (nulls in keys match nulls),
 * which both engines speak; each dialect passes its own quoting.
 */
export function mergeStatement(
  relation: (r: Relation) => string,
  identifier: (name: string) => string,
): (target: Relation, from: Relation, keys: readonly string[], columns: readonly string[]) => string {
  return (target, from, keys, columns) => {
    const on = keys.map((k) => `t.${identifier(k)} IS NOT DISTINCT FROM s.${identifier(k)}`).join(' AND ');
    const set = columns.map((c) => `${identifier(c)} = s.${identifier(c)}`).join(', ');
    const values = columns.map((c) => `s.${identifier(c)}`).join(', ');
    return `MERGE INTO ${relation(target)} AS t USING ${relation(from)} AS s ON (${on}) WHEN MATCHED THEN UPDATE SET ${set} WHEN NOT MATCHED THEN INSERT (${columns.map(identifier).join(', ')}) VALUES (${values})`;
  };
}
