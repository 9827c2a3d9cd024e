import { describe, expect, it } from 'vitest';
import { compileProject, readProjectFiles } from '../framework/index.js';
import { formatDiagnostic } from '../framework/core/diagnostics.js';
import { fixture, writeProject } from './helpers.js';

const diagnosticsOf = (dir: string) => compileProject(readProjectFiles(dir), { env: {} }).diagnostics.map(formatDiagnostic);

describe('project diagnostics', () => {
  it('places a YAML syntax error at its line and column', () => {
    expect(diagnosticsOf(fixture('invalid_yaml'))).toEqual(['plat_project.yml:5:1 — invalid YAML: unexpected end of the stream within a flow collection']);
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
    expect(diagnosticsOf(dir)).toEqual(['models/props.yml:2:11 — properties given for model "order", but there is no models/**/order.sql — did you mean "orders"?']);
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
      'models/c.sql:2:8 — template error: "nope" is not a helper, variable or macro — available: ref, source, var, env, config, this, is_incremental',
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
    expect(diagnosticsOf(dir)).toEqual(['sources.yml:6:11 — source s.t: field "price" depends on "kind", which must be declared before it']);
  });
});
