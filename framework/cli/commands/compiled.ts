import { compileProjectDir, loadState, type CompiledProject } from '../../compile/project_dir.js';
import type { CacheLookup } from '../../compile/cache.js';
import type { Selection } from '../../compile/select.js';
import { renderDiagnostics } from '../render.js';
import { err, type Options } from './shared.js';

/** The selection of a command that acts on it: a term that matches no node stops it (exit 2). */
export function selectionOf(project: CompiledProject, options: Options): Selection {
  return { select: options.select, exclude: options.exclude, state: loadState(project, options), unmatched: 'error' };
}

export function compiled(options: Options, consequence: string, looked?: CacheLookup): CompiledProject | null {
  const project = compileProjectDir({ projectDir: options.projectDir, vars: options.vars, target: options.target }, true, looked);
  renderDiagnostics(project.diagnostics, err, consequence);
  return project.ok ? project : null;
}
