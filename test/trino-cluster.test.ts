import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { type QueryError, type QueryResult, Trino } from 'trino-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

/**
 * The facts about Trino 476 + Iceberg + trino-client that the Trino adapter relies on, checked on
 * the real two-node cluster of scripts/trino.sh (or TRINO_URL). Each test names one behaviour.
 */
const url = inject('trinoUrl');
const files = inject('trinoFiles');
const schema = `plat_test_${randomUUID().slice(0, 8)}`;

type Headers = Record<string, string>;
interface Outcome {
  columns: { name: string; type: string }[];
  rows: unknown[][];
  /** The failure as Trino reports it: trino-client resolves with it on the last page, it does not throw. */
  error: (QueryError & { errorLocation?: { lineNumber: number; columnNumber: number } }) | null;
}

/** trino-client keeps one session per client object (catalog, schema, prepared statements). */
function connect(headers: Headers = {}): Trino {
  // The client's only default user is $USER; the adapter must always name one.
  return Trino.create({ server: url!, catalog: 'iceberg', schema, extraHeaders: { 'X-Trino-User': 'plat', ...headers } });
}

async function query(client: Trino, sql: string, headers: Headers = {}): Promise<Outcome> {
  const pages = await client.query({ query: sql, extraHeaders: headers });
  const outcome: Outcome = { columns: [], rows: [], error: null };
  for await (const page of pages as AsyncIterable<QueryResult>) {
    if (page.columns) outcome.columns = page.columns.map(({ name, type }) => ({ name, type }));
    if (page.data) outcome.rows.push(...page.data);
    if (page.error) outcome.error = page.error;
  }
  return outcome;
}

async function rows(client: Trino, sql: string, headers: Headers = {}): Promise<unknown[][]> {
  const outcome = await query(client, sql, headers);
  if (outcome.error) throw new Error(`${outcome.error.errorName}: ${outcome.error.message}\n${sql}`);
  return outcome.rows;
}

describe.skipIf(!url)('Trino 476 + Iceberg through trino-client (real two-node cluster)', () => {
  const client = url ? connect() : (null as never);

  beforeAll(async () => {
    await rows(client, `create schema iceberg.${schema}`);
  });
  afterAll(async () => {
    if (url) await rows(client, `drop schema if exists iceberg.${schema} cascade`);
  });

  it('runs a coordinator and a worker, both active', async () => {
    expect(await rows(client, 'select node_id, coordinator, state from system.runtime.nodes order by node_id')).toEqual([
      ['coordinator', true, 'active'],
      ['worker', false, 'active'],
    ]);
  });

  it('creates an Iceberg table with CTAS, which answers the row count, and a view over it', async () => {
    expect(await rows(client, `create table ctas as select * from (values (1, 'a'), (2, 'b')) v(id, name)`)).toEqual([[2]]);
    await rows(client, 'create view ctas_view as select id * 10 as id10 from ctas');
    expect(await rows(client, 'select id10 from ctas_view order by id10')).toEqual([[10], [20]]);
    expect(
      await rows(
        client,
        `select table_name, table_type from information_schema.tables where table_schema = '${schema}' and table_name like 'ctas%' order by 1`,
      ),
    ).toEqual([
      ['ctas', 'BASE TABLE'],
      ['ctas_view', 'VIEW'],
    ]);
  });

  it('replaces a table with CREATE OR REPLACE TABLE AS SELECT, new columns included; a view naming its columns sees the new rows', async () => {
    await rows(client, 'create table replaced as select 1 as id');
    await rows(client, 'create view replaced_ids as select id from replaced');
    await rows(client, 'create view replaced_star as select * from replaced');
    await rows(client, `create or replace table replaced as select * from (values (1, 'x'), (2, 'y')) v(id, label)`);
    expect(await rows(client, 'select id, label from replaced order by id')).toEqual([
      [1, 'x'],
      [2, 'y'],
    ]);
    expect(await rows(client, 'select id from replaced_ids order by id')).toEqual([[1], [2]]);
    // A view stores the columns it had when created: `select *` over a table that gained one is stale.
    expect((await query(client, 'select * from replaced_star')).error?.errorName).toBe('VIEW_IS_STALE');
  });

  it('keeps the previous table when CREATE OR REPLACE TABLE fails while computing its rows', async () => {
    await rows(client, `create table kept as select * from (values (1, 'old')) v(id, label)`);
    const failed = await query(client, `create or replace table kept as select 10 / (id - 1) as id, 'new' as label from kept`);
    expect(failed.error?.errorName).toBe('DIVISION_BY_ZERO');
    expect(await rows(client, 'select id, label from kept')).toEqual([[1, 'old']]);
  });

  it('refuses CREATE OR REPLACE TABLE over a view, and CREATE OR REPLACE VIEW over a table', async () => {
    await rows(client, 'create view kind_view as select 1 as x');
    await rows(client, 'create table kind_table as select 1 as x');
    expect((await query(client, 'create or replace table kind_view as select 1 as x')).error?.message).toMatch(/already exists/);
    expect((await query(client, 'create or replace view kind_table as select 1 as x')).error?.errorName).toBe('TABLE_ALREADY_EXISTS');
  });

  it('MERGE updates matched rows and inserts the others; DELETE removes rows; both answer the rows they touched', async () => {
    await rows(client, `create table merged as select * from (values (1, 'a'), (2, 'b'), (3, 'c')) v(id, name)`);
    const merge = `merge into merged t using (values (2, 'B'), (4, 'd')) s(id, name) on t.id = s.id
      when matched then update set name = s.name
      when not matched then insert (id, name) values (s.id, s.name)`;
    expect(await rows(client, merge)).toEqual([[2]]);
    expect(await rows(client, 'delete from merged where id = 1')).toEqual([[1]]);
    expect(await rows(client, 'select id, name from merged order by id')).toEqual([
      [2, 'B'],
      [3, 'c'],
      [4, 'd'],
    ]);
  });

  it("renames a table into the source table's schema when the new name is unqualified, whatever the session's schema", async () => {
    await rows(client, 'create table before_rename as select 1 as id');
    const elsewhere = connect();
    await rows(elsewhere, 'use memory.default');
    await rows(elsewhere, `alter table iceberg.${schema}.before_rename rename to after_rename`);
    expect(
      await rows(
        client,
        `select table_name from information_schema.tables where table_schema = '${schema}' and table_name like '%_rename'`,
      ),
    ).toEqual([['after_rename']]);
    expect(await rows(client, `alter table after_rename rename to iceberg.${schema}.renamed_again`)).toEqual([]);
    expect(await rows(client, 'select id from renamed_again')).toEqual([[1]]);
  });

  it('refuses START TRANSACTION from trino-client, which does not announce transaction support', async () => {
    const started = await query(client, 'start transaction');
    expect(started.error).toMatchObject({ errorName: 'INCOMPATIBLE_CLIENT', message: 'Client does not support transactions' });
  });

  it('refuses a write to Iceberg inside a transaction, and aborts that transaction', async () => {
    await rows(client, 'create table in_transaction as select 1 as id');
    // A client that announces transactions (X-Trino-Transaction-Id: NONE) gets one; trino-client then
    // drops the id from the response headers, so the test finds it in system.runtime.transactions.
    const before = new Set((await rows(client, 'select transaction_id from system.runtime.transactions')).map(([id]) => id));
    expect((await query(client, 'start transaction', { 'X-Trino-Transaction-Id': 'NONE' })).error).toBeNull();
    const opened = (await rows(client, 'select transaction_id from system.runtime.transactions where not auto_commit_context')).map(
      ([id]) => String(id),
    );
    const transaction = opened.find((id) => !before.has(id))!;
    const inside = { 'X-Trino-Transaction-Id': transaction };
    expect((await query(client, 'insert into in_transaction values (2)', inside)).error).toMatchObject({
      errorName: 'AUTOCOMMIT_WRITE_CONFLICT',
      message: 'Catalog only supports writes using autocommit: iceberg',
    });
    expect((await query(client, 'select count(*) from in_transaction', inside)).error?.errorName).toBe('TRANSACTION_ALREADY_ABORTED');
    expect((await query(client, 'rollback', inside)).error).toBeNull();
    expect(await rows(client, 'select count(*) from in_transaction')).toEqual([[1]]);
  });

  describe.skipIf(!files)('landing Parquet files that DuckDB writes (needs TRINO_FILES)', () => {
    const landing = files ? join(files, 'landing', schema) : '';
    const location = (name: string) => `local:///landing/${schema}/${name}`;

    async function writeParquet(name: string, select: string): Promise<void> {
      mkdirSync(landing, { recursive: true });
      const duckdb = await DuckDBInstance.create(':memory:');
      try {
        const connection = await duckdb.connect();
        await connection.run(`copy (${select}) to '${join(landing, name)}' (format parquet)`);
        connection.closeSync();
      } finally {
        duckdb.closeSync();
      }
    }

    it('registers a Parquet file into an Iceberg table with add_files, and refuses the same file twice', async () => {
      await writeParquet(
        'first.parquet',
        `select i::bigint as id, 'n' || i as name, (i * 1.5)::double as amount, timestamp '2026-01-01' + to_seconds(i) as at from range(1000) t(i)`,
      );
      await writeParquet(
        'second.parquet',
        `select i::bigint as id, 'n' || i as name, (i * 1.5)::double as amount, timestamp '2026-01-01' + to_seconds(i) as at from range(1000, 1500) t(i)`,
      );
      await rows(client, 'create table landed (id bigint, name varchar, amount double, at timestamp(6))');
      const add = (name: string) => `alter table landed execute add_files(location => '${location(name)}', format => 'PARQUET')`;
      expect((await query(client, add('first.parquet'))).error).toBeNull();
      expect(await rows(client, 'select count(*), sum(id), sum(amount), max(at) from landed')).toEqual([
        [1000, 499500, 749250, '2026-01-01 00:16:39.000'],
      ]);

      const again = await query(client, add('first.parquet'));
      expect(again.error).toMatchObject({ errorName: 'ICEBERG_COMMIT_ERROR' });
      expect(again.error?.message).toContain(`File already exists: ${location('first.parquet')}`);
      // A folder holding one registered file is refused whole: the new file in it is not added either.
      expect(
        (await query(client, `alter table landed execute add_files(location => 'local:///landing/${schema}', format => 'PARQUET')`)).error
          ?.errorName,
      ).toBe('ICEBERG_COMMIT_ERROR');
      expect(await rows(client, 'select count(*) from landed')).toEqual([[1000]]);

      expect((await query(client, add('second.parquet'))).error).toBeNull();
      expect(await rows(client, 'select count(*) from landed')).toEqual([[1500]]);
    });

    it("does not check a file's column types when adding it: the mismatch fails the first query that reads the column", async () => {
      // DuckDB types i * 1.5 as DECIMAL(21,1); the table says double.
      await writeParquet('decimal.parquet', `select i::bigint as id, i * 1.5 as amount from range(10) t(i)`);
      await rows(client, 'create table mistyped (id bigint, amount double)');
      expect(
        (await query(client, `alter table mistyped execute add_files(location => '${location('decimal.parquet')}', format => 'PARQUET')`))
          .error,
      ).toBeNull();
      expect(await rows(client, 'select count(*), sum(id) from mistyped')).toEqual([[10, 45]]);
      expect((await query(client, 'select sum(amount) from mistyped')).error?.message).toMatch(
        /Unsupported Trino column type \(double\) for Parquet column .*DECIMAL\(21,1\)/,
      );
    });

    it('deletes the Parquet files that add_files registered when the table is dropped', async () => {
      await writeParquet('owned.parquet', `select 1::bigint as id`);
      await rows(client, 'create table owner (id bigint)');
      await rows(client, `alter table owner execute add_files(location => '${location('owned.parquet')}', format => 'PARQUET')`);
      expect(existsSync(join(landing, 'owned.parquet'))).toBe(true);
      await rows(client, 'drop table owner');
      expect(existsSync(join(landing, 'owned.parquet'))).toBe(false);
    });
  });

  it('binds positional ? parameters with PREPARE + EXECUTE … USING (one session) and EXECUTE IMMEDIATE … USING', async () => {
    await rows(client, `prepare add_one from select ? + 1 as next, ? as label`);
    expect(await rows(client, `execute add_one using 41, 'hi'`)).toEqual([[42, 'hi']]);
    expect(await rows(client, `execute immediate 'select ? * 2 as doubled' using 21`)).toEqual([[42]]);
    // Another client object is another session: it does not know the statement.
    expect((await query(connect(), `execute add_one using 1, 'x'`)).error?.errorName).toBe('NOT_FOUND');
  });

  it("describes a query's columns with PREPARE + DESCRIBE OUTPUT, without running it", async () => {
    await rows(client, `create table described as select 1 as id, 'x' as name`);
    await rows(
      client,
      `prepare describe_me from select id, cast(id as varchar) as text, current_date as today, 1.5e0 as ratio from described`,
    );
    const output = await rows(client, 'describe output describe_me');
    expect(output.map(([column, catalog, schemaName, table, type]) => [column, catalog, schemaName, table, type])).toEqual([
      ['id', 'iceberg', schema, 'described', 'integer'],
      ['text', '', '', '', 'varchar'],
      ['today', '', '', '', 'date'],
      ['ratio', '', '', '', 'double'],
    ]);
  });

  it('spells column types as Trino does: varchar unbounded in Iceberg, timestamp(6) [with time zone], decimal(p,s)', async () => {
    await rows(
      client,
      `create table typed as select timestamp '2026-01-02 03:04:05.123456' as ts, from_iso8601_timestamp('2026-01-01T10:00:00Z') as tstz,
       1.5e0 as dbl, cast('x' as varchar(5)) as short_text, cast(1 as decimal(12, 2)) as money, date '2026-01-01' as day,
       cast(1 as bigint) as big, true as flag, 1 as int, uuid() as id`,
    );
    expect(
      await rows(
        client,
        `select column_name, data_type from information_schema.columns where table_schema = '${schema}' and table_name = 'typed' order by ordinal_position`,
      ),
    ).toEqual([
      ['ts', 'timestamp(6)'],
      ['tstz', 'timestamp(6) with time zone'],
      ['dbl', 'double'],
      ['short_text', 'varchar'],
      ['money', 'decimal(12,2)'],
      ['day', 'date'],
      ['big', 'bigint'],
      ['flag', 'boolean'],
      ['int', 'integer'],
      ['id', 'uuid'],
    ]);
  });

  it('returns BIGINT above 2^53 rounded to a JavaScript number, and exact only when cast to varchar', async () => {
    expect(await rows(client, 'select 9007199254740993, cast(9007199254740993 as varchar)')).toEqual([
      [9007199254740992, '9007199254740993'],
    ]);
  });

  it('returns DECIMAL, DATE and TIMESTAMP as strings, timestamps cut to milliseconds unless the client announces PARAMETRIC_DATETIME', async () => {
    const sql = `select cast(12.345 as decimal(10, 3)), date '2026-01-02', timestamp '2026-01-02 03:04:05.123456', timestamp '2026-01-02 03:04:05.123456 UTC'`;
    const legacy = await query(client, sql);
    expect(legacy.rows).toEqual([['12.345', '2026-01-02', '2026-01-02 03:04:05.123', '2026-01-02 03:04:05.123 UTC']]);
    expect(legacy.columns.map((c) => c.type)).toEqual(['decimal(10, 3)', 'date', 'timestamp', 'timestamp with time zone']);
    const precise = await query(client, sql, { 'X-Trino-Client-Capabilities': 'PARAMETRIC_DATETIME' });
    expect(precise.rows).toEqual([['12.345', '2026-01-02', '2026-01-02 03:04:05.123456', '2026-01-02 03:04:05.123456 UTC']]);
    expect(precise.columns.map((c) => c.type)).toEqual(['decimal(10, 3)', 'date', 'timestamp(6)', 'timestamp(6) with time zone']);
  });

  it("parses an ISO timestamp with 'Z' only with from_iso8601_timestamp: try_cast gives NULL", async () => {
    expect(
      await rows(
        client,
        `select try_cast('2026-01-01T10:00:00Z' as timestamp with time zone), from_iso8601_timestamp('2026-01-01T10:00:00Z')`,
      ),
    ).toEqual([[null, '2026-01-01 10:00:00.000 UTC']]);
  });

  it('reports a SQL error on the last page with its name, line and column; a runtime error has no position', async () => {
    const unknown = await query(client, `select\n  1 as id,\n  nope\nfrom (values 1) v(x)`);
    expect(unknown.error).toMatchObject({
      errorName: 'COLUMN_NOT_FOUND',
      errorType: 'USER_ERROR',
      message: "line 3:3: Column 'nope' cannot be resolved",
      errorLocation: { lineNumber: 3, columnNumber: 3 },
    });
    const syntax = await query(client, 'selec 1');
    expect(syntax.error).toMatchObject({ errorName: 'SYNTAX_ERROR', errorLocation: { lineNumber: 1, columnNumber: 1 } });
    const runtime = await query(client, 'select 1 / 0');
    expect(runtime.error).toMatchObject({ errorName: 'DIVISION_BY_ZERO', message: 'Division by zero' });
    expect(runtime.error?.errorLocation).toBeUndefined();
  });

  it('refuses a request that names no user (trino-client sends $USER, which CI may not set)', async () => {
    const anonymous = Trino.create({ server: url!, extraHeaders: { 'X-Trino-User': '' } });
    await expect(query(anonymous, 'select 1')).rejects.toThrow(/status code 401/);
  });

  it('keeps information_schema per catalog: the memory catalog does not list Iceberg tables', async () => {
    await rows(client, 'create table listed as select 1 as id');
    const listing = `select table_name from information_schema.tables where table_schema = '${schema}' and table_name = 'listed'`;
    expect(await rows(client, listing)).toEqual([['listed']]);
    expect(await rows(client, listing.replace('information_schema', 'memory.information_schema'))).toEqual([]);
  });

  it('fingerprints rows with count(*) and checksum(ROW(...)) regardless of order, but not of duplicates', async () => {
    const fingerprint = (values: string) => rows(client, `select count(*), checksum(row(id, name)) from (values ${values}) v(id, name)`);
    const [[count, checksum]] = (await fingerprint(`(1, 'a'), (2, 'b')`)) as [[number, string]];
    expect(count).toBe(2);
    expect(checksum).toMatch(/^[A-Za-z0-9+/]{11}=$/); // varbinary comes back as base64
    expect(await fingerprint(`(2, 'b'), (1, 'a')`)).toEqual([[2, checksum]]);
    expect((await fingerprint(`(2, 'b'), (1, 'a'), (1, 'a')`))[0]![1]).not.toBe(checksum);
  });

  it('cancels a running query found by its source in system.runtime.queries; the client then ends with USER_CANCELED', async () => {
    // trino-client's pages skip the empty ones, so a query that has produced no rows yet never shows its id:
    // the adapter tags each query with its own source instead.
    const source = `plat-${randomUUID()}`;
    const tenThousand = 'unnest(sequence(1, 10000))';
    const endless = `select count(*) from ${tenThousand} a(x) cross join ${tenThousand} b(y) cross join ${tenThousand} c(z)`;
    const running = query(client, endless, { 'X-Trino-Source': source });
    let ended = false;
    const end = () => {
      ended = true;
    };
    running.then(end, end);
    const lookup = `select query_id from system.runtime.queries where source = '${source}' and state = 'RUNNING'`;
    let id: string | undefined;
    while (!id && !ended) id = (await rows(client, lookup))[0]?.[0] as string | undefined;
    if (!id) throw new Error(`the query ended before it was seen running: ${JSON.stringify((await running).error)}`);
    await client.cancel(id);
    expect((await running).error).toMatchObject({ errorName: 'USER_CANCELED', message: 'Query was canceled' });
    expect((await client.queryInfo(id)).state).toBe('FAILED');
  });
});
