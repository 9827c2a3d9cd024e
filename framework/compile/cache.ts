import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Diagnostic } from '../core/diagnostics.js';
import { sha256 } from '../core/hash.js';
import { visitProjectFiles, type ProjectFiles } from '../project/files.js';
import { dialectFor } from '../warehouse/registry.js';
import { manifestHead, nodeLine, type ManifestFile } from './artifacts.js';
import { linkModel } from './compile.js';
import { shapeOf } from './incremental.js';
import { createLinker } from './link.js';
import { MANIFEST_VERSION, type Manifest, type ManifestNode, type ModelNode, type NodeKind, type SourceNode } from './manifest.js';
import { hasStatement, renderModel, type RenderedModel, type RenderEnvironment } from './render.js';

/**
 * What `plat compile` remembers in target/ between processes, so that a compile of an
 * unchanged project does nothing and one of a few edited models redoes just those. The
 * compiler stays pure; this sits between it and the disk. Everything here is checked before
 * it is used (versions, the manifest file it describes, each line it points at), and a cache
 * that does not check out is ignored: the compile is then a full one.
 */
export const CACHE_FILE = 'compile_cache.json';
/** Bumped whenever what is cached, or how the compiler turns it into a manifest, changes. */
const CACHE_VERSION = 1;

export interface CompileCacheFile {
  version: number;
  manifestVersion: number;
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

export interface FileStat {
  size: number;
  mtimeMs: number;
}

interface CachedModel {
  id: string;
  /** What a model's edit must keep for it to be recompiled alone: refs, sources and inline config (incremental.ts). */
  shape: string;
  /** Neither ephemeral (inlined into others) nor copied by a unit test. */
  alone: boolean;
  /** Hash of its compiled SQL, as written to target/compiled/. */
  compiled: string;
}

export const contentHash = (text: string) => createHash('sha1').update(text).digest('base64');

export const varsKey = (vars: Record<string, unknown> | undefined) => JSON.stringify(vars ?? null);

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

/** The cache of a full compile, once its manifest is written. */
export function cacheOf(
  manifest: Manifest,
  renders: ReadonlyMap<string, RenderedModel>,
  inputs: { vars: string; env: ReadonlyMap<string, string | null> },
  files: Record<string, CachedFile>,
  statAt: number,
  written: ManifestFile,
  diagnostics: Diagnostic[],
): CompileCacheFile {
  const unitTested = new Set<string>();
  const counts: Partial<Record<NodeKind, number>> = {};
  const lines: Record<string, number> = {};
  const models: Record<string, CachedModel> = {};
  Object.values(manifest.nodes).forEach((node, i) => {
    counts[node.kind] = (counts[node.kind] ?? 0) + 1;
    if (node.kind === 'test' && node.testType === 'unit' && node.attachedTo) unitTested.add(node.attachedTo);
    if (node.kind === 'model' || node.kind === 'source') lines[node.uniqueId] = i + 1;
  });
  for (const node of Object.values(manifest.nodes)) {
    if (node.kind !== 'model') continue;
    models[node.path] = {
      id: node.uniqueId,
      shape: shapeOf(renders.get(node.name)!),
      alone: node.config.materialized !== 'ephemeral' && !unitTested.has(node.uniqueId),
      compiled: contentHash(node.compiledSql),
    };
  }
  return {
    version: CACHE_VERSION,
    manifestVersion: MANIFEST_VERSION,
    vars: inputs.vars,
    env: Object.fromEntries(inputs.env),
    files,
    statAt,
    manifest: written,
    diagnostics,
    counts,
    lines,
    models,
  };
}

export function writeCache(targetDir: string, cache: CompileCacheFile): void {
  writeFileSync(join(targetDir, CACHE_FILE), JSON.stringify(cache));
}

/** Raised when a template needs Handlebars (blocks, macros): such an edit is recompiled with the whole project. */
class NeedsFullCompile extends Error {}

export interface PatchedManifest {
  /** The new manifest.json text. */
  text: string;
  /** The models recompiled, as they now are. */
  models: ModelNode[];
}

/**
 * Recompiles edited models alone into the manifest.json text of the cached compile, as
 * watch mode's IncrementalCompiler does in memory: when each edit keeps the model's refs,
 * sources and inline config, renders without Handlebars or diagnostics, and reads no
 * ephemeral model, no other node changes. Null when any edit needs the whole project.
 */
export function patchModels(
  text: string,
  cache: CompileCacheFile,
  files: ProjectFiles,
  changed: readonly string[],
  options: { env: Record<string, string | undefined>; generatedAt: string },
): PatchedManifest | null {
  if (changed.some((path) => !cache.models[path]?.alone || files.notUtf8?.has(path) || !files.files.has(path))) return null;
  const lines = text.split('\n');
  const head = JSON.parse(`${lines[0]}}}`) as Omit<Manifest, 'nodes'>;
  if (head.version !== MANIFEST_VERSION || lines.length < 2) return null;
  const nodeAt = <T extends ManifestNode>(id: string): T | null => {
    const line = lines[cache.lines[id] ?? -1];
    const key = `${JSON.stringify(id)}:`;
    if (!line?.startsWith(key)) return null;
    return JSON.parse(line.endsWith(',') ? line.slice(key.length, -1) : line.slice(key.length)) as T;
  };
  const environment: RenderEnvironment = {
    vars: head.vars,
    env: options.env,
    handlebars: () => {
      throw new NeedsFullCompile();
    },
  };
  const project = head.project.name;
  const models: ModelNode[] = [];
  try {
    for (const path of changed) {
      const entry = cache.models[path]!;
      const node = nodeAt<ModelNode>(entry.id);
      const sql = files.files.get(path)!;
      if (node?.kind !== 'model' || node.path !== path) return null;
      const diagnostics: Diagnostic[] = [];
      const file = { path, sql };
      const first = renderModel(file, environment, false, diagnostics);
      const batch = node.config.materialized === 'incremental' ? renderModel(file, environment, true, diagnostics) : null;
      if (!first || diagnostics.length > 0 || !hasStatement(first.sql) || shapeOf(first) !== entry.shape) return null;
      const refs = new Map<string, { node: ModelNode; rendered: Pick<RenderedModel, 'sql' | 'lineMap'> }>();
      for (const { name } of first.refs) {
        const target = nodeAt<ModelNode>(`model.${project}.${name}`);
        // An ephemeral model is inlined from its rendered SQL, which only a full compile has.
        if (target?.kind !== 'model' || target.config.materialized === 'ephemeral') return null;
        refs.set(name, { node: target, rendered: { sql: '', lineMap: [] } });
      }
      const sources = new Map<string, SourceNode>();
      for (const { source, table } of first.sources) {
        const read = nodeAt<SourceNode>(`source.${project}.${source}.${table}`);
        if (read?.kind !== 'source') return null;
        sources.set(`${source}.${table}`, read);
      }
      const linker = createLinker(refs, sources, new Map(), dialectFor(head.target.type));
      const updated: ModelNode = {
        ...node,
        rawSql: sql,
        checksums: { ...node.checksums, body: sha256(sql) },
        vars: first.vars,
        macros: first.macros,
        ...linkModel(node, first, batch, linker),
      };
      const at = cache.lines[entry.id]!;
      lines[at] = nodeLine(entry.id, updated, !lines[at]!.endsWith(','));
      models.push(updated);
    }
  } catch (error) {
    if (error instanceof NeedsFullCompile) return null;
    throw error;
  }
  lines[0] = manifestHead({ ...head, generatedAt: options.generatedAt, project: { ...head.project, root: '' } });
  return { text: lines.join('\n'), models };
}
