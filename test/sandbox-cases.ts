/**
 * Statements the agent's sandbox must refuse, with what the refusal says. Shared by the agent
 * tests (through the whole agent) and the warehouse conformance suite (on the sandboxed
 * connection itself). The first list is DuckDB's own ways out of a read-only SELECT; the second
 * holds for every engine.
 */
export const duckdbSandboxEscapes: [string, RegExp][] = [
  ["select * from read_csv('/etc/passwd')", /file system operations are disabled/],
  ["select * from read_text('/etc/passwd')", /file system operations are disabled/],
  ["select * from glob('/etc/*')", /file system operations are disabled/],
  ["copy marts.revenue_per_hour to '/tmp/plat-stolen.csv'", /file system operations are disabled|only SELECT/],
  ["attach '/tmp/plat-other.duckdb' as other", /only SELECT queries may run here|file system operations are disabled/],
  ["attach ':memory:' as other", /only SELECT queries may run here; this is a ATTACH statement/],
  ['install httpfs', /only SELECT queries may run here|disabled/],
  ['load httpfs', /only SELECT queries may run here|disabled/],
  ['pragma database_list', /^only SELECT queries may run here; this is a PRAGMA statement$/],
  ['call duckdb_settings()', /^only SELECT queries may run here; this is a CALL statement$/],
  ['/* hidden */ pragma threads = 1', /^only SELECT queries may run here; this is a (PRAGMA|SET) statement$/],
  ['set enable_external_access = true', /only SELECT queries may run here|locked/],
  ["export database '/tmp/plat-export'", /only SELECT queries may run here|file system operations are disabled/],
];

export const sandboxRefusals: [string, RegExp][] = [
  ['drop table marts.revenue_per_hour', /only SELECT queries may run here; this is a DROP statement/],
  ['create table x as select 1', /only SELECT queries may run here; this is a CREATE statement/],
  ['delete from marts.revenue_per_hour', /only SELECT queries may run here; this is a DELETE statement/],
  ['select 1; drop table marts.revenue_per_hour', /^only one statement may run at a time \(found 2\)$/],
];

/** Trino's own ways out of a read-only query: each is a statement of its own kind, refused by its first keyword. */
export const trinoSandboxEscapes: [string, RegExp][] = [
  ['insert into marts.revenue_per_hour values (2, 1.0)', /^only SELECT queries may run here; this is a INSERT statement$/],
  ["call system.runtime.kill_query(query_id => 'x')", /^only SELECT queries may run here; this is a CALL statement$/],
  ["set session query_max_execution_time = '1h'", /^only SELECT queries may run here; this is a SET statement$/],
  ['reset session query_max_execution_time', /^only SELECT queries may run here; this is a RESET statement$/],
  ['use memory.default', /^only SELECT queries may run here; this is a USE statement$/],
  ["alter table marts.revenue_per_hour execute add_files(location => 'local:///x', format => 'PARQUET')", /this is a ALTER statement$/],
  ['explain analyze insert into marts.revenue_per_hour values (2, 1.0)', /this is a EXPLAIN statement$/],
  ["execute immediate 'drop table marts.revenue_per_hour'", /this is a EXECUTE statement$/],
  ['prepare p from drop table marts.revenue_per_hour', /this is a PREPARE statement$/],
  ['start transaction', /this is a START statement$/],
  ['grant select on marts.revenue_per_hour to user x', /this is a GRANT statement$/],
  [
    '/* select */ merge into marts.revenue_per_hour t using (values 1) s(x) on false when not matched then insert values (1, 1.0)',
    /this is a MERGE statement$/,
  ],
  ["select 1 as x; -- ';\ndrop table marts.revenue_per_hour", /^only one statement may run at a time \(found 2\)$/],
];
