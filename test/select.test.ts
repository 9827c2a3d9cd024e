import { describe, expect, it } from 'vitest';
import { baselineOf, selectNodes } from '../framework/compile/select.js';
import { compileProject, readProjectFiles } from '../framework/index.js';
import { compileDir, writeProject } from './helpers.js';

// raw → stg_a → int_ab → mart_x
// raw → stg_b ↗            ↘ mart_y (tag finance)
const files = {
  'plat_project.yml': 'name: p\nvars: { days: 7 }\n',
  'sources.yml':
    'sources:\n  - name: raw\n    tables:\n      - name: events\n        generator: { rows: 1, fields: { id: { sequence: {} } } }\n      - name: users\n        generator: { rows: 1, fields: { id: { sequence: {} } } }\n',
  'models/staging/stg_a.sql': 'select * from {{source "raw" "events"}}',
  'models/staging/stg_b.sql': 'select * from {{source "raw" "users"}}',
  'models/intermediate/int_ab.sql': 'select * from {{ref "stg_a"}} join {{ref "stg_b"}} using (id)',
  'models/marts/mart_x.sql': 'select * from {{ref "int_ab"}}',
  'models/marts/mart_y.sql': 'select *, {{var "days"}} as d from {{ref "int_ab"}}',
  'models/marts/props.yml': 'models:\n  - name: mart_y\n    tags: [finance]\n',
};
const manifest = compileDir(writeProject(files));
const names = (select?: string[], exclude?: string[]) => {
  const { ids, diagnostics } = selectNodes(manifest, { select, exclude });
  expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return [...ids].map((id) => manifest.nodes[id]!.name).sort();
};

describe('node selection', () => {
  it('selects everything by default', () => {
    expect(names()).toHaveLength(7);
  });
  it('selects by name, with ancestors (+x), descendants (x+) and depth (1+x)', () => {
    expect(names(['int_ab'])).toEqual(['int_ab']);
    expect(names(['+int_ab'])).toEqual(['int_ab', 'raw.events', 'raw.users', 'stg_a', 'stg_b']);
    expect(names(['int_ab+'])).toEqual(['int_ab', 'mart_x', 'mart_y']);
    expect(names(['1+int_ab'])).toEqual(['int_ab', 'stg_a', 'stg_b']);
    expect(names(['stg_a+1'])).toEqual(['int_ab', 'stg_a']);
  });
  it('selects @x: x, its descendants and all their ancestors', () => {
    expect(names(['@stg_a'])).toEqual(['int_ab', 'mart_x', 'mart_y', 'raw.events', 'raw.users', 'stg_a', 'stg_b']);
  });
  it('selects by tag, path, source and glob', () => {
    expect(names(['tag:finance'])).toEqual(['mart_y']);
    expect(names(['path:models/marts'])).toEqual(['mart_x', 'mart_y']);
    expect(names(['models/staging'])).toEqual(['stg_a', 'stg_b']);
    expect(names(['source:raw.users+'])).toEqual(['int_ab', 'mart_x', 'mart_y', 'raw.users', 'stg_b']);
    expect(names(['stg_*'])).toEqual(['stg_a', 'stg_b']);
    expect(names(['unique_id:model.*.int_ab+'])).toEqual(['int_ab', 'mart_x', 'mart_y']);
  });
  it('unions space-separated terms and intersects comma-joined ones', () => {
    expect(names(['stg_a mart_x'])).toEqual(['mart_x', 'stg_a']);
    expect(names(['stg_a', 'mart_x'])).toEqual(['mart_x', 'stg_a']);
    expect(names(['+mart_y,path:models/staging'])).toEqual(['stg_a', 'stg_b']);
  });
  it('removes --exclude matches', () => {
    expect(names(['path:models'], ['tag:finance', 'stg_b'])).toEqual(['int_ab', 'mart_x', 'stg_a']);
  });
  it('selects state:modified against an earlier manifest: body, config, var and new nodes', () => {
    const changed = compileProject(
      readProjectFiles(
        writeProject({
          ...files,
          'plat_project.yml': 'name: p\nvars: { days: 8 }\n',
          'models/marts/mart_x.sql': 'select *, 1 as extra from {{ref "int_ab"}}',
          'models/staging/stg_b.sql': '{{config materialized="table"}}select * from {{source "raw" "users"}}',
          'models/marts/new_model.sql': 'select 1 as x',
        }),
      ),
      { env: {} },
    ).manifest;
    const { ids } = selectNodes(changed, { select: ['state:modified'], state: baselineOf(manifest) });
    expect([...ids].map((id) => changed.nodes[id]!.name).sort()).toEqual(['mart_x', 'mart_y', 'new_model', 'stg_b']);
    const { ids: withDownstream } = selectNodes(changed, {
      select: ['state:modified+'],
      exclude: ['tag:finance'],
      state: baselineOf(manifest),
    });
    expect([...withDownstream].map((id) => changed.nodes[id]!.name).sort()).toEqual(['int_ab', 'mart_x', 'new_model', 'stg_b']);
  });
  it('explains a selector that matches nothing, and state: without a state', () => {
    const { diagnostics } = selectNodes(manifest, { select: ['stg_c', 'state:modified'] });
    expect(diagnostics.map((d) => [d.severity, d.message, d.hint])).toEqual([
      ['warn', 'no node matches "stg_c"', 'did you mean "stg_a"?'],
      [
        'error',
        'state:modified needs a state to compare with, and no node has run successfully yet',
        'run `plat build` once, or pass --state DIR (a folder with the manifest.json to compare with)',
      ],
    ]);
  });
  it('reports each term of a union that matches nothing, as an error when asked, with a hint for its method', () => {
    const { ids, diagnostics } = selectNodes(manifest, {
      select: ['mart_x +stg_c', 'tag:financ resource_type:modle'],
      exclude: ['path:models/mart'],
      unmatched: 'error',
    });
    expect([...ids].map((id) => manifest.nodes[id]!.name)).toEqual(['mart_x']);
    expect(diagnostics.map((d) => [d.severity, d.message, d.hint])).toEqual([
      ['error', 'no node matches "+stg_c"', 'did you mean "stg_a"?'],
      ['error', 'no node matches "tag:financ"', 'did you mean "finance"?'],
      ['error', 'no node matches "resource_type:modle"', 'did you mean "model"?'],
      ['error', 'no node matches --exclude "path:models/mart"', 'did you mean "models/marts"?'],
    ]);
  });
  it('tells an intersection that leaves nothing from a part that matches nothing', () => {
    const { diagnostics } = selectNodes(manifest, { select: ['tag:finance,stg_a', 'stg_*,config.materialized:tabel'] });
    expect(diagnostics.map((d) => [d.message, d.hint])).toEqual([
      ['no node matches "tag:finance,stg_a"', 'each part matches nodes, but no node matches all of them'],
      ['no node matches "stg_*,config.materialized:tabel"', 'did you mean "table"?'],
    ]);
  });
  it('finds nothing wrong with a state: term that matches nothing: nothing changed', () => {
    expect(selectNodes(manifest, { select: ['state:modified+'], state: baselineOf(manifest), unmatched: 'error' })).toEqual({
      ids: new Set(),
      diagnostics: [],
    });
  });
});
