import { diagnostic, type Diagnostic } from '../core/diagnostics.js';
import { PROJECT_FILE, type ProjectFiles } from './files.js';
import { checkGenerator } from './generator_rules.js';
import { validateYaml, type SchemaName } from './schemas.js';
import type { AgentSpec, ToolSpec, FeatureSetSpec, MacroFile, ModelFile, ModelProperties, ProjectConfig, ProjectSpec, ScoringSpec, SourceTableSpec, TestFile, TrainingSpec, UnitTestProperties } from './spec.js';
import { parseYaml, YamlLocator } from './yaml.js';

/**
 * YAML files parsed and validated by an earlier pass, by path; an entry is reused while the
 * file's text is unchanged (watch mode keeps one across rebuilds).
 */
export type ParseCache = Map<string, { text: string; data: unknown; diagnostics: Diagnostic[] }>;

/**
 * Pure: project files in, a validated spec plus every diagnostic out. Keeps going after an
 * error so one pass reports all of them.
 */
export function parseProject(input: ProjectFiles, cache: ParseCache = new Map()): { spec: ProjectSpec; diagnostics: Diagnostic[] } {
  const { files } = input;
  const locator = new YamlLocator(files);
  const diagnostics: Diagnostic[] = [];

  /** With `lenient`, data that fails its schema is still returned, so one typo does not cascade. */
  const readYaml = (file: string, schema: SchemaName, lenient = false): unknown => {
    const text = files.get(file)!;
    let entry = cache.get(file);
    if (entry?.text !== text) {
      entry = { text, ...validated(file, text, schema, lenient, locator) };
      cache.set(file, entry);
    }
    diagnostics.push(...entry.diagnostics);
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
  const seenModels = new Map<string, string>();
  const seenSources = new Map<string, string>();

  for (const [path, text] of files) {
    if (path === 'sources.yml' || (path.startsWith('sources/') && /\.ya?ml$/.test(path))) {
      const data = readYaml(path, 'sources') as { sources: RawSource[] } | null;
      if (data) sources.push(...sourceTables(path, data, seenSources, diagnostics, locator));
    } else if (path.startsWith('models/') && path.endsWith('.sql')) {
      const name = path.slice(path.lastIndexOf('/') + 1, -'.sql'.length);
      const other = seenModels.get(name);
      if (other) {
        diagnostics.push(diagnostic('DUPLICATE_MODEL', { name, other }, { file: path }, 'model names are global: rename one of the files'));
        continue;
      }
      seenModels.set(name, path);
      models.push({ name, path, folder: path.slice('models/'.length, Math.max(path.lastIndexOf('/'), 'models'.length)), sql: text });
    } else if (path.startsWith('models/') && /\.ya?ml$/.test(path)) {
      const data = readYaml(path, 'models') as { models?: Omit<ModelProperties, 'origin'>[]; unit_tests?: Omit<UnitTestProperties, 'origin'>[] } | null;
      (data?.unit_tests ?? []).forEach((test, index) => unitTests.push({ ...test, origin: { file: path, path: ['unit_tests', index] } }));
      (data?.models ?? []).forEach((props, index) => {
        const previous = properties.get(props.name);
        if (previous) {
          const pos = locator.locate(path, ['models', index, 'name']);
          diagnostics.push(diagnostic('DUPLICATE_PROPERTIES', { name: props.name, other: previous.origin.file }, { file: path, ...pos }));
          return;
        }
        properties.set(props.name, { ...props, origin: { file: path, path: ['models', index] } });
      });
    } else if (path.startsWith('tests/') && path.endsWith('.sql')) {
      const test = { name: path.slice(path.lastIndexOf('/') + 1, -'.sql'.length), path, sql: text };
      (path.startsWith('tests/generic/') ? genericTests : singularTests).push(test);
    } else if (path.startsWith('ml/') && /\.ya?ml$/.test(path)) {
      const data = readYaml(path, 'ml') as { feature_sets?: object[]; models?: object[]; scoring?: object[] } | null;
      const withOrigin = <T>(key: string, items: object[] | undefined) => (items ?? []).map((item, index) => ({ ...item, origin: { file: path, path: [key, index] } }) as T);
      ml.featureSets.push(...withOrigin<FeatureSetSpec>('feature_sets', data?.feature_sets));
      ml.models.push(...withOrigin<TrainingSpec>('models', data?.models));
      ml.scoring.push(...withOrigin<ScoringSpec>('scoring', data?.scoring));
    } else if (path.startsWith('agents/') && /\.ya?ml$/.test(path)) {
      const data = readYaml(path, 'agents') as { agents?: object[]; tools?: object[] } | null;
      const withOrigin = <T>(key: string, items: object[] | undefined) => (items ?? []).map((item, index) => ({ ...item, origin: { file: path, path: [key, index] } }) as T);
      agents.agents.push(...withOrigin<AgentSpec>('agents', data?.agents));
      agents.tools.push(...withOrigin<ToolSpec>('tools', data?.tools));
    } else if (path.startsWith('macros/') && path.endsWith('.hbs')) {
      macros.push({ name: path.slice(path.lastIndexOf('/') + 1, -'.hbs'.length), path, template: text });
    }
  }

  for (const path of cache.keys()) if (!files.has(path)) cache.delete(path);
  models.sort((a, b) => (a.path < b.path ? -1 : 1));
  singularTests.sort((a, b) => (a.path < b.path ? -1 : 1));
  return {
    spec: { root: input.root, configFile: PROJECT_FILE, config, sources, models, properties, unitTests, singularTests, genericTests, ml, agents, macros, locator },
    diagnostics,
  };
}

function validated(file: string, text: string, schema: SchemaName, lenient: boolean, locator: YamlLocator): { data: unknown; diagnostics: Diagnostic[] } {
  const parsed = parseYaml(file, text);
  if (parsed.diagnostics.length > 0) return { data: null, diagnostics: parsed.diagnostics };
  const problems = validateYaml(schema, file, parsed.data ?? {}, locator);
  return { data: problems.length > 0 && !lenient ? null : (parsed.data ?? {}), diagnostics: problems };
}

interface RawSource {
  name: string;
  description?: string;
  schema?: string;
  tags?: string[];
  tables: (Omit<SourceTableSpec, 'sourceName' | 'schema' | 'origin' | 'sourceDescription' | 'kafka' | 'file' | 'generator' | 'freshness' | 'tests' | 'columns' | 'tags' | 'description'> & Partial<SourceTableSpec>)[];
}

function sourceTables(
  file: string,
  data: { sources: RawSource[] },
  seen: Map<string, string>,
  diagnostics: Diagnostic[],
  locator: YamlLocator,
): SourceTableSpec[] {
  const tables: SourceTableSpec[] = [];
  data.sources.forEach((source, s) => {
    source.tables.forEach((table, t) => {
      const id = `${source.name}.${table.name}`;
      if (seen.has(id)) {
        diagnostics.push(diagnostic('DUPLICATE_SOURCE', { name: id }, { file, ...locator.locate(file, ['sources', s, 'tables', t, 'name']) }, `also in ${seen.get(id)}`));
        return;
      }
      seen.set(id, file);
      if (table.file && (table.kafka || table.generator)) {
        const pos = locator.locate(file, ['sources', s, 'tables', t], 'file');
        diagnostics.push(diagnostic('LOADER', { detail: `source ${id}: a file loader cannot be combined with ${table.kafka ? 'kafka' : 'generator'}` }, { file, ...pos }, 'a table has one loader; only kafka may add a generator as its fallback'));
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
