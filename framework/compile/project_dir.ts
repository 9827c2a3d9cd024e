import { closeSync, openSync, readFileSync, statSync, writevSync } from 'node:fs';
import { join } from 'node:path';
import { hasErrors, type Diagnostic } from '../core/diagnostics.js';
import { naming } from '../core/paths.js';
import { type FileStat, readProjectFiles, resolveProjectDir, type ProjectFiles } from '../project/files.js';
import { parseProject } from '../project/parse.js';
import { YamlThread } from '../project/yaml_thread.js';
import { compiledFiles, readManifest, startWritingCompiledFiles, startWritingManifest, writeCompiledFiles } from './artifacts.js';
import {
  cachedFiles,
  contentHash,
  fromDisk,
  lookUpCache,
  recordingEnv,
  varsKey,
  writeCache,
  type CacheLookup,
  type CompileCacheFile,
} from './cache.js';
import { cacheOf, patchModels } from './cache_update.js';
import { compileWithState, type CompileOptions } from './compile.js';
import type { Manifest, NodeKind } from './manifest.js';
import { baselineOf, type Selection, type StateBaseline } from './select.js';
import { lastSuccessBaseline } from '../run/history.js';

export interface ProjectOptions extends CompileOptions {
  projectDir?: string;
}

export interface CompiledProject {
  root: string;
  /** Read from target/manifest.json on first use when the compile was reused from there. */
  manifest: Manifest;
  diagnostics: Diagnostic[];
  ok: boolean;
  /** Nodes of each kind. */
  counts: Partial<Record<NodeKind, number>>;
  /** What an earlier compile's cache in target/ spared: everything, all but the edited models, or nothing. */
  reused: 'all' | 'models' | 'none';
}

/**
 * Loads, validates and compiles the project on disk; writes target/ only when it compiled
 * cleanly. With the cache an earlier compile left in target/ (compile/cache.ts), an unchanged
 * project is not compiled again, and edits to models' SQL alone recompile just those models;
 * either way the manifest is the one a full compile gives.
 */
export function compileProjectDir(
  options: ProjectOptions = {},
  write = true,
  /** The cache lookup the caller made already for the same options (`plat compile` looks before it loads the compiler). */
  looked?: CacheLookup,
): CompiledProject {
  const root = resolveProjectDir(options.projectDir);
  const targetDir = join(root, 'target');
  const envRead = new Map<string, string | null>();
  const given: CompileOptions = { env: process.env, generatedAt: new Date().toISOString(), ...options };
  const env = recordingEnv(given.env ?? {}, envRead);
  const compileOptions = { ...given, env };
  const vars = varsKey(options.vars, options.target);
  // A caller's own dialect or in-memory cache is a compile the target/ cache knows nothing of.
  const lookup = looked ?? lookUpCache(root, { vars, env: given.env ?? {}, usable: !options.dialect && !options.cache }, write);
  if (lookup.reused) return lookup.reused;
  const { cache, at } = lookup;
  // A warning of the cached compile may be about an edited model: only a full compile says whether it still holds.
  if (cache && lookup.read && write && cache.diagnostics.length === 0) {
    const patched = patchInPlace(targetDir, cache, lookup.read, lookup.changed, env, compileOptions);
    if (patched !== null) {
      const { pieces, ...next } = patched;
      writeCache(targetDir, { ...next, env: { ...cache.env, ...Object.fromEntries(envRead) }, files: lookup.files, statAt: at });
      return fromDisk(root, cache, 'models', () => Buffer.concat(pieces).toString('utf8'));
    }
  }

  const stats = lookup.stats ?? new Map<string, FileStat>();
  const yaml = new YamlThread();
  let files: ProjectFiles;
  try {
    files = readProjectFiles(root, lookup.stats ? undefined : stats, (path, text) => yaml.offer(path, text));
  } catch (error) {
    // A long-lived process (serve, watch) would otherwise keep the thread.
    yaml.cancel();
    throw error;
  }
  // Hashed while the YAML thread finishes, if there is one: the cache needs them only once the compile is clean.
  const hashes = write ? cachedFiles(files, stats) : {};
  const parsed = parseProject(files, undefined, yaml.results());
  const compiled = compileWithState(parsed.spec, compileOptions);
  const diagnostics = [...parsed.diagnostics, ...compiled.diagnostics];
  const ok = !hasErrors(diagnostics);
  const manifest = compiled.manifest;
  const counts: Partial<Record<NodeKind, number>> = {};
  for (const node of Object.values(manifest.nodes)) counts[node.kind] = (counts[node.kind] ?? 0) + 1;
  if (ok && write)
    naming(targetDir, () => {
      const compiledWritten = startWritingCompiledFiles(
        join(targetDir, 'compiled'),
        compiledFiles(manifest),
        cache ? new Map(Object.entries(cache.models)) : null,
        (file, sql) => Boolean(cache && cache.models[file]?.compiled === contentHash(sql)),
      );
      const manifestWritten = startWritingManifest(manifest, targetDir);
      const next = cacheOf(manifest, compiled.renders, { vars, env: envRead }, hashes, at, diagnostics);
      // The cache vouches for the compiled files and describes the manifest's file: it is written once they are.
      compiledWritten();
      writeCache(targetDir, { ...next, manifest: manifestWritten() });
    });
  return { root, manifest, diagnostics, ok, counts, reused: 'none' };
}

/** Edited models recompiled alone into target/ (cache_update.ts patchModels); the cache to write with the new manifest's file, or null. */
function patchInPlace(
  targetDir: string,
  cache: CompileCacheFile,
  read: ProjectFiles,
  changed: string[],
  env: Record<string, string | undefined>,
  options: CompileOptions,
): (CompileCacheFile & { pieces: Buffer[] }) | null {
  const path = join(targetDir, 'manifest.json');
  const patched = patchModels(readFileSync(path), cache, read, changed, { env, generatedAt: options.generatedAt! });
  if (!patched) return null;
  return naming(targetDir, () => {
    const fd = openSync(path, 'w');
    try {
      writevSync(fd, patched.pieces);
    } finally {
      closeSync(fd);
    }
    writeCompiledFiles(
      join(targetDir, 'compiled'),
      new Map(patched.models.map((m) => [m.path, m.compiledSql])),
      new Map(patched.models.map((m) => [m.path, null])),
      () => false,
    );
    const models = { ...cache.models };
    for (const model of patched.models) models[model.path] = { ...models[model.path]!, compiled: contentHash(model.compiledSql) };
    const { size, mtimeMs } = statSync(path);
    return { ...cache, models, manifest: { size, mtimeMs }, pieces: patched.pieces };
  });
}

/**
 * What state: selectors compare with: the manifest.json in --state DIR (dbt's convention),
 * else each node as it was when it last ran successfully (target/node_results.json). Read
 * only when a selector asks for it.
 */
export function loadState(
  project: CompiledProject,
  selection: Pick<Selection, 'select' | 'exclude'> & { state?: string },
): StateBaseline | null {
  if (![...(selection.select ?? []), ...(selection.exclude ?? [])].some((term) => term.includes('state:'))) return null;
  if (selection.state) return baselineOf(readManifest(selection.state, true)!);
  return lastSuccessBaseline(join(project.root, 'target'));
}
