import type { Manifest } from '../compile/manifest.js';
import { relationOf } from '../compile/kinds.js';
import { relationName } from '../compile/manifest.js';
import { dialectFor } from '../warehouse/registry.js';
import { QueryRejected } from '../warehouse/types.js';
import { Bm25 } from './bm25.js';
import type { CatalogSearch } from './retrieval.js';
import type { Sandbox } from './sandbox.js';
import type { ToolCall, ToolDefinition, Toolbox } from './tools.js';

type Property = { type?: string | string[]; enum?: unknown[]; default?: unknown; pattern?: string };

/** Built-ins the fallback may pick on its own; run_sql needs SQL, which only a person or an LLM writes. */
const PICKABLE_BUILTINS: Record<string, string> = {
  list_models: 'models tables datasets available which tables exist',
  describe_model: 'describe columns schema of model table',
  search_catalog: 'search find where column',
};

/**
 * Answers without an LLM: the question is matched (BM25) against the tools' names,
 * descriptions, keywords and what they read (tables, the ML model); the best tool whose
 * arguments can be read from the question runs. When no tool fits, the closest table in the
 * catalog is shown instead.
 */
export async function answerWithoutLlm(
  question: string,
  context: { manifest: Manifest; toolbox: Toolbox; catalog: CatalogSearch; sandbox: () => Promise<Sandbox>; rows: number },
): Promise<{ text: string; calls: ToolCall[] }> {
  const candidates = context.toolbox.definitions.filter(
    (d) => d.builtin === null || d.builtin === 'ml_predict' || d.builtin in PICKABLE_BUILTINS,
  );
  const ranking = new Bm25(candidates, (d) =>
    [d.name, d.description, ...d.keywords, ...d.keywords, ...d.reads, PICKABLE_BUILTINS[d.builtin ?? ''] ?? ''].join(' '),
  );
  for (const { item: tool } of ranking.search(question, candidates.length)) {
    const args = argumentsFrom(question, tool, context.manifest);
    if (!args) continue;
    const call = await context.toolbox.call(tool.name, args);
    if (!call.ok) continue;
    return { text: `The closest tool is ${tool.name} (${tool.description.trim().replace(/\.$/, '')}).\n${summary(call)}`, calls: [call] };
  }

  const found = await context.catalog.search(question, 5);
  const table = found.hits.find((h) => h.relation !== null);
  if (!table) {
    const tools = context.toolbox.definitions.map((d) => d.name).join(', ');
    return { text: `Nothing in the project matches the question. Tools: ${tools}. Or query directly: sql SELECT …`, calls: [] };
  }
  const relation = Object.values(context.manifest.nodes)
    .map(relationOf)
    .find((r) => r !== null && relationName(r) === table.relation)!;
  const sql = `SELECT * FROM ${dialectFor(context.manifest.target).relation(relation)} LIMIT ${Math.min(10, context.rows)}`;
  const closest = `No tool fits; the closest table is ${table.relation} (${table.description.trim().replace(/\.$/, '')}).`;
  const call: ToolCall = {
    tool: 'search_catalog',
    args: { query: question },
    ok: true,
    error: null,
    columns: [],
    rows: [],
    truncated: null,
    sql,
    params: {},
    tables: [table.relation!],
    details: { matches: found.hits.map((h) => `${h.kind} ${h.name}`), method: found.method },
  };
  try {
    const rows = await (await context.sandbox()).run(sql, {}, { rows: 10, timeoutMs: 5_000 });
    return { text: `${closest} Its first rows:`, calls: [{ ...call, columns: rows.columns, rows: rows.rows, truncated: rows.truncated }] };
  } catch (error) {
    if (!(error instanceof QueryRejected)) throw error;
    return { text: `${closest} Its rows could not be shown: ${error.message}`, calls: [{ ...call, ok: false, error: error.message }] };
  }
}

/** A tool's arguments as far as the question gives them; null when a required one is missing. */
export function argumentsFrom(question: string, tool: ToolDefinition, manifest: Manifest): Record<string, unknown> | null {
  const properties = (tool.parameters.properties ?? {}) as Record<string, Property>;
  const required = new Set((tool.parameters.required ?? []) as string[]);
  const lower = question.toLowerCase();
  const args: Record<string, unknown> = {};
  for (const [name, property] of Object.entries(properties)) {
    const value = valueFor(name, property, lower, question, manifest, required.has(name));
    if (value !== undefined) args[name] = value;
    else if (required.has(name)) return null;
  }
  return args;
}

function valueFor(name: string, property: Property, lower: string, question: string, manifest: Manifest, required: boolean): unknown {
  const types = [property.type ?? 'string'].flat();
  const numberAfter = (words: string) => new RegExp(`\\b(?:${words})\\s*(?:#|no\\.?|number|id)?\\s*(\\d+)\\b`).exec(lower)?.[1];
  if (property.enum) return property.enum.find((v) => typeof v === 'string' && new RegExp(`\\b${v}\\b`).test(lower));
  if (name === 'model') {
    return Object.values(manifest.nodes).find((n) => (n.kind === 'model' || n.kind === 'source') && lower.includes(n.name.toLowerCase()))
      ?.name;
  }
  if (name === 'query') return question;
  if (typeof property.pattern === 'string' && types.includes('string')) {
    // A declared shape (equipment ids like CNC-A-102) is looked for anywhere in the question.
    const found = matchAnywhere(property.pattern, question);
    if (found !== undefined || !types.includes('integer')) return found;
  }
  if (!types.includes('integer') && !types.includes('number')) {
    if (!required) return undefined;
    return numberAfter(`${name.replace(/_id$/, '').replace(/_/g, ' ')}|user|shopper|customer`) ?? undefined;
  }
  let found: string | undefined;
  if (/day/.test(name)) found = /ago/.test(name) ? daysAgo(lower) : lastDays(lower);
  else if (/hour/.test(name)) found = /(?<!\d)(\d+)[\s_-]*(?:h\b|hours?\b)/.exec(lower)?.[1];
  else if (/limit|top|count|^n$/.test(name))
    found = numberAfter('top|first|best|limit') ?? /\b(\d+)\s+(?:products?|users?|shoppers?|rows?)\b/.exec(lower)?.[1];
  else if (required)
    found =
      numberAfter(`${name.replace(/_id$/, '').replace(/_/g, ' ')}|user|shopper|customer`) ??
      (lower.match(/\b\d+\b/g)?.length === 1 ? lower.match(/\b\d+\b/)![0] : undefined);
  return found === undefined ? undefined : Number(found);
}

/** Which day a question means, counted back from the latest: today 0, yesterday 1, "3 days ago" 3. */
function daysAgo(lower: string): string | undefined {
  if (/\bday before yesterday\b/.test(lower)) return '2';
  if (/\byesterday\b/.test(lower)) return '1';
  if (/\btoday\b/.test(lower)) return '0';
  return /\b(\d+)\s+days?\s+ago\b/.exec(lower)?.[1];
}

/** How many days a period spans: "last 30 days", "7_days", "last week", "last month"; a question about "which day" is daysAgo. */
function lastDays(lower: string): string | undefined {
  const counted = /(?<!\d)(\d+)[\s_-]*days?\b/.exec(lower)?.[1];
  if (counted) return /\bdays?\s+ago\b/.test(lower) ? undefined : counted;
  if (/\b(?:last|past|previous)\s+week\b/.test(lower)) return '7';
  if (/\b(?:last|past|previous)\s+month\b/.test(lower)) return '30';
  return undefined;
}

/** The first part of the question a parameter's `pattern` matches, the pattern's anchors dropped. */
function matchAnywhere(pattern: string, question: string): string | undefined {
  const body = pattern.replace(/^\^/, '').replace(/(?<!\\)\$$/, '');
  try {
    return new RegExp(`(?<![\\w-])(?:${body})(?![\\w-])`).exec(question)?.[0];
  } catch {
    return undefined;
  }
}

/** The result in words: its first row spelled out (tools list what matters most first); the table follows. */
function summary(call: ToolCall): string {
  if (call.rows.length === 0)
    return `It returned no rows${call.details && 'note' in call.details ? `: ${String(call.details.note)}` : ''}.`;
  const first = Object.entries(call.rows[0]!)
    .map(([k, v]) => `${k}: ${v === null ? '—' : typeof v === 'number' ? v.toLocaleString('en-US', { maximumFractionDigits: 4 }) : v}`)
    .join(', ');
  if (call.rows.length === 1) return first;
  return `${call.rows.length}${call.truncated ? '+' : ''} rows; the first: ${first}.`;
}
