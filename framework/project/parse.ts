import { diagnostic, type Diagnostic } from '../core/diagnostics.js';
import { faultyNames, keepValidEntries, kindsOf, type FaultyName } from './entries.js';
import { PROJECT_FILE, type ProjectFiles } from './files.js';
import { parseDocBlocks } from './docblocks.js';
import { checkGenerator } from './generator_rules.js';
import { validateYaml, type SchemaName } from './schemas.js';
import type {
  AgentSpec,
  DocBlock,
  EndpointSpec,
  ExposureSpec,
  SeedFile,
  SeedProperties,
  SnapshotProperties,
  ToolSpec,
  FeatureSetSpec,
  MacroFile,
  ModelFile,
  ModelProperties,
  ProjectConfig,
  ProjectSpec,
  ScoringSpec,
  SourceTableSpec,
  TestFile,
  TrainingSpec,
  UnitTestProperties,
} from './spec.js';
import { type ParsedYaml, parseYaml, type YamlLocator } from './yaml.js';
import { YamlTextLocator } from './yaml_locator.js';
import type { DashboardSpec } from './dashboard_spec.js';

/**
 * YAML files parsed and validated by an earlier pass, by path; an entry is reused while the
 * file's text is unchanged (watch mode keeps one across rebuilds).
 */
export type ParseCache = Map<string, { text: string; data: unknown; diagnostics: Diagnostic[]; faulty: FaultyName[] }>;

/**
 * Pure: project files in, a validated spec plus every diagnostic out. Keeps going after an
 * error so one pass reports all of them. `preParsed`: YAML parsed already (yaml_thread.ts),
 * each used only for the text it was parsed from.
 */
export function parseProject(
  input: ProjectFiles,
  cache: ParseCache = new Map(),
  preParsed: ReadonlyMap<string, ParsedYaml & { text: string }> = new Map(),
): { spec: ProjectSpec; diagnostics: Diagnostic[] } {
  const { files } = input;
  const locator: YamlLocator = new YamlTextLocator(files);
  const diagnostics: Diagnostic[] = [];
  const faulty: FaultyName[] = [];
  for (const [file, at] of [...(input.notUtf8 ?? [])].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const byte = `0x${at.byte.toString(16).toUpperCase().padStart(2, '0')}`;
    diagnostics.push(
      diagnostic(
        'NOT_UTF8',
        { byte },
        { file, line: at.line, column: at.column },
        'save it as UTF-8 (plat reads every project file as UTF-8)',
      ),
    );
  }

  /** With `lenient`, data that fails its schema is still returned, so one typo does not cascade. */
  const readYaml = (file: string, schema: SchemaName, lenient = false): unknown => {
    const text = files.get(file)!;
    let entry = cache.get(file);
    if (entry?.text !== text) {
      const given = preParsed.get(file);
      entry = { text, ...validated(file, given?.text === text ? given : parseYaml(file, text), schema, lenient, locator) };
      cache.set(file, entry);
    }
    diagnostics.push(...entry.diagnostics);
    faulty.push(...entry.faulty);
    return entry.data;
  };

  let config: ProjectConfig = { name: 'project' };
  if (!files.has(PROJECT_FILE)) {
    diagnostics.push(diagnostic('PROJECT_MISSING', { dir: input.root }, {}, 'create one with `plat init`'));
  } else {
    const data = readYaml(PROJECT_FILE, 'project', true);
    if (data && typeof data === 'object' && !Array.isArray(data)) config = { ...config, ...(data as ProjectConfig) };
  }

  const sources: SourceTableSpec[] = [];
  const models: ModelFile[] = [];
  const macros: MacroFile[] = [];
  const unitTests: UnitTestProperties[] = [];
  const singularTests: TestFile[] = [];
  const genericTests: TestFile[] = [];
  const ml: ProjectSpec['ml'] = { featureSets: [], models: [], scoring: [] };
  const agents: ProjectSpec['agents'] = { agents: [], tools: [] };
  const properties = new Map<string, ModelProperties>();
  const seeds: SeedFile[] = [];
  const snapshots: ModelFile[] = [];
  const exposures: ExposureSpec[] = [];
  const dashboards: DashboardSpec[] = [];
  const endpoints: EndpointSpec[] = [];
  const docs = new Map<string, DocBlock>();
  const markdown: string[] = [];
  const seedProperties = new Map<string, SeedProperties>();
  const snapshotProperties = new Map<string, SnapshotProperties>();
  /** Properties of seeds and snapshots, a second declaration of a name reported. */
  const keepOnce = <T extends { name: string; origin: { file: string; path: (string | number)[] } }>(
    into: Map<string, T>,
    what: string,
    items: T[],
  ) => {
    for (const props of items) {
      const previous = into.get(props.name);
      if (previous) {
        const pos = locator.locate(props.origin.file, [...props.origin.path, 'name']);
        const other = located(locator, previous.origin.file, [...previous.origin.path, 'name']);
        diagnostics.push(diagnostic('DUPLICATE_NAME', { what: `${what} "${props.name}"`, other }, { file: props.origin.file, ...pos }));
      } else into.set(props.name, props);
    }
  };
  const seenSources = new Map<string, { id: string; file: string; path: (string | number)[] }>();

  for (const [path, text] of files) {
    if (path === 'sources.yml' || (path.startsWith('sources/') && /\.ya?ml$/.test(path))) {
      const data = readYaml(path, 'sources') as { sources: (RawSource | null)[] } | null;
      if (data) sources.push(...sourceTables(path, data, seenSources, diagnostics, locator));
    } else if (path.startsWith('models/') && path.endsWith('.sql')) {
      const name = path.slice(path.lastIndexOf('/') + 1, -'.sql'.length);
      models.push({ name, path, folder: path.slice('models/'.length, Math.max(path.lastIndexOf('/'), 'models'.length)), sql: text });
    } else if (/^(models|seeds|snapshots)\//.test(path) && /\.ya?ml$/.test(path)) {
      const data = readYaml(path, 'models') as {
        models?: (Omit<ModelProperties, 'origin'> | null)[];
        unit_tests?: (Omit<UnitTestProperties, 'origin'> | null)[];
        seeds?: (object | null)[];
        snapshots?: (object | null)[];
        exposures?: (object | null)[];
      } | null;
      unitTests.push(...withOrigin<UnitTestProperties>(path, 'unit_tests', data?.unit_tests));
      keepOnce(seedProperties, 'seed', withOrigin<SeedProperties>(path, 'seeds', data?.seeds));
      keepOnce(snapshotProperties, 'snapshot', withOrigin<SnapshotProperties>(path, 'snapshots', data?.snapshots));
      exposures.push(...withOrigin<ExposureSpec>(path, 'exposures', data?.exposures));
      for (const props of withOrigin<ModelProperties>(path, 'models', data?.models)) {
        const previous = properties.get(props.name);
        if (previous) {
          const pos = locator.locate(path, [...props.origin.path, 'name']);
          diagnostics.push(
            diagnostic(
              'DUPLICATE_PROPERTIES',
              { name: props.name, other: located(locator, previous.origin.file, [...previous.origin.path, 'name']) },
              { file: path, ...pos },
            ),
          );
          continue;
        }
        properties.set(props.name, props);
      }
    } else if (path.startsWith('seeds/') && path.endsWith('.csv')) {
      seeds.push({ name: path.slice(path.lastIndexOf('/') + 1, -'.csv'.length), path, text });
    } else if (path.startsWith('snapshots/') && path.endsWith('.sql')) {
      const name = path.slice(path.lastIndexOf('/') + 1, -'.sql'.length);
      snapshots.push({
        name,
        path,
        folder: path.slice('snapshots/'.length, Math.max(path.lastIndexOf('/'), 'snapshots'.length)),
        sql: text,
      });
    } else if (path.endsWith('.md')) {
      markdown.push(path);
    } else if (path.startsWith('tests/') && path.endsWith('.sql')) {
      const test = { name: path.slice(path.lastIndexOf('/') + 1, -'.sql'.length), path, sql: text };
      (path.startsWith('tests/generic/') ? genericTests : singularTests).push(test);
    } else if (path.startsWith('ml/') && /\.ya?ml$/.test(path)) {
      const data = readYaml(path, 'ml') as {
        feature_sets?: (object | null)[];
        models?: (object | null)[];
        scoring?: (object | null)[];
      } | null;
      ml.featureSets.push(...withOrigin<FeatureSetSpec>(path, 'feature_sets', data?.feature_sets));
      ml.models.push(...withOrigin<TrainingSpec>(path, 'models', data?.models));
      ml.scoring.push(...withOrigin<ScoringSpec>(path, 'scoring', data?.scoring));
    } else if (path.startsWith('agents/') && /\.ya?ml$/.test(path)) {
      const data = readYaml(path, 'agents') as { agents?: (object | null)[]; tools?: (object | null)[] } | null;
      agents.agents.push(...withOrigin<AgentSpec>(path, 'agents', data?.agents));
      agents.tools.push(...withOrigin<ToolSpec>(path, 'tools', data?.tools));
    } else if (path.startsWith('dashboards/') && /\.ya?ml$/.test(path)) {
      const reported = diagnostics.length;
      const data = readYaml(path, 'dashboards') as Omit<DashboardSpec, 'name' | 'origin'> | null;
      const valid = data && !diagnostics.slice(reported).some((d) => d.severity === 'error');
      const name = path.slice(path.lastIndexOf('/') + 1).replace(/\.ya?ml$/, '');
      if (valid) dashboards.push({ ...data, name, origin: { file: path, path: [] } });
    } else if (path.startsWith('endpoints/') && /\.ya?ml$/.test(path)) {
      const data = readYaml(path, 'endpoints') as { endpoints?: (object | null)[] } | null;
      endpoints.push(...withOrigin<EndpointSpec>(path, 'endpoints', data?.endpoints));
    } else if (path.startsWith('macros/') && path.endsWith('.hbs')) {
      macros.push({ name: path.slice(path.lastIndexOf('/') + 1, -'.hbs'.length), path, template: text });
    }
  }

  // By path, so which of two blocks of one name is "the first" does not depend on how files were read.
  for (const path of markdown.sort()) {
    for (const block of parseDocBlocks(path, files.get(path)!, diagnostics)) {
      const previous = docs.get(block.name);
      if (previous)
        diagnostics.push(
          diagnostic(
            'DUPLICATE_NAME',
            { what: `docs block "${block.name}"`, other: `${previous.file}:${previous.line}` },
            { file: path, line: block.line },
          ),
        );
      else docs.set(block.name, block);
    }
  }
  for (const path of cache.keys()) if (!files.has(path)) cache.delete(path);
  models.sort((a, b) => (a.path < b.path ? -1 : 1));
  singularTests.sort((a, b) => (a.path < b.path ? -1 : 1));
  seeds.sort((a, b) => (a.path < b.path ? -1 : 1));
  snapshots.sort((a, b) => (a.path < b.path ? -1 : 1));
  return {
    spec: {
      root: input.root,
      configFile: PROJECT_FILE,
      config,
      sources,
      models: uniqueModels(models, diagnostics),
      properties,
      unitTests,
      singularTests,
      genericTests,
      ml,
      agents,
      macros,
      seeds,
      seedProperties,
      snapshots,
      snapshotProperties,
      exposures,
      dashboards: dashboards.sort((a, b) => (a.origin.file < b.origin.file ? -1 : 1)),
      endpoints,
      docs,
      locator,
      faulty: faultyNames(faulty),
    },
    diagnostics,
  };
}

function validated(
  file: string,
  parsed: ParsedYaml,
  schema: SchemaName,
  lenient: boolean,
  locator: YamlLocator,
): { data: unknown; diagnostics: Diagnostic[]; faulty: FaultyName[] } {
  if (parsed.diagnostics.length > 0) return { data: null, diagnostics: parsed.diagnostics, faulty: kindsOf(schema) };
  const data = parsed.data ?? {};
  const { diagnostics, failures } = validateYaml(schema, file, data, locator);
  if (lenient || failures.length === 0) return { data, diagnostics, faulty: [] };
  return { ...keepValidEntries(schema, data, failures), diagnostics };
}

/** The valid entries of a list, each with where it is declared (its index counts the invalid ones too). */
function withOrigin<T extends { origin: { file: string; path: (string | number)[] } }>(
  file: string,
  key: string,
  items: (object | null)[] | undefined,
): T[] {
  return (items ?? []).flatMap((item, index) => (item ? [{ ...item, origin: { file, path: [key, index] } } as T] : []));
}

/** `file:line:column` of a YAML value, for messages that name another declaration. */
function located(locator: YamlLocator, file: string, path: (string | number)[]): string {
  const pos = locator.locate(file, path);
  return pos ? `${file}:${pos.line}:${pos.column}` : file;
}

/**
 * Model names are global and, like every DuckDB identifier, case-insensitive: of the files
 * whose names collide, the first by path is the model and each other one is an error.
 */
function uniqueModels(models: ModelFile[], diagnostics: Diagnostic[]): ModelFile[] {
  const first = new Map<string, ModelFile>();
  const kept: ModelFile[] = [];
  for (const model of models) {
    const other = first.get(model.name.toLowerCase());
    if (!other) {
      first.set(model.name.toLowerCase(), model);
      kept.push(model);
      continue;
    }
    const hint =
      other.name === model.name
        ? 'model names are global: rename one of the files'
        : 'the names differ only in case, and DuckDB names are case-insensitive: rename one of the files';
    diagnostics.push(diagnostic('DUPLICATE_MODEL', { name: model.name, other: other.path }, { file: model.path }, hint));
  }
  return kept;
}

interface RawSource {
  name: string;
  description?: string;
  schema?: string;
  tags?: string[];
  tables: (
    | (Omit<
        SourceTableSpec,
        | 'sourceName'
        | 'schema'
        | 'origin'
        | 'sourceDescription'
        | 'kafka'
        | 'file'
        | 'generator'
        | 'freshness'
        | 'tests'
        | 'columns'
        | 'tags'
        | 'description'
      > &
        Partial<SourceTableSpec>)
    | null
  )[];
}

/** Source tables, with names unique case-insensitively across every sources file. */
function sourceTables(
  file: string,
  data: { sources: (RawSource | null)[] },
  seen: Map<string, { id: string; file: string; path: (string | number)[] }>,
  diagnostics: Diagnostic[],
  locator: YamlLocator,
): SourceTableSpec[] {
  const tables: SourceTableSpec[] = [];
  data.sources.forEach((source, s) => {
    source?.tables.forEach((table, t) => {
      if (!table) return;
      const id = `${source.name}.${table.name}`;
      const path = ['sources', s, 'tables', t, 'name'];
      const other = seen.get(id.toLowerCase());
      if (other) {
        const sameCase = other.id === id ? '' : ` as "${other.id}" (names are case-insensitive)`;
        diagnostics.push(
          diagnostic(
            'DUPLICATE_SOURCE',
            { name: id },
            { file, ...locator.locate(file, path) },
            `also in ${located(locator, other.file, other.path)}${sameCase}`,
          ),
        );
        return;
      }
      seen.set(id.toLowerCase(), { id, file, path });
      if (table.file && (table.kafka || table.generator)) {
        const pos = locator.locate(file, ['sources', s, 'tables', t], 'file');
        diagnostics.push(
          diagnostic(
            'LOADER',
            { detail: `source ${id}: a file loader cannot be combined with ${table.kafka ? 'kafka' : 'generator'}` },
            { file, ...pos },
            'a table has one loader; only kafka may add a generator as its fallback',
          ),
        );
      }
      for (const problem of table.generator ? checkGenerator(table.generator) : []) {
        const pos = locator.locate(file, ['sources', s, 'tables', t, 'generator']);
        diagnostics.push(diagnostic('LOADER', { detail: `source ${id}: ${problem}` }, { file, ...pos }));
      }
      tables.push({
        sourceName: source.name,
        name: table.name,
        schema: source.schema ?? source.name,
        description: table.description ?? '',
        sourceDescription: source.description ?? '',
        tags: [...(source.tags ?? []), ...(table.tags ?? [])],
        columns: table.columns ?? [],
        tests: table.tests ?? [],
        freshness: table.freshness ?? null,
        kafka: table.kafka ?? null,
        file: table.file ?? null,
        generator: table.generator ?? null,
        origin: { file, path: ['sources', s, 'tables', t] },
      });
    });
  });
  return tables;
}
