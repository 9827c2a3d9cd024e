import { diagnostic, type Diagnostic } from '../core/diagnostics.js';
import { didYouMean } from '../core/suggest.js';
import type { NodeCompileContext } from './context.js';
import type { RenderedModel } from './render.js';

/**
 * The node ids a rendered file depends on; unknown refs and sources become diagnostics, except
 * those whose declaration has an error of its own (reported there).
 */
export function linkDependencies(
  file: string,
  rendered: Pick<RenderedModel, 'refs' | 'sources'>,
  context: Pick<NodeCompileContext, 'models' | 'sources' | 'unresolved' | 'refables'>,
  diagnostics: Diagnostic[],
  /** Other relations a ref may name (scoring tables: predictions_<model>) → their node ids. */
  given: ReadonlyMap<string, string> = new Map(),
): string[] {
  const { models, sources, unresolved } = context;
  const extra = context.refables ? new Map([...context.refables, ...given]) : given;
  const dependsOn = new Set<string>();
  for (const ref of rendered.refs) {
    const target = models.get(ref.name);
    if (target) dependsOn.add(target.node.uniqueId);
    else if (extra.has(ref.name)) dependsOn.add(extra.get(ref.name)!);
    else if (!unresolved.faultyRef(ref.name)) {
      const hint = unresolved.disabled.has(ref.name)
        ? `model "${ref.name}" is disabled (enabled: false)`
        : didYouMean(ref.name, [...models.keys(), ...extra.keys()]);
      diagnostics.push(diagnostic('UNKNOWN_REF', { name: ref.name }, { file, line: ref.at.line, column: ref.at.column + 1 }, hint));
    }
  }
  for (const src of rendered.sources) {
    const id = `${src.source}.${src.table}`;
    const target = sources.get(id);
    if (target) dependsOn.add(target.uniqueId);
    else if (!unresolved.faultySource(id)) {
      const hint = didYouMean(id, sources.keys()) ?? (sources.size ? null : 'declare it in sources.yml');
      diagnostics.push(diagnostic('UNKNOWN_SOURCE', { name: id }, { file, line: src.at.line, column: src.at.column + 1 }, hint));
    }
  }
  return [...dependsOn];
}
