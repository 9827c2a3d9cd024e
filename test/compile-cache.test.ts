import { appendFileSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileProjectDir, type ProjectOptions } from '../framework/index.js';
import { CACHE_FILE, type CompileCacheFile } from '../framework/compile/cache.js';
import { copyProject, writeProject } from './helpers.js';

const generatedAt = '2026-01-01T00:00:00.000Z';
const env = { PLAT_REGION: 'eu', UNRELATED: '1' };

/** Models reading a source, a var, an env variable, a macro and an ephemeral model. */
function project(): string {
  return writeProject({
    'plat_project.yml': 'name: cached\nvars: { min_amount: 10 }\n',
    'sources.yml':
      'sources:\n  - name: raw\n    tables:\n      - name: orders\n        generator: { rows: 5, fields: { id: { sequence: {} }, amount: { int: { min: 1, max: 99 } } } }\n',
    'macros/cents.hbs': '{{!-- params: column --}}\n({{column}} * 100)',
    'models/staging/stg_orders.sql': 'select id, amount from {{source "raw" "orders"}}\n',
    'models/staging/big_orders.sql': 'select * from {{ref "stg_orders"}} where amount >= {{var "min_amount"}}\n',
    'models/staging/regional.sql': 'select \'{{env "PLAT_REGION"}}\' as region, id from {{ref "stg_orders"}}\n',
    'models/marts/in_cents.sql': 'select id, {{cents "amount"}} as cents from {{ref "stg_orders"}}\n',
    'models/marts/via_ephemeral.sql': 'select * from {{ref "eph"}}\n',
    'models/staging/eph.sql': '{{config materialized="ephemeral"}}\nselect id from {{ref "stg_orders"}}\n',
    'models/marts/totals.sql': 'select count(*) as n, sum(amount) as total from {{ref "big_orders"}}\n',
    'models/marts/_properties.yml':
      'models:\n  - name: totals\n    description: Totals.\n    columns:\n      - name: n\n        tests: [not_null]\n',
  });
}

const compileAt = (dir: string, options: ProjectOptions = {}) => compileProjectDir({ projectDir: dir, generatedAt, env, ...options });
const manifestText = (dir: string) => readFileSync(join(dir, 'target/manifest.json'), 'utf8');
const compiledSql = (dir: string, model: string) => readFileSync(join(dir, 'target/compiled', model), 'utf8');

/** What a compile of the same files with no target/ writes. */
function cold(dir: string, options: ProjectOptions = {}): { manifest: string; dir: string } {
  const fresh = copyProject(dir);
  const compiled = compileAt(fresh, options);
  expect(compiled.reused).toBe('none');
  return { manifest: manifestText(fresh), dir: fresh };
}

describe('the compile cache in target/', () => {
  it('compiles an unchanged project not at all, and gives the manifest on disk with the same warnings', () => {
    const dir = project();
    const first = compileAt(dir);
    expect(first).toMatchObject({ ok: true, reused: 'none' });
    const written = manifestText(dir);
    const again = compileAt(dir, { generatedAt: '2027-01-01T00:00:00.000Z' });
    expect(again.reused).toBe('all');
    expect(manifestText(dir)).toBe(written);
    expect(again.manifest).toEqual(first.manifest);
    expect(again.counts).toEqual(first.counts);
    expect(again.diagnostics).toEqual(first.diagnostics);
  });

  it('writes every field of the manifest to manifest.json, project hooks and schedules included, and reads them back from the cache', () => {
    const dir = project();
    writeFileSync(
      join(dir, 'plat_project.yml'),
      'name: cached\nvars: { min_amount: 10 }\non_run_start: "select 1"\nschedules:\n  - { name: hourly, every: 1h, command: build }\n',
    );
    const first = compileAt(dir);
    expect(first.ok).toBe(true);
    const onDisk = JSON.parse(manifestText(dir));
    const { root: _, ...portable } = first.manifest.project;
    expect(onDisk).toEqual(JSON.parse(JSON.stringify({ ...first.manifest, project: portable })));
    expect(onDisk.hooks.onRunStart).toHaveLength(1);
    expect(Object.keys(onDisk.schedules)).toEqual(['hourly']);
    const again = compileAt(dir);
    expect(again.reused).toBe('all');
    expect(again.manifest.hooks).toEqual(first.manifest.hooks);
    expect(again.manifest.schedules).toEqual(first.manifest.schedules);
  });

  it('recompiles an edited model alone, into the byte-identical manifest and compiled SQL a cold compile gives', () => {
    const dir = project();
    compileAt(dir);
    appendFileSync(join(dir, 'models/staging/big_orders.sql'), '-- an edit that keeps refs and config\n');
    appendFileSync(join(dir, 'models/marts/totals.sql'), 'having count(*) > 0\n');
    const edited = compileAt(dir);
    expect(edited.reused).toBe('models');
    const reference = cold(dir);
    expect(manifestText(dir)).toBe(reference.manifest);
    const { manifest } = compileAt(reference.dir);
    expect(edited.manifest).toEqual({ ...manifest, project: { ...manifest.project, root: dir } });
    for (const model of ['models/staging/big_orders.sql', 'models/marts/totals.sql'])
      expect(compiledSql(dir, model)).toBe(compiledSql(reference.dir, model));
    expect(compiledSql(dir, 'models/marts/totals.sql')).toContain('having count(*) > 0');
  });

  it('patches the last node of manifest.json, and models whose SQL is not ASCII, byte for byte as a cold compile writes them', () => {
    const dir = writeProject({
      'plat_project.yml': 'name: tail\n',
      'models/a.sql': "select 'café' as name\n",
      'models/b.sql': 'select * from {{ref "a"}}\n',
    });
    compileAt(dir);
    const lines = manifestText(dir).split('\n');
    expect(lines[lines.length - 3]).toMatch(/^"model\.tail\.b":.*[^,]$/);
    appendFileSync(join(dir, 'models/a.sql'), '-- naïve edit ✓\n');
    appendFileSync(join(dir, 'models/b.sql'), "where name <> 'ü'\n");
    expect(compileAt(dir).reused).toBe('models');
    expect(manifestText(dir)).toBe(cold(dir).manifest);
    expect(compiledSql(dir, 'models/b.sql')).toContain("where name <> 'ü'");
  });

  it('records every file’s size and mtime on a first compile, as the file was when read', () => {
    const dir = project();
    compileAt(dir);
    const cache = JSON.parse(readFileSync(join(dir, 'target', CACHE_FILE), 'utf8')) as CompileCacheFile;
    expect(Object.keys(cache.files).sort()).toEqual(
      ['plat_project.yml', 'sources.yml', 'macros/cents.hbs', 'models/marts/_properties.yml']
        .concat(['stg_orders', 'big_orders', 'regional', 'eph'].map((m) => `models/staging/${m}.sql`))
        .concat(['in_cents', 'via_ephemeral', 'totals'].map((m) => `models/marts/${m}.sql`))
        .sort(),
    );
    for (const [path, entry] of Object.entries(cache.files)) {
      const { size, mtimeMs } = statSync(join(dir, path));
      expect({ path, size: entry.size, mtimeMs: entry.mtimeMs }).toEqual({ path, size, mtimeMs });
    }
    expect(cache.statAt).toBeGreaterThanOrEqual(Math.max(...Object.values(cache.files).map((f) => f.mtimeMs)) - 1);
  });

  it('reads only files whose size or mtime changed, and sees an edit that keeps the size', () => {
    const dir = project();
    compileAt(dir);
    const model = join(dir, 'models/staging/big_orders.sql');
    const text = readFileSync(model, 'utf8');
    writeFileSync(model, text.replace('>=', '> '));
    const later = new Date(Date.now() + 5_000);
    utimesSync(model, later, later);
    expect(compileAt(dir).reused).toBe('models');
    expect(compiledSql(dir, 'models/staging/big_orders.sql')).toContain('amount >  10');
    expect(manifestText(dir)).toBe(cold(dir).manifest);
    // Touched, not changed: nothing to recompile.
    utimesSync(model, new Date(), new Date());
    expect(compileAt(dir).reused).toBe('all');
  });

  it.each([
    ['a macro', 'macros/cents.hbs', '{{!-- params: column --}}\n({{column}} * 1000)', 'models/marts/in_cents.sql', '* 1000'],
    ['a YAML file', 'plat_project.yml', 'name: cached\nvars: { min_amount: 50 }\n', 'models/staging/big_orders.sql', '>= 50'],
    [
      'an ephemeral model',
      'models/staging/eph.sql',
      '{{config materialized="ephemeral"}}\nselect id + 1 as id from {{ref "stg_orders"}}\n',
      'models/marts/via_ephemeral.sql',
      'id + 1',
    ],
    [
      'a model’s refs',
      'models/marts/totals.sql',
      'select count(*) as n from {{ref "stg_orders"}}\n',
      'models/marts/totals.sql',
      '"stg_orders"',
    ],
  ])('recompiles the project when %s changes, as a cold compile does', (_, file, text, model, expected) => {
    const dir = project();
    compileAt(dir);
    writeFileSync(join(dir, file), text);
    expect(compileAt(dir).reused).toBe('none');
    expect(compiledSql(dir, model)).toContain(expected);
    expect(manifestText(dir)).toBe(cold(dir).manifest);
  });

  it('recompiles when --vars or an environment variable a template reads changes, not when another one does', () => {
    const dir = project();
    compileAt(dir);
    expect(compileAt(dir, { env: { ...env, UNRELATED: '2' } }).reused).toBe('all');
    expect(compileAt(dir, { env: { ...env, PLAT_REGION: 'us' } }).reused).toBe('none');
    expect(compiledSql(dir, 'models/staging/regional.sql')).toContain("'us'");
    expect(compileAt(dir, { env: { ...env, PLAT_REGION: 'us' }, vars: { min_amount: 70 } }).reused).toBe('none');
    expect(compiledSql(dir, 'models/staging/big_orders.sql')).toContain('>= 70');
    expect(compileAt(dir, { env: { ...env, PLAT_REGION: 'us' }, vars: { min_amount: 70 } }).reused).toBe('all');
  });

  it('ignores a cache that is corrupt, of another version, or beside a manifest something else rewrote', () => {
    const dir = project();
    compileAt(dir);
    const cachePath = join(dir, 'target', CACHE_FILE);
    const good = readFileSync(cachePath, 'utf8');
    const reference = manifestText(dir);
    const tampered = [
      '{"version": 1, "files": ',
      'null',
      JSON.stringify({ ...JSON.parse(good), version: 0 }),
      JSON.stringify({ ...JSON.parse(good), manifestVersion: 1 }),
      JSON.stringify({ ...JSON.parse(good), compiler: 'another build' }),
      JSON.stringify({ ...JSON.parse(good), lines: 'nope' }),
    ];
    for (const text of tampered) {
      writeFileSync(cachePath, text);
      appendFileSync(join(dir, 'models/marts/totals.sql'), '-- again\n');
      expect(compileAt(dir).reused, text.slice(0, 40)).toBe('none');
      expect(manifestText(dir)).toBe(cold(dir).manifest);
    }
    writeFileSync(join(dir, 'target/manifest.json'), reference);
    expect(compileAt(dir).reused).toBe('none');
    expect(manifestText(dir)).toBe(cold(dir).manifest);
    rmSync(join(dir, 'target/compiled'), { recursive: true });
    expect(compileAt(dir).reused).toBe('none');
    expect(compiledSql(dir, 'models/marts/totals.sql')).toBe(compiledSql(cold(dir).dir, 'models/marts/totals.sql'));
  });

  it('writes nothing and keeps the cache when the project has errors, and reports them every time', () => {
    const dir = project();
    compileAt(dir);
    const written = manifestText(dir);
    writeFileSync(join(dir, 'models/marts/totals.sql'), 'select * from {{ref "nowhere"}}\n');
    for (let i = 0; i < 2; i++) {
      const broken = compileAt(dir);
      expect(broken.ok).toBe(false);
      expect(broken.diagnostics.map((d) => d.code)).toContain('UNKNOWN_REF');
    }
    expect(manifestText(dir)).toBe(written);
  });
});
