import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileProject, IncrementalCompiler, readProjectFiles } from '../framework/index.js';
import { formatDiagnostic } from '../framework/core/diagnostics.js';
import { fixture, writeProject } from './helpers.js';

const diagnosticsOf = (dir: string) => compileProject(readProjectFiles(dir), { env: {} }).diagnostics.map(formatDiagnostic);

describe('project diagnostics', () => {
  it('places a YAML syntax error at its line and column', () => {
    expect(diagnosticsOf(fixture('invalid_yaml'))).toEqual([
      'plat_project.yml:5:1 — invalid YAML: unexpected end of the stream within a flow collection',
    ]);
  });

  it('names an unknown ref and source with position and a did-you-mean', () => {
    expect(diagnosticsOf(fixture('unknown_ref'))).toEqual([
      'models/revenue.sql:4:6 — unknown ref "stg_order" — did you mean "stg_orders"?',
      'models/revenue.sql:5:6 — unknown source "shop.order" — did you mean "shop.orders"?',
    ]);
  });

  it('prints a cycle as its path, at the ref that closes it', () => {
    expect(diagnosticsOf(fixture('cycle'))).toEqual([
      'models/a.sql:1:15 — dependency cycle: a → c → b → a — a model cannot depend on itself, directly or through others; remove one of these refs',
    ]);
  });

  it('names both paths of a duplicate model', () => {
    expect(diagnosticsOf(fixture('duplicate_model'))).toEqual([
      'models/b/orders.sql — duplicate model name "orders" (also defined in models/a/orders.sql) — model names are global: rename one of the files',
    ]);
  });

  it('reports every schema violation in one pass, each at its place with a hint', () => {
    expect(diagnosticsOf(fixture('bad_schema'))).toEqual([
      'plat_project.yml:2:10 — at threads: must be integer',
      'plat_project.yml:5:19 — at models.defaults.materialized: "tabel" is not one of view, table, incremental, ephemeral — did you mean "table"?',
      'sources.yml:5:9 — at sources[0].tables[0]: unknown property "generater" — did you mean "generator"?',
      'models/orders.yml:3:5 — at models[0]: unknown property "descripton" — did you mean "description"?',
    ]);
  });

  it('reports properties for a model that has no SQL file', () => {
    const dir = writeProject({
      'plat_project.yml': 'name: p\n',
      'models/orders.sql': 'select 1 as id\n',
      'models/props.yml': 'models:\n  - name: order\n    description: x\n',
    });
    expect(diagnosticsOf(dir)).toEqual([
      'models/props.yml:2:11 — properties given for model "order", but there is no models/**/order.sql — did you mean "orders"?',
    ]);
  });

  it('reports an unknown var, a bad inline config and an unknown helper with positions', () => {
    const dir = writeProject({
      'plat_project.yml': 'name: p\nvars: { days: 7 }\n',
      'models/a.sql': 'select {{var "day"}} as d\n',
      'models/b.sql': '{{config materialised="table"}}\nselect 1 as x\n',
      'models/c.sql': 'select 1 as x\n{{#if (nope)}}x{{/if}}\n',
      'models/d.sql': 'select {{sourse "s" "t"}} as x\n',
    });
    expect(diagnosticsOf(dir)).toEqual([
      'models/a.sql:1:8 — var "day" is not defined in plat_project.yml vars and has no default — add it under vars: in plat_project.yml, pass --vars \'{"day": …}\', or give a default: {{var "day" <default>}}',
      'models/b.sql:1:1 — unknown config "materialised" — did you mean "materialized"?',
      'models/c.sql:2:8 — template error: "nope" is not a helper, variable or macro — available: ref, source, var, env, config, this, is_incremental, on',
      'models/d.sql:1:10 — template error: "sourse" is not a helper, variable or macro — did you mean "source"?',
    ]);
  });

  it('checks generator specs', () => {
    const dir = writeProject({
      'plat_project.yml': 'name: p\n',
      'sources.yml': `sources:
  - name: s
    tables:
      - name: t
        generator:
          rows: 5
          fields:
            price: { when: kind, cases: { a: { const: 1 } } }
            kind: { choice: [a, b] }
`,
    });
    expect(diagnosticsOf(dir)).toEqual([
      'sources.yml:6:11 — source s.t: field "price" depends on "kind", which must be declared before it',
    ]);
  });

  it('reports a model and a YAML file that are not UTF-8 at their first invalid byte', () => {
    const dir = writeProject({ 'plat_project.yml': 'name: p\n', 'models/marts/ok.sql': 'select 1 as x\n' });
    writeFileSync(join(dir, 'models/marts/latin.sql'), Buffer.from("select 'na\xefve' x\n", 'latin1'));
    writeFileSync(join(dir, 'models/marts/props.yml'), Buffer.from('models:\n  - name: ok\n    description: caf\xe9 au lait\n', 'latin1'));
    expect(diagnosticsOf(dir)).toEqual([
      'models/marts/latin.sql:1:11 — file is not UTF-8: invalid byte sequence starting with 0xEF — save it as UTF-8 (plat reads every project file as UTF-8)',
      'models/marts/props.yml:3:21 — file is not UTF-8: invalid byte sequence starting with 0xE9 — save it as UTF-8 (plat reads every project file as UTF-8)',
    ]);
  });

  it('reports model names that differ only in case, whichever folder they are in', () => {
    const dir = writeProject({
      'plat_project.yml': 'name: p\nmodels:\n  paths:\n    marts: { schema: marts }\n    staging: { schema: staging }\n',
      'models/marts/Orders.sql': 'select 1 as id\n',
      'models/marts/orders.sql': 'select 2 as id\n',
      'models/staging/ORDERS.sql': 'select 3 as id\n',
    });
    const hint = 'the names differ only in case, and DuckDB names are case-insensitive: rename one of the files';
    expect(diagnosticsOf(dir)).toEqual([
      `models/marts/orders.sql — duplicate model name "orders" (also defined in models/marts/Orders.sql) — ${hint}`,
      `models/staging/ORDERS.sql — duplicate model name "ORDERS" (also defined in models/marts/Orders.sql) — ${hint}`,
    ]);
  });

  it('reports source tables whose names differ only in case, at both places', () => {
    const dir = writeProject({
      'plat_project.yml': 'name: p\n',
      'sources.yml': 'sources:\n  - name: shop\n    tables:\n      - name: orders\n      - name: Orders\n',
    });
    expect(diagnosticsOf(dir)).toEqual([
      'sources.yml:5:15 — source table "shop.Orders" is declared twice — also in sources.yml:4:15 as "shop.orders" (names are case-insensitive)',
    ]);
  });

  it('reports two nodes that write one relation, compared case-insensitively, and allows one name in two schemas', () => {
    const dir = writeProject({
      'plat_project.yml': 'name: p\nmodels:\n  paths:\n    raw: { schema: bronze }\n    ml: { schema: ML }\n',
      'sources.yml': 'sources:\n  - name: shop\n    schema: bronze\n    tables:\n      - name: events\n      - name: orders\n',
      'models/raw/Events.sql': 'select 1 as id\n',
      'models/orders.sql': 'select 1 as id\n',
      'models/ml/Predictions_M.sql': 'select 1 as id, true as label\n',
      'ml/m.yml': `feature_sets:
  - { name: f, entity: id, ref: orders, features: [{ name: id }] }
models:
  - { name: m, feature_set: f, label: { column: id }, task: binary }
scoring:
  - model: m
`,
    });
    expect(diagnosticsOf(dir)).toEqual([
      'models/raw/Events.sql — model "Events" writes bronze.Events, which source table "shop.events" (sources.yml:5:15) writes too — DuckDB names are case-insensitive: give one of them another name or schema',
      'ml/m.yml:6:12 — the scoring of ML model "m" writes ml.predictions_m, which model "Predictions_M" (models/ml/Predictions_M.sql) writes too — DuckDB names are case-insensitive: give one of them another name or schema',
    ]);
  });

  it('reports test, tool and ML names that differ only in case, and makes generated test names step around chosen ones', () => {
    const dir = writeProject({
      'plat_project.yml': 'name: p\n',
      'models/orders.sql': 'select 1 as id\n',
      'models/orders.yml':
        'models:\n  - name: orders\n    columns:\n      - { name: id, tests: [not_null, { unique: { name: Orders_Check } }] }\n',
      'tests/orders_check.sql': 'select * from {{ref "orders"}} where id < 0\n',
      'tests/not_null_orders_id.sql': 'select * from {{ref "orders"}} where id is null\n',
      'agents/a.yml': 'tools:\n  - { name: total, description: t, sql: select 1 }\n  - { name: Total, description: t, sql: select 2 }\n',
      'ml/m.yml': `feature_sets:
  - { name: f, entity: id, ref: orders, features: [{ name: id }] }
  - { name: F, entity: id, ref: orders, features: [{ name: id }] }
models:
  - { name: m, feature_set: f, label: { column: id }, task: binary }
  - { name: m, feature_set: f, label: { column: id }, task: binary }
`,
    });
    expect(diagnosticsOf(dir)).toEqual([
      'ml/m.yml:3:13 — feature set "F" is declared twice (also in ml/m.yml:2:13 as "f") — names are case-insensitive',
      'ml/m.yml:6:13 — ML model "m" is declared twice (also in ml/m.yml:5:13)',
      'models/orders.yml:4:39 — duplicate test name "Orders_Check" (also used by "orders_check" in tests/orders_check.sql) — the names differ only in case, and DuckDB names are case-insensitive: rename one of them',
      'agents/a.yml:3:13 — tool "Total" is declared twice (also in agents/a.yml:2:13 as "total") — names are case-insensitive',
    ]);
    const names = Object.values(compileProject(readProjectFiles(dir), { env: {} }).manifest.nodes).flatMap((n) =>
      n.kind === 'test' ? [n.name] : [],
    );
    expect(names.sort()).toEqual(['not_null_orders_id', 'not_null_orders_id_2', 'orders_check']);
  });

  it('reports a model or a singular test that has no SQL, only comments', () => {
    const dir = writeProject({
      'plat_project.yml': 'name: p\n',
      'models/empty.sql': '',
      'models/comments.sql': '{{config materialized="table"}}\n-- to do\n/* later */\n;\n',
      'tests/nothing.sql': '{{!-- checks nothing yet --}}\n-- select 1\n',
    });
    expect(diagnosticsOf(dir)).toEqual([
      'models/comments.sql — model has no SQL — write the SELECT statement whose result the model is',
      'models/empty.sql — model has no SQL — write the SELECT statement whose result the model is',
      'tests/nothing.sql — test has no SQL — write a SELECT statement that returns the rows breaking the rule',
    ]);
  });

  it('reports a model emptied in watch mode, as a full compile does', () => {
    const dir = writeProject({ 'plat_project.yml': 'name: p\n', 'models/a.sql': 'select 1 as x\n' });
    const project = readProjectFiles(dir);
    const compiler = new IncrementalCompiler({ env: {} });
    compiler.compile(project, []);
    project.files.set('models/a.sql', '-- select 1 as x\n');
    expect(compiler.compile(project, ['models/a.sql']).diagnostics.map(formatDiagnostic)).toEqual([
      'models/a.sql — model has no SQL — write the SELECT statement whose result the model is',
    ]);
  });

  it("points a template syntax error at its tag, with Handlebars' detail, and nothing downstream", () => {
    const dir = writeProject({
      'plat_project.yml': 'name: p\n',
      'models/orders.sql': 'select 1 as id\n{{#if (is_incremental)}}\nwhere id > 0\n\n',
      'models/braces.sql': 'select 1 as id\nfrom {{ref "orders" (}}\n',
      'models/closes.sql': 'select 1 as id\n{{#if (is_incremental)}}\nwhere 1 = 1\n{{/each}}\n',
      'models/revenue.sql': 'select * from {{ref "orders"}} as o\n',
      'models/revenue.yml': `models:
  - name: revenue
    columns: [{ name: id, tests: [{ relationships: { to: orders, field: id } }] }]
unit_tests:
  - { name: orders_unit, model: orders, given: [], expect: { rows: [] } }
`,
    });
    expect(diagnosticsOf(dir)).toEqual([
      'models/braces.sql:2:22 — template error: unexpected }}',
      'models/closes.sql:4:1 — template error: {{/each}} does not close {{#if}} (opened at 2:1) — close {{#if}} with {{/if}} first',
      'models/orders.sql:2:1 — template error: {{#if}} is never closed — close it with {{/if}}',
    ]);
  });

  it('keeps the valid entries of a YAML file with a schema error, and reports only the error', () => {
    const dir = writeProject({
      'plat_project.yml': 'name: p\n',
      'sources.yml': `sources:
  - name: shop
    tables:
      - name: orders
        colums: [{ name: id }]
      - name: customers
  - name: crm
    tables:
      - name: leads
`,
      'models/orders.sql': 'select * from {{source "shop" "orders"}}\n',
      'models/customers.sql': 'select * from {{source "shop" "customers"}} join {{source "crm" "leads"}} using (id)\n',
      'models/props.yml':
        'models:\n  - name: orders\n    tset: [x]\n  - name: customers\n    columns: [{ name: id, tests: [not_null, { relationships: { to: shop.orders, field: id } }] }]\n',
      'ml/m.yml': `feature_sets:
  - { name: f, entity: id, ref: customers, features: [{ name: id, transforms: [standardise] }] }
models:
  - { name: m, feature_set: f, label: { column: id }, task: binary }
scoring:
  - model: m
`,
      'agents/a.yml':
        'agents:\n  - { name: a, tools: [t, predict] }\ntools:\n  - { name: t, description: d, sql: select 1, keywrds: [x] }\n  - { name: predict, description: p, builtin: ml_predict, model: m }\n',
    });
    expect(diagnosticsOf(dir)).toEqual([
      'sources.yml:5:9 — at sources[0].tables[0]: unknown property "colums" — did you mean "columns"?',
      'models/props.yml:3:5 — at models[0]: unknown property "tset" — allowed: name, description, tags, config, columns, tests, contract',
      'ml/m.yml:2:80 — at feature_sets[0].features[0].transforms[0]: "standardise" is not one of standardize, one_hot — did you mean "standardize"?',
      'ml/m.yml:2:80 — at feature_sets[0].features[0].transforms[0]: must be object',
      'agents/a.yml:4:47 — at tools[0]: unknown property "keywrds" — did you mean "keywords"?',
      'ml/m.yml:6:12 — scoring: model "m" has errors (reported above), so it cannot be scored',
    ]);
    const { manifest } = compileProject(readProjectFiles(dir), { env: {} });
    expect(Object.keys(manifest.nodes).sort()).toEqual([
      'model.p.customers',
      'model.p.orders',
      'source.p.crm.leads',
      'source.p.shop.customers',
      'test.p.not_null_customers_id',
    ]);
  });

  it('reports nothing but the YAML error when a sources file does not parse', () => {
    const dir = writeProject({
      'plat_project.yml': 'name: p\n',
      'sources.yml': 'sources:\n  - name: shop\n    tables: [{ name: orders }\n',
      'models/orders.sql': 'select * from {{source "shop" "orders"}}\n',
    });
    expect(diagnosticsOf(dir)).toEqual(['sources.yml:4:1 — invalid YAML: unexpected end of the stream within a flow collection']);
  });

  it('names the first place of properties declared twice, with its line', () => {
    const dir = writeProject({
      'plat_project.yml': 'name: p\n',
      'models/orders.sql': 'select 1 as id\n',
      'models/a.yml': 'models:\n  - name: orders\n    description: first\n',
      'models/b.yml': 'models:\n  - name: other\n    description: x\n  - name: orders\n    description: second\n',
    });
    expect(diagnosticsOf(dir).filter((d) => d.includes('twice'))).toEqual([
      'models/b.yml:4:11 — properties for model "orders" are declared twice (also in models/a.yml:2:11)',
    ]);
  });
});
