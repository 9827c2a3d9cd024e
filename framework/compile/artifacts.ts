import { mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { PlatError } from '../core/errors.js';
import { MANIFEST_VERSION, type Manifest } from './manifest.js';

/**
 * Writes target/manifest.json and target/compiled/<model or snapshot path>.sql. Given the manifest whose
 * artifacts are on disk (watch mode), only the compiled files that changed are touched.
 */
export function writeCompileArtifacts(manifest: Manifest, targetDir: string, onDisk: Manifest | null = null): void {
  const compiledDir = join(targetDir, 'compiled');
  const compiled = (m: Manifest) =>
    new Map(Object.values(m.nodes).flatMap((n) => (n.kind === 'model' || n.kind === 'snapshot' ? [[n.path, n.compiledSql] as const] : [])));
  const before = onDisk ? compiled(onDisk) : new Map<string, string>();
  if (!onDisk) rmSync(compiledDir, { recursive: true, force: true });
  const now = compiled(manifest);
  for (const [file, sql] of now) {
    if (before.get(file) === sql) continue;
    const path = join(compiledDir, file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `${sql}\n`);
  }
  for (const file of before.keys()) if (!now.has(file)) rmSync(join(compiledDir, file), { force: true });
  mkdirSync(targetDir, { recursive: true });
  // The project folder is where the manifest is read from, not part of it: the file moves with the project.
  const { root: _, ...project } = manifest.project;
  writeFileSync(join(targetDir, 'manifest.json'), `${JSON.stringify({ ...manifest, project }, null, 2)}\n`);
}

/** A manifest written by an earlier compile into `dir` (a project's target/), for state:modified; null when there is none. */
export function readManifest(dir: string, required: boolean): Manifest | null {
  const path = join(dir, 'manifest.json');
  if (!existsSync(path)) {
    if (required)
      throw new PlatError('STATE_MISSING', `no manifest.json in ${dir}`, 'point --state at the target/ folder of an earlier run');
    return null;
  }
  const manifest = JSON.parse(readFileSync(path, 'utf8')) as Manifest;
  if (manifest.version !== MANIFEST_VERSION) {
    throw new PlatError(
      'STATE_MISSING',
      `${path} has manifest version ${String(manifest.version)}; this plat writes ${MANIFEST_VERSION}`,
      'compile the previous state again with this version',
    );
  }
  return { ...manifest, project: { ...manifest.project, root: resolve(dir, '..') } };
}
