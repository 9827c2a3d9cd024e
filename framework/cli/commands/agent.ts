import { createInterface } from 'node:readline/promises';
import pc from 'picocolors';
import { Agent, type AgentAnswer, type Exchange } from '../../agent/agent.js';
import { serveAgent } from '../../agent/http.js';
import { ollamaChat, ollamaUrl, probeOllama } from '../../agent/llm.js';
import { Endpoints } from '../../serve/endpoints.js';
import { llmInsightWriter } from '../../serve/insights.js';
import { exitCodes } from '../../core/errors.js';
import { formatTable, toJson } from '../table.js';
import { err, out, projectDir, vars, type CommandSpec, type Options } from './shared.js';
import { compiled } from './compiled.js';
import { eventPrinter, untilInterrupted } from './run.js';
import { scheduleEventPrinter } from './schedule.js';
import { runScheduler } from '../../schedule/scheduler.js';
import type { Manifest } from '../../compile/manifest.js';
import { dashboardRoutes } from '../../serve/dashboards.js';
import { ServingData } from '../../serve/snapshot.js';

type AgentCliOptions = Options & { agent?: string; llm?: boolean; port?: number; host?: string };

const agentOptions = [
  projectDir,
  vars,
  { flags: '--agent <name>', description: 'which agent of agents/*.yml (by default each question goes to the agents it needs)' },
  { flags: '--no-llm', description: 'do not call Ollama: answer by matching the question to tools' },
];

function openAgent(options: AgentCliOptions): Agent | null {
  return compiledAgent(options)?.agent ?? null;
}

function compiledAgent(options: AgentCliOptions): { agent: Agent; manifest: Manifest } | null {
  const project = compiled(options, 'no agent was started');
  if (!project) return null;
  const agent = new Agent(project.manifest, {
    agent: options.agent,
    env: process.env,
    chatModel: options.llm === false ? null : undefined,
  });
  return { agent, manifest: project.manifest };
}

/** The answer, then each tool call with its rows and the SQL that ran. */
export function renderAnswer(answer: AgentAnswer, write: (line: string) => void): void {
  if (answer.routing.method === 'llm' || answer.routing.method === 'keywords') {
    const how = answer.routing.method === 'llm' ? 'chosen by the LLM' : 'chosen by keywords';
    write(pc.dim(`answered by ${answer.agents.join(' and ')} (${how}${answer.routing.problem ? `: ${answer.routing.problem}` : ''})`));
  }
  if (answer.mode === 'fallback') {
    write(pc.yellow(answer.answer.split('\n')[0]!));
    write(answer.answer.split('\n').slice(1).join('\n'));
  } else write(answer.answer);
  for (const call of answer.calls) {
    write('');
    const args = Object.keys(call.args).length ? ` ${JSON.stringify(call.args)}` : '';
    if (!call.ok) {
      write(`${pc.red('✗')} ${call.tool}${args}: ${call.error}`);
      continue;
    }
    write(pc.dim(`${call.tool}${args}${call.tables.length ? ` → ${call.tables.join(', ')}` : ''}`));
    if (call.columns.length) {
      write(formatTable(call.columns, call.rows.slice(0, 25)));
      const more = call.rows.length - 25;
      if (more > 0 || call.truncated)
        write(
          pc.dim(
            `… ${more > 0 ? `${more} more rows` : ''}${call.truncated ? `${more > 0 ? ', ' : ''}cut at the ${call.truncated === 'rows' ? 'row' : 'size'} limit` : ''}`,
          ),
        );
    }
    if (call.sql)
      write(
        pc.dim(
          `SQL${call.params && Object.keys(call.params).length ? ` (bound: ${JSON.stringify(call.params)})` : ''}:\n${call.sql.replace(/^/gm, '  ')}`,
        ),
      );
  }
}

async function ask(question: string, options: AgentCliOptions): Promise<number> {
  const agent = openAgent(options);
  if (!agent) return exitCodes.failure;
  const answer = await agent.ask(question);
  if (options.json) out(toJson(answer));
  else renderAnswer(answer, out);
  return answer.calls.length > 0 && answer.calls.every((c) => !c.ok) ? exitCodes.failure : exitCodes.ok;
}

/** `plat agent`: questions with history, `sql …` for direct queries, /tools, /quit. */
async function session(options: AgentCliOptions): Promise<number> {
  const agent = openAgent(options);
  if (!agent) return exitCodes.failure;
  const history: Exchange[] = [];
  const rl = createInterface({
    input: process.stdin,
    output: process.stdout,
    prompt: pc.cyan(`${agent.settings.name}> `),
    historySize: 200,
  });
  err(pc.dim(`agent ${agent.settings.name}: ask a question, or "sql SELECT …"; /tools lists tools, /quit leaves`));
  rl.prompt();
  for await (const line of rl) {
    const input = line.trim();
    if (input === '/quit' || input === '/exit') break;
    if (input === '/tools') {
      for (const tool of agent.tools()) out(`${pc.bold(tool.name)}  ${tool.description}`);
    } else if (input === '/help') {
      out('a question in words · sql SELECT … · /tools · /quit');
    } else if (input) {
      try {
        const answer = await agent.ask(input, history);
        renderAnswer(answer, out);
        if (answer.mode !== 'sql') history.push({ question: input, answer: answer.answer });
      } catch (error) {
        err(`${pc.red('error')} ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    rl.prompt();
  }
  rl.close();
  return exitCodes.ok;
}

async function serve(options: AgentCliOptions): Promise<number> {
  const opened = compiledAgent(options);
  if (!opened) return exitCodes.failure;
  const { agent, manifest } = opened;
  const token = process.env.PLAT_API_TOKEN?.trim() || undefined;
  const llmUrl = options.llm === false ? undefined : ollamaUrl(process.env);
  // Analytics insights are worded by the LLM when it answers now; by the declared rules otherwise.
  const chat = llmUrl && (await probeOllama(llmUrl, 1_000)).problem === null ? ollamaChat(agent.settings, llmUrl) : null;
  const endpoints = Object.values(manifest.nodes).some((n) => n.kind === 'endpoint')
    ? new Endpoints(manifest, { env: process.env, insightWriter: chat ? llmInsightWriter(chat) : null })
    : undefined;
  // Dashboards read the same published copy as the endpoints (their own reader when there are none).
  const dashboards = Object.keys(manifest.dashboards).length
    ? dashboardRoutes(manifest, endpoints?.data ?? new ServingData(manifest, []))
    : [];
  const server = await serveAgent(agent, options.port ?? 8181, {
    ollamaUrl: llmUrl,
    host: options.host,
    token,
    endpoints,
    routes: dashboards,
  });
  const controller = untilInterrupted();
  const auth = token ? '; requests need the PLAT_API_TOKEN bearer token' : '';
  out(
    `${pc.green('serving')} agent ${agent.settings.name} on ${server.url} (GET /health, GET /v1/tools, POST /v1/tools/:name, POST /v1/ask${
      endpoints ? `, ${endpoints.nodes.map((n) => `POST ${n.route}`).join(', ')}, GET /openapi.json` : ''
    }${dashboards.length ? ', GET /v1/dashboards/:name' : ''}${auth}; Ctrl-C stops)`,
  );
  // Declared schedules run beside the API, until the same Ctrl-C (a run in progress finishes first).
  const scheduler = Object.keys(manifest.schedules).length
    ? runScheduler(manifest, {
        signal: controller.signal,
        env: process.env,
        onEvent: scheduleEventPrinter(options),
        onRunEvent: eventPrinter(options),
      })
    : null;
  await new Promise<void>((resolve) => controller.signal.addEventListener('abort', () => resolve(), { once: true }));
  await server.close();
  await scheduler;
  return exitCodes.ok;
}

export const agentCommands: CommandSpec[] = [
  {
    usage: 'ask <question...>',
    description:
      'answer one question with the project\'s agent (Ollama tool calling; without an LLM, the closest tool); "sql SELECT …" runs a read-only query',
    options: [...agentOptions, { flags: '--json', description: 'print the answer, tool calls, tables and SQL as JSON' }],
    run: (args, options) => ask(args.flat().join(' '), options as AgentCliOptions),
  },
  {
    usage: 'agent',
    description: 'an interactive session with the agent: questions with history, "sql …" queries, /tools, /quit',
    options: agentOptions,
    run: (_, options) => session(options as AgentCliOptions),
  },
  {
    usage: 'serve',
    description: 'serve the agent and its tools over HTTP on 127.0.0.1 (JSON API); set PLAT_API_TOKEN to require a bearer token',
    options: [
      ...agentOptions,
      { flags: '--port <n>', description: 'port (default 8181; 0 picks a free one)', default: 8181, parse: (v: string) => Number(v) },
      { flags: '--host <address>', description: 'address to listen on (default 127.0.0.1); any but loopback needs PLAT_API_TOKEN' },
    ],
    run: (_, options) => serve(options as AgentCliOptions),
  },
];
