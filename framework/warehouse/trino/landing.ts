/**
 * How Trino lands a batch of Kafka messages into Iceberg (see stream/landing.ts for the staging
 * format). Iceberg on Trino has no multi-statement transactions, so each statement is made
 * idempotent instead: a message lands (as a row or a dead letter) only if its (topic, partition,
 * offset) is not in the table yet, and each partition's next offset is recorded last. A landing
 * interrupted anywhere is replayed from the recorded offsets, and the replay adds only what the
 * interrupted one did not; two landing the same offsets at once are serialized by Iceberg's
 * commit check: every offset lands exactly once.
 */
import type { LandingPlan, LandingSql } from '../dialect.js';
import { identifier, type Placement, qualifiedRelation, text, trinoType } from './quote.js';

/** A column's value from the message: the typed value, or NULL where it does not convert. */
function extracted(name: string, type: string): string {
  const path = text(`$[${JSON.stringify(name)}]`);
  const scalar = `json_extract_scalar(_raw, ${path})`;
  const t = trinoType(type);
  if (t === 'varchar') return `coalesce(${scalar}, json_format(json_extract(_raw, ${path})))`;
  if (t.startsWith('timestamp')) return `CAST(try(from_iso8601_timestamp(${scalar})) AS ${t})`;
  if (t === 'json') return `json_extract(_raw, ${path})`;
  return `TRY_CAST(${scalar} AS ${t})`;
}

export function trinoLanding(placement: Placement, plan: LandingPlan): LandingSql {
  const rel = (r: LandingPlan['landing']) => qualifiedRelation(placement, r);
  const landedAt = `CAST(from_iso8601_timestamp(${text(plan.ingestedAt.toISOString())}) AS timestamp(6) with time zone)`;
  const { record, field } = plan.separators;
  const part = (n: number) => `split_part(record, chr(${field.charCodeAt(0)}), ${n})`;
  const messages =
    `SELECT _partition, CAST(${part(1)} AS bigint) AS _offset, CAST(${part(2)} AS bigint) AS _kafka_ms, ${part(3)} AS _raw\n` +
    `FROM ${plan.staging.messages} CROSS JOIN UNNEST(split(payload, chr(${record.charCodeAt(0)}))) AS u(record)`;
  const values = plan.columns.map((c) => `${extracted(c.name, c.type)} AS ${identifier(c.name)}`);
  const kafkaTs = 'CAST(from_unixtime(_kafka_ms / 1e3) AS timestamp(6) with time zone)';
  const parsed = `SELECT ${[...values, '_raw', '_partition', '_offset', `${kafkaTs} AS _kafka_ts`].join(', ')} FROM (${messages})`;
  // A column NULL while its message held a value there did not convert: the row is a dead letter.
  const checked = plan.columns.filter((c) => !c.exact);
  const reasons = checked.map((c) => {
    const path = text(`$[${JSON.stringify(c.name)}]`);
    return `CASE WHEN ${identifier(c.name)} IS NULL AND json_extract(_raw, ${path}) IS NOT NULL AND json_format(json_extract(_raw, ${path})) <> 'null' THEN ${text(`${c.name}: `)} || substr(json_format(json_extract(_raw, ${path})), 1, 200) || ${text(` cannot be stored as ${c.type}`)} END`;
  });
  const error = reasons.length ? `nullif(concat_ws('; ', ${reasons.join(', ')}), '')` : 'CAST(NULL AS varchar)';
  const judged = `SELECT *, ${error} AS __plat_error FROM (${parsed})`;
  const columns = plan.columns.map((c) => identifier(c.name));
  const topic = text(plan.topic);
  const landing = rel(plan.landing);
  const deadLetters = rel(plan.deadLetters);
  const partition = identifier('partition');
  // The offsets this landing stages, as constants Trino pushes into the scan of the table it
  // writes: files outside them are skipped, and they are the filter Iceberg checks concurrent
  // commits against (below).
  const spans = [...plan.spans].map(([p, { first, next }]) => `(x._partition = ${p} AND x._offset BETWEEN ${first} AND ${next - 1})`);
  const within = spans.length ? `(${spans.join(' OR ')})` : 'FALSE';
  /** Row x of a landing or dead-letter table holds the offset of row `alias`. */
  const sameOffset = (alias: string) =>
    `x._topic = ${topic} AND x._partition = ${alias}._partition AND x._offset = ${alias}._offset AND ${within}`;
  const fresh = (table: string, alias: string) => `NOT EXISTS (SELECT 1 FROM ${table} AS x WHERE ${sameOffset(alias)})`;
  // MERGE, not INSERT … WHERE NOT EXISTS: Iceberg commits an INSERT without looking at what
  // others committed meanwhile, so two processes landing the same offsets at once (one that
  // has just lost a partition in a rebalance, and its new owner) would both add them. A MERGE
  // commits only if no file that can hold its offsets was added since it read the table (the
  // serializable isolation Iceberg tables default to); the loser fails with
  // ICEBERG_COMMIT_ERROR, and the connection runs it again against the winner's rows.
  const mergeNew = (table: string, source: string, values: string[]) =>
    `MERGE INTO ${table} AS x USING (${source}) AS s ON ${sameOffset('s')} WHEN NOT MATCHED THEN INSERT VALUES (${values.join(', ')})`;
  const deadLetterValues = ['s._raw', 's.error', 's._topic', 's._partition', 's._offset', 's._kafka_ts', 's._ingested_at'];
  const next = [...plan.spans].map(([p, span]) => `(${text(plan.source)}, ${topic}, ${p}, BIGINT '${span.next}')`);
  const offsets = rel(plan.offsets);
  return {
    land: [
      `DELETE FROM ${plan.staging.unlanded}`,
      `INSERT INTO ${plan.staging.unlanded} SELECT _raw, __plat_error, ${topic}, _partition, _offset, _kafka_ts, ${landedAt} FROM (${judged}) AS j WHERE __plat_error IS NOT NULL AND ${fresh(deadLetters, 'j')}`,
      mergeNew(landing, `SELECT * FROM (${judged}) WHERE __plat_error IS NULL`, [
        ...columns.map((c) => `s.${c}`),
        's._raw',
        topic,
        's._partition',
        's._offset',
        's._kafka_ts',
        landedAt,
      ]),
      mergeNew(deadLetters, `SELECT * FROM ${plan.staging.unlanded} UNION ALL SELECT * FROM ${plan.staging.deadLetters}`, deadLetterValues),
      ...(next.length
        ? [
            // Never backwards: a process landing offsets another has landed past (a replay after a rebalance) leaves the higher one.
            `MERGE INTO ${offsets} AS t USING (VALUES ${next.join(', ')}) AS s(source, topic, ${partition}, next_offset) ` +
              `ON t.source = ${text(plan.source)} AND t.topic = ${topic} AND t.${partition} IN (${[...plan.spans.keys()].join(', ')}) AND t.${partition} = s.${partition} ` +
              `WHEN MATCHED THEN UPDATE SET next_offset = greatest(t.next_offset, s.next_offset), updated_at = current_timestamp ` +
              `WHEN NOT MATCHED THEN INSERT (source, topic, ${partition}, next_offset, updated_at) VALUES (s.source, s.topic, s.${partition}, s.next_offset, current_timestamp)`,
          ]
        : []),
    ],
    unlanded: `SELECT count(*) AS unlanded FROM ${plan.staging.unlanded}`,
    clear: [`DELETE FROM ${plan.staging.messages}`, `DELETE FROM ${plan.staging.deadLetters}`],
  };
}
