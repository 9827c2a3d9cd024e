import type { Diagnostic } from '../core/diagnostics.js';
import type { Linker } from './link.js';
import type { ModelNode, SourceNode } from './manifest.js';
import type { RenderEnvironment } from './render.js';
import type { Dialect } from '../warehouse/dialect.js';

/** Why a name a reference uses has no node: so the reference is reported rightly, or not again. */
export interface Unresolved {
  /** Models with enabled: false. */
  disabled: ReadonlySet<string>;
  /** Whether a ref names something whose declaration has an error reported already (a template that failed, a scoring entry with a schema error). */
  faultyRef(name: string): boolean;
  /** Whether a source table (source.table) is declared by an entry with errors. */
  faultySource(id: string): boolean;
}

/** What compiling nodes beyond models (tests, ML) needs: the models and sources to link to. */
export interface NodeCompileContext {
  project: string;
  models: ReadonlyMap<string, { node: ModelNode }>;
  sources: ReadonlyMap<string, SourceNode>;
  unresolved: Unresolved;
  /** Relations other than models a ref may name (seeds, snapshots, scoring tables) → their node ids. */
  refables?: ReadonlyMap<string, string>;
  linker: Linker;
  environment: RenderEnvironment;
  diagnostics: Diagnostic[];
  /** The SQL compiled nodes are written in. */
  dialect: Dialect;
}
