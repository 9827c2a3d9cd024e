import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessage, HumanMessage } from '@langchain/core/messages';
import { BUILTIN_TOOLS } from '../compile/agents.js';
import type { AgentSettings, Manifest } from '../compile/manifest.js';
import { PlatError } from '../core/errors.js';
import { didYouMean } from '../core/suggest.js';
import { Registry } from '../ml/registry.js';
import { warehouseOf } from '../run/run.js';
import { answerWithoutLlm } from './fallback.js';
import { ollamaChat, ollamaEmbeddings, ollamaUrl, probeOllama } from './llm.js';
import { askWithTools } from './loop.js';
import { routeQuestion, routesSchema, type Routing, type RoutingMethod } from './router.js';
import { QueryProcesses } from './query-processes.js';
import { CatalogSearch, type EmbeddingsLike } from './retrieval.js';
import { Sandbox } from './sandbox.js';
import { Toolbox, toolDefinitions, type ToolCall, type ToolDefinition } from './tools.js';

export interface AgentOptions {
  /** Which agent of agents/*.yml; may be left out when there is one. */
  agent?: string;
  env?: Record<string, string | undefined>;
  /** A chat model instead of Ollama (tests use LangChain's fake chat models); null: never use an LLM. */
  chatModel?: BaseChatModel | null;
  /** Embeddings for search_catalog instead of Ollama's; null: keyword ranking only. */
  embeddings?: EmbeddingsLike | null;
  now?: () => Date;
}

export interface AgentAnswer {
  question: string;
  /** The agent that answered; several joined by " + " (see agents). */
  agent: string;
  /** Every agent that answered, in the order of the answer's sections. */
  agents: string[];
  /** How the agents were chosen, and why the LLM did not choose when it was asked and could not. */
  routing: { method: RoutingMethod | 'sql'; problem: string | null };
  /** Per agent: the part of the question it answered and its answer (one section unless the question spanned agents). */
  sections: { agent: string; question: string; mode: 'llm' | 'fallback'; answer: string }[];
  /** llm: the model chose tools; fallback: no LLM, plat matched the question; sql: a direct query. */
  mode: 'llm' | 'fallback' | 'sql';
  answer: string;
  llm: { model: string; url: string; problem: string | null };
  calls: ToolCall[];
  tables: string[];
  sql: string[];
}

/** The chat model to use (null: answer without one, for `problem`) and Ollama's embeddings if it has them. */
type LlmChoice = { model: BaseChatModel | null; embeddings: EmbeddingsLike | null; problem: string | null };

export interface Exchange {
  question: string;
  answer: string;
}

/** One agent's answer to its part of a question, before it is put together with the others. */
type Part = { agent: AgentSettings; question: string; mode: 'llm' | 'fallback'; text: string; calls: ToolCall[]; problem: string | null };

/**
 * The agents of one project: tools, retrieval, the LLM loop and its fallback. With several
 * agents and none named, each question is routed (router.ts) and answered by the agents it needs.
 */
export class Agent {
  /** The named or only agent; when routing between several, one whose tools are all of theirs. */
  readonly settings: AgentSettings;
  /** The agents questions are routed between (one when named or alone). */
  private readonly members: AgentSettings[];
  private readonly url: string;
  private readonly processes: QueryProcesses;

  constructor(
    private readonly manifest: Manifest,
    private readonly options: AgentOptions = {},
  ) {
    this.members = chooseAgents(manifest, options.agent);
    this.settings = this.members.length === 1 ? this.members[0]! : allOf(this.members);
    this.url = ollamaUrl(options.env ?? process.env);
    // A query process's heap holds the rows being turned into JSON, several times their size.
    this.processes = new QueryProcesses(128 + Math.ceil((16 * this.settings.limits.bytes) / 1e6));
  }

  /** The agents a question may go to; a request may name one of them. */
  agentNames(): string[] {
    return this.members.map((a) => a.name);
  }

  /** Stops running queries and the processes that run them; the agent may still be asked after. */
  close(): Promise<void> {
    return this.processes.close();
  }

  /** The project database the agent queries, and whether it exists yet. */
  database(): { path: string; displayPath: string; exists: boolean } {
    const where = warehouseOf(this.manifest);
    return { path: where.location, displayPath: where.display, exists: where.exists };
  }

  tools(): ToolDefinition[] {
    return toolDefinitions(this.manifest, this.settings);
  }

  async callTool(name: string, args: unknown): Promise<ToolCall> {
    const embeddings = name === 'search_catalog' ? await this.embeddings() : null;
    return this.session(this.settings, embeddings, (toolbox) => toolbox.call(name, args));
  }

  /** Given embeddings; none with --no-llm; else Ollama's when it has the embedding model. */
  private async embeddings(): Promise<EmbeddingsLike | null> {
    if (this.options.embeddings !== undefined) return this.options.embeddings;
    if (this.options.chatModel === null) return null;
    return (await this.chooseLlm()).embeddings;
  }

  /** One question; `sql …` runs the rest as a read-only query. `agent` sends it to that agent instead of routing it. */
  async ask(question: string, history: Exchange[] = [], agent?: string): Promise<AgentAnswer> {
    const direct = /^\s*sql\s+([\s\S]+)$/i.exec(question);
    if (direct) return this.sql(question, direct[1]!);
    const llm = await this.chooseLlm();
    const embeddings = await this.embeddings();
    const routing = await this.route(question, agent, llm.model);
    const parts: Part[] = [];
    for (const route of routing.routes)
      parts.push(await this.answerAs(route.agent, route.question, history, await this.chooseLlm(route.agent), embeddings));
    return combine(question, parts, routing, { model: this.settings.model.name, url: this.url });
  }

  private async route(question: string, named: string | undefined, model: BaseChatModel | null): Promise<Routing> {
    if (named !== undefined) {
      const agent = this.members.find((a) => a.name === named) ?? chooseAgents(this.manifest, named)[0]!;
      return { method: 'named', routes: [{ agent, question }], problem: null };
    }
    if (this.members.length === 1)
      return { method: this.options.agent ? 'named' : 'only', routes: [{ agent: this.members[0]!, question }], problem: null };
    // Through Ollama the router's reply is held to the routes' JSON Schema; a given chat model is asked as it is.
    const router = model && !this.options.chatModel ? ollamaChat(this.settings, this.url, routesSchema(this.members)) : model;
    return routeQuestion(question, this.members, this.manifest, router);
  }

  /** One agent's answer: the LLM loop when there is a model, else (or when it fails) the tools matched without one. */
  private answerAs(
    agent: AgentSettings,
    question: string,
    history: Exchange[],
    llm: LlmChoice,
    embeddings: EmbeddingsLike | null,
  ): Promise<Part> {
    return this.session(agent, embeddings, async (toolbox, context) => {
      let problem = llm.problem;
      if (llm.model) {
        try {
          const turns = history.flatMap((h) => [new HumanMessage(h.question), new AIMessage(h.answer)]);
          const result = await askWithTools(llm.model, toolbox, agent, question, turns);
          return { agent, question, mode: 'llm' as const, text: result.answer, calls: result.calls, problem };
        } catch (error) {
          problem = `the LLM failed: ${error instanceof Error ? error.message : String(error)}`;
        }
      }
      const fallback = await answerWithoutLlm(question, {
        manifest: this.manifest,
        toolbox,
        catalog: context.catalog,
        sandbox: context.sandbox,
        rows: agent.limits.rows,
      });
      return { agent, question, mode: 'fallback' as const, text: fallback.text, calls: fallback.calls, problem };
    });
  }

  private sql(question: string, sql: string): Promise<AgentAnswer> {
    return this.session(this.settings, null, async (toolbox) => {
      // run_sql's safety without it being one of the agent's tools: `sql …` is the user's own query.
      const call = await toolbox.runSql(sql);
      const answer = call.ok ? `${call.rows.length}${call.truncated ? '+' : ''} rows` : `The query was refused: ${call.error}`;
      return finish({
        question,
        agent: this.settings.name,
        agents: [],
        routing: { method: 'sql', problem: null },
        sections: [],
        mode: 'sql',
        answer,
        llm: { model: this.settings.model.name, url: this.url, problem: null },
        calls: [call],
      });
    });
  }

  /** The chat model for an agent (its own Ollama model; routing uses the first agent's). */
  private async chooseLlm(agent: AgentSettings = this.settings): Promise<LlmChoice> {
    if (this.options.chatModel === null) return { model: null, embeddings: null, problem: 'no LLM: --no-llm' };
    if (this.options.chatModel) return { model: this.options.chatModel, embeddings: null, problem: null };
    // A session or server asks many questions; Ollama is probed again at most every 30 s, once for all agents.
    if (!this.probe || performance.now() - this.probe.at > 30_000) this.probe = { at: performance.now(), result: probeOllama(this.url) };
    const probe = await this.probe.result;
    if (probe.problem) return { model: null, embeddings: null, problem: probe.problem };
    const has = (model: string) => probe.models.some((name) => name === model || name === `${model}:latest`);
    const embeddings = has(agent.model.embeddings) ? ollamaEmbeddings(agent, this.url) : null;
    if (!has(agent.model.name))
      return {
        model: null,
        embeddings,
        problem: `Ollama at ${this.url} does not have the model ${agent.model.name} (run: ollama pull ${agent.model.name})`,
      };
    return { model: ollamaChat(agent, this.url), embeddings, problem: null };
  }

  private probe: { at: number; result: Promise<{ problem: string | null; models: string[] }> } | null = null;

  /** A toolbox whose database connection opens on first use and closes when `work` ends. */
  private async session<T>(
    agent: AgentSettings,
    embeddings: EmbeddingsLike | null,
    work: (toolbox: Toolbox, context: { catalog: CatalogSearch; sandbox: () => Promise<Sandbox> }) => Promise<T>,
  ): Promise<T> {
    const state: { opened: Promise<Sandbox> | null } = { opened: null };
    const sandbox = () => (state.opened ??= Sandbox.open(this.manifest, this.processes, agent.limits.bytes));
    const catalog = new CatalogSearch(this.manifest, embeddings ? { model: agent.model.embeddings, client: embeddings } : null);
    const registry = Registry.forProject(this.manifest.project.root);
    const toolbox = new Toolbox({
      manifest: this.manifest,
      agent,
      sandbox,
      registry,
      catalog,
      now: this.options.now ?? (() => new Date()),
    });
    try {
      return await work(toolbox, { catalog, sandbox });
    } finally {
      if (state.opened) await (await state.opened.catch(() => null))?.close();
    }
  }
}

function finish(answer: Omit<AgentAnswer, 'tables' | 'sql'>): AgentAnswer {
  const used = answer.calls.filter((c) => c.ok);
  const tables = [...new Set(used.flatMap((c) => c.tables))].sort();
  const sql = used.flatMap((c) => (c.sql ? [c.sql] : []));
  const cited = answer.mode === 'sql' || answer.sections.length > 1 ? '' : sources(used);
  return { ...answer, answer: cited ? `${answer.answer}\n\n${cited}` : answer.answer, tables, sql };
}

/** "Sources: tool (tables); …" for the calls that succeeded, or nothing. */
function sources(calls: ToolCall[]): string {
  const cited = calls.filter((c) => c.ok).map((c) => `${c.tool}${c.tables.length ? ` (${c.tables.join(', ')})` : ''}`);
  return cited.length ? `Sources: ${[...new Set(cited)].join('; ')}` : '';
}

/** The agents' parts as one answer: the one part as it is, or a section per agent with its own sources. */
function combine(question: string, parts: Part[], routing: Routing, llm: { model: string; url: string }): AgentAnswer {
  const problem = parts.find((p) => p.mode === 'fallback')?.problem ?? parts.find((p) => p.problem)?.problem ?? null;
  const unavailable = parts.some((p) => p.mode === 'fallback')
    ? `The LLM is unavailable (${problem}), so plat answered from its tools.\n`
    : '';
  const sections = parts.map((p) => ({ agent: p.agent.name, question: p.question, mode: p.mode, answer: p.text }));
  const text =
    parts.length === 1
      ? `${unavailable}${parts[0]!.text}`
      : `${unavailable}${parts.map((p) => [`[${p.agent.name}] ${p.question}`, p.text, sources(p.calls)].filter(Boolean).join('\n')).join('\n\n')}`;
  return finish({
    question,
    agent: parts.map((p) => p.agent.name).join(' + '),
    agents: parts.map((p) => p.agent.name),
    routing: { method: routing.method, problem: routing.problem },
    sections,
    mode: parts.every((p) => p.mode === 'llm') ? 'llm' : 'fallback',
    answer: text,
    llm: { ...llm, problem },
    calls: parts.flatMap((p) => p.calls),
  });
}

/** One agent standing for several when routing: all their tools, the first one's model, the largest limits. */
function allOf(agents: AgentSettings[]): AgentSettings {
  const tools = new Map(agents.flatMap((a) => a.tools).map((t) => [t.name, t]));
  const largest = (key: keyof AgentSettings['limits']) => Math.max(...agents.map((a) => a.limits[key]));
  return {
    ...agents[0]!,
    name: agents.map((a) => a.name).join(' + '),
    path: '',
    description: `Routes each question to ${agents.map((a) => a.name).join(', ')}.`,
    keywords: agents.flatMap((a) => a.keywords),
    tools: [...tools.values()],
    limits: { rows: largest('rows'), timeoutMs: largest('timeoutMs'), bytes: largest('bytes'), steps: largest('steps') },
  };
}

/** The agents to use: the named one, the only one, all of them to route between, or built-ins only when agents/ declares none. */
function chooseAgents(manifest: Manifest, name: string | undefined): AgentSettings[] {
  const agents = Object.values(manifest.agents);
  if (name) {
    const found = manifest.agents[name];
    if (!found)
      throw new PlatError(
        'USAGE',
        `no agent "${name}"`,
        didYouMean(
          name,
          agents.map((a) => a.name),
        ) ?? `agents: ${agents.map((a) => a.name).join(', ') || 'none (declare one in agents/*.yml)'}`,
      );
    return [found];
  }
  if (agents.length > 0) return agents;
  return [builtinAgent(manifest)];
}

function builtinAgent(manifest: Manifest): AgentSettings {
  return {
    name: 'default',
    path: '',
    description: 'Built-in tools only (no agents/*.yml in this project).',
    keywords: [],
    model: { name: 'mistral', temperature: 0, embeddings: 'nomic-embed-text' },
    systemPrompt: `You are a data analyst for the ${manifest.project.name} project. Find tables with list_models and describe_model, then answer with run_sql. Use numbers from results only.`,
    tools: Object.keys(BUILTIN_TOOLS).map((tool) => ({
      name: tool,
      node: null,
      builtin: tool as AgentSettings['tools'][number]['builtin'],
    })),
    limits: { rows: 200, timeoutMs: 10_000, bytes: 10_000_000, steps: 8 },
  };
}
