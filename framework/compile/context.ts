import type { Diagnostic } from '../core/diagnostics.js';
import type { Linker } from './link.js';
import type { ModelNode, SourceNode } from './manifest.js';
import type { RenderEnvironment } from './render.js';

/** What compiling nodes beyond models (tests, ML) needs: the models and sources to link to. */
export interface NodeCompileContext {
  project: string;
  models: ReadonlyMap<string, { node: ModelNode }>;
  sources: ReadonlyMap<string, SourceNode>;
  disabled: ReadonlySet<string>;
  linker: Linker;
  environment: RenderEnvironment;
  diagnostics: Diagnostic[];
}
