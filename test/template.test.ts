import { describe, expect, it } from 'vitest';
import { renderFast } from '../framework/compile/template/fast.js';
import { HandlebarsRenderer } from '../framework/compile/template/handlebars.js';
import type { TemplateHelpers } from '../framework/compile/template/context.js';
import { compileDir, writeProject } from './helpers.js';

function recordingHelpers(calls: string[]): TemplateHelpers {
  return {
    ref: (name) => {
      calls.push(`ref:${name}`);
      return `"main"."${name}"`;
    },
    source: (s, t) => {
      calls.push(`source:${s}.${t}`);
      return `"${s}"."${t}"`;
    },
    var: (name, fallback) => {
      calls.push(`var:${name}`);
      return name === 'days' ? 7 : name === 'flag' ? false : fallback;
    },
    env: (name, fallback) => {
      calls.push(`env:${name}`);
      return name === 'HOME_DIR' ? '/home/x' : fallback;
    },
    config: (settings) => void calls.push(`config:${JSON.stringify(Object.entries(settings).sort())}`),
    this: () => '"main"."self"',
    isIncremental: () => false,
    on: (types) => types.includes('duckdb'),
    macro: (name) => void calls.push(`macro:${name}`),
    error: (message) => {
      throw new Error(message);
    },
  };
}

const simpleTemplates = [
  'select * from {{ref "orders"}}',
  'select * from {{ ref \'orders\' }} o\njoin {{source "shop" "customers"}} c using (id)\n',
  '{{config materialized="table" unique_key="id"}}\nselect {{var "days"}} as d, {{var "missing" 3}} as m, {{var "flag"}} as f\nfrom {{this}}',
  'select \'{{env "HOME_DIR"}}\' as h, \'{{env "NOPE" "fallback"}}\' as n, {{env "NOPE" 12.5}} as x',
  '-- a comment with { braces } and }} closers\nselect 1\n\n\n',
  '{{config materialized="incremental" incremental_strategy="delete+insert" unique_key="a,b"}}select 1',
  '',
];

describe('templates', () => {
  it.each(simpleTemplates)('renders simple templates identically on the fast path and with Handlebars: %j', (template) => {
    const fastCalls: string[] = [];
    const slowCalls: string[] = [];
    const fast = renderFast(template, recordingHelpers(fastCalls));
    const slow = new HandlebarsRenderer([]).render(template, recordingHelpers(slowCalls));
    expect(fast).not.toBeNull();
    expect(fast!.sql).toBe(slow!.sql);
    expect(fastCalls).toEqual(slowCalls);
    expect(fast!.lineMap).toEqual(slow!.lineMap);
  });

  it.each([
    '{{#if x}}a{{/if}}',
    '{{> partial}}',
    '{{!-- note --}}select 1',
    '{{{ref "a"}}}',
    '\\{{ref "a"}}',
    '{{my_macro "a"}}',
    '{{ref "a" }}{{~ref "b"}}',
  ])('leaves anything beyond simple helpers to Handlebars: %j', (template) => {
    expect(renderFast(template, recordingHelpers([]))).toBeNull();
  });

  it('maps compiled lines back to template lines through blocks', () => {
    const template = '{{config materialized="incremental"}}\n-- a\nselect 1\n{{#if (is_incremental)}}\nwhere x > 0\n{{/if}}\nand y';
    const helpers = { ...recordingHelpers([]), isIncremental: () => true };
    const result = new HandlebarsRenderer([]).render(template, helpers)!;
    expect(result.sql).toBe('\n-- a\nselect 1\nwhere x > 0\nand y');
    expect(result.lineMap).toEqual([1, 2, 3, 5, 7]);
  });

  it('expands macros as helpers (with named params) and as partials, and records their use', () => {
    const dir = writeProject({
      'plat_project.yml': 'name: p\n',
      'macros/cents.hbs': '{{!-- params: column, scale --}}\nround({{column}} / 100.0, {{scale}})',
      'macros/audit_cols.hbs': 'current_timestamp as built_at',
      'models/a.sql': 'select {{cents "amount" 2}} as dollars, {{> audit_cols}}\nfrom (select 250 as amount)',
    });
    const model = compileDir(dir).nodes['model.p.a'];
    expect(model?.kind === 'model' && model.compiledSql).toBe(
      'select round(amount / 100.0, 2) as dollars, current_timestamp as built_at\nfrom (select 250 as amount)',
    );
    expect(model?.kind === 'model' && model.macros.sort()).toEqual(['audit_cols', 'cents']);
  });

  it("inlines ephemeral models as CTEs, joining a model's own WITH", () => {
    const dir = writeProject({
      'plat_project.yml': 'name: p\n',
      'models/base.sql': '{{config materialized="ephemeral"}}select 1 as id',
      'models/mid.sql': '{{config materialized="ephemeral"}}select id + 1 as id from {{ref "base"}}',
      'models/top.sql': 'with x as (select * from {{ref "mid"}})\nselect * from x',
    });
    const top = compileDir(dir).nodes['model.p.top'];
    expect(top?.kind === 'model' && top.compiledSql).toBe(
      'WITH __plat_ephemeral_base AS (\nselect 1 as id\n),\n__plat_ephemeral_mid AS (\nselect id + 1 as id from __plat_ephemeral_base\n)\n, x as (select * from __plat_ephemeral_mid)\nselect * from x',
    );
    expect(top?.kind === 'model' && top.lineMap).toEqual([0, 0, 0, 0, 0, 0, 1, 2]);
    expect(top?.kind === 'model' && top.inlined).toEqual([
      { path: 'models/base.sql', line: 2, lineMap: [1] },
      { path: 'models/mid.sql', line: 5, lineMap: [1] },
    ]);
  });

  it('renders {{this}} and is_incremental differently for the incremental variant', () => {
    const dir = writeProject({
      'plat_project.yml': 'name: p\nmodels:\n  defaults: { schema: core }\n',
      'models/events.sql':
        '{{config materialized="incremental" unique_key="id"}}\nselect 1 as id\n{{#if (is_incremental)}}\nwhere id > (select max(id) from {{this}})\n{{/if}}\n',
    });
    const node = compileDir(dir).nodes['model.p.events'];
    if (node?.kind !== 'model') throw new Error('missing model');
    expect(node.compiledSql).toBe('\nselect 1 as id');
    expect(node.incrementalSql).toBe('\nselect 1 as id\nwhere id > (select max(id) from "core"."events")');
    expect(node.config).toMatchObject({ materialized: 'incremental', schema: 'core', uniqueKey: ['id'], incrementalStrategy: 'merge' });
  });

  it('layers config: project defaults, then folder paths (longest wins), then properties, then {{config}}', () => {
    const dir = writeProject({
      'plat_project.yml':
        'name: p\nmodels:\n  defaults: { materialized: view, schema: base }\n  paths:\n    marts: { materialized: table, schema: marts }\n    marts/finance: { schema: finance }\n',
      'models/marts/finance/revenue.sql': 'select 1 as x',
      'models/marts/orders.sql': 'select 1 as x',
      'models/marts/props.yml': 'models:\n  - name: orders\n    config: { materialized: view }\n    tags: [daily]\n',
      'models/marts/finance/inline.sql': '{{config materialized="incremental" schema="override"}}select 1 as x',
      'models/top.sql': 'select 1 as x',
    });
    const nodes = compileDir(dir).nodes;
    const config = (name: string) => {
      const node = nodes[`model.p.${name}`];
      return node?.kind === 'model' ? [node.config.materialized, node.config.schema, node.tags] : null;
    };
    expect(config('revenue')).toEqual(['table', 'finance', []]);
    expect(config('orders')).toEqual(['view', 'marts', ['daily']]);
    expect(config('inline')).toEqual(['incremental', 'override', []]);
    expect(config('top')).toEqual(['view', 'base', []]);
  });
});
