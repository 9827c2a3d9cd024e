import { beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { columnLineage, type RelationLookup } from '../framework/docs/lineage.js';

let connection: DuckDBConnection;
beforeAll(async () => {
  connection = await (await DuckDBInstance.create(':memory:')).connect();
});

const tables: Record<string, string[]> = {
  'raw.events': ['id', 'user_id', 'price', 'kind', 'ts'],
  'raw.users': ['user_id', 'country'],
};
const lookup: RelationLookup = (schema, name) =>
  tables[`${schema}.${name}`] ? { node: `${schema}.${name}`, columns: tables[`${schema}.${name}`]! } : null;

async function lineage(sql: string) {
  const reader = await connection.runAndReadAll('SELECT json_serialize_sql(?::VARCHAR)', [sql]);
  const columns = columnLineage(JSON.parse(String(reader.getRows()[0]![0])), lookup);
  return Object.fromEntries(columns.map((c) => [c.name, c.from.map((r) => `${r.node}.${r.column}`).sort()]));
}

describe('column lineage', () => {
  it('follows aliases, expressions and aggregates through CTEs', async () => {
    expect(
      await lineage(`with paid as (select user_id as buyer, price * 1.2 as gross from raw.events e where e.kind = 'purchase')
      select buyer, sum(gross) as revenue, count(*) as n from paid group by buyer`),
    ).toEqual({
      buyer: ['raw.events.user_id'],
      revenue: ['raw.events.price'],
      n: [],
    });
  });

  it('expands select * and t.* from tables, CTEs and joins', async () => {
    expect(await lineage('with u as (select * from raw.users) select e.*, u.country from raw.events e join u using (user_id)')).toEqual({
      id: ['raw.events.id'],
      user_id: ['raw.events.user_id'],
      price: ['raw.events.price'],
      kind: ['raw.events.kind'],
      ts: ['raw.events.ts'],
      country: ['raw.users.country'],
    });
    expect(Object.keys(await lineage('select * exclude (ts, kind) from raw.events'))).toEqual(['id', 'user_id', 'price']);
  });

  it('reads window functions, scalar subqueries and subqueries in FROM', async () => {
    expect(
      await lineage(`select id, row_number() over (partition by user_id order by ts) as rn,
        price / (select max(price) from raw.events) as share
      from (select id, user_id, ts, price from raw.events) as s(id, user_id, ts, price)`),
    ).toEqual({
      id: ['raw.events.id'],
      rn: ['raw.events.ts', 'raw.events.user_id'],
      share: ['raw.events.price'],
    });
  });

  it('joins the branches of union all by position', async () => {
    expect(await lineage('select user_id as who, price from raw.events union all select user_id, 0 from raw.users')).toEqual({
      who: ['raw.events.user_id', 'raw.users.user_id'],
      price: ['raw.events.price'],
    });
  });

  it('resolves unqualified columns through joins and knows nothing of unknown tables', async () => {
    expect(await lineage('select country, price, mystery from raw.events join raw.users using (user_id) join other.t on true')).toEqual({
      country: ['raw.users.country'],
      price: ['raw.events.price'],
      mystery: [],
    });
  });
});
