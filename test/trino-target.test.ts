import { describe, expect, it } from 'vitest';
import { compileProject, formatDiagnostic, readProjectFiles } from '../framework/index.js';
import { writeProject } from './helpers.js';

const project = (yml: string, models: Record<string, string> = { 'models/a.sql': 'select 1 as x' }) =>
  writeProject({ 'plat_project.yml': `name: shop\n${yml}`, ...models });
const compiled = (dir: string, options: { env?: Record<string, string>; target?: string } = {}) =>
  compileProject(readProjectFiles(dir), { env: options.env ?? {}, target: options.target });

const targets = `target: { type: duckdb, path: db/shop.duckdb }
targets:
  cluster: { type: trino, url: "http://trino.internal:8080", catalog: lake, schema_prefix: dev_ann, user: ann }
`;

describe('a project built on DuckDB and on a Trino cluster without editing', () => {
  it('builds in target: by default, and in a named target chosen by --target or PLAT_TARGET', () => {
    const dir = project(targets);
    expect(compiled(dir).manifest.target).toEqual({ type: 'duckdb', path: 'db/shop.duckdb' });
    const cluster = {
      type: 'trino',
      url: 'http://trino.internal:8080',
      catalog: 'lake',
      user: 'ann',
      schemaPrefix: 'dev_ann',
      landing: null,
      sandboxUser: null,
    };
    expect(compiled(dir, { target: 'cluster' }).manifest.target).toEqual(cluster);
    expect(compiled(dir, { env: { PLAT_TARGET: 'cluster' } }).manifest.target).toEqual(cluster);
    // --target wins over the environment.
    expect(compiled(dir, { target: 'duckdb', env: { PLAT_TARGET: 'cluster' } }).manifest.target.type).toBe('duckdb');
  });

  it("takes a type's name as a target with that type's defaults, the address and landing folder from the environment", () => {
    const dir = project('');
    const { manifest, diagnostics } = compiled(dir, {
      env: { PLAT_TARGET: 'trino', TRINO_URL: 'http://127.0.0.1:8080', TRINO_FILES: '/srv/trino' },
    });
    expect(diagnostics).toEqual([]);
    expect(manifest.target).toEqual({
      type: 'trino',
      url: 'http://127.0.0.1:8080',
      catalog: 'iceberg',
      user: 'plat',
      schemaPrefix: null,
      landing: { folder: '/srv/trino/landing', location: 'local:///landing' },
      sandboxUser: null,
    });
  });

  it('names a target that does not exist with a did-you-mean, and a Trino target without an address', () => {
    const dir = project(targets);
    expect(compiled(dir, { target: 'clustr' }).diagnostics.map(formatDiagnostic)).toEqual([
      'plat_project.yml:4:3 — no target "clustr" (chosen by --target) — did you mean "cluster"?',
    ]);
    expect(compiled(project(''), { target: 'trino' }).diagnostics.map(formatDiagnostic)).toEqual([
      "plat_project.yml:1:1 — a trino target needs the coordinator's address — set url: http://host:8080 in the target, or TRINO_URL in the environment",
    ]);
    expect(compiled(project('targets:\n  c: { type: trino, urll: x }\n')).diagnostics.map(formatDiagnostic)[0]).toMatch(
      /^plat_project\.yml:3:\d+ — .*urll.* — did you mean "url"\?$/,
    );
  });

  it("writes relations where the target puts them: the catalog, and the schema under the target's prefix", () => {
    const dir = project(targets, { 'models/a.sql': '{{config schema="marts"}}select 1 as x', 'models/b.sql': 'select * from {{ref "a"}}' });
    const { manifest } = compiled(dir, { target: 'cluster' });
    expect(manifest.nodes['model.shop.b']).toMatchObject({ compiledSql: 'select * from "lake"."dev_ann_marts"."a"' });
    expect(manifest.nodes['model.shop.a']).toMatchObject({ relation: { schema: 'marts', name: 'a' } });
  });

  it("warns, at the model's line and column, where a model uses syntax the target's dialect lacks; DuckDB takes it", () => {
    const models = {
      'models/a.sql':
        "-- a comment with :: and qualify is not looked at\nselect id::integer as id, 'x::y' as t\nfrom s qualify row_number() over () = 1",
    };
    const dir = project(targets, models);
    expect(compiled(dir).diagnostics).toEqual([]);
    expect(compiled(dir, { target: 'cluster' }).diagnostics.map(formatDiagnostic)).toEqual([
      `models/a.sql:2:10 — model uses syntax the target's dialect lacks: "::" casts (trino) — write CAST(x AS type)`,
      "models/a.sql:3:8 — model uses syntax the target's dialect lacks: QUALIFY (trino) — filter row_number() … in an outer query",
    ]);
  });

  it("warns, at the line and column in the YAML, where an agent tool's or an endpoint's SQL uses syntax the target's dialect lacks", () => {
    const files = {
      'models/a.sql': 'select 1 as id, 2 as x',
      'agents/tools.yml': [
        'tools:',
        '  - name: latest',
        "    description: The latest row (it's one)",
        '    sql: |',
        '      select id, x',
        '      from {{ref "a"}} -- qualify is not looked at in a comment, nor \'a::b\' in a string',
        '      qualify row_number() over (order by id desc) = 1',
        '',
      ].join('\n'),
      'endpoints/figures.yml': [
        'endpoints:',
        '  - name: figures',
        '    type: analytics',
        '    route: /v1/figures',
        '    key: id',
        '    analyses:',
        '      sums:',
        '        sql: >',
        '          select sum(x)::double as total',
        '          from {{ref "a"}} where id = $id',
        '        metrics: { total: { label: total } }',
        '',
      ].join('\n'),
    };
    const dir = project(targets, files);
    expect(compiled(dir).diagnostics).toEqual([]);
    expect(compiled(dir, { target: 'cluster' }).diagnostics.map(formatDiagnostic)).toEqual([
      "agents/tools.yml:7:7 — tool uses syntax the target's dialect lacks: QUALIFY (trino) — filter row_number() … in an outer query",
      `endpoints/figures.yml:9:24 — endpoint uses syntax the target's dialect lacks: "::" casts (trino) — write CAST(x AS type)`,
    ]);
  });
});
