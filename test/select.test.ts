import { describe, expect, it } from 'vitest';
import { selectNodes } from '../framework/compile/select.js';
import { compileProject, readProjectFiles } from '../framework/index.js';
import { compileDir, writeProject } from './helpers.js';

// raw → stg_a → int_ab → mart_x
// raw → stg_b ↗            ↘ mart_y (tag finance)
const files = {
  'plat_project.yml': 'name: p\nvars: { days: 7 }\n',
  'sources.yml': 'sources:\n  - name: raw\n    tables:\n      - name: events\n        generator: { rows: 1, fields: { id: { sequence: {} } } }\n      - name: users\n        generator: { rows: 1, fields: { id: { sequence: {} } } }\n',
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
    const { ids } = selectNodes(changed, { select: ['state:modified'], state: manifest });
    expect([...ids].map((id) => changed.nodes[id]!.name).sort()).toEqual(['mart_x', 'mart_y', 'new_model', 'stg_b']);
    const { ids: withDownstream } = selectNodes(changed, { select: ['state:modified+'], exclude: ['tag:finance'], state: manifest });
    expect([...withDownstream].map((id) => changed.nodes[id]!.name).sort()).toEqual(['int_ab', 'mart_x', 'new_model', 'stg_b']);
  });
  it('explains a selector that matches nothing, and state: without a manifest', () => {
    const { diagnostics } = selectNodes(manifest, { select: ['stg_c', 'state:modified'] });
    expect(diagnostics.map((d) => [d.severity, d.message, d.hint])).toEqual([
      ['warn', 'no node matches "stg_c"', 'did you mean "stg_a"?'],
      ['error', 'state:modified needs a manifest to compare with', 'pass --state <dir with manifest.json>, or run `plat compile` once so target/manifest.json exists'],
    ]);
  });
});
