import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { HumanMessage, SystemMessage, type AIMessage } from '@langchain/core/messages';
import type { AgentSettings, Manifest } from '../compile/manifest.js';
import { Bm25, tokenize } from './bm25.js';
import { textOf } from './loop.js';
import { toolDefinitions } from './tools.js';

/** One agent and the part of the question it answers (self-contained: identifiers carried over). */
export interface Route {
  agent: AgentSettings;
  question: string;
}

/**
 * How a question found its agents. named: --agent or the request chose; only: the project has
 * one; llm: the router model chose; keywords: declared keywords and the agents' tools ranked it.
 */
export type RoutingMethod = 'named' | 'only' | 'llm' | 'keywords';

export interface Routing {
  method: RoutingMethod;
  routes: Route[];
  /** Why the LLM did not route (unreachable, failed, answered nonsense); null when it did or was not asked. */
  problem: string | null;
}

/**
 * Picks the agents for a question among several: one structured call to the LLM when there is
 * one (validated: only declared agent names count), else clause by clause by the agents'
 * keywords and the tools they hold. A question spanning agents yields one route per agent.
 */
export async function routeQuestion(
  question: string,
  agents: readonly AgentSettings[],
  manifest: Manifest,
  model: BaseChatModel | null,
): Promise<Routing> {
  let problem: string | null = null;
  if (model) {
    try {
      const reply = (await model.invoke([new SystemMessage(routerPrompt(agents)), new HumanMessage(question)])) as AIMessage;
      const text = textOf(reply);
      const routes = parseRoutes(text, agents, question);
      if (routes) return { method: 'llm', routes, problem: null };
      problem = `the LLM router named no declared agent (${agents.map((a) => a.name).join(', ')}) in its answer: ${JSON.stringify(text.slice(0, 200))}`;
    } catch (error) {
      problem = `the LLM router failed: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  return { method: 'keywords', routes: routeByKeywords(question, agents, manifest), problem };
}

/** The router's reply as a JSON Schema: routes naming declared agents only (Ollama constrains its output to it). */
export function routesSchema(agents: readonly AgentSettings[]): Record<string, unknown> {
  return {
    type: 'object',
    properties: {
      routes: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          properties: { agent: { enum: agents.map((a) => a.name) }, question: { type: 'string' } },
          required: ['agent', 'question'],
        },
      },
    },
    required: ['routes'],
  };
}

function routerPrompt(agents: readonly AgentSettings[]): string {
  const list = agents.map((a) => `- ${a.name}: ${a.description.trim() || `tools ${a.tools.map((t) => t.name).join(', ')}`}`).join('\n');
  return [
    'You route questions to the agents that can answer them. The agents:',
    list,
    'Reply with JSON only, no prose: {"routes": [{"agent": "<agent name>", "question": "<the part of the question for that agent>"}]}.',
    'Use one route when one agent can answer. When the question asks several things that need different agents, give one route',
    'per agent, each question self-contained (repeat the machine, product or period it is about).',
  ].join('\n');
}

/** The routes an LLM reply names, or null when it names none or an agent that does not exist. */
export function parseRoutes(text: string, agents: readonly AgentSettings[], question: string): Route[] | null {
  const json = /\{[\s\S]*\}/.exec(text)?.[0];
  if (!json) return null;
  let reply: unknown;
  try {
    reply = JSON.parse(json);
  } catch {
    return null;
  }
  const listed = (reply as { routes?: unknown }).routes ?? [reply];
  if (!Array.isArray(listed) || listed.length === 0) return null;
  const routes: Route[] = [];
  for (const entry of listed) {
    const name = (entry as { agent?: unknown } | null)?.agent;
    const agent = agents.find((a) => typeof name === 'string' && a.name === name.trim());
    if (!agent) return null;
    const asked = (entry as { question?: unknown }).question;
    const part = typeof asked === 'string' && asked.trim() ? asked.trim() : question;
    const same = routes.find((r) => r.agent === agent);
    if (same) same.question = `${same.question} ${part}`;
    else routes.push({ agent, question: part });
  }
  return routes.length === 1 ? [{ agent: routes[0]!.agent, question }] : routes;
}

/**
 * Without an LLM: each clause of the question goes to the agent whose declared keywords it
 * names most (longer phrases weigh more), ties and keyword-less clauses decided by BM25 over the
 * agent's description and tools; clauses that point nowhere stay with their neighbour's agent.
 */
export function routeByKeywords(question: string, agents: readonly AgentSettings[], manifest: Manifest): Route[] {
  const ranking = new Bm25(agents, (agent) =>
    [
      agent.name,
      agent.description,
      ...agent.keywords,
      ...agent.keywords,
      ...toolDefinitions(manifest, agent).flatMap((t) => [t.name, t.description, ...t.keywords, ...t.reads]),
    ].join(' '),
  );
  const clauses = splitClauses(question);
  const chosen = clauses.map((clause) => bestAgent(clause, agents, ranking));
  for (let i = 1; i < chosen.length; i++) chosen[i] ??= chosen[i - 1]!;
  for (let i = chosen.length - 2; i >= 0; i--) chosen[i] ??= chosen[i + 1]!;
  const groups = new Map<AgentSettings, string[]>();
  clauses.forEach((clause, i) => {
    const agent = chosen[i] ?? agents[0]!;
    groups.set(agent, [...(groups.get(agent) ?? []), clause]);
  });
  if (groups.size <= 1) return [{ agent: [...groups.keys()][0] ?? agents[0]!, question }];
  const identifiers = identifiersIn(question);
  return [...groups].map(([agent, parts]) => {
    const text = parts.join(', ');
    const missing = identifiers.filter((id) => !text.includes(id));
    return { agent, question: missing.length ? `${text} (${missing.join(', ')})` : text };
  });
}

function bestAgent(clause: string, agents: readonly AgentSettings[], ranking: Bm25<AgentSettings>): AgentSettings | null {
  const lower = clause.toLowerCase();
  const bm25 = new Map(ranking.search(clause, agents.length).map((r) => [r.item, r.score]));
  let best: { agent: AgentSettings; hits: number; score: number } | null = null;
  for (const agent of agents) {
    const hits = agent.keywords.reduce((sum, k) => sum + (mentions(lower, k) ? tokenize(k).length || 1 : 0), 0);
    const score = bm25.get(agent) ?? 0;
    if (hits === 0 && score === 0) continue;
    if (!best || hits > best.hits || (hits === best.hits && score > best.score)) best = { agent, hits, score };
  }
  return best?.agent ?? null;
}

/** Whether the text names the keyword as a word or the start of one ("forecast" in "forecasts"). */
function mentions(lower: string, keyword: string): boolean {
  const escaped = keyword
    .toLowerCase()
    .trim()
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(/\s+/g, '\\s+');
  return escaped !== '' && new RegExp(`(?<![a-z0-9])${escaped}`).test(lower);
}

/** The question's clauses: split at ; ? ! and commas, and at "and"/"also"/"then" before a new question. */
export function splitClauses(question: string): string[] {
  const starts =
    'what|which|how|when|where|why|who|is|are|was|will|would|does|do|did|can|could|should|show|list|give|tell|forecast|predict';
  return question
    .split(new RegExp(`\\s*(?:[;?!]+|,\\s+(?:(?:and|but|also|then)\\s+)?|\\s(?:and|also|then)\\s+(?=(?:${starts})\\b))\\s*`, 'i'))
    .map((part) => part.trim())
    .filter((part) => /[a-z0-9]/i.test(part));
}

/** Codes such as CNC-A-102 or B-20931: letters and digits joined by hyphens, ending in a digit group. */
function identifiersIn(question: string): string[] {
  return [...new Set(question.match(/(?<![\w-])[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*-[A-Za-z]*\d[A-Za-z0-9]*(?![\w-])/g) ?? [])];
}
