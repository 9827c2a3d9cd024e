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
  agent: string;
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

/** An analytics agent over one project: tools, retrieval, the LLM loop and its fallback. */
export class Agent {
  readonly settings: AgentSettings;
  private readonly url: string;
  private readonly processes: QueryProcesses;

  constructor(
    private readonly manifest: Manifest,
    private readonly options: AgentOptions = {},
  ) {
    this.settings = chooseAgent(manifest, options.agent);
    this.url = ollamaUrl(options.env ?? process.env);
    // A query process's heap holds the rows being turned into JSON, several times their size.
    this.processes = new QueryProcesses(128 + Math.ceil((16 * this.settings.limits.bytes) / 1e6));
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
    return this.session(embeddings, (toolbox) => toolbox.call(name, args));
  }

  /** Given embeddings; none with --no-llm; else Ollama's when it has the embedding model. */
  private async embeddings(): Promise<EmbeddingsLike | null> {
    if (this.options.embeddings !== undefined) return this.options.embeddings;
    if (this.options.chatModel === null) return null;
    return (await this.chooseLlm()).embeddings;
  }

  /** One question; `sql …` runs the rest as a read-only query. */
  async ask(question: string, history: Exchange[] = []): Promise<AgentAnswer> {
    const direct = /^\s*sql\s+([\s\S]+)$/i.exec(question);
    if (direct) return this.sql(question, direct[1]!);
    const llm = await this.chooseLlm();
    const embeddings = await this.embeddings();
    return this.session(embeddings, async (toolbox, context) => {
      const base = { question, agent: this.settings.name, llm: { model: this.settings.model.name, url: this.url, problem: llm.problem } };
      if (llm.model) {
        try {
          const turns = history.flatMap((h) => [new HumanMessage(h.question), new AIMessage(h.answer)]);
          const result = await askWithTools(llm.model, toolbox, this.settings, question, turns);
          return finish({ ...base, mode: 'llm', answer: result.answer, calls: result.calls });
        } catch (error) {
          base.llm.problem = `the LLM failed: ${error instanceof Error ? error.message : String(error)}`;
        }
      }
      const fallback = await answerWithoutLlm(question, {
        manifest: this.manifest,
        toolbox,
        catalog: context.catalog,
        sandbox: context.sandbox,
        rows: this.settings.limits.rows,
      });
      return finish({
        ...base,
        mode: 'fallback',
        answer: `The LLM is unavailable (${base.llm.problem}), so plat answered from its tools.\n${fallback.text}`,
        calls: fallback.calls,
      });
    });
  }

  private sql(question: string, sql: string): Promise<AgentAnswer> {
    return this.session(null, async (toolbox) => {
      // run_sql's safety without it being one of the agent's tools: `sql …` is the user's own query.
      const call = await toolbox.runSql(sql);
      const answer = call.ok ? `${call.rows.length}${call.truncated ? '+' : ''} rows` : `The query was refused: ${call.error}`;
      return finish({
        question,
        agent: this.settings.name,
        mode: 'sql',
        answer,
        llm: { model: this.settings.model.name, url: this.url, problem: null },
        calls: [call],
      });
    });
  }

  private async chooseLlm(): Promise<LlmChoice> {
    if (this.options.chatModel === null) return { model: null, embeddings: null, problem: 'no LLM: --no-llm' };
    if (this.options.chatModel) return { model: this.options.chatModel, embeddings: null, problem: null };
    // A session or server asks many questions; Ollama is probed again at most every 30 s.
    if (!this.probe || performance.now() - this.probe.at > 30_000) this.probe = { at: performance.now(), result: this.probeOllama() };
    return this.probe.result;
  }

  private probe: { at: number; result: Promise<LlmChoice> } | null = null;

  private async probeOllama(): Promise<LlmChoice> {
    const probe = await probeOllama(this.url);
    if (probe.problem) return { model: null, embeddings: null, problem: probe.problem };
    const has = (model: string) => probe.models.some((name) => name === model || name === `${model}:latest`);
    const embeddings = has(this.settings.model.embeddings) ? ollamaEmbeddings(this.settings, this.url) : null;
    if (!has(this.settings.model.name))
      return {
        model: null,
        embeddings,
        problem: `Ollama at ${this.url} does not have the model ${this.settings.model.name} (run: ollama pull ${this.settings.model.name})`,
      };
    return { model: ollamaChat(this.settings, this.url), embeddings, problem: null };
  }

  /** A toolbox whose database connection opens on first use and closes when `work` ends. */
  private async session<T>(
    embeddings: EmbeddingsLike | null,
    work: (toolbox: Toolbox, context: { catalog: CatalogSearch; sandbox: () => Promise<Sandbox> }) => Promise<T>,
  ): Promise<T> {
    const state: { opened: Promise<Sandbox> | null } = { opened: null };
    const sandbox = () => (state.opened ??= Sandbox.open(this.manifest, this.processes, this.settings.limits.bytes));
    const catalog = new CatalogSearch(this.manifest, embeddings ? { model: this.settings.model.embeddings, client: embeddings } : null);
    const registry = Registry.forProject(this.manifest.project.root);
    const toolbox = new Toolbox({
      manifest: this.manifest,
      agent: this.settings,
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
  const cited = used.map((c) => `${c.tool}${c.tables.length ? ` (${c.tables.join(', ')})` : ''}`);
  const text = cited.length && answer.mode !== 'sql' ? `${answer.answer}\n\nSources: ${[...new Set(cited)].join('; ')}` : answer.answer;
  return { ...answer, answer: text, tables, sql };
}

/** The agent to use: the named one, the only one, or built-ins only when agents/ declares none. */
function chooseAgent(manifest: Manifest, name: string | undefined): AgentSettings {
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
    return found;
  }
  if (agents.length === 1) return agents[0]!;
  if (agents.length > 1)
    throw new PlatError(
      'USAGE',
      `this project has ${agents.length} agents`,
      `choose one with --agent: ${agents.map((a) => a.name).join(', ')}`,
    );
  return {
    name: 'default',
    path: '',
    description: 'Built-in tools only (no agents/*.yml in this project).',
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
