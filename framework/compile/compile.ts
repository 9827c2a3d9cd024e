import { diagnostic, type Diagnostic } from '../core/diagnostics.js';
import { sha256 } from '../core/hash.js';
import { stableStringify } from '../core/json.js';
import { didYouMean } from '../core/suggest.js';
import { linkDependencies } from './deps.js';
import type { ProjectFiles } from '../project/files.js';
import { parseProject, type ParseCache } from '../project/parse.js';
import type { ModelFile, ModelProperties, ProjectSpec, SourceTableSpec } from '../project/spec.js';
import { checkUniqueKeyColumns, layeredConfig, outputConfig, resolveConfig, uniqueKeyPlace } from './config.js';
import { addToDag, buildDag, findCycles, topologicalOrder, type Dag } from './dag.js';
import { compileTests } from './tests/index.js';
import { compileMl, predictionsRelation, scoringRelations } from './ml.js';
import { compileAgents } from './agents.js';
import { compileEndpoints } from './endpoints.js';
import { withDocBlocks } from './docblocks.js';
import { compileExposures } from './exposures.js';
import { compileDashboards, readableRelations } from './dashboards.js';
import { compileHook, modelHooks, projectHooks, type HookDeclaration } from './hooks.js';
import { compileSeeds } from './seeds.js';
import { renderSnapshots } from './snapshots.js';
import { createLinker, type Linker } from './link.js';
import { checkRelations } from './collisions.js';
import type { Unresolved } from './context.js';
import { isFaulty } from '../project/entries.js';
import { columnsOf, MANIFEST_VERSION, type Manifest, type ModelNode, type SourceNode, type TestNode } from './manifest.js';
import {
  hasStatement,
  renderModel,
  renderModelCached,
  renderScope,
  type RenderCache,
  type RenderEnvironment,
  type RenderedModel,
} from './render.js';
import { HandlebarsRenderer } from './template/handlebars.js';
import type { Dialect } from '../warehouse/dialect.js';
import { dialectFor } from '../warehouse/registry.js';
import { resolveSchedules } from '../schedule/spec.js';
import { checkPortability } from './portability.js';
import { resolveTarget } from './target.js';

export interface CompileOptions {
  /** Overrides for project vars (the CLI's --vars). */
  vars?: Record<string, unknown>;
  /** Environment for {{env}}; passed in so that compiling stays pure. */
  env?: Record<string, string | undefined>;
  /** Timestamp written into the manifest; passed in so output is repeatable. */
  generatedAt?: string;
  /** Kept between compiles of the same project (watch mode) so unchanged files are not redone. */
  cache?: CompileCache;
  /** The SQL to write; by default the dialect of the project's target. */
  dialect?: Dialect;
  /** A target of plat_project.yml's `targets:` (the CLI's --target); else PLAT_TARGET, else `target:`. */
  target?: string;
}

export interface CompileCache {
  parse: ParseCache;
  renders: RenderCache;
}

export function createCompileCache(): CompileCache {
  return { parse: new Map(), renders: new Map() };
}

export interface CompileResult {
  manifest: Manifest;
  diagnostics: Diagnostic[];
}

export const DEFAULT_THREADS = 4;

/** Pure: file contents in, manifest and diagnostics out. */
export function compileProject(files: ProjectFiles, options: CompileOptions = {}): CompileResult {
  const parsed = parseProject(files, options.cache?.parse);
  const compiled = compile(parsed.spec, options);
  return { manifest: compiled.manifest, diagnostics: [...parsed.diagnostics, ...compiled.diagnostics] };
}

export function compile(spec: ProjectSpec, options: CompileOptions = {}): CompileResult {
  const { manifest, diagnostics } = compileWithState(spec, options);
  return { manifest, diagnostics };
}

/** What an incremental compile reuses from the last full one. */
export interface CompileState extends CompileResult {
  environment: RenderEnvironment;
  linker: Linker;
  /** See renderScope. */
  scope: string;
  /** Each enabled model's first render, by name. */
  renders: Map<string, RenderedModel>;
}

export function compileWithState(given: ProjectSpec, options: CompileOptions = {}): CompileState {
  const diagnostics: Diagnostic[] = [];
  const spec = withDocBlocks(given, diagnostics);
  const project = spec.config.name;
  const target = resolveTarget(spec, options.env ?? {}, options.target, diagnostics);
  const dialect = options.dialect ?? dialectFor(target);
  const vars = { ...(spec.config.vars ?? {}), ...(options.vars ?? {}) };
  let handlebars: HandlebarsRenderer | null = null;
  const environment: RenderEnvironment = {
    target: target.type,
    vars,
    env: options.env ?? {},
    handlebars: () => (handlebars ??= new HandlebarsRenderer(spec.macros)),
  };

  const renders = options.cache?.renders;
  // Only a render cache needs it; computed otherwise, it would read every environment variable.
  const scope = renders ? renderScope(target.type, spec.macros, environment.env) : '';
  const render = (file: ModelFile, incremental: boolean) =>
    renders
      ? renderModelCached(renders, scope, file, environment, incremental, diagnostics)
      : renderModel(file, environment, incremental, diagnostics);

  const sources = new Map<string, SourceNode>();
  for (const table of spec.sources) sources.set(`${table.sourceName}.${table.name}`, sourceNode(project, table, spec));

  checkProperties(spec, diagnostics);
  const seeds = compileSeeds(spec, project, diagnostics);

  const rendered = new Map<string, { file: ModelFile; first: RenderedModel; node: ModelNode }>();
  const hookDeclarations = new Map<string, { pre: HookDeclaration[]; post: HookDeclaration[] }>();
  const failed = new Set<string>();
  for (const file of spec.models) {
    const first = render(file, false);
    if (!first) {
      failed.add(file.name);
      continue;
    }
    if (!hasStatement(first.sql))
      diagnostics.push(
        diagnostic('NO_SQL', { kind: 'model' }, { file: file.path }, 'write the SELECT statement whose result the model is'),
      );
    const properties = spec.properties.get(file.name);
    const layered = { ...layeredConfig(spec.config, file, properties?.config), ...first.inlineConfig };
    if (layered.enabled === false) continue;
    checkPortability(file, dialect, diagnostics);
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
        config: sha256(
          JSON.stringify({ config: outputConfig(config), properties: properties ? { ...properties, origin: undefined } : null }),
        ),
      },
      relation: { schema: config.schema, name: file.name },
      config,
      rawSql: file.sql,
      compiledSql: '',
      incrementalSql: null,
      lineMap: [],
      incrementalLineMap: null,
      inlined: [],
      columns: columnsOf(properties?.columns),
      tests: properties?.tests ?? [],
      contractEnforced: properties?.contract === 'enforced',
      uniqueKeyAt: config.uniqueKey
        ? uniqueKeyPlace(
            { project: spec.config, projectFile: spec.configFile, model: file, properties, inline: first.inlineConfig },
            (f, path) => spec.locator.locate(f, path),
          )
        : null,
      refs: [],
      sources: [],
      vars: first.vars,
      macros: first.macros,
      propertiesPath: properties?.origin.file ?? null,
      hooks: { pre: [], post: [] },
    };
    hookDeclarations.set(file.name, {
      pre: modelHooks(spec, file, properties, first.inlineConfig, 'pre_hook'),
      post: modelHooks(spec, file, properties, first.inlineConfig, 'post_hook'),
    });
    if (node.contractEnforced) checkContractColumns(node, properties!, spec, diagnostics);
    checkUniqueKeyColumns(node, diagnostics);
    rendered.set(file.name, { file, first, node });
  }

  const disabled = new Set(spec.models.map((m) => m.name).filter((name) => !rendered.has(name) && !failed.has(name)));
  // Scoring entries with errors still name their predictions table; an unreadable ML file may name any.
  const faultyScoring = new Set([...spec.faulty.scoring.names].map((model) => predictionsRelation(model).name));
  const anyPredictions = (name: string) => spec.faulty.scoring.any && name.startsWith(predictionsRelation('').name);
  const unresolved: Unresolved = {
    disabled,
    faultyRef: (name) => failed.has(name) || faultyScoring.has(name) || anyPredictions(name) || spec.faulty.snapshots.names.has(name),
    faultySource: (id) => isFaulty(spec.faulty.sources, id),
  };
  // Scoring tables are relations SQL models may ref.
  // Seeds and snapshots join them below, under ids of their own kinds.
  const predictions = new Map<string, { id: string; relation: { schema: string; name: string } }>(
    spec.ml.scoring.flatMap((s) =>
      scoringRelations(spec, s.model).map((relation) => [relation.name, { id: `ml_score.${project}.${s.model}`, relation }] as const),
    ),
  );
  const snapshots = renderSnapshots(spec, project, environment, diagnostics);
  // Seeds and snapshots are ref-able like models; a model of the same name would shadow one.
  for (const other of [...seeds, ...snapshots.map((s) => s.node)]) {
    const model = rendered.get(other.name);
    if (model || failed.has(other.name))
      diagnostics.push(
        diagnostic(
          'DUPLICATE_NAME',
          { what: `${other.kind} "${other.name}"`, other: model?.file.path ?? 'a model' },
          { file: other.path },
          'refs name one thing: rename one of them',
        ),
      );
    else predictions.set(other.name, { id: other.uniqueId, relation: other.relation });
  }
  const refables = new Map([...predictions].map(([name, p]) => [name, p.id]));
  const templates = new Map([...rendered.values()].map(({ file, first }) => [file.name, { path: file.path, first }]));
  for (const { file, first, node } of rendered.values()) {
    node.dependsOn = linkDependencies(file.path, first, { models: rendered, sources, unresolved }, diagnostics, refables);
    node.refs = unique(first.refs.map((r) => r.name));
    node.sources = unique(first.sources.map((s) => `${s.source}.${s.table}`));
  }
  for (const { file, rendered: first, node } of snapshots) {
    const others = new Map([...refables].filter(([name]) => name !== node.name));
    node.dependsOn = linkDependencies(file.path, first, { models: rendered, sources, unresolved }, diagnostics, others);
    templates.set(node.name, { path: file.path, first });
  }

  const models = [...rendered.values()].map((r) => r.node);
  const snapshotNodes = snapshots.map((s) => s.node);
  const graph = buildDag([...sources.values(), ...seeds, ...snapshotNodes, ...models]);
  for (const cycle of findCycles(graph)) {
    // Printed in ref direction: each model refs the next one.
    const names = cycle.map((id) => id.split('.').pop()!).reverse();
    const first = templates.get(names[0]!)!;
    const at = first.first.refs.find((r) => r.name === names[1])?.at;
    diagnostics.push(
      diagnostic(
        'CYCLE',
        { path: names.join(' → ') },
        { file: first.path, line: at?.line, column: at ? at.column + 1 : null },
        'a model cannot depend on itself, directly or through others; remove one of these refs',
      ),
    );
  }

  const linker = createLinker(
    new Map([...rendered].map(([name, r]) => [name, { node: r.node, rendered: r.first }])),
    sources,
    new Map([...predictions].map(([name, p]) => [name, p.relation])),
    dialect,
  );

  const hasCycles = diagnostics.some((d) => d.code === 'CYCLE');
  for (const { file, first, node } of rendered.values()) {
    Object.assign(node, linkModel(node, first, node.config.materialized === 'incremental' ? render(file, true) : null, linker, hasCycles));
  }

  for (const { rendered: first, node } of snapshots) {
    const linked = linker.link(first, node.relation, { noEphemerals: hasCycles });
    Object.assign(node, { compiledSql: linked.sql, lineMap: linked.lineMap, inlined: linked.inlined });
  }
  const hookContext = {
    environment,
    linker,
    checkRefs: (hook: RenderedModel, found: Diagnostic[]) =>
      void linkDependencies('', hook, { models: rendered, sources, unresolved, refables }, found),
  };
  const hooksOf = (declared: HookDeclaration[], self: ModelNode['relation'] | null) =>
    declared.flatMap((hook) => compileHook(hook, self, hookContext, diagnostics) ?? []);
  for (const { node } of rendered.values()) {
    // An ephemeral model is never built, so nothing happens before or after it is (as in dbt).
    if (node.config.materialized === 'ephemeral') continue;
    const declared = hookDeclarations.get(node.name)!;
    node.hooks = { pre: hooksOf(declared.pre, node.relation), post: hooksOf(declared.post, node.relation) };
  }

  const context = { project, models: rendered, sources, unresolved, refables, linker, environment, diagnostics, dialect };
  const ml = compileMl({ spec, ...context });
  const tests = compileTests({ spec, ...context, tables: [...seeds, ...snapshotNodes] });
  const agents = compileAgents(spec, context, ml);
  const exposures = compileExposures(
    spec,
    project,
    {
      refs: new Map([...models.map((m) => [m.name, m.uniqueId] as const), ...refables]),
      sources: new Map([...sources].map(([name, node]) => [name, node.uniqueId])),
    },
    diagnostics,
  );
  const dashboards = compileDashboards(
    spec,
    {
      ...context,
      relations: readableRelations(models, refables, [...seeds, ...snapshotNodes, ...ml]),
      exposureNames: new Set(exposures.map((e) => e.name)),
    },
    diagnostics,
  );
  exposures.push(...dashboards.exposures);
  const endpoints = compileEndpoints(spec, context, ml);
  const all = [...sources.values(), ...seeds, ...snapshotNodes, ...models, ...ml, ...tests, ...agents.tools, ...exposures, ...endpoints];
  checkRelations(all, spec, diagnostics);
  const fullGraph = addToDag(graph, [...ml, ...tests, ...agents.tools, ...exposures, ...endpoints]);
  // Models that ref a scoring table get their edge now that the scoring node exists; only
  // those edges can close a cycle through ML nodes, so only then is the whole graph searched.
  let readsPredictions = false;
  for (const model of models) {
    for (const parent of model.dependsOn) {
      if (!parent.startsWith('ml_score.')) continue;
      fullGraph.mergeEdge(parent, model.uniqueId);
      readsPredictions = true;
    }
  }
  // One mistake closes several cycles through the training and scoring nodes; the shortest says it.
  const mlCycles = readsPredictions ? findCycles(fullGraph).filter((c) => c.some((id) => id.startsWith('ml_'))) : [];
  for (const cycle of mlCycles.sort((a, b) => a.length - b.length).slice(0, 1)) {
    const first = ml.find((n) => n.uniqueId === cycle[0]) ?? ml.find((n) => cycle.includes(n.uniqueId));
    const names = new Map(all.map((n) => [n.uniqueId, n.name]));
    diagnostics.push(
      diagnostic(
        'CYCLE',
        {
          path: cycle
            .map((id) => names.get(id) ?? id)
            .reverse()
            .join(' → '),
        },
        { file: first?.path ?? null },
        'a model that reads predictions cannot feed the features they are made from',
      ),
    );
  }
  attachSingularTests(tests, fullGraph);

  const nodes: Manifest['nodes'] = {};
  const parents: Manifest['parents'] = {};
  const children: Manifest['children'] = {};
  for (const node of all) {
    nodes[node.uniqueId] = node;
    const lists = fullGraph.takeLists(node.uniqueId);
    parents[node.uniqueId] = lists.parents;
    children[node.uniqueId] = lists.children;
  }

  const resolved = resolveSchedules(spec.config.schedules, spec.configFile, spec.locator);
  diagnostics.push(...resolved.diagnostics);
  const manifest: Manifest = {
    version: MANIFEST_VERSION,
    generatedAt: options.generatedAt ?? new Date(0).toISOString(),
    project: { name: project, version: spec.config.version === undefined ? null : String(spec.config.version), root: spec.root },
    target,
    threads: spec.config.threads ?? DEFAULT_THREADS,
    vars,
    macros: Object.fromEntries(spec.macros.map((m) => [m.name, sha256(m.template)])),
    nodes,
    agents: agents.agents,
    dashboards: dashboards.dashboards,
    hooks: { onRunStart: hooksOf(projectHooks(spec, 'on_run_start'), null), onRunEnd: hooksOf(projectHooks(spec, 'on_run_end'), null) },
    parents,
    children,
    schedules: resolved.schedules,
  };
  return { manifest, diagnostics, environment, linker, scope, renders: new Map([...rendered].map(([name, r]) => [name, r.first])) };
}

/** A model's runnable SQL: placeholders resolved and the ephemeral models it reads inlined. */
export function linkModel(
  node: ModelNode,
  first: RenderedModel,
  incremental: RenderedModel | null,
  linker: Linker,
  hasCycles = false,
): Pick<ModelNode, 'compiledSql' | 'lineMap' | 'incrementalSql' | 'incrementalLineMap' | 'inlined'> {
  const main = linker.link(first, node.relation, { noEphemerals: hasCycles });
  // Both variants read the same refs, so the same ephemerals head both, at the same lines.
  const batch = incremental ? linker.link(incremental, node.relation, { noEphemerals: hasCycles }) : null;
  return {
    compiledSql: main.sql,
    lineMap: main.lineMap,
    incrementalSql: batch?.sql ?? null,
    incrementalLineMap: batch?.lineMap ?? null,
    inlined: main.inlined,
  };
}

function sourceNode(project: string, table: SourceTableSpec, spec: ProjectSpec): SourceNode {
  const loader = { kafka: table.kafka, file: table.file, generator: table.generator };
  // Only a file load reports its positions; locating them in the YAML costs a second parse.
  const place = (...path: (string | number)[]) => ({
    file: table.origin.file,
    line: null,
    column: null,
    ...spec.locator.locate(table.origin.file, [...table.origin.path, ...path]),
  });
  const places: SourceNode['places'] = { path: null, types: {} };
  if (table.file) {
    places.path = place('file', 'path');
    table.columns.forEach((column, i) => {
      if (column.type) places.types[column.name] = place('columns', i, 'type');
    });
  }
  return {
    kind: 'source',
    uniqueId: `source.${project}.${table.sourceName}.${table.name}`,
    name: `${table.sourceName}.${table.name}`,
    path: table.origin.file,
    description: table.description || table.sourceDescription,
    tags: table.tags,
    dependsOn: [],
    fqn: [project, table.sourceName, table.name],
    checksums: {
      body: sha256(stableStringify(loader)),
      config: sha256(stableStringify({ columns: table.columns, tests: table.tests, freshness: table.freshness })),
    },
    sourceName: table.sourceName,
    tableName: table.name,
    relation: { schema: table.schema, name: table.name },
    columns: columnsOf(table.columns),
    tests: table.tests,
    freshness: table.freshness,
    loader,
    places,
  };
}

function checkProperties(spec: ProjectSpec, diagnostics: Diagnostic[]): void {
  const names = spec.models.map((m) => m.name);
  const known = new Set(names);
  for (const [name, props] of spec.properties) {
    if (known.has(name)) continue;
    const pos = spec.locator.locate(props.origin.file, [...props.origin.path, 'name']);
    diagnostics.push(
      diagnostic(
        'PROPERTIES_UNKNOWN_MODEL',
        { name },
        { file: props.origin.file, line: pos?.line, column: pos?.column },
        didYouMean(name, names),
      ),
    );
  }
}

function checkContractColumns(node: ModelNode, properties: ModelProperties, spec: ProjectSpec, diagnostics: Diagnostic[]): void {
  const file = properties.origin.file;
  if (node.columns.length === 0) {
    const pos = spec.locator.locate(file, [...properties.origin.path, 'contract']);
    diagnostics.push(
      diagnostic(
        'BAD_CONFIG',
        { detail: `${node.name} enforces a contract but declares no columns` },
        { file, ...pos },
        'list every column with its type under columns:',
      ),
    );
  }
  node.columns.forEach((column, j) => {
    if (column.type) return;
    const pos = spec.locator.locate(file, [...properties.origin.path, 'columns', j]);
    diagnostics.push(
      diagnostic(
        'BAD_CONFIG',
        { detail: `${node.name} enforces a contract, but column ${column.name} has no type` },
        { file, ...pos },
        'add type: (e.g. INTEGER, VARCHAR, TIMESTAMP WITH TIME ZONE)',
      ),
    );
  });
}

/** A singular test belongs to the parent that none of its other parents depends on. */
function attachSingularTests(tests: TestNode[], graph: Dag): void {
  const singular = tests.filter((t) => t.testType === 'singular' && t.dependsOn.length > 0);
  if (singular.length === 0) return;
  let position: Map<string, number>;
  try {
    position = new Map(topologicalOrder(graph).map((id, i) => [id, i]));
  } catch {
    return; // a cycle, reported already
  }
  for (const test of singular) {
    test.attachedTo = [...test.dependsOn].sort((a, b) => position.get(b)! - position.get(a)!)[0]!;
  }
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}
