import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { build, type RunResults } from '../framework/index.js';
import { compileDir, plat, writeProject } from './helpers.js';

const byName = (results: RunResults) => Object.fromEntries(results.results.map((r) => [r.name, r]));

describe('ephemeral models', () => {
  it("maps a DuckDB error inside an inlined ephemeral model to that model's file and line", async () => {
    const dir = writeProject({
      'plat_project.yml':
        'name: p\nmodels:\n  paths:\n    intermediate: { materialized: ephemeral }\n    marts: { materialized: table, schema: marts }\n',
      'models/intermediate/int_base.sql': 'select 1 as id,\n  2 as amount\n',
      'models/intermediate/int_x.sql': '-- amounts per id\nselect id,\n  amount,\n  nosuchcol as c\nfrom {{ref "int_base"}}\n',
      'models/marts/orders.sql': 'with x as (select * from {{ref "int_x"}})\nselect * from x\n',
    });
    const error = {
      file: 'models/intermediate/int_x.sql',
      line: 4,
      message: expect.stringContaining('Referenced column "nosuchcol" not found'),
    };
    expect(byName(await build(compileDir(dir), { env: {} })).orders!.error).toMatchObject(error);
    const stored = JSON.parse(readFileSync(join(dir, 'target/run_results.json'), 'utf8')) as RunResults;
    expect(byName(stored).orders!.error).toMatchObject(error);
    const { code, stdout } = plat(['build'], dir);
    expect(code).toBe(1);
    expect(stdout).toContain('ERROR marts.orders: models/intermediate/int_x.sql:4 Binder Error: Referenced column "nosuchcol" not found');
  });

  it('can be read by ML feature sets, custom generic tests, singular tests and agent tools', async () => {
    const dir = writeProject({
      'plat_project.yml': 'name: p\nmodels:\n  paths:\n    intermediate: { materialized: ephemeral }\n',
      'models/intermediate/int_people.sql':
        'select range as id, (range % 10)::double as x1, ((range * 7) % 10) >= 4 as label\nfrom range(200)\n',
      'models/people.sql': '{{config materialized="table"}}\nselect * from {{ref "int_people"}}\n',
      'models/people.yml': 'models:\n  - name: people\n    columns:\n      - { name: id, tests: [known_id] }\n',
      'tests/generic/known_id.sql': 'select * from {{model}} where {{column}} not in (select id from {{ref "int_people"}})\n',
      'tests/no_negative_ids.sql': 'select * from {{ref "int_people"}} where id < 0\n',
      'ml/people.yml': `feature_sets:
  - { name: people_features, entity: id, ref: int_people, features: [{ name: x1 }] }
models:
  - { name: people_model, feature_set: people_features, label: { column: label }, task: binary, min_rows: 100 }
scoring:
  - model: people_model
`,
      'agents/a.yml':
        'tools:\n  - name: count_people\n    description: How many people\n    sql: select count(*) as n from {{ref "int_people"}}\n',
    });
    const results = byName(await build(compileDir(dir), { env: {} }));
    const statuses = Object.fromEntries(
      ['people_model', 'predictions_people_model', 'known_id_people_id', 'no_negative_ids', 'count_people'].map((name) => [
        name,
        results[name]?.status,
      ]),
    );
    expect(statuses).toEqual({
      people_model: 'success',
      predictions_people_model: 'success',
      known_id_people_id: 'pass',
      no_negative_ids: 'pass',
      count_people: 'success',
    });
    expect(results.predictions_people_model!.rows).toBe(200);
    expect(results.known_id_people_id!.failures).toBe(0);
  });
});
