import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { build, seed } from '../framework/api.js';
import { compileProject, readProjectFiles } from '../framework/index.js';
import { compileDir, plat, queryDb, writeProject } from './helpers.js';

const project = (extra: Record<string, string> = {}) =>
  writeProject({
    'plat_project.yml': 'name: sd\nthreads: 2\nseeds:\n  defaults: { schema: ref_data }\n',
    'seeds/countries.csv': 'code,name,zip\nDE,"Germany, Federal Republic",01067\nFR,France,75001\n',
    'seeds/seeds.yml': `seeds:
  - name: countries
    description: ISO country codes.
    config: { column_types: { zip: VARCHAR } }
    columns: [{ name: code, description: Two letters., tests: [unique, { accepted_values: [DE, FR] }] }]
`,
    'models/by_country.sql': '{{config materialized="table"}}select code, upper(name) as name from {{ref "countries"}}',
    'models/by_country.yml':
      'models:\n  - name: by_country\n    columns: [{ name: code, tests: [{ relationships: { to: countries, field: code } }] }]\n',
    ...extra,
  });

describe('seeds', () => {
  it('loads a CSV with declared column types and quoted fields, and models ref it in build', async () => {
    const dir = project();
    const manifest = compileDir(dir);
    expect(manifest.parents['model.sd.by_country']).toEqual(['seed.sd.countries']);
    const results = await build(manifest, { env: {} });
    // The seed's column tests run right after it (in either order), before what reads it.
    const lines = results.results.map((r) => [r.name, r.status, r.action, r.rows]);
    expect([lines[0], lines[3], lines[4]]).toEqual([
      ['countries', 'success', 'seed', 2],
      ['by_country', 'success', 'table', 2],
      ['relationships_by_country_code', 'pass', 'generic', null],
    ]);
    expect(lines.slice(1, 3).sort()).toEqual([
      ['accepted_values_countries_code', 'pass', 'generic', null],
      ['unique_countries_code', 'pass', 'generic', null],
    ]);
    expect(await queryDb(dir, 'select * from ref_data.countries order by code')).toEqual([
      { code: 'DE', name: 'Germany, Federal Republic', zip: '01067' },
      { code: 'FR', name: 'France', zip: '75001' },
    ]);
  });

  it('keeps an unchanged CSV, reloads a changed one, and reloads all with --full-refresh', async () => {
    const dir = project();
    const first = await seed(compileDir(dir), { env: {} });
    expect(first.results.map((r) => r.action)).toEqual(['seed']);
    const again = await seed(compileDir(dir), { env: {} });
    expect(again.results.map((r) => [r.action, r.rows])).toEqual([['seed (unchanged)', 2]]);
    writeFileSync(join(dir, 'seeds/countries.csv'), 'code,name,zip\nIT,Italy,00118\n');
    const changed = await seed(compileDir(dir), { env: {} });
    expect(changed.results.map((r) => [r.action, r.rows])).toEqual([['seed', 1]]);
    expect(await queryDb(dir, 'select code, zip from ref_data.countries')).toEqual([{ code: 'IT', zip: '00118' }]);
    const forced = await seed(compileDir(dir), { env: {}, fullRefresh: true });
    expect(forced.results.map((r) => r.action)).toEqual(['seed']);
  });

  it('leaves the table as it was when a CSV fails to load, with the error at its line', async () => {
    const dir = project({ 'seeds/seeds.yml': 'seeds:\n  - name: countries\n    config: { column_types: { zip: INTEGER } }\n' });
    await seed(compileDir(dir), { env: {} });
    writeFileSync(join(dir, 'seeds/countries.csv'), 'code,name,zip\nDE,Germany,01067\nXX,Nowhere,not-a-zip\n');
    const results = await seed(compileDir(dir), { env: {} });
    expect(results.results[0]!.status).toBe('error');
    expect(results.results[0]!.error).toMatchObject({ file: 'seeds/countries.csv', line: 3 });
    expect(await queryDb(dir, 'select count(*) as n from ref_data.countries')).toEqual([{ n: 2n }]);
  });

  it('reads another delimiter and quote character', async () => {
    const dir = project({
      'seeds/semicolons.csv': "id;label\n1;'a;b'\n2;plain\n",
      'seeds/more.yml': "seeds:\n  - name: semicolons\n    config: { delimiter: ';', quote: \"'\" }\n",
    });
    await seed(compileDir(dir), { env: {}, select: ['semicolons'] });
    expect(await queryDb(dir, 'select * from ref_data.semicolons order by id')).toEqual([
      { id: 1n, label: 'a;b' },
      { id: 2n, label: 'plain' },
    ]);
  });

  it('reports column_types naming no column, and properties of a seed that does not exist, where they are written', () => {
    const dir = project({
      'seeds/seeds.yml': 'seeds:\n  - name: countries\n    config: { column_types: { zpi: VARCHAR } }\n  - name: contries\n',
    });
    const { diagnostics } = compileProject(readProjectFiles(dir), { env: {} });
    expect(diagnostics.map((d) => [d.file, d.line, d.message, d.hint])).toEqual([
      [
        'seeds/seeds.yml',
        3,
        'column_types names "zpi", which is not a column of seeds/countries.csv (code, name, zip)',
        'did you mean "zip"?',
      ],
      ['seeds/seeds.yml', 4, 'properties given for seed "contries", but there is no seeds/**/contries.csv', 'did you mean "countries"?'],
    ]);
  });

  it('plat seed loads the seeds from the command line', () => {
    const dir = project();
    const result = plat(['seed'], dir);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/OK\s+seed ref_data\.countries/);
    expect(result.stdout).toContain('1 seed');
  });
});
