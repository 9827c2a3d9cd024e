import { diagnostic, type Diagnostic } from '../core/diagnostics.js';
import { didYouMean } from '../core/suggest.js';
import type { ProjectSpec } from '../project/spec.js';

/**
 * Properties YAML naming a seed or snapshot that has no file is reported at its `name:`, with
 * the closest existing name: otherwise a misspelt name would silently configure nothing.
 */
export function reportOrphanProperties(
  kind: 'seed' | 'snapshot',
  expected: (name: string) => string,
  names: ReadonlySet<string>,
  properties: ReadonlyMap<string, { origin: { file: string; path: (string | number)[] } }>,
  spec: ProjectSpec,
  diagnostics: Diagnostic[],
): void {
  for (const [name, declared] of properties) {
    if (names.has(name)) continue;
    const { file, path } = declared.origin;
    diagnostics.push(
      diagnostic(
        'BAD_CONFIG',
        { detail: `properties given for ${kind} "${name}", but there is no ${expected(name)}` },
        { file, ...spec.locator.locate(file, [...path, 'name']) },
        didYouMean(name, names),
      ),
    );
  }
}
