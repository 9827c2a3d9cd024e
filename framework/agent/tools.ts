import { Ajv, type ValidateFunction } from 'ajv';
import { BUILTIN_TOOLS } from '../compile/agents.js';
import { relationOf } from '../compile/kinds.js';
import { type AgentSettings, type AgentToolNode, type Manifest, relationName } from '../compile/manifest.js';
import { jsonRow, type JsonValue } from '../core/json.js';
import { didYouMean } from '../core/suggest.js';
import { featuresAt } from '../ml/query.js';
import { predictOne } from '../ml/score.js';
import type { Registry } from '../ml/registry.js';
import { dialectFor } from '../warehouse/registry.js';
import { QueryRejected, type GuardedResult } from '../warehouse/types.js';
import { describeModel, listModels } from './describe.js';
import type { CatalogSearch } from './retrieval.js';
import type { Sandbox } from './sandbox.js';

/** What the LLM (or the fallback, or an HTTP client) sees of a tool. */
export interface ToolDefinition {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
  keywords: string[];
  builtin: string | null;
  /** What it answers from: the tables its SQL reads, or the ML model that predicts. */
  reads: string[];
}

/** One tool call and its outcome; user errors are results (ok: false), never exceptions. */
export interface ToolCall {
  tool: string;
  args: Record<string, unknown>;
  ok: boolean;
  error: string | null;
  columns: string[];
  rows: Record<string, JsonValue>[];
  /** Which limit cut the rows short, if one did. */
  truncated: 'rows' | 'bytes' | null;
  /** The SQL that ran, with its bound parameters. */
  sql: string | null;
  params: Record<string, unknown> | null;
  tables: string[];
  /** Facts that are not rows (a model's description, the ranking method…). */
  details: Record<string, unknown> | null;
}

export interface ToolboxContext {
  manifest: Manifest;
  agent: AgentSettings;
  sandbox: () => Promise<Sandbox>;
  registry: Registry;
  catalog: CatalogSearch;
  now: () => Date;
}

/** The tools of one agent, validated and run safely. */
export class Toolbox {
  private readonly ajv = new Ajv({ strict: false, useDefaults: true, coerceTypes: true, allErrors: true });
  private readonly validators = new Map<string, ValidateFunction>();
  readonly definitions: ToolDefinition[];

  constructor(private readonly context: ToolboxContext) {
    this.definitions = toolDefinitions(context.manifest, context.agent);
  }

  async call(name: string, rawArgs: unknown): Promise<ToolCall> {
    const args =
      rawArgs && typeof rawArgs === 'object' && !Array.isArray(rawArgs) ? structuredClone(rawArgs as Record<string, unknown>) : {};
    const failed = (error: string): ToolCall => ({ ...emptyCall(name, args), ok: false, error });
    const definition = this.definitions.find((d) => d.name === name);
    if (!definition) {
      const names = this.definitions.map((d) => d.name);
      return failed(`there is no tool "${name}"${hintText(didYouMean(name, names))}; the tools are: ${names.join(', ')}`);
    }
    if (rawArgs !== undefined && rawArgs !== null && (typeof rawArgs !== 'object' || Array.isArray(rawArgs)))
      return failed('arguments must be a JSON object');
    const validate = this.validator(definition);
    if (!validate(args)) {
      const reasons = (validate.errors ?? []).map(
        (e) =>
          `${e.instancePath ? `${e.instancePath.slice(1)} ` : ''}${e.message}${e.keyword === 'additionalProperties' ? ` (${String(e.params.additionalProperty)})` : ''}`,
      );
      return failed(`invalid arguments for ${name}: ${reasons.join('; ')}`);
    }
    const unusable = unusableNumbers(args);
    if (unusable.length > 0) return failed(`invalid arguments for ${name}: ${unusable.join('; ')}`);
    try {
      return await this.execute(definition, args);
    } catch (error) {
      if (error instanceof QueryRejected) return failed(error.message);
      throw error;
    }
  }

  /** The user's own `sql …`: run_sql's sandbox and limits, whether or not the agent has run_sql. */
  async runSql(sql: string): Promise<ToolCall> {
    const args = { sql };
    try {
      const query = await (await this.context.sandbox()).run(
        sql,
        {},
        { rows: this.context.agent.limits.rows, timeoutMs: this.context.agent.limits.timeoutMs },
      );
      return {
        ...emptyCall('sql', args),
        columns: query.columns,
        rows: query.rows,
        truncated: query.truncated,
        sql,
        params: {},
        tables: tablesIn(sql, this.context.manifest),
      };
    } catch (error) {
      if (error instanceof QueryRejected) return { ...emptyCall('sql', args), ok: false, error: error.message };
      throw error;
    }
  }

  private validator(definition: ToolDefinition): ValidateFunction {
    let validate = this.validators.get(definition.name);
    if (!validate) this.validators.set(definition.name, (validate = this.ajv.compile(definition.parameters)));
    return validate;
  }

  private async execute(definition: ToolDefinition, args: Record<string, unknown>): Promise<ToolCall> {
    const { manifest, agent } = this.context;
    const tool = agent.tools.find((t) => t.name === definition.name)!;
    const node = tool.node ? (manifest.nodes[tool.node] as AgentToolNode) : null;
    const limits = { rows: agent.limits.rows, timeoutMs: agent.limits.timeoutMs };
    const result = (query: GuardedResult, extra: Partial<ToolCall>): ToolCall => ({
      ...emptyCall(definition.name, args),
      columns: query.columns,
      rows: query.rows,
      truncated: query.truncated,
      ...extra,
    });

    if (node?.compiledSql) {
      const params = Object.fromEntries(node.sqlParameters.map((p) => [p, args[p] ?? null]));
      const query = await (await this.context.sandbox()).run(node.compiledSql, params, limits);
      return result(query, { sql: node.compiledSql, params, tables: node.reads.map(relationName) });
    }
    switch (tool.builtin) {
      case 'list_models':
        return { ...emptyCall(definition.name, args), ...listModels(manifest) };
      case 'describe_model': {
        const described = await describeModel(manifest, String(args.model), await this.context.sandbox());
        return 'error' in described
          ? { ...emptyCall(definition.name, args), ok: false, error: described.error }
          : { ...emptyCall(definition.name, args), ...described };
      }
      case 'search_catalog': {
        const found = await this.context.catalog.search(String(args.query), Number(args.limit ?? 5));
        return {
          ...emptyCall(definition.name, args),
          columns: ['kind', 'name', 'relation', 'description', 'score'],
          rows: found.hits.map((h) => ({ kind: h.kind, name: h.name, relation: h.relation, description: h.description, score: h.score })),
          details: { method: found.method, note: found.note },
        };
      }
      case 'run_sql':
        return { ...(await this.runSql(String(args.sql))), tool: definition.name };
      case 'ml_predict':
        return this.predict(node!, args, limits, result);
      default:
        throw new Error(`tool ${definition.name} has no implementation`);
    }
  }

  private async predict(
    node: AgentToolNode,
    args: Record<string, unknown>,
    limits: { rows: number; timeoutMs: number },
    result: (q: GuardedResult, extra: Partial<ToolCall>) => ToolCall,
  ): Promise<ToolCall> {
    const { model, featureSet } = node.predict!;
    const version = this.context.registry.promotedVersion(model);
    if (!version) return { ...emptyCall(node.name, args), ok: false, error: `${model} has no promoted version yet; run plat build` };
    const entity = featureSet.entity;
    const dialect = dialectFor(this.context.manifest.target);
    const sql = `SELECT * FROM (${featuresAt(featureSet, dialect.timestamp(this.context.now()), dialect)}) WHERE ${dialect.identifier(entity)} = $entity`;
    const params = { entity: args[entity] };
    const query = await (await this.context.sandbox()).run(sql, params, { ...limits, rows: 1 });
    const tables = node.reads.map(relationName);
    if (query.rows.length === 0)
      return {
        ...result(query, { sql, params, tables }),
        details: { note: `no ${entity} ${String(args[entity])} among the ${featureSet.name} features` },
      };
    const row = query.rows[0]!;
    const { contributions, ...prediction } = predictOne(version, row as Record<string, number | string | boolean | null>);
    // The prediction's columns as scoring writes them (numbers to four places, the top three contributions as
    // the same JSON text as predictions_<model>.contributions); class probabilities stay with scoring.
    const outputs = Object.entries(prediction).flatMap(([key, value]) =>
      typeof value === 'object' ? [] : [[key, typeof value === 'number' ? Math.round(value * 10_000) / 10_000 : value] as const],
    );
    const scored = {
      [entity]: row[entity] ?? null,
      ...Object.fromEntries(outputs),
      ...(contributions ? { contributions: JSON.stringify(contributions) } : {}),
      model_version: version.version,
    };
    const features = jsonRow(Object.fromEntries(version.features.map((f) => [f.name, row[f.name]])));
    return result({ columns: Object.keys(scored), rows: [scored], truncated: null }, { sql, params, tables, details: { model, features } });
  }
}

export function toolDefinitions(manifest: Manifest, agent: AgentSettings): ToolDefinition[] {
  return agent.tools.map((tool) => {
    const node = tool.node ? (manifest.nodes[tool.node] as AgentToolNode) : null;
    if (node) {
      const reads = node.predict ? [node.predict.model] : node.reads.map((r) => r.name);
      return {
        name: node.name,
        description: node.description,
        parameters: node.parameters,
        keywords: node.keywords,
        builtin: node.builtin,
        reads,
      };
    }
    const builtin = BUILTIN_TOOLS[tool.builtin as keyof typeof BUILTIN_TOOLS];
    return {
      name: tool.name,
      description: builtin.description,
      parameters: builtin.parameters,
      keywords: [],
      builtin: tool.builtin,
      reads: [],
    };
  });
}

function emptyCall(tool: string, args: Record<string, unknown>): ToolCall {
  return { tool, args, ok: true, error: null, columns: [], rows: [], truncated: null, sql: null, params: null, tables: [], details: null };
}

/**
 * Numbers valid JSON (and JSON Schema) allows but a query cannot take: 1e400 parses as
 * Infinity, and whole numbers past 2^53 are not what was written, nor fit an integer column.
 */
function unusableNumbers(args: Record<string, unknown>): string[] {
  return Object.entries(args).flatMap(([name, value]) => {
    if (typeof value !== 'number') return [];
    if (!Number.isFinite(value)) return [`${name} must be a finite number`];
    if (Number.isInteger(value) && !Number.isSafeInteger(value))
      return [`${name} must be between ${Number.MIN_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER}, not ${value}`];
    return [];
  });
}

const hintText = (hint: string | null) => (hint ? ` (${hint})` : '');

/** The project relations a query names, for citing them. */
function tablesIn(sql: string, manifest: Manifest): string[] {
  const text = sql.toLowerCase();
  const found = new Set<string>();
  for (const node of Object.values(manifest.nodes)) {
    const relation = relationOf(node);
    if (!relation) continue;
    const name = relation.name.toLowerCase();
    if (new RegExp(`(^|[^a-z0-9_])"?${name}"?($|[^a-z0-9_])`).test(text)) found.add(relationName(relation));
  }
  return [...found].sort();
}
