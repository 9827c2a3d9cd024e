import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { build, run } from '../framework/api.js';
import { compileProject, readProjectFiles } from '../framework/index.js';
import { compileDir, plat, queryDb, writeProject } from './helpers.js';

const audit = 'create table if not exists main.audit (event varchar, n bigint, at_step integer)';

const project = (extra: Record<string, string> = {}) =>
  writeProject({
    'plat_project.yml': `name: h
threads: 1
on_run_start:
  - "${audit}"
  - "insert into main.audit values ('start', null, 1)"
on_run_end: "insert into main.audit select 'end', count(*), 9 from {{ref 'orders'}}"
models:
  paths:
    marts:
      post_hook: "insert into main.audit select 'folder', count(*), 5 from {{this}}"
`,
    'models/marts/orders.sql': `{{config materialized="table" pre_hook="insert into main.audit values ('pre', (select count(*) from main.audit), 2)" post_hook="insert into main.audit select 'post', count(*), 4 from {{this}}"}}
select range as id from range(3)
`,
    'models/marts/orders.yml': `models:
  - name: orders
    config:
      post_hook:
        - "insert into main.audit values ('{{var \\"label\\" \\"properties\\"}}', null, 3)"
`,
    ...extra,
  });

describe('hooks', () => {
  it('runs on_run_start, pre_hook, post_hooks of every layer and on_run_end in order, templated', async () => {
    const dir = project();
    const results = await run(compileDir(dir), { env: {} });
    expect(results.success).toBe(true);
    expect(await queryDb(dir, 'select event, n from main.audit order by rowid')).toEqual([
      { event: 'start', n: null },
      { event: 'pre', n: 1n },
      // post hooks add up in layer order: folder (plat_project.yml), properties, then the model's {{config}}.
      { event: 'folder', n: 3n },
      { event: 'properties', n: null },
      { event: 'post', n: 3n },
      { event: 'end', n: 3n },
    ]);
  });

  it('fails the model when its hook fails, with the hook in the error and what is downstream skipped', async () => {
    const dir = project({
      'models/marts/orders.yml': 'models:\n  - name: orders\n    config:\n      post_hook: "insert into main.nowhere values (1)"\n',
      'models/after.sql': 'select * from {{ref "orders"}}',
    });
    const results = await build(compileDir(dir), { env: {} });
    const byName = Object.fromEntries(results.results.map((r) => [r.name, r]));
    expect(byName.orders!.status).toBe('error');
    expect(byName.orders!.error).toMatchObject({ file: 'models/marts/orders.yml', line: 4, column: 18 });
    expect(byName.orders!.error!.message).toMatch(/^post_hook failed: .*nowhere/);
    expect(byName.after!.status).toBe('skipped');
    expect(results.success).toBe(false);
  });

  it('stops the command at a failing on_run_start, at its line in plat_project.yml', () => {
    const dir = project();
    writeFileSync(join(dir, 'plat_project.yml'), 'name: h\non_run_start: "select * from no_such_table"\n');
    const result = plat(['run'], dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error plat_project\.yml:2:15 — on_run_start failed: .*no_such_table/);
  });

  it('reports a hook mistake (an unknown ref) at the hook', () => {
    const dir = project({
      'models/marts/orders.yml': 'models:\n  - name: orders\n    config:\n      pre_hook: "select * from {{ref \'ordrs\'}}"\n',
    });
    const { diagnostics } = compileProject(readProjectFiles(dir), { env: {} });
    expect(diagnostics.map((d) => [d.file, d.line, d.message, d.hint])).toEqual([
      ['models/marts/orders.yml', 4, 'unknown ref "ordrs"', 'did you mean "orders"?'],
    ]);
  });

  it('runs no hook of an ephemeral model, which is inlined, never built', async () => {
    const dir = project({
      'models/marts/inlined.sql': '{{config materialized="ephemeral"}}select 1 as id',
      'models/marts/reads_inlined.sql': 'select * from {{ref "inlined"}}',
    });
    const manifest = compileDir(dir);
    expect(manifest.nodes['model.h.inlined']).toMatchObject({ hooks: { pre: [], post: [] } });
    const results = await run(manifest, { env: {} });
    expect(results.success).toBe(true);
    // The folder's post_hook ran for the two built models only: orders and the view reading the ephemeral one.
    expect(await queryDb(dir, "select count(*) as n from main.audit where event = 'folder'")).toEqual([{ n: 2n }]);
  });
});
