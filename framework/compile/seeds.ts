import { diagnostic, type Diagnostic } from '../core/diagnostics.js';
import { sha256 } from '../core/hash.js';
import { reportOrphanProperties } from './orphan_properties.js';
import { didYouMean } from '../core/suggest.js';
import type { ProjectSpec, SeedConfig, SeedFile } from '../project/spec.js';
import { columnsOf, type SeedNode } from './manifest.js';

/** Seed nodes from seeds/**\/*.csv, configured by plat_project.yml's seeds.defaults and their properties. */
export function compileSeeds(spec: ProjectSpec, project: string, diagnostics: Diagnostic[]): SeedNode[] {
  const nodes: SeedNode[] = [];
  for (const file of spec.seeds) {
    const properties = spec.seedProperties.get(file.name);
    const config: SeedConfig = { ...spec.config.seeds?.defaults, ...properties?.config };
    if (config.enabled === false) continue;
    const csv = { delimiter: config.delimiter ?? ',', quote: config.quote ?? '"' };
    const header = headerOf(file, csv);
    if (header.length === 0) {
      diagnostics.push(
        diagnostic(
          'BAD_CONFIG',
          { detail: `seed ${file.name} has no header row` },
          { file: file.path, line: 1 },
          'write the column names on the first line',
        ),
      );
      continue;
    }
    for (const column of Object.keys(config.column_types ?? {}).filter((c) => !header.includes(c))) {
      const origin = properties?.config?.column_types?.[column] !== undefined ? properties.origin : null;
      const place = origin
        ? { file: origin.file, ...spec.locator.locate(origin.file, [...origin.path, 'config', 'column_types'], column) }
        : { file: spec.configFile, ...spec.locator.locate(spec.configFile, ['seeds', 'defaults', 'column_types'], column) };
      diagnostics.push(
        diagnostic(
          'BAD_CONFIG',
          { detail: `column_types names "${column}", which is not a column of ${file.path} (${header.join(', ')})` },
          place,
          didYouMean(column, header),
        ),
      );
    }
    const folder = file.path.slice('seeds/'.length, Math.max(file.path.lastIndexOf('/'), 'seeds'.length));
    const tags = [...new Set([...(config.tags ?? []), ...(properties?.tags ?? [])])];
    nodes.push({
      kind: 'seed',
      uniqueId: `seed.${project}.${file.name}`,
      name: file.name,
      path: file.path,
      description: properties?.description ?? '',
      tags,
      dependsOn: [],
      fqn: [project, ...folder.split('/').filter(Boolean), file.name],
      checksums: { body: sha256(file.text), config: sha256(JSON.stringify({ config, columns: properties?.columns ?? [] })) },
      relation: { schema: config.schema ?? 'main', name: file.name },
      columns: columnsOf(properties?.columns),
      columnTypes: config.column_types ?? {},
      csv,
    });
  }
  reportOrphanProperties(
    'seed',
    (name) => `seeds/**/${name}.csv`,
    new Set(spec.seeds.map((s) => s.name)),
    spec.seedProperties,
    spec,
    diagnostics,
  );
  return nodes;
}

/** The column names of a CSV's first line, quotes removed. */
function headerOf(file: SeedFile, csv: { delimiter: string; quote: string }): string[] {
  const line = file.text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '';
  if (line.trim() === '') return [];
  const names: string[] = [];
  let current = '';
  let quoted = false;
  for (const char of line) {
    if (char === csv.quote) quoted = !quoted;
    else if (char === csv.delimiter && !quoted) {
      names.push(current.trim());
      current = '';
    } else current += char;
  }
  names.push(current.trim());
  return names;
}
