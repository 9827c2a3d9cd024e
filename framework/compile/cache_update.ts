import type { Diagnostic } from '../core/diagnostics.js';
import { sha256 } from '../core/hash.js';
import type { ProjectFiles } from '../project/files.js';
import { dialectFor } from '../warehouse/registry.js';
import { manifestHead, nodeLine } from './artifacts.js';
import { CACHE_VERSION, compilerBuild, contentHash, type CachedFile, type CachedModel, type CompileCacheFile } from './cache.js';
import { linkModel } from './compile.js';
import { shapeOf } from './incremental.js';
import { createLinker } from './link.js';
import { MANIFEST_VERSION, type Manifest, type ManifestNode, type ModelNode, type NodeKind, type SourceNode } from './manifest.js';
import { hasStatement, renderModel, type RenderedModel, type RenderEnvironment } from './render.js';

/** What needs the compiler to build or update the compile cache (cache.ts reads it without loading the compiler). */
/** The cache of a full compile, but for its manifest file's size and mtime. */
export function cacheOf(
  manifest: Manifest,
  renders: ReadonlyMap<string, RenderedModel>,
  inputs: { vars: string; env: ReadonlyMap<string, string | null> },
  files: Record<string, CachedFile>,
  statAt: number,
  diagnostics: Diagnostic[],
): Omit<CompileCacheFile, 'manifest'> {
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
    compiler: compilerBuild(),
    vars: inputs.vars,
    env: Object.fromEntries(inputs.env),
    files,
    statAt,
    diagnostics,
    counts,
    lines,
    models,
  };
}

/** Raised when a template needs Handlebars (blocks, macros): such an edit is recompiled with the whole project. */
class NeedsFullCompile extends Error {}

export interface PatchedManifest {
  /** The new manifest.json, in pieces: the old file's bytes between the lines replaced, and those lines. */
  pieces: Buffer[];
  /** The models recompiled, as they now are. */
  models: ModelNode[];
}

/**
 * Recompiles edited models alone into the manifest.json of the cached compile, as watch
 * mode's IncrementalCompiler does in memory: when each edit keeps the model's refs, sources
 * and inline config, renders without Handlebars or diagnostics, and reads no ephemeral model,
 * no other node changes. Null when any edit needs the whole project. Only the lines it reads
 * are decoded: the file of a large project is tens of megabytes.
 */
export function patchModels(
  manifest: Buffer,
  cache: CompileCacheFile,
  files: ProjectFiles,
  changed: readonly string[],
  options: { env: Record<string, string | undefined>; generatedAt: string },
): PatchedManifest | null {
  if (changed.some((path) => !cache.models[path]?.alone || files.notUtf8?.has(path) || !files.files.has(path))) return null;
  // JSON.stringify escapes newlines inside strings: every newline byte ends a line.
  const starts = [0];
  for (let at = manifest.indexOf(10); at !== -1; at = manifest.indexOf(10, at + 1)) starts.push(at + 1);
  const lineAt = (i: number): string | undefined =>
    i >= 0 && i < starts.length ? manifest.toString('utf8', starts[i], (starts[i + 1] ?? manifest.length + 1) - 1) : undefined;
  const replaced = new Map<number, string>();
  const head = JSON.parse(`${lineAt(0)}}}`) as Omit<Manifest, 'nodes'>;
  if (head.version !== MANIFEST_VERSION || starts.length < 2) return null;
  const nodeAt = <T extends ManifestNode>(id: string): T | null => {
    const at = cache.lines[id] ?? -1;
    const line = replaced.get(at) ?? lineAt(at);
    const key = `${JSON.stringify(id)}:`;
    if (!line?.startsWith(key)) return null;
    return JSON.parse(line.endsWith(',') ? line.slice(key.length, -1) : line.slice(key.length)) as T;
  };
  const environment: RenderEnvironment = {
    target: head.target.type,
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
      const linker = createLinker(refs, sources, new Map(), dialectFor(head.target));
      const updated: ModelNode = {
        ...node,
        rawSql: sql,
        checksums: { ...node.checksums, body: sha256(sql) },
        vars: first.vars,
        macros: first.macros,
        ...linkModel(node, first, batch, linker),
      };
      const at = cache.lines[entry.id]!;
      replaced.set(at, nodeLine(entry.id, updated, !(replaced.get(at) ?? lineAt(at))!.endsWith(',')));
      models.push(updated);
    }
  } catch (error) {
    if (error instanceof NeedsFullCompile) return null;
    throw error;
  }
  replaced.set(0, manifestHead({ ...head, generatedAt: options.generatedAt, project: { ...head.project, root: '' } }));
  const pieces: Buffer[] = [];
  let from = 0;
  for (const at of [...replaced.keys()].sort((a, b) => a - b)) {
    pieces.push(manifest.subarray(from, starts[at]), Buffer.from(replaced.get(at)!));
    from = (starts[at + 1] ?? manifest.length + 1) - 1;
  }
  pieces.push(manifest.subarray(from));
  return { pieces, models };
}
