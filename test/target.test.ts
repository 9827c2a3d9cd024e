import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readManifest, writeCompileArtifacts } from '../framework/compile/artifacts.js';
import { compileProject, formatDiagnostic, readProjectFiles } from '../framework/index.js';
import { writeProject } from './helpers.js';

const compiled = (target: string) => {
  const dir = writeProject({ 'plat_project.yml': `name: shop\n${target}`, 'models/a.sql': 'select 1 as x' });
  return { dir, ...compileProject(readProjectFiles(dir), { env: {} }) };
};

describe('the warehouse target', () => {
  it('is given by type, and the older duckdb: path means the same', () => {
    const current = compiled('target: { type: duckdb, path: db/shop.duckdb }\n');
    const older = compiled('target: { duckdb: db/shop.duckdb }\n');
    expect(current.diagnostics).toEqual([]);
    expect(older.diagnostics).toEqual([]);
    expect(current.manifest.target).toEqual({ type: 'duckdb', path: 'db/shop.duckdb' });
    expect(older.manifest.target).toEqual(current.manifest.target);
    expect(compiled('').manifest.target).toEqual({ type: 'duckdb', path: 'target/plat.duckdb' });
  });

  it('names an unknown type with a did-you-mean, and both spellings at once as a mistake', () => {
    expect(compiled('target: { type: duckbd }\n').diagnostics.map(formatDiagnostic)).toEqual([
      'plat_project.yml:2:17 — at target.type: "duckbd" is not one of duckdb, trino — did you mean "duckdb"?',
    ]);
    expect(compiled('target: { duckdb: a.duckdb, path: b.duckdb }\n').diagnostics.map(formatDiagnostic)).toEqual([
      'plat_project.yml:2:19 — target has both duckdb: and type:/path: — write target: { type: duckdb, path: … } (duckdb: path is the older spelling of the same)',
    ]);
  });

  it('is written to manifest.json without the project folder, which a reader knows from where it reads', () => {
    const { dir, manifest } = compiled('');
    writeCompileArtifacts(manifest, join(dir, 'target'));
    const text = readFileSync(join(dir, 'target/manifest.json'), 'utf8');
    expect(text).not.toContain(dir);
    expect(JSON.parse(text)).toMatchObject({
      version: 3,
      project: { name: 'shop', version: null },
      target: { type: 'duckdb', path: 'target/plat.duckdb' },
    });
    expect(readManifest(join(dir, 'target'), true)).toEqual(manifest);
  });
});
