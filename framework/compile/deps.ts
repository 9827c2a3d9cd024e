import { diagnostic, type Diagnostic } from '../core/diagnostics.js';
import { didYouMean } from '../core/suggest.js';
import type { ModelNode, SourceNode } from './manifest.js';
import type { RenderedModel } from './render.js';

/** The node ids a rendered file depends on; unknown refs and sources become diagnostics. */
export function linkDependencies(
  file: string,
  rendered: Pick<RenderedModel, 'refs' | 'sources'>,
  models: ReadonlyMap<string, { node: ModelNode }>,
  sources: ReadonlyMap<string, SourceNode>,
  disabled: ReadonlySet<string>,
  diagnostics: Diagnostic[],
  /** Other relations a ref may name (scoring tables: predictions_<model>) → their node ids. */
  extra: ReadonlyMap<string, string> = new Map(),
): string[] {
  const dependsOn = new Set<string>();
  for (const ref of rendered.refs) {
    const target = models.get(ref.name);
    if (target) dependsOn.add(target.node.uniqueId);
    else if (extra.has(ref.name)) dependsOn.add(extra.get(ref.name)!);
    else {
      const hint = disabled.has(ref.name) ? `model "${ref.name}" is disabled (enabled: false)` : didYouMean(ref.name, [...models.keys(), ...extra.keys()]);
      diagnostics.push(diagnostic('UNKNOWN_REF', { name: ref.name }, { file, line: ref.at.line, column: ref.at.column + 1 }, hint));
    }
  }
  for (const src of rendered.sources) {
    const id = `${src.source}.${src.table}`;
    const target = sources.get(id);
    if (target) dependsOn.add(target.uniqueId);
    else {
      const hint = didYouMean(id, sources.keys()) ?? (sources.size ? null : 'declare it in sources.yml');
      diagnostics.push(diagnostic('UNKNOWN_SOURCE', { name: id }, { file, line: src.at.line, column: src.at.column + 1 }, hint));
    }
  }
  return [...dependsOn];
}
