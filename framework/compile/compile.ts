import { diagnostic, type Diagnostic } from '../core/diagnostics.js';
import { sha256, stableStringify } from '../core/hash.js';
import { didYouMean } from '../core/suggest.js';
import type { ProjectFiles } from '../project/files.js';
import { parseProject } from '../project/parse.js';
import type { ModelFile, ProjectSpec, SourceTableSpec } from '../project/spec.js';
import { layeredConfig, resolveConfig } from './config.js';
import { buildDag, findCycles } from './dag.js';
import { ephemeralCteName, inlineEphemerals, trimStatement, type EphemeralBody } from './ephemeral.js';
import { columnsOf, MANIFEST_VERSION, type Manifest, type ModelNode, type Relation, type SourceNode } from './manifest.js';
import { placeholder, renderModel, type RenderEnvironment, type RenderedModel } from './render.js';
import { HandlebarsRenderer } from './template/handlebars.js';

export interface CompileOptions {
  /** Overrides for project vars (the CLI's --vars). */
  vars?: Record<string, unknown>;
  /** Environment for {{env}}; passed in so that compiling stays pure. */
  env?: Record<string, string | undefined>;
  /** Timestamp written into the manifest; passed in so output is repeatable. */
  generatedAt?: string;
}

export interface CompileResult {
  manifest: Manifest;
  diagnostics: Diagnostic[];
}

export const DEFAULT_DATABASE = 'target/plat.duckdb';
export const DEFAULT_THREADS = 4;

/** Pure: file contents in, manifest and diagnostics out. */
export function compileProject(files: ProjectFiles, options: CompileOptions = {}): CompileResult {
  const parsed = parseProject(files);
  const compiled = compile(parsed.spec, options);
  return { manifest: compiled.manifest, diagnostics: [...parsed.diagnostics, ...compiled.diagnostics] };
}

export function quoteRelation(relation: Relation): string {
  return `"${relation.schema.replace(/"/g, '""')}"."${relation.name.replace(/"/g, '""')}"`;
}

export function compile(spec: ProjectSpec, options: CompileOptions = {}): CompileResult {
  const diagnostics: Diagnostic[] = [];
  const project = spec.config.name;
  const vars = { ...(spec.config.vars ?? {}), ...(options.vars ?? {}) };
  let handlebars: HandlebarsRenderer | null = null;
  const environment: RenderEnvironment = {
    vars,
    env: options.env ?? {},
    handlebars: () => (handlebars ??= new HandlebarsRenderer(spec.macros)),
  };

  const sources = new Map<string, SourceNode>();
  for (const table of spec.sources) sources.set(`${table.sourceName}.${table.name}`, sourceNode(project, table));

  checkProperties(spec, diagnostics);

  const rendered = new Map<string, { file: ModelFile; first: RenderedModel; node: ModelNode }>();
  for (const file of spec.models) {
    const first = renderModel(file, environment, false, diagnostics);
    if (!first) continue;
    const properties = spec.properties.get(file.name);
    const layered = { ...layeredConfig(spec.config, file, properties?.config), ...first.inlineConfig };
    if (layered.enabled === false) continue;
    const config = resolveConfig(layered, { file: file.path }, diagnostics);
    config.tags = unique([...config.tags, ...(properties?.tags ?? [])]);
    const node: ModelNode = {
      kind: 'model',
      uniqueId: `model.${project}.${file.name}`,
      name: file.name,
      path: file.path,
      folder: file.folder,
      description: properties?.description ?? '',
      tags: config.tags,
      dependsOn: [],
      fqn: [project, ...file.folder.split('/').filter(Boolean), file.name],
      checksums: {
        body: sha256(file.sql),
        // Plain JSON: key order comes from the files, so it is stable between compiles of the same text.
        config: sha256(JSON.stringify({ config, properties: properties ? { ...properties, origin: undefined } : null })),
      },
      relation: { schema: config.schema, name: file.name },
      config,
      rawSql: file.sql,
      compiledSql: '',
      incrementalSql: null,
      lineMap: [],
      incrementalLineMap: null,
      columns: columnsOf(properties?.columns),
      tests: properties?.tests ?? [],
      refs: [],
      sources: [],
      vars: first.vars,
      macros: first.macros,
      propertiesPath: properties?.origin.file ?? null,
    };
    rendered.set(file.name, { file, first, node });
  }

  const modelNames = [...rendered.keys()];
  const sourceNames = [...sources.keys()];
  for (const { file, first, node } of rendered.values()) {
    const dependsOn = new Set<string>();
    for (const ref of first.refs) {
      const target = rendered.get(ref.name);
      if (target) dependsOn.add(target.node.uniqueId);
      else {
        const disabled = spec.models.some((m) => m.name === ref.name);
        diagnostics.push(
          diagnostic('UNKNOWN_REF', { name: ref.name }, { file: file.path, line: ref.at.line, column: ref.at.column + 1 }, disabled ? `model "${ref.name}" is disabled (enabled: false)` : didYouMean(ref.name, modelNames)),
        );
      }
    }
    for (const src of first.sources) {
      const id = `${src.source}.${src.table}`;
      const target = sources.get(id);
      if (target) dependsOn.add(target.uniqueId);
      else diagnostics.push(diagnostic('UNKNOWN_SOURCE', { name: id }, { file: file.path, line: src.at.line, column: src.at.column + 1 }, didYouMean(id, sourceNames) ?? (sourceNames.length ? null : 'declare it in sources.yml')));
    }
    node.dependsOn = [...dependsOn];
    node.refs = unique(first.refs.map((r) => r.name));
    node.sources = unique(first.sources.map((s) => `${s.source}.${s.table}`));
  }

  const models = [...rendered.values()].map((r) => r.node);
  const graph = buildDag([...sources.values(), ...models]);
  for (const cycle of findCycles(graph)) {
    // Printed in ref direction: each model refs the next one.
    const names = cycle.map((id) => id.split('.').pop()!).reverse();
    const first = rendered.get(names[0]!)!;
    const at = first.first.refs.find((r) => r.name === names[1])?.at;
    diagnostics.push(
      diagnostic('CYCLE', { path: names.join(' → ') }, { file: first.file.path, line: at?.line, column: at ? at.column + 1 : null }, 'a model cannot depend on itself, directly or through others; remove one of these refs'),
    );
  }

  const resolve = (sql: string, self: ModelNode) =>
    sql.replace(placeholder.pattern, (_, kind: string, name: string) => {
      if (kind === 'this') return quoteRelation(self.relation);
      if (kind === 'source') return quoteRelation(sources.get(name)?.relation ?? { schema: 'missing', name });
      const target = rendered.get(name)?.node;
      if (!target) return `"${name}"`;
      return target.config.materialized === 'ephemeral' ? ephemeralCteName(name) : quoteRelation(target.relation);
    });

  const ephemeralsOf = (node: ModelNode): EphemeralBody[] => {
    // Ephemeral ancestors reachable through ephemeral models only, dependencies first.
    const ordered: EphemeralBody[] = [];
    const seen = new Set<string>();
    const visit = (name: string, depth: number) => {
      const target = rendered.get(name)?.node;
      if (!target || target.config.materialized !== 'ephemeral' || seen.has(name) || depth > 100) return;
      seen.add(name);
      for (const ref of target.refs) visit(ref, depth + 1);
      ordered.push({ name, sql: trimStatement(resolve(rendered.get(name)!.first.sql, target)) });
    };
    for (const ref of node.refs) visit(ref, 0);
    return ordered;
  };

  const hasCycles = diagnostics.some((d) => d.code === 'CYCLE');
  for (const { file, first, node } of rendered.values()) {
    const ephemerals = hasCycles ? [] : ephemeralsOf(node);
    const main = inlineEphemerals(trimStatement(resolve(first.sql, node)), first.lineMap, ephemerals);
    node.compiledSql = main.sql;
    node.lineMap = main.lineMap;
    if (node.config.materialized === 'incremental') {
      const incremental = renderModel(file, environment, true, diagnostics);
      if (incremental) {
        const inlined = inlineEphemerals(trimStatement(resolve(incremental.sql, node)), incremental.lineMap, ephemerals);
        node.incrementalSql = inlined.sql;
        node.incrementalLineMap = inlined.lineMap;
      }
    }
  }

  const nodes: Manifest['nodes'] = {};
  const parents: Manifest['parents'] = {};
  const children: Manifest['children'] = {};
  for (const node of [...sources.values(), ...models]) {
    nodes[node.uniqueId] = node;
    parents[node.uniqueId] = graph.inNeighbors(node.uniqueId);
    children[node.uniqueId] = graph.outNeighbors(node.uniqueId);
  }

  const manifest: Manifest = {
    version: MANIFEST_VERSION,
    generatedAt: options.generatedAt ?? new Date(0).toISOString(),
    project: { name: project, version: spec.config.version === undefined ? null : String(spec.config.version), root: spec.root },
    target: { duckdb: spec.config.target?.duckdb ?? DEFAULT_DATABASE },
    threads: spec.config.threads ?? DEFAULT_THREADS,
    vars,
    macros: Object.fromEntries(spec.macros.map((m) => [m.name, sha256(m.template)])),
    nodes,
    parents,
    children,
  };
  return { manifest, diagnostics };
}

function sourceNode(project: string, table: SourceTableSpec): SourceNode {
  const loader = { kafka: table.kafka, file: table.file, generator: table.generator };
  return {
    kind: 'source',
    uniqueId: `source.${project}.${table.sourceName}.${table.name}`,
    name: `${table.sourceName}.${table.name}`,
    path: table.origin.file,
    description: table.description || table.sourceDescription,
    tags: table.tags,
    dependsOn: [],
    fqn: [project, table.sourceName, table.name],
    checksums: { body: sha256(stableStringify(loader)), config: sha256(stableStringify({ columns: table.columns, tests: table.tests, freshness: table.freshness })) },
    sourceName: table.sourceName,
    tableName: table.name,
    relation: { schema: table.schema, name: table.name },
    columns: columnsOf(table.columns),
    tests: table.tests,
    freshness: table.freshness,
    loader,
  };
}

function checkProperties(spec: ProjectSpec, diagnostics: Diagnostic[]): void {
  const names = spec.models.map((m) => m.name);
  const known = new Set(names);
  for (const [name, props] of spec.properties) {
    if (known.has(name)) continue;
    const pos = spec.locator.locate(props.origin.file, [...props.origin.path, 'name']);
    diagnostics.push(diagnostic('PROPERTIES_UNKNOWN_MODEL', { name }, { file: props.origin.file, line: pos?.line, column: pos?.column }, didYouMean(name, names)));
  }
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}
