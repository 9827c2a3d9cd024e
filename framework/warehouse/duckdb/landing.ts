/**
 * How DuckDB lands a batch of Kafka messages (see stream/landing.ts for the staging format):
 * split the staged rows into messages, extract the declared columns with json_transform into
 * the landing table, move any row whose typed column came out NULL from a value the message
 * held to the dead letters, move the staged dead letters, upsert each partition's next offset.
 */
import type { LandingPlan, LandingSql } from '../dialect.js';
import { identifier, text as literal, relation } from './quote.js';

/**
 * The staged messages passed the source's JSON Schema already, so json_transform's typed
 * extraction mostly gives the values the schema promised; where it gave NULL for a value that
 * was there (a date like 2026-02-30, a BIGINT just past 2^63), the row moves to the dead
 * letters with the value and the type. Only this landing's rows with a NULL are looked at,
 * found by their ingestion time, which the table's zone maps narrow to its last row groups.
 */
export function duckdbLanding(plan: LandingPlan): LandingSql {
  const structure = JSON.stringify(Object.fromEntries(plan.columns.map((c) => [c.name, c.type])));
  const extracted = plan.columns.map((c) => `j.${identifier(c.name)}`);
  const landedAt = `TIMESTAMPTZ ${literal(plan.ingestedAt.toISOString())}`;
  const columns = [...extracted, '_raw', literal(plan.topic), '_partition', '_offset', 'make_timestamptz(_kafka_ms * 1000)', landedAt];
  const { record, field } = plan.separators;
  const part = (n: number) => `split_part(record, chr(${field.charCodeAt(0)}), ${n})`;
  const messages =
    `SELECT _partition, CAST(${part(1)} AS BIGINT) AS _offset, CAST(${part(2)} AS BIGINT) AS _kafka_ms, ${part(3)} AS _raw\n` +
    `FROM (SELECT _partition, unnest(string_split(payload, chr(${record.charCodeAt(0)}))) AS record FROM ${plan.staging.messages})`;
  const next = [...plan.spans].map(
    ([partition, { next }]) => `(${literal(plan.source)}, ${literal(plan.topic)}, ${partition}, ${next}, now())`,
  );
  const landing = relation(plan.landing);
  const moves = unlanded(plan, landedAt);
  return {
    land: [
      `INSERT INTO ${landing} SELECT ${columns.join(', ')}\nFROM (SELECT *, json_transform(_raw, ${literal(structure)}) AS j FROM (${messages}))`,
      ...moves,
      `INSERT INTO ${relation(plan.deadLetters)} SELECT * FROM ${plan.staging.deadLetters}`,
      ...(next.length
        ? [
            `INSERT INTO ${relation(plan.offsets)} VALUES ${next.join(', ')} ON CONFLICT (source, topic, "partition") DO UPDATE SET next_offset = excluded.next_offset, updated_at = excluded.updated_at`,
          ]
        : []),
    ],
    unlanded: moves.length ? `SELECT count(*) AS unlanded FROM ${plan.staging.unlanded}` : null,
    clear: [`DELETE FROM ${plan.staging.messages}`, `DELETE FROM ${plan.staging.deadLetters}`],
  };
}

/** Moves this landing's rows whose typed column is NULL while their message held a value there to the dead letters. */
function unlanded(plan: LandingPlan, landedAt: string): string[] {
  const checked = plan.columns.filter((c) => !c.exact);
  const table = plan.staging.unlanded;
  // Where the schema admits only what lands as itself there is nothing to check, and nothing is ever moved.
  if (checked.length === 0) return [];
  const landing = relation(plan.landing);
  const reasons = checked.map((c) => {
    const pointer = literal(`/${c.name.replace(/~/g, '~0').replace(/\//g, '~1')}`);
    return `CASE WHEN ${identifier(c.name)} IS NULL AND json_type(_raw, ${pointer}) <> 'NULL' THEN ${literal(`${c.name}: `)} || left(json_extract(_raw, ${pointer})::VARCHAR, 200) || ${literal(` cannot be stored as ${c.type}`)} END`;
  });
  const suspects = `_ingested_at = ${landedAt} AND (${checked.map((c) => `${identifier(c.name)} IS NULL`).join(' OR ')})`;
  return [
    `DELETE FROM ${table}`,
    `INSERT INTO ${table} SELECT * FROM (SELECT _raw, nullif(concat_ws('; ', ${reasons.join(', ')}), '') AS error, _topic, _partition, _offset, _kafka_ts, _ingested_at FROM ${landing} WHERE ${suspects}) WHERE error IS NOT NULL`,
    `DELETE FROM ${landing} WHERE ${suspects} AND (_partition, _offset) IN (SELECT _partition, _offset FROM ${table})`,
    `INSERT INTO ${relation(plan.deadLetters)} SELECT * FROM ${table}`,
  ];
}
