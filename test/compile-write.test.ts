import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileProjectDir } from '../framework/index.js';
import { CACHE_FILE } from '../framework/compile/cache.js';
import { WRITER_THREAD_FROM } from '../framework/compile/compiled_writer.js';
import { MANIFEST_THREAD_FROM } from '../framework/compile/manifest_writer.js';
import { writeProject } from './helpers.js';

const generatedAt = '2026-01-01T00:00:00.000Z';
/** Enough models that their compiled files are written by the writer thread, in two folders. */
const MODELS = WRITER_THREAD_FROM + 20;

function project(scale: number): string {
  const files: Record<string, string> = { 'plat_project.yml': `name: many\nvars: { scale: ${scale} }\n` };
  for (let i = 0; i < MODELS; i++)
    files[`models/${i % 2 ? 'odd' : 'even'}/m_${i}.sql`] =
      `select ${i} * {{var "scale"}} as v${i > 0 ? `, * from {{ref "m_${i - 1}"}}` : ''}\n`;
  return writeProject(files);
}

const compileAt = (dir: string) => compileProjectDir({ projectDir: dir, generatedAt, env: {} });
const compiledFile = (dir: string, i: number) => join(dir, 'target/compiled/models', i % 2 ? 'odd' : 'even', `m_${i}.sql`);

describe('writing target/compiled/ for a large project', () => {
  it('writes each model’s compiled SQL, byte for byte, before the compile returns', () => {
    const dir = project(3);
    const { manifest, ok } = compileAt(dir);
    expect(ok).toBe(true);
    const models = Object.values(manifest.nodes).filter((n) => n.kind === 'model');
    expect(models).toHaveLength(MODELS);
    for (const model of models) expect(readFileSync(join(dir, 'target/compiled', model.path), 'utf8')).toBe(`${model.compiledSql}\n`);
    expect(readdirSync(join(dir, 'target/compiled/models/odd'))).toHaveLength(MODELS / 2);
    expect(readFileSync(compiledFile(dir, 7), 'utf8')).toContain('select 7 * 3 as v');
  });

  it('reports a compiled file it cannot write with its path, and the next compile writes every file again', () => {
    const dir = project(3);
    compileAt(dir);
    // Every model reads the var: all of them are rewritten, by the writer thread.
    writeFileSync(join(dir, 'plat_project.yml'), 'name: many\nvars: { scale: 5 }\n');
    rmSync(compiledFile(dir, 7));
    mkdirSync(compiledFile(dir, 7));
    expect(() => compileAt(dir)).toThrow(expect.objectContaining({ code: 'EISDIR', syscall: 'open', path: compiledFile(dir, 7) }));
    rmSync(compiledFile(dir, 7), { recursive: true });
    // The cache of the earlier compile no longer describes manifest.json: nothing is taken as written.
    expect(existsSync(join(dir, 'target', CACHE_FILE))).toBe(true);
    expect(compileAt(dir).reused).toBe('none');
    for (const i of [6, 7, 8]) expect(readFileSync(compiledFile(dir, i), 'utf8')).toContain(`select ${i} * 5 as v`);
  });
});

describe('writing manifest.json for a large project', () => {
  /** Enough nodes that the manifest is written by its own thread. */
  const large = () => {
    const files: Record<string, string> = { 'plat_project.yml': 'name: large\n' };
    for (let i = 0; i < MANIFEST_THREAD_FROM; i++) files[`models/m_${i}.sql`] = `select ${i} as v${i > 0 ? ' from {{ref "m_0"}}' : ''}\n`;
    return writeProject(files);
  };

  it('writes every node a line, in order, and the next compile reuses it', () => {
    const dir = large();
    const { manifest, ok } = compileAt(dir);
    expect(ok).toBe(true);
    const text = readFileSync(join(dir, 'target/manifest.json'), 'utf8');
    const lines = text.split('\n');
    expect(lines).toHaveLength(Object.keys(manifest.nodes).length + 3);
    expect(lines[1]).toMatch(/^"model\.large\.m_0":/);
    const written = JSON.parse(text) as typeof manifest;
    expect(Object.keys(written.nodes)).toEqual(Object.keys(manifest.nodes));
    expect(written.nodes['model.large.m_4999']).toEqual(JSON.parse(JSON.stringify(manifest.nodes['model.large.m_4999'])));
    expect(written.children['model.large.m_0']).toHaveLength(MANIFEST_THREAD_FROM - 1);
    expect(compileAt(dir).reused).toBe('all');
  });

  it('reports a manifest it cannot write with its path, and writes no cache that vouches for it', () => {
    const dir = large();
    const path = join(dir, 'target/manifest.json');
    mkdirSync(path, { recursive: true });
    expect(() => compileAt(dir)).toThrow(expect.objectContaining({ code: 'EISDIR', syscall: 'open', path }));
    expect(existsSync(join(dir, 'target', CACHE_FILE))).toBe(false);
    rmSync(path, { recursive: true });
    expect(compileAt(dir).reused).toBe('none');
    expect(JSON.parse(readFileSync(path, 'utf8')).nodes['model.large.m_7'].compiledSql).toContain('select 7 as v');
  });
});
