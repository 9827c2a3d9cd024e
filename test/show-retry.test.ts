import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { plat, queryDb, writeProject } from './helpers.js';

const project = () =>
  writeProject({
    'plat_project.yml': 'name: sr\nthreads: 1\nvars: { n: 1 }\n',
    'models/numbers.sql': '{{config materialized="table"}}select range as n from range(20)',
    'models/evens.sql': '{{config materialized="ephemeral"}}select n from {{ref "numbers"}} where n % 2 = 0',
    'models/big_evens.sql': '{{config materialized="table"}}select n from {{ref "evens"}} where n >= 10 order by n',
    'seeds/labels.csv': 'n,label\n0,zero\n1,one\n',
  });

async function execute(dir: string, sql: string): Promise<void> {
  const instance = await DuckDBInstance.create(join(dir, 'target/plat.duckdb'));
  const connection = await instance.connect();
  await connection.run(sql);
  connection.closeSync();
  instance.closeSync();
}

describe('plat show', () => {
  it("prints a model's rows, its ephemeral inputs inlined, without building it", async () => {
    const dir = project();
    expect(plat(['run', '--select', 'numbers'], dir).code).toBe(0);
    const shown = plat(['show', '--select', 'big_evens', '--limit', '3', '--json'], dir);
    expect(shown.stderr).toBe('');
    expect(JSON.parse(shown.stdout)).toEqual([{ n: 10 }, { n: 12 }, { n: 14 }]);
    expect(await queryDb(dir, "select count(*) as n from information_schema.tables where table_name = 'big_evens'")).toEqual([{ n: 0n }]);
    const text = plat(['show', '--select', 'big_evens', '--limit', '2'], dir);
    expect(text.stdout).toBe(' n\n──\n10\n12\n');
    expect(text.stderr).toContain('2 rows (first 2; use --limit)');
  });

  it('runs --inline SQL with ref and var, and reports an unknown ref at its column with the closest name', () => {
    const dir = project();
    expect(plat(['build'], dir).code).toBe(0);
    const shown = plat(['show', '--inline', 'select label from {{ref "labels"}} where n = {{var "n"}}', '--json'], dir);
    expect(JSON.parse(shown.stdout)).toEqual([{ label: 'one' }]);
    const typo = plat(['show', '--inline', 'select * from {{ref "numbrs"}}'], dir);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain('--inline:1:15 — unknown ref "numbrs" — did you mean "numbers"?');
  });

  it('refuses a selection of several nodes, or none', () => {
    const dir = project();
    plat(['build'], dir);
    const several = plat(['show', '--select', 'numbers+'], dir);
    expect(several.code).toBe(2);
    expect(several.stderr).toMatch(/--select matches 3 nodes/);
    expect(plat(['show'], dir).code).toBe(2);
  });
});

describe('plat retry', () => {
  it('reruns only what failed or was skipped, with the --vars of the failed command', async () => {
    const dir = project();
    // A model reading a table that does not exist yet; its child is skipped.
    const files = {
      'models/late.sql': '{{config materialized="table"}}select x * {{var "n"}} as x from main.arrives_later',
      'models/after_late.sql': 'select x from {{ref "late"}}',
    };
    for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, path), text);
    const first = plat(['build', '--vars', '{"n": 7}'], dir);
    expect(first.code).toBe(1);
    const results = JSON.parse(readFileSync(join(dir, 'target/run_results.json'), 'utf8'));
    expect(results.args).toEqual({ select: [], exclude: [], vars: { n: 7 }, fullRefresh: false });
    await execute(dir, 'create table main.arrives_later as select 6 as x');
    const retried = plat(['retry'], dir);
    expect(retried.stderr).toBe('');
    expect(retried.code).toBe(0);
    expect(retried.stdout).toMatch(/plat build: 2 nodes \(2 models\)/);
    expect(await queryDb(dir, 'select x from main.after_late')).toEqual([{ x: 42 }]);
    const again = plat(['retry'], dir);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('nothing to retry');
  });

  it('says so before anything has run', () => {
    const result = plat(['retry'], project());
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/nothing has run yet/);
  });
});
