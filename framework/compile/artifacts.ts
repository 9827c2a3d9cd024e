import { mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PlatError } from '../core/errors.js';
import { MANIFEST_VERSION, type Manifest } from './manifest.js';

/** Writes target/manifest.json and target/compiled/<model path>.sql. */
export function writeCompileArtifacts(manifest: Manifest, targetDir: string): void {
  const compiledDir = join(targetDir, 'compiled');
  rmSync(compiledDir, { recursive: true, force: true });
  for (const node of Object.values(manifest.nodes)) {
    if (node.kind !== 'model') continue;
    const path = join(compiledDir, node.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `${node.compiledSql}\n`);
  }
  mkdirSync(targetDir, { recursive: true });
  writeFileSync(join(targetDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** A manifest written by an earlier compile, for state:modified; null when there is none. */
export function readManifest(dir: string, required: boolean): Manifest | null {
  const path = join(dir, 'manifest.json');
  if (!existsSync(path)) {
    if (required) throw new PlatError('STATE_MISSING', `no manifest.json in ${dir}`, 'point --state at the target/ folder of an earlier run');
    return null;
  }
  const manifest = JSON.parse(readFileSync(path, 'utf8')) as Manifest;
  if (manifest.version !== MANIFEST_VERSION) {
    throw new PlatError('STATE_MISSING', `${path} has manifest version ${String(manifest.version)}; this plat writes ${MANIFEST_VERSION}`, 'compile the previous state again with this version');
  }
  return manifest;
}
