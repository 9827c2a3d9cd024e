import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Diagnostic } from '../core/diagnostics.js';
import { sha1Base64 } from '../core/hash.js';
import { type FileStat, readSomeProjectFiles, visitProjectFiles, type ProjectFiles } from '../project/files.js';
import { parseManifest, type ManifestFile } from './artifacts.js';
import { MANIFEST_VERSION, type Manifest, type NodeKind } from './manifest.js';
import type { CompiledProject } from './project_dir.js';

/**
 * What `plat compile` remembers in target/ between processes, so that a compile of an
 * unchanged project does nothing and one of a few edited models redoes just those. The
 * compiler stays pure; this sits between it and the disk. Everything here is checked before
 * it is used (versions, the manifest file it describes, each line it points at), and a cache
 * that does not check out is ignored: the compile is then a full one.
 */
export const CACHE_FILE = 'compile_cache.json';
/** Bumped whenever what is cached, or how the compiler turns it into a manifest, changes. */
export const CACHE_VERSION = 1;

export interface CompileCacheFile {
  version: number;
  manifestVersion: number;
  /** The build of plat that wrote it (see compilerBuild). */
  compiler: string;
  /** The compile's other inputs: --vars, and the environment variables its templates read, with their values. */
  vars: string;
  env: Record<string, string | null>;
  /** Every project file, by path: its content hash, and its size and mtime when hashed. */
  files: Record<string, CachedFile>;
  /** When the files were stat'ed (ms since the epoch): a file changed since in the same clock tick looks unchanged to stat. */
  statAt: number;
  /** The manifest.json this cache describes. */
  manifest: ManifestFile;
  /** Warnings of the compile (a compile with errors writes nothing and is not cached). */
  diagnostics: Diagnostic[];
  counts: Partial<Record<NodeKind, number>>;
  /** manifest.json line of each model and source. */
  lines: Record<string, number>;
  /** By model path. */
  models: Record<string, CachedModel>;
}

export interface CachedFile {
  hash: string;
  size: number;
  mtimeMs: number;
}

export interface CachedModel {
  id: string;
  /** What a model's edit must keep for it to be recompiled alone: refs, sources and inline config (incremental.ts). */
  shape: string;
  /** Neither ephemeral (inlined into others) nor copied by a unit test. */
  alone: boolean;
  /** Hash of its compiled SQL, as written to target/compiled/. */
  compiled: string;
}

/**
 * Which build of plat this is: the modification time of this module, which every build
 * writes anew. Another build (an upgrade, or a rebuild while developing plat) may compile the
 * same files otherwise, so its cache is not used.
 */
export function compilerBuild(): string {
  return String(statSync(fileURLToPath(import.meta.url)).mtimeMs);
}

export const contentHash = sha1Base64;

/** --vars and --target: a compile for another target speaks another dialect. */
export const varsKey = (vars: Record<string, unknown> | undefined, target?: string) =>
  JSON.stringify(target === undefined ? (vars ?? null) : { vars: vars ?? null, target });

/**
 * The environment as the compiler sees it, noting each variable it reads ({{env}}): a cached
 * compile holds while those keep their values, whatever else the environment holds.
 */
export function recordingEnv(env: Record<string, string | undefined>, read: Map<string, string | null>) {
  return new Proxy(env, {
    get(target, name) {
      const value = Reflect.get(target, name) as string | undefined;
      if (typeof name === 'string') read.set(name, value ?? null);
      return value;
    },
  });
}

/** Each project file's size and mtime, and when they were taken (before any file is read). */
export function statProjectFiles(root: string): { stats: Map<string, FileStat>; at: number } {
  const at = Date.now();
  const stats = new Map<string, FileStat>();
  visitProjectFiles(root, (path, absolute) => {
    const { size, mtimeMs } = statSync(absolute);
    stats.set(path, { size, mtimeMs });
  });
  return { stats, at };
}

/** The cache entries of files read now, with the stats taken before they were read. */
export function cachedFiles(files: ProjectFiles, stats: ReadonlyMap<string, FileStat>): Record<string, CachedFile> {
  const entries: Record<string, CachedFile> = {};
  // A file that appeared between stat and read gets a size no file has: the next compile reads it again.
  for (const [path, text] of files.files) entries[path] = { hash: contentHash(text), ...(stats.get(path) ?? { size: -1, mtimeMs: 0 }) };
  return entries;
}

/** Coarse file-system clocks tick every few milliseconds; a margin well beyond one tick. */
const RACY_MS = 50;

/**
 * Files to read again: new ones, those whose size or mtime differ from the cache's, and those
 * modified so close to when the cache stat'ed them that a later edit could share the mtime
 * (git's "racily clean" entries). The others are taken as unchanged without being read.
 */
export function suspectFiles(cache: CompileCacheFile, stats: ReadonlyMap<string, FileStat>): { suspect: string[]; removed: string[] } {
  const suspect: string[] = [];
  for (const [path, stat] of stats) {
    const known = cache.files[path];
    if (!known || known.size !== stat.size || known.mtimeMs !== stat.mtimeMs || stat.mtimeMs >= cache.statAt - RACY_MS) suspect.push(path);
  }
  const removed = Object.keys(cache.files).filter((path) => !stats.has(path));
  return { suspect, removed };
}

/** The cache in `targetDir` if it was written by this plat, for this context, beside the manifest.json it describes; else null. */
export function readCache(targetDir: string, vars: string, env: Record<string, string | undefined>): CompileCacheFile | null {
  let cache: CompileCacheFile;
  let manifest: ManifestFile;
  try {
    cache = JSON.parse(readFileSync(join(targetDir, CACHE_FILE), 'utf8')) as CompileCacheFile;
    manifest = statSync(join(targetDir, 'manifest.json'));
  } catch {
    return null;
  }
  const valid =
    cache !== null &&
    typeof cache === 'object' &&
    cache.version === CACHE_VERSION &&
    cache.manifestVersion === MANIFEST_VERSION &&
    cache.compiler === compilerBuild() &&
    cache.vars === vars &&
    typeof cache.env === 'object' &&
    Object.entries(cache.env ?? {}).every(([name, value]) => (env[name] ?? null) === value) &&
    typeof cache.files === 'object' &&
    typeof cache.statAt === 'number' &&
    typeof cache.models === 'object' &&
    typeof cache.lines === 'object' &&
    Array.isArray(cache.diagnostics) &&
    cache.manifest?.size === manifest.size &&
    cache.manifest.mtimeMs === manifest.mtimeMs &&
    // Compiled files are rewritten only when their SQL changes: a removed folder must be written again.
    (Object.keys(cache.models).length === 0 || existsSync(join(targetDir, 'compiled')));
  return valid ? cache : null;
}

export function writeCache(targetDir: string, cache: CompileCacheFile): void {
  writeFileSync(join(targetDir, CACHE_FILE), JSON.stringify(cache));
}

/** Where a compile stands after looking at the cache: reused whole, or what is known for compiling. */
export type CacheLookup =
  | { reused: CompiledProject }
  | {
      reused: null;
      cache: CompileCacheFile | null;
      /** Taken before any file was read; null without a cache (the compile reads and stats each file at once, see readProjectFiles). */
      stats: Map<string, FileStat> | null;
      at: number;
      /** With a cache: the files read (those that looked changed), which of them changed, and every file's entry. */
      read: ProjectFiles | null;
      changed: string[];
      files: Record<string, CachedFile>;
    };

/**
 * Stats the project's files and checks them against the cache in target/, reading only those
 * that look changed. Loads nothing of the compiler, so that `plat compile` of an unchanged
 * project does not either.
 */
export function lookUpCache(
  root: string,
  inputs: { vars: string; env: Record<string, string | undefined>; usable: boolean },
  write: boolean,
): CacheLookup {
  const targetDir = join(root, 'target');
  const cache = inputs.usable ? readCache(targetDir, inputs.vars, inputs.env) : null;
  if (!cache) return { reused: null, cache: null, stats: null, at: Date.now(), read: null, changed: [], files: {} };
  // Stat'ed before any project file is read: a file edited meanwhile then looks changed next time, not the reverse.
  const { stats, at } = statProjectFiles(root);
  const { suspect, removed } = suspectFiles(cache, stats);
  const read = readSomeProjectFiles(root, suspect);
  const reread = cachedFiles(read, stats);
  const changed = [...removed, ...suspect.filter((path) => reread[path]?.hash !== cache.files[path]?.hash || read.notUtf8?.has(path))];
  // The cache's entries of files still there, in its order, the reread ones in their place or after: no copy of each entry.
  const files: Record<string, CachedFile> = {};
  for (const path in cache.files) if (stats.has(path)) files[path] = cache.files[path]!;
  Object.assign(files, reread);
  if (changed.length > 0) return { reused: null, cache, stats, at, read, changed, files };
  // Touched but unchanged: the new stats spare the next compile reading them again.
  if (suspect.length > 0 && write) writeCache(targetDir, { ...cache, files, statAt: at });
  return { reused: fromDisk(root, cache, 'all') };
}

/** The compile in target/: its manifest is read (unless `text` has it) and parsed only if asked for. */
export function fromDisk(root: string, cache: CompileCacheFile, reused: CompiledProject['reused'], text?: () => string): CompiledProject {
  const path = join(root, 'target', 'manifest.json');
  let manifest: Manifest | null = null;
  return {
    root,
    get manifest() {
      manifest ??= parseManifest(text ? text() : readFileSync(path, 'utf8'), path);
      return manifest;
    },
    diagnostics: cache.diagnostics,
    ok: true,
    counts: cache.counts,
    reused,
  };
}
