/**
 * The verbs, as a library. The CLI is a thin layer over these; watch mode, docs and tests
 * call them too.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { readManifest, writeCompileArtifacts } from './compile/artifacts.js';
import { compile, type CompileOptions } from './compile/compile.js';
import type { Manifest } from './compile/manifest.js';
import { selectNodes, type Selection } from './compile/select.js';
import { hasErrors, type Diagnostic } from './core/diagnostics.js';
import { readProjectFiles, resolveProjectDir } from './project/files.js';
import { parseProject } from './project/parse.js';
import { failOnSelectorErrors, run, type RunOptions } from './run/run.js';
import type { RunResults } from './run/results.js';

export interface ProjectOptions extends CompileOptions {
  projectDir?: string;
}

export interface CompiledProject {
  root: string;
  manifest: Manifest;
  diagnostics: Diagnostic[];
  ok: boolean;
  /** The manifest target/ held before this compile, for state:modified. */
  previous: Manifest | null;
}

/** Loads, validates and compiles the project on disk; writes target/ only when it compiled cleanly. */
export function compileProjectDir(options: ProjectOptions = {}, write = true): CompiledProject {
  const root = resolveProjectDir(options.projectDir);
  const previous = readManifest(join(root, 'target'), false);
  const parsed = parseProject(readProjectFiles(root));
  const compiled = compile(parsed.spec, { env: process.env, generatedAt: new Date().toISOString(), ...options });
  const diagnostics = [...parsed.diagnostics, ...compiled.diagnostics];
  const ok = !hasErrors(diagnostics);
  if (ok && write) writeCompileArtifacts(compiled.manifest, join(root, 'target'));
  return { root, manifest: compiled.manifest, diagnostics, ok, previous };
}

/** The manifest state: selectors compare with: --state DIR, else what target/ held before this compile. */
export function loadState(project: CompiledProject, stateDir: string | undefined): Manifest | null {
  return stateDir ? readManifest(stateDir, true) : project.previous;
}

export function listNodes(manifest: Manifest, selection: Selection) {
  const { ids, diagnostics } = selectNodes(manifest, selection);
  failOnSelectorErrors(diagnostics);
  return { nodes: Object.values(manifest.nodes).filter((n) => ids.has(n.uniqueId)), diagnostics };
}

/** `build` runs every node kind in one DAG walk; tests join the walk as a node kind. */
export function build(manifest: Manifest, options: RunOptions = {}): Promise<RunResults> {
  return run(manifest, { ...options, command: 'build' });
}

export function clean(root: string): void {
  rmSync(join(root, 'target'), { recursive: true, force: true });
}
