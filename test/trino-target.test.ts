import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileProject, formatDiagnostic, readProjectFiles } from '../framework/index.js';
import { plat, writeProject } from './helpers.js';

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

  it('compiles for the target `plat compile --target` names, and keeps each target its own cache', () => {
    const dir = project(targets, { 'models/a.sql': '{{config schema="marts"}}select 1 as x', 'models/b.sql': 'select * from {{ref "a"}}' });
    const onCluster = plat(['compile', '--target', 'cluster', '--select', 'b'], dir);
    expect({ code: onCluster.code, stdout: onCluster.stdout }).toEqual({
      code: 0,
      stdout: '-- models/b.sql\nselect * from "lake"."dev_ann_marts"."a"\n\n',
    });
    // Compiled twice from the cache: each answer for its own target.
    for (const round of [1, 2]) {
      expect(plat(['compile', '--target', 'cluster'], dir).code, `round ${round}`).toBe(0);
      expect(readFileSync(join(dir, 'target/compiled/models/b.sql'), 'utf8')).toBe('select * from "lake"."dev_ann_marts"."a"\n');
      expect(plat(['compile'], dir).code).toBe(0);
      expect(readFileSync(join(dir, 'target/compiled/models/b.sql'), 'utf8')).toBe('select * from "marts"."a"\n');
    }
    const unknown = plat(['compile', '--target', 'clustr'], dir);
    expect({ code: unknown.code, stderr: unknown.stderr }).toEqual({
      code: 1,
      stderr: expect.stringContaining('no target "clustr" (chosen by --target) — did you mean "cluster"?'),
    });
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

  it("warns of DuckDB's epoch_us, GROUP BY ALL and intervals of unquoted numbers on Trino", () => {
    const models = {
      'models/a.sql': 'select epoch_us(ts) as us, ts + interval 1 hour as later\nfrom s\ngroup by all',
    };
    const dir = project(targets, models);
    expect(compiled(dir).diagnostics).toEqual([]);
    expect(compiled(dir, { target: 'cluster' }).diagnostics.map(formatDiagnostic)).toEqual([
      "models/a.sql:3:1 — model uses syntax the target's dialect lacks: GROUP BY ALL (trino) — name the grouped columns (or their positions)",
      "models/a.sql:1:33 — model uses syntax the target's dialect lacks: an interval of an unquoted number (trino) — write interval '3' hour (or n * interval '1' hour)",
      `models/a.sql:1:8 — model uses syntax the target's dialect lacks: DuckDB's epoch_us() (trino) — use Trino's own (to_unixtime, max_by, min_by, split, regexp_like, date_diff…), or a macro with {{#on "trino"}}…{{else}}…{{/on}}`,
    ]);
  });

  it('renders an {{#on}} block on the target types it names and its {{else}} on the others, and checks only what the target renders', () => {
    const key = '{{!-- params: column --}}\n{{#on "trino"}}md5(to_utf8({{column}})){{else}}md5_number({{column}}){{/on}}';
    const models = {
      'models/a.sql': 'select {{event_key "id"}} as k,\n  {{#on "duckdb"}}id::integer{{else}}cast(id as integer){{/on}} as i\nfrom s',
      'macros/event_key.hbs': key,
    };
    const dir = project(targets, models);
    const onDuckDB = compiled(dir);
    expect(onDuckDB.diagnostics).toEqual([]);
    expect(onDuckDB.manifest.nodes['model.shop.a']).toMatchObject({
      compiledSql: 'select md5_number(id) as k,\n  id::integer as i\nfrom s',
    });
    const onTrino = compiled(dir, { target: 'cluster' });
    expect(onTrino.diagnostics).toEqual([]);
    expect(onTrino.manifest.nodes['model.shop.a']).toMatchObject({
      compiledSql: 'select md5(to_utf8(id)) as k,\n  cast(id as integer) as i\nfrom s',
    });
  });

  it('names a target type an {{#on}} block gets wrong, with a did-you-mean', () => {
    const dir = project(targets, { 'models/a.sql': 'select 1 as x\n{{#on "trin"}}, 2 as y{{/on}}' });
    expect(compiled(dir).diagnostics.map(formatDiagnostic)).toEqual([
      'models/a.sql:2:1 — template error: {{#on}} names no target type "trin" — did you mean "trino"?',
    ]);
  });

  it("names the tested relation as the target writes it where a test's where: says {{this}}", () => {
    const models = {
      'models/a.sql': '{{config schema="staging"}}select 1 as x, 1 as batch',
      'models/a.yml':
        'models:\n  - name: a\n    columns:\n      - name: x\n        tests:\n          - unique: { where: "batch = (select max(batch) from {{this}})" }\n',
    };
    const dir = project(targets, models);
    const sqlOf = (manifest: ReturnType<typeof compiled>['manifest']) =>
      Object.values(manifest.nodes).find((n) => n.kind === 'test' && n.name === 'unique_a_x')?.compiledSql;
    expect(sqlOf(compiled(dir).manifest)).toContain('where batch = (select max(batch) from "staging"."a")');
    expect(sqlOf(compiled(dir, { target: 'cluster' }).manifest)).toContain(
      'where batch = (select max(batch) from "lake"."dev_ann_staging"."a")',
    );
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
