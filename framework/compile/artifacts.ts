import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { PlatError } from '../core/errors.js';
import { startWritingFiles, writeFiles, WRITER_THREAD_FROM } from './compiled_writer.js';
import { MANIFEST_VERSION, type Manifest } from './manifest.js';
import { MANIFEST_THREAD_FROM, writeHere, writeInThread } from './manifest_writer.js';

/**
 * Writes target/manifest.json and target/compiled/<model or snapshot path>.sql. Given the manifest whose
 * artifacts are on disk (watch mode), only the compiled files that changed are touched.
 */
export function writeCompileArtifacts(manifest: Manifest, targetDir: string, onDisk: Manifest | null = null): ManifestFile {
  const before = onDisk ? compiledFiles(onDisk) : null;
  writeCompiledFiles(join(targetDir, 'compiled'), compiledFiles(manifest), before);
  return writeManifest(manifest, targetDir);
}

/** Each model's and snapshot's compiled SQL, by its project path. */
export function compiledFiles(manifest: Manifest): Map<string, string> {
  return new Map(
    Object.values(manifest.nodes).flatMap((n) => (n.kind === 'model' || n.kind === 'snapshot' ? [[n.path, n.compiledSql] as const] : [])),
  );
}

/**
 * Writes the compiled files that differ from `before` (what is on disk, when known; else the
 * folder is cleared and every file written) and deletes those no longer compiled.
 * `unchanged` tells whether a file's SQL is what is on disk already.
 */
export function writeCompiledFiles(
  compiledDir: string,
  now: ReadonlyMap<string, string>,
  before: ReadonlyMap<string, unknown> | null,
  unchanged: (file: string, sql: string) => boolean = (file, sql) => before?.get(file) === sql,
): void {
  startWritingCompiledFiles(compiledDir, now, before, unchanged)();
}

/** writeCompiledFiles, with many files written by a worker thread meanwhile (compiled_writer.ts); call what it returns to wait for them. */
export function startWritingCompiledFiles(
  compiledDir: string,
  now: ReadonlyMap<string, string>,
  before: ReadonlyMap<string, unknown> | null,
  unchanged: (file: string, sql: string) => boolean = (file, sql) => before?.get(file) === sql,
): () => void {
  if (!before) rmSync(compiledDir, { recursive: true, force: true });
  if (before) for (const file of before.keys()) if (!now.has(file)) rmSync(join(compiledDir, file), { force: true });
  const changed = [...now].filter(([file, sql]) => !before || !unchanged(file, sql));
  if (changed.length >= WRITER_THREAD_FROM) return startWritingFiles(compiledDir, changed);
  writeFiles(compiledDir, changed);
  return () => undefined;
}

/** What a compile cache checks to know manifest.json is still the one it describes. */
export interface ManifestFile {
  size: number;
  mtimeMs: number;
}

/**
 * manifest.json is compact JSON with one node a line, in `nodes` order: line 0 is everything
 * before the nodes, line i the i-th node, the last line everything after. A later compile
 * that changes a few nodes replaces their lines and reparses nothing else (compile/cache.ts).
 * Written a line at a time, encoded as it is made: the whole text of a large project is never one string.
 */
export function writeManifest(manifest: Manifest, targetDir: string): ManifestFile {
  return startWritingManifest(manifest, targetDir, false)();
}

/**
 * writeManifest, in a worker thread for a large manifest (manifest_writer.ts) unless `threaded`
 * is false: the lines are made here and handed over. Call what it returns to wait for the file.
 */
export function startWritingManifest(manifest: Manifest, targetDir: string, threaded = true): () => ManifestFile {
  mkdirSync(targetDir, { recursive: true });
  const path = join(targetDir, 'manifest.json');
  const ids = Object.keys(manifest.nodes);
  const file = threaded && ids.length >= MANIFEST_THREAD_FROM ? writeInThread(path) : writeHere(path);
  try {
    file.write(manifestHead(manifest));
    for (let i = 0; i < ids.length; i++) file.write(`\n${nodeLine(ids[i]!, manifest.nodes[ids[i]!], i === ids.length - 1)}`);
    file.write(`\n${manifestTail(manifest)}\n`);
  } catch (error) {
    file.abandon();
    throw error;
  }
  return file.finish();
}

/**
 * Line 0 of manifest.json: every field but the nodes and what follows them. The project folder
 * is where the manifest is read from, not part of it: the file moves with the project.
 */
export function manifestHead(manifest: Omit<Manifest, TailField | 'nodes'> & Partial<Pick<Manifest, TailField | 'nodes'>>) {
  const { root: _, ...project } = manifest.project;
  const { nodes: _nodes, agents: _agents, parents: _parents, children: _children, ...head } = manifest;
  return `${JSON.stringify({ ...head, project }).slice(0, -1)},"nodes":{`;
}

/** The fields written after the nodes. */
type TailField = 'agents' | 'parents' | 'children';

export function nodeLine(id: string, node: unknown, last: boolean): string {
  return `${JSON.stringify(id)}:${JSON.stringify(node)}${last ? '' : ','}`;
}

function manifestTail(manifest: Manifest): string {
  const { agents, parents, children } = manifest;
  return `},${JSON.stringify({ agents, parents, children }).slice(1)}`;
}

/** A manifest written by an earlier compile into `dir` (a project's target/), for state:modified; null when there is none. */
export function readManifest(dir: string, required: boolean): Manifest | null {
  const path = join(dir, 'manifest.json');
  if (!existsSync(path)) {
    if (required)
      throw new PlatError('STATE_MISSING', `no manifest.json in ${dir}`, 'point --state at the target/ folder of an earlier run');
    return null;
  }
  return parseManifest(readFileSync(path, 'utf8'), path);
}

export function parseManifest(text: string, path: string): Manifest {
  const manifest = JSON.parse(text) as Manifest;
  if (manifest.version !== MANIFEST_VERSION) {
    throw new PlatError(
      'STATE_MISSING',
      `${path} has manifest version ${String(manifest.version)}; this plat writes ${MANIFEST_VERSION}`,
      'compile the previous state again with this version',
    );
  }
  return { ...manifest, project: { ...manifest.project, root: resolve(dirname(path), '..') } };
}
