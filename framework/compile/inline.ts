import { diagnostic, type Diagnostic } from '../core/diagnostics.js';
import { relationOf } from './kinds.js';
import type { CompileState } from './compile.js';
import { linkDependencies } from './deps.js';
import type { ModelNode, SourceNode } from './manifest.js';
import { renderModel } from './render.js';

export const INLINE_FILE = '--inline';

/**
 * SQL typed on the command line (`plat show --inline`), rendered with the project's helpers and
 * linked like a model: refs to models (ephemeral ones inlined), seeds, snapshots and scoring
 * tables, sources, vars. Mistakes are diagnostics at --inline's line and column.
 */
export function compileInline(state: CompileState, sql: string): { sql: string; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const noConfig = (_: Record<string, unknown>, report: (message: string, hint: string | null) => void) => {
    report('{{config}} has no meaning in --inline SQL', 'leave it out: nothing is built');
    return {};
  };
  const rendered = renderModel({ path: INLINE_FILE, sql }, state.environment, false, diagnostics, noConfig);
  if (!rendered) return { sql: '', diagnostics };
  const nodes = Object.values(state.manifest.nodes);
  const models = new Map(nodes.filter((n): n is ModelNode => n.kind === 'model').map((node) => [node.name, { node }]));
  const sources = new Map(nodes.filter((n): n is SourceNode => n.kind === 'source').map((node) => [node.name, node]));
  const refables = new Map(
    nodes.filter((n) => n.kind !== 'model' && n.kind !== 'source' && relationOf(n)).map((n) => [relationOf(n)!.name, n.uniqueId]),
  );
  const unresolved = { disabled: new Set<string>(), faultyRef: () => false, faultySource: () => false };
  linkDependencies(INLINE_FILE, rendered, { models, sources, unresolved, refables }, diagnostics);
  if (rendered.sql.trim() === '') diagnostics.push(diagnostic('NO_SQL', { kind: '--inline' }, { file: INLINE_FILE }, 'pass a SELECT'));
  return { sql: state.linker.link(rendered, null).sql, diagnostics };
}
