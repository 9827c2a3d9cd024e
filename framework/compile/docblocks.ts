import { diagnostic, type Diagnostic } from '../core/diagnostics.js';
import { didYouMean } from '../core/suggest.js';
import type { ColumnSpec, ProjectSpec } from '../project/spec.js';

const DOC = /\{\{\s*doc\s+(?:"([^"]*)"|'([^']*)')\s*\}\}/g;
type YamlPath = (string | number)[];
const callsDoc = (text: string | undefined): text is string => text?.includes('{{') === true;

/**
 * The spec with every `{{doc "name"}}` in a YAML description replaced by its docs block (from
 * the project's Markdown files). An unknown name is reported at its description, with the
 * closest block name. Pure: the spec given is not changed.
 */
export function withDocBlocks(spec: ProjectSpec, diagnostics: Diagnostic[]): ProjectSpec {
  // A source's description is every one of its tables': reported once.
  const seen = new Set<string>();
  const resolve = (text: string | undefined, file: string, path: YamlPath): string | undefined => {
    if (!callsDoc(text)) return text;
    const key = `${file}|${path.join('.')}`;
    const resolved = resolveDocs(text, spec, file, path, seen.has(key) ? [] : diagnostics);
    seen.add(key);
    return resolved;
  };
  const columns = (list: ColumnSpec[] | undefined, file: string, path: YamlPath) =>
    list?.map((c, i) => ({ ...c, description: resolve(c.description, file, [...path, 'columns', i, 'description']) }));
  // Most entries call no docs block: kept as they are, rather than copied with their columns.
  const entry = <T extends { description?: string; columns?: ColumnSpec[]; origin: { file: string; path: YamlPath } }>(item: T): T =>
    callsDoc(item.description) || item.columns?.some((c) => callsDoc(c.description))
      ? {
          ...item,
          description: resolve(item.description, item.origin.file, [...item.origin.path, 'description']),
          columns: columns(item.columns, item.origin.file, item.origin.path),
        }
      : item;
  const byName = <T extends Parameters<typeof entry>[0]>(map: Map<string, T>) =>
    new Map([...map].map(([name, item]) => [name, entry(item)]));
  return {
    ...spec,
    properties: byName(spec.properties),
    seedProperties: byName(spec.seedProperties),
    snapshotProperties: byName(spec.snapshotProperties),
    exposures: spec.exposures.map((e) => ({ ...e, description: resolve(e.description, e.origin.file, [...e.origin.path, 'description']) })),
    sources: spec.sources.map((table) => {
      const { file, path } = table.origin;
      return {
        ...table,
        description: resolve(table.description, file, [...path, 'description']) ?? '',
        sourceDescription: resolve(table.sourceDescription, file, path.slice(0, 2).concat('description')) ?? '',
        columns: columns(table.columns, file, path) ?? [],
      };
    }),
  };
}

function resolveDocs(text: string, spec: ProjectSpec, file: string, path: YamlPath, diagnostics: Diagnostic[]): string {
  return text.replace(DOC, (call, double: string | undefined, single: string | undefined) => {
    const name = double ?? single ?? '';
    const block = spec.docs.get(name);
    if (block) return block.text;
    const known = [...spec.docs.keys()];
    diagnostics.push(
      diagnostic(
        'UNKNOWN_DOC',
        { name },
        { file, ...spec.locator.locate(file, path) },
        didYouMean(name, known) ?? (known.length ? null : 'write it in a Markdown file: {% docs name %} … {% enddocs %}'),
      ),
    );
    return call;
  });
}
