import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { cli, queryDb, runDir, writeProject } from './helpers.js';

/** A project with one file source `files.orders` read from `path`, its columns declared as given. */
function fileSource(path: string, columns: string, files: Record<string, string>, extra = '') {
  return writeProject({
    'plat_project.yml': 'name: f\n',
    'sources.yml': `sources:\n  - name: files\n    tables:\n      - name: orders\n        file: { path: ${path}${extra} }\n        columns:\n${columns}`,
    ...files,
  });
}
const ordersError = async (dir: string) => (await runDir(dir)).results.find((r) => r.name === 'files.orders')!.error;
const typesOf = async (dir: string) =>
  Object.fromEntries(
    (await queryDb(dir, "select column_name, data_type from information_schema.columns where table_name = 'orders'")).map((r) => [
      r.column_name,
      r.data_type,
    ]),
  );
const AMOUNT_DOUBLE = '          - { name: amount, type: DOUBLE }\n';

async function writeParquet(path: string, select: string) {
  mkdirSync(dirname(path), { recursive: true });
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  await connection.run(`COPY (${select}) TO '${path}' (FORMAT parquet)`);
  connection.closeSync();
  instance.closeSync();
}

describe('file sources read with their declared types', () => {
  it('applies declared types to CSV, NDJSON and Parquet files', async () => {
    const csv = fileSource('data/orders.csv', `${AMOUNT_DOUBLE}          - { name: zip, type: VARCHAR }\n`, {
      'data/orders.csv': 'id,amount,zip\n1,10,01234\n2,20,00501\n',
    });
    await runDir(csv);
    expect(await typesOf(csv)).toEqual({ id: 'BIGINT', amount: 'DOUBLE', zip: 'VARCHAR' });
    expect(await queryDb(csv, 'select amount, zip from files.orders order by id')).toEqual([
      { amount: 10, zip: '01234' },
      { amount: 20, zip: '00501' },
    ]);

    const ndjson = fileSource('data/orders.ndjson', `${AMOUNT_DOUBLE}          - { name: id, type: INTEGER }\n`, {
      'data/orders.ndjson': '{"id": 1, "amount": 10, "tags": ["a"]}\n{"id": 2, "amount": 20, "tags": []}\n',
    });
    await runDir(ndjson);
    expect(await typesOf(ndjson)).toEqual({ id: 'INTEGER', amount: 'DOUBLE', tags: 'VARCHAR[]' });

    const parquet = fileSource('data/orders.parquet', AMOUNT_DOUBLE, {});
    await writeParquet(join(parquet, 'data/orders.parquet'), "select 1 as id, '10.5' as amount");
    await runDir(parquet);
    expect(await typesOf(parquet)).toEqual({ id: 'INTEGER', amount: 'DOUBLE' });
    expect(await queryDb(parquet, 'select amount from files.orders')).toEqual([{ amount: 10.5 }]);
  });

  it('passes structured reader options to DuckDB, quoted', async () => {
    const dir = fileSource(
      'data/orders.csv',
      '          - { name: id, type: INTEGER }\n',
      { 'data/orders.csv': "1|n'a|007\n2|x|008\n" },
      `, options: { delim: "|", header: false, names: [id, note, code], types: { code: VARCHAR }, nullstr: ["n'a", "-"] }`,
    );
    const results = await runDir(dir);
    expect(results.success).toBe(true);
    expect(await typesOf(dir)).toEqual({ id: 'INTEGER', note: 'VARCHAR', code: 'VARCHAR' });
    expect(await queryDb(dir, 'select * from files.orders order by id')).toEqual([
      { id: 1, note: null, code: '007' },
      { id: 2, note: 'x', code: '008' },
    ]);
  });

  it('fails at the CSV line of a value that does not convert to its declared type', async () => {
    const dir = fileSource('data/orders.csv', AMOUNT_DOUBLE, { 'data/orders.csv': 'id,amount\n1,10\n2,2.5\n3,abc\n' });
    expect(await ordersError(dir)).toEqual({
      message: `Error when converting column "amount". Could not convert string "abc" to 'DOUBLE' (the line reads: 3,abc)`,
      file: 'data/orders.csv',
      line: 4,
      column: null,
      hint: 'fix the value, or change the type declared for amount (sources.yml:7:35)',
    });
    expect(await queryDb(dir, "select count(*) as n from information_schema.tables where table_name like 'orders%'")).toEqual([{ n: 0n }]);
  });

  it('fails at the NDJSON line and the Parquet row of a value that does not convert', async () => {
    const ndjson = fileSource('data/orders.ndjson', AMOUNT_DOUBLE, {
      'data/orders.ndjson': '{"id": 1, "amount": 10}\n{"id": 2, "amount": "n/a"}\n',
    });
    expect(await ordersError(ndjson)).toMatchObject({
      message: 'Failed to cast value to numerical: "n/a"',
      file: 'data/orders.ndjson',
      line: 2,
    });

    const parquet = fileSource('data/*.parquet', AMOUNT_DOUBLE, {});
    await writeParquet(join(parquet, 'data/a.parquet'), "select 1 as id, '10.5' as amount");
    await writeParquet(join(parquet, 'data/b.parquet'), "select * from (values (2, '1'), (3, 'n/a')) t(id, amount)");
    expect(await ordersError(parquet)).toEqual({
      message: 'amount: "n/a" (row 2) is not a valid DOUBLE',
      file: 'data/b.parquet',
      line: null,
      column: null,
      hint: 'fix the value, or change the type declared for amount (sources.yml:7:35)',
    });
  });
});

describe('source load errors', () => {
  it("points a missing file at the table's path in sources.yml", async () => {
    const dir = fileSource('data/nothing*.csv', AMOUNT_DOUBLE, {});
    expect(await ordersError(dir)).toEqual({
      message: 'no file matches data/nothing*.csv',
      file: 'sources.yml',
      line: 5,
      column: 23,
      hint: `paths are relative to the project folder (${dir})`,
    });
  });

  it('names the CSV file and line that cannot be parsed', async () => {
    const rows = Array.from({ length: 30_000 }, (_, i) => `${i + 1},n${i + 1}`).join('\n');
    const dir = fileSource('data/*.csv', '          - { name: id }\n', {
      'data/a.csv': 'id,name\n1,x\n',
      'data/big.csv': `id,name\n${rows}\n30001,x,extra\n30002,y\n`,
    });
    expect(await ordersError(dir)).toEqual({
      message: 'Expected Number of Columns: 2 Found: 3 (the line reads: 30001,x,extra)',
      file: 'data/big.csv',
      line: 30002,
      column: null,
      hint: 'fix the file, or relax the reader in file.options (strict_mode: false, null_padding: true, ignore_errors: true)',
    });
  });

  it('places a declared column the file lacks at its declaration', async () => {
    const dir = fileSource('data/orders.csv', `          - { name: id, type: INTEGER }\n${AMOUNT_DOUBLE}`, {
      'data/orders.csv': 'id,total\n1,10\n',
    });
    expect(await ordersError(dir)).toMatchObject({
      message: 'data/orders.csv has no column amount (it has id, total)',
      file: 'sources.yml',
      line: 8,
      column: 35,
    });
  });

  it('reports a database folder it cannot write as an environment problem, not a sources.yml one', () => {
    const dir = writeProject({
      'plat_project.yml': 'name: f\ntarget: { duckdb: db/plat.duckdb }\n',
      'sources.yml': 'sources:\n  - name: files\n    tables:\n      - name: orders\n        file: { path: data/orders.csv }\n',
      'data/orders.csv': 'id\n1\n',
    });
    // Root writes anywhere: the unwritable folder is tried as another user then.
    const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const plat = () =>
      spawnSync(process.execPath, [cli, 'run'], {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1', KAFKA_BROKERS: '' },
        ...asUser,
      });
    chmodSync(dir, 0o777);
    expect(plat().status).toBe(0);
    rmSync(join(dir, 'db/plat.duckdb.wal'), { force: true });
    chmodSync(join(dir, 'db'), 0o555);
    try {
      const { status, stdout } = plat();
      expect(status).toBe(1);
      expect(stdout).toContain('cannot write db/plat.duckdb.wal: permission denied');
      expect(stdout).toContain(
        'hint: plat keeps db/plat.duckdb and its .wal and temporary files in db/: make that folder writable for this user',
      );
      expect(stdout).not.toContain('sources.yml');
      expect(stdout).not.toContain('TransactionContext');
    } finally {
      chmodSync(join(dir, 'db'), 0o755);
    }
  });

  it('says so when the folder for the database cannot be created', () => {
    const dir = writeProject({
      'plat_project.yml': 'name: f\ntarget: { duckdb: blocked/db/plat.duckdb }\n',
      blocked: 'a file where a folder should be',
    });
    const { status, stderr } = spawnSync(process.execPath, [cli, 'run'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', KAFKA_BROKERS: '' },
    });
    expect(status).toBe(1);
    expect(stderr).toMatch(/^error cannot create the folder of blocked\/db\/plat\.duckdb: a part of its path is a file, not a folder\n/);
    expect(stderr).not.toContain('    at ');
  });
});
