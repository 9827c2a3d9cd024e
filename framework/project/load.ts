import type { Diagnostic } from '../core/diagnostics.js';
import { readProjectFiles, resolveProjectDir } from './files.js';
import { parseProject } from './parse.js';
import type { ProjectSpec } from './spec.js';

export interface LoadedProject {
  spec: ProjectSpec;
  diagnostics: Diagnostic[];
}

/** Reads the project folder and validates it. The only I/O in this stage. */
export function loadProject(projectDir?: string): LoadedProject {
  const root = resolveProjectDir(projectDir);
  return parseProject(readProjectFiles(root));
}
