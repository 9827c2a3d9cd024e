import type { Diagnostic } from '../core/diagnostics.js';
import { sha256 } from '../core/hash.js';
import type { ProjectFiles } from '../project/files.js';
import { parseProject } from '../project/parse.js';
import { compileWithState, createCompileCache, linkModel, type CompileOptions, type CompileResult, type CompileState } from './compile.js';
import type { Manifest, ModelNode } from './manifest.js';
import { hasStatement, renderModelCached, type RenderedModel } from './render.js';

export interface IncrementalResult extends CompileResult {
  /** The models recompiled on their own; null when the whole project was compiled. */
  recompiled: string[] | null;
}

/**
 * Compiles a project again and again as its files change (watch mode). Editing the SQL of
 * models without changing what they read or how they are configured — the everyday edit —
 * recompiles just those models into a copy of the last manifest. Anything else (YAML,
 * macros, new refs, ephemeral models, models with unit tests) compiles the whole project,
 * reusing the parse and render work of unchanged files. Both give the same manifest.
 */
export class IncrementalCompiler {
  private readonly cache = createCompileCache();
  private last: (CompileState & { modelsByPath: Map<string, string>; unitTested: Set<string> }) | null = null;

  constructor(private readonly options: Omit<CompileOptions, 'cache' | 'generatedAt'> = {}) {}

  compile(files: ProjectFiles, changed: readonly string[], generatedAt?: string): IncrementalResult {
    const quick = this.last && this.modelEdits(files, changed, generatedAt);
    if (quick) return quick;
    const parsed = parseProject(files, this.cache.parse);
    const state = compileWithState(parsed.spec, { ...this.options, generatedAt, cache: this.cache });
    const diagnostics = [...parsed.diagnostics, ...state.diagnostics];
    this.last =
      diagnostics.length === 0
        ? {
            ...state,
            modelsByPath: new Map(
              Object.values(state.manifest.nodes).flatMap((n) => (n.kind === 'model' ? [[n.path, n.uniqueId] as const] : [])),
            ),
            unitTested: new Set(parsed.spec.unitTests.map((t) => t.model)),
          }
        : null;
    return { manifest: state.manifest, diagnostics, recompiled: null };
  }

  private modelEdits(files: ProjectFiles, changed: readonly string[], generatedAt?: string): IncrementalResult | null {
    const last = this.last!;
    const updated: ModelNode[] = [];
    const renders: [string, RenderedModel][] = [];
    for (const path of new Set(changed)) {
      const id = last.modelsByPath.get(path);
      const sql = files.files.get(path);
      if (!id || sql === undefined || files.notUtf8?.has(path)) return null;
      const node = last.manifest.nodes[id] as ModelNode;
      // An ephemeral model is inlined into others, and a unit test copies its model's SQL.
      if (node.config.materialized === 'ephemeral' || last.unitTested.has(node.name)) return null;
      if (sql === node.rawSql) continue;
      const diagnostics: Diagnostic[] = [];
      const file = { path, sql };
      const first = renderModelCached(this.cache.renders, last.scope, file, last.environment, false, diagnostics);
      const batch =
        node.config.materialized === 'incremental'
          ? renderModelCached(this.cache.renders, last.scope, file, last.environment, true, diagnostics)
          : null;
      if (!first || diagnostics.length > 0 || !hasStatement(first.sql) || !sameShape(first, last.renders.get(node.name)!)) return null;
      updated.push({
        ...node,
        rawSql: sql,
        checksums: { ...node.checksums, body: sha256(sql) },
        vars: first.vars,
        macros: first.macros,
        ...linkModel(node, first, batch, last.linker),
      });
      renders.push([node.name, first]);
    }
    const nodes = { ...last.manifest.nodes };
    for (const node of updated) nodes[node.uniqueId] = node;
    const manifest: Manifest = { ...last.manifest, generatedAt: generatedAt ?? last.manifest.generatedAt, nodes };
    for (const [name, first] of renders) last.renders.set(name, first);
    last.manifest = manifest;
    return { manifest, diagnostics: [], recompiled: updated.map((n) => n.uniqueId) };
  }
}

/** Same inputs and same inline config: the DAG and every other node stay as they were. */
function sameShape(a: RenderedModel, b: RenderedModel): boolean {
  return shapeOf(a) === shapeOf(b);
}

/** What a model's edit must keep for it to be recompiled alone. */
export function shapeOf(r: RenderedModel): string {
  return JSON.stringify([r.refs.map((x) => x.name), r.sources.map((x) => `${x.source}.${x.table}`), r.inlineConfig]);
}
