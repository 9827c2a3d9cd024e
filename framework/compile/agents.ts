import { createRequire } from 'node:module';
import type { Ajv } from 'ajv';
import { relationOf } from './kinds.js';
import { diagnostic } from '../core/diagnostics.js';
import { parseDuration } from '../core/duration.js';
import { sha256 } from '../core/hash.js';
import { didYouMean } from '../core/suggest.js';
import type { BuiltinTool, ProjectSpec, ToolSpec } from '../project/spec.js';
import { isFaulty } from '../project/entries.js';
import { firstOfEachName } from './collisions.js';
import type { NodeCompileContext } from './context.js';
import { linkDependencies } from './deps.js';
import type { AgentSettings, AgentToolNode, ManifestNode, MlScoreNode, MlTrainNode, Relation } from './manifest.js';
import { checkEmbeddedPortability } from './portability.js';
import { renderModel } from './render.js';

type Schema = Record<string, unknown>;

let schemaChecker: Ajv | null = null;

/** The built-in tools: what the LLM is told about each, and the arguments they take. */
export const BUILTIN_TOOLS: Record<Exclude<BuiltinTool, 'ml_predict'>, { description: string; parameters: Schema }> = {
  list_models: {
    description: 'List the models of the project (name, layer, description) to see which tables exist.',
    parameters: { type: 'object', properties: {}, additionalProperties: false },
  },
  describe_model: {
    description: 'Describe one model: its columns with types and descriptions, its tests and their last status, and its last run.',
    parameters: {
      type: 'object',
      properties: { model: { type: 'string', description: 'model name, e.g. revenue_per_hour' } },
      required: ['model'],
      additionalProperties: false,
    },
  },
  search_catalog: {
    description: 'Search model and column descriptions for the tables and columns relevant to a question.',
    parameters: {
      type: 'object',
      properties: {
        query: { type: 'string', description: 'what to look for' },
        limit: { type: 'integer', minimum: 1, maximum: 20, default: 5 },
      },
      required: ['query'],
      additionalProperties: false,
    },
  },
  run_sql: {
    description: 'Run one read-only SELECT on the project database (DuckDB SQL; tables as schema.name). Row and time limits apply.',
    parameters: {
      type: 'object',
      properties: { sql: { type: 'string', description: 'a single SELECT statement' } },
      required: ['sql'],
      additionalProperties: false,
    },
  },
};

const DEFAULT_PROMPT = (project: string) =>
  `You are a data analyst for the ${project} project. Answer with numbers taken from tool results, never invented ones. ` +
  'Prefer the declared tools; use search_catalog and describe_model to find tables, and run_sql only when no tool fits. Be brief.';

/** Sizes as the agents schema lets them be written: 500KB, 10MB. */
function parseSize(text: string): number {
  const match = /^(\d+)(B|KB|MB)$/.exec(text);
  if (!match) throw new Error(`invalid size "${text}"`);
  return Number(match[1]) * { B: 1, KB: 1_000, MB: 1_000_000 }[match[2] as 'B' | 'KB' | 'MB'];
}

/** `$name` parameters in SQL, outside string literals and comments. */
export function sqlParameters(sql: string): string[] {
  const code = sql.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|\/\*[\s\S]*?\*\//g, ' ');
  return [...new Set([...code.matchAll(/\$([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!))];
}

/** Agent tool nodes and agent settings from agents/*.yml. */
export function compileAgents(
  spec: ProjectSpec,
  context: NodeCompileContext,
  ml: (MlTrainNode | MlScoreNode)[],
): { tools: AgentToolNode[]; agents: Record<string, AgentSettings> } {
  const { diagnostics } = context;
  const place = (origin: { file: string; path: (string | number)[] }, ...path: (string | number)[]) => ({
    file: origin.file,
    ...spec.locator.locate(origin.file, [...origin.path, ...path]),
  });
  const relations = new Map<string, Relation>();
  for (const node of [...[...context.models.values()].map((m) => m.node), ...context.sources.values(), ...ml]) {
    const relation = relationOf(node);
    if (relation) relations.set(node.uniqueId, relation);
  }

  const tools: AgentToolNode[] = [];
  const byName = new Map<string, AgentToolNode>();
  for (const tool of firstOfEachName(spec.agents.tools, (t) => t.name, 'tool', 'name', spec, diagnostics)) {
    const node = toolNode(tool, spec, context, ml, relations, place);
    if (node) {
      tools.push(node);
      byName.set(tool.name, node);
    }
  }

  const agents: Record<string, AgentSettings> = {};
  for (const agent of firstOfEachName(spec.agents.agents, (a) => a.name, 'agent', 'name', spec, diagnostics)) {
    const known = [...byName.keys(), ...Object.keys(BUILTIN_TOOLS)];
    const resolved: AgentSettings['tools'] = [];
    agent.tools.forEach((name, i) => {
      const node = byName.get(name);
      if (node) resolved.push({ name, node: node.uniqueId, builtin: node.builtin });
      else if (name in BUILTIN_TOOLS) resolved.push({ name, node: null, builtin: name as BuiltinTool });
      else if (!isFaulty(spec.faulty.tools, name) && !spec.agents.tools.some((t) => t.name === name)) {
        const hint = name === 'ml_predict' ? 'declare an ml_predict tool under tools: with the model it scores' : didYouMean(name, known);
        diagnostics.push(
          diagnostic('BAD_CONFIG', { detail: `agent ${agent.name}: no tool "${name}"` }, place(agent.origin, 'tools', i), hint),
        );
      }
    });
    agents[agent.name] = {
      name: agent.name,
      path: agent.origin.file,
      description: agent.description ?? '',
      keywords: agent.keywords ?? [],
      model: {
        name: agent.model?.name ?? 'mistral',
        temperature: agent.model?.temperature ?? 0,
        embeddings: agent.model?.embeddings ?? 'nomic-embed-text',
      },
      systemPrompt: agent.system_prompt?.trim() || DEFAULT_PROMPT(context.project),
      tools: resolved,
      limits: {
        rows: agent.limits?.rows ?? 200,
        timeoutMs: agent.limits?.timeout ? parseDuration(agent.limits.timeout) : 10_000,
        bytes: agent.limits?.bytes ? parseSize(agent.limits.bytes) : 10_000_000,
        steps: agent.limits?.steps ?? 8,
      },
    };
  }
  return { tools, agents };
}

function toolNode(
  tool: ToolSpec,
  spec: ProjectSpec,
  context: NodeCompileContext,
  ml: (MlTrainNode | MlScoreNode)[],
  relations: ReadonlyMap<string, Relation>,
  place: (origin: ToolSpec['origin'], ...path: (string | number)[]) => { file: string; line?: number; column?: number },
): AgentToolNode | null {
  const { diagnostics } = context;
  const report = (key: string, detail: string, hint: string | null = null) =>
    diagnostics.push(diagnostic('BAD_CONFIG', { detail: `tool ${tool.name}: ${detail}` }, place(tool.origin, key), hint));
  const base = {
    kind: 'agent_tool' as const,
    uniqueId: `agent_tool.${context.project}.${tool.name}`,
    name: tool.name,
    path: tool.origin.file,
    description: tool.description,
    tags: ['agent'],
    fqn: [context.project, 'agents', tool.name],
    keywords: tool.keywords ?? [],
  };
  const checkSchema = (schema: Schema): boolean => {
    // Against the meta-schema only: compiling validators here would cost every compile ~10 ms a tool.
    schemaChecker ??= new (createRequire(import.meta.url)('ajv') as typeof import('ajv')).Ajv({ strict: false });
    if (schemaChecker.validateSchema(schema) as boolean) return true;
    report(
      'parameters',
      `parameters is not a valid JSON Schema: ${schemaChecker.errorsText(schemaChecker.errors, { dataVar: 'parameters' })}`,
    );
    return false;
  };
  const checksums = (body: unknown, parameters: Schema) => ({
    body: sha256(JSON.stringify(body)),
    config: sha256(JSON.stringify({ parameters, description: tool.description, keywords: tool.keywords ?? [] })),
  });

  if ((tool.sql === undefined) === (tool.builtin === undefined)) {
    report('name', 'a tool needs exactly one of sql: or builtin:', `builtins: ${[...Object.keys(BUILTIN_TOOLS), 'ml_predict'].join(', ')}`);
    return null;
  }
  if (tool.sql !== undefined) {
    if (tool.model !== undefined) report('model', 'model: belongs to ml_predict tools; a SQL tool reads what its SQL refs');
    const parameters: Schema = tool.parameters ?? { type: 'object', properties: {} };
    if (!checkSchema(parameters)) return null;
    const rendered = renderModel({ path: tool.origin.file, sql: tool.sql }, context.environment, false, diagnostics, () => ({}));
    if (!rendered) return null;
    checkEmbeddedPortability(
      'tool',
      tool.sql,
      spec.locator.text(tool.origin.file),
      place(tool.origin, 'sql'),
      context.dialect,
      diagnostics,
    );
    const local: typeof diagnostics = [];
    // Scoring tables (predictions_<model>) may be read like models.
    const predictions = new Map(ml.filter((n) => n.kind === 'ml_score').map((n) => [n.relation.name, n.uniqueId]));
    const dependsOn = linkDependencies(tool.origin.file, rendered, context, local, predictions);
    for (const d of local) diagnostics.push({ ...d, ...place(tool.origin, 'sql') });
    const sql = context.linker.link(rendered, null).sql;
    const declared = Object.keys((parameters.properties as Schema | undefined) ?? {});
    const used = sqlParameters(tool.sql);
    for (const name of used.filter((n) => !declared.includes(n)))
      report('sql', `$${name} is not a declared parameter`, didYouMean(name, declared) ?? `declare it under parameters.properties`);
    for (const name of declared.filter((n) => !used.includes(n))) {
      diagnostics.push(
        diagnostic(
          'BAD_CONFIG',
          { detail: `tool ${tool.name}: parameter ${name} is declared but the SQL never uses $${name}` },
          place(tool.origin, 'parameters'),
          null,
          'warn',
        ),
      );
    }
    return {
      ...base,
      dependsOn,
      checksums: checksums(tool.sql, parameters),
      builtin: null,
      parameters,
      rawSql: tool.sql,
      compiledSql: sql,
      sqlParameters: used,
      reads: readsOf(dependsOn, context, relations),
      predict: null,
    };
  }

  const builtin = tool.builtin!;
  if (builtin !== 'ml_predict') {
    if (tool.model !== undefined) report('model', `model: belongs to ml_predict tools, not ${builtin}`);
    const parameters = tool.parameters ?? BUILTIN_TOOLS[builtin].parameters;
    if (!checkSchema(parameters)) return null;
    return {
      ...base,
      dependsOn: [],
      checksums: checksums(builtin, parameters),
      builtin,
      parameters,
      rawSql: null,
      compiledSql: null,
      sqlParameters: [],
      reads: [],
      predict: null,
    };
  }
  const train = ml.find((n): n is MlTrainNode => n.kind === 'ml_train' && n.name === tool.model);
  if (tool.model && !train && (isFaulty(spec.faulty.mlModels, tool.model) || spec.ml.models.some((m) => m.name === tool.model)))
    return null; // its errors are reported where it is declared
  if (!tool.model || !train) {
    const models = ml.filter((n) => n.kind === 'ml_train').map((n) => n.name);
    report(
      tool.model ? 'model' : 'builtin',
      tool.model ? `no ML model "${tool.model}"` : 'ml_predict needs model: (the ML model that scores)',
      tool.model ? didYouMean(tool.model, models) : null,
    );
    return null;
  }
  const score = ml.find((n): n is MlScoreNode => n.kind === 'ml_score' && n.model === train.name);
  const entity = train.featureSet.entity;
  const parameters: Schema = tool.parameters ?? {
    type: 'object',
    properties: { [entity]: { type: ['string', 'integer'], description: `the ${entity} to score` } },
    required: [entity],
    additionalProperties: false,
  };
  if (!checkSchema(parameters)) return null;
  if (!Object.hasOwn((parameters.properties as Schema | undefined) ?? {}, entity))
    report('parameters', `an ml_predict tool takes the entity key ${entity} as a parameter`);
  const dependsOn = [score?.uniqueId ?? train.uniqueId];
  return {
    ...base,
    dependsOn,
    checksums: checksums({ builtin, model: train.name, features: train.featureSet }, parameters),
    builtin,
    parameters,
    rawSql: null,
    compiledSql: null,
    sqlParameters: [],
    reads: readsOf(train.dependsOn, context, relations),
    predict: { model: train.name, featureSet: train.featureSet },
  };
}

/** The relations a node reads, looking through ephemeral models to what they read. */
function readsOf(dependsOn: string[], context: NodeCompileContext, relations: ReadonlyMap<string, Relation>): Relation[] {
  const found = new Map<string, Relation>();
  const models = new Map([...context.models.values()].map(({ node }) => [node.uniqueId, node] as [string, ManifestNode]));
  const visit = (id: string, depth: number) => {
    const relation = relations.get(id);
    if (relation) found.set(`${relation.schema}.${relation.name}`, relation);
    else if (depth < 50) for (const parent of models.get(id)?.dependsOn ?? []) visit(parent, depth + 1);
  };
  for (const id of dependsOn) visit(id, 0);
  return [...found.values()];
}
