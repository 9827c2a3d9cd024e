import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { type AIMessage, HumanMessage, SystemMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import type { AgentSettings } from '../compile/manifest.js';
import type { ToolCall, Toolbox } from './tools.js';

/** Rows of a tool result the model sees; the user sees them all. */
const ROWS_FOR_MODEL = 50;

/**
 * The tool-calling loop: the model picks tools, plat validates and runs them, results (or the
 * reason a call was refused, so the model can correct itself) go back, until the model
 * answers in text or runs out of steps.
 */
export async function askWithTools(
  model: BaseChatModel,
  toolbox: Toolbox,
  agent: AgentSettings,
  question: string,
  history: BaseMessage[],
): Promise<{ answer: string; calls: ToolCall[]; messages: BaseMessage[] }> {
  if (!model.bindTools) throw new Error(`the chat model ${model.getName()} cannot call tools`);
  const bound = model.bindTools(
    toolbox.definitions.map((d) => ({
      type: 'function' as const,
      function: { name: d.name, description: d.description, parameters: d.parameters },
    })),
  );
  const messages: BaseMessage[] = [new SystemMessage(agent.systemPrompt), ...history, new HumanMessage(question)];
  const calls: ToolCall[] = [];
  for (let step = 0; step < agent.limits.steps; step++) {
    const reply = (await bound.invoke(messages)) as AIMessage;
    messages.push(reply);
    const requested = reply.tool_calls ?? [];
    if (requested.length === 0) return { answer: textOf(reply), calls, messages };
    for (const [i, request] of requested.entries()) {
      const call = await toolbox.call(request.name, request.args);
      calls.push(call);
      messages.push(
        new ToolMessage({ tool_call_id: request.id ?? `${request.name}-${step}-${i}`, name: request.name, content: forModel(call) }),
      );
    }
  }
  return { answer: `I could not finish within ${agent.limits.steps} steps; the tool results so far are below.`, calls, messages };
}

function forModel(call: ToolCall): string {
  if (!call.ok) return JSON.stringify({ error: call.error });
  return JSON.stringify({
    columns: call.columns,
    rows: call.rows.slice(0, ROWS_FOR_MODEL),
    ...(call.rows.length > ROWS_FOR_MODEL || call.truncated
      ? { note: `only the first ${Math.min(call.rows.length, ROWS_FOR_MODEL)} rows are shown` }
      : {}),
    ...(call.details ? { details: call.details } : {}),
  });
}

export function textOf(message: AIMessage): string {
  if (typeof message.content === 'string') return message.content.trim();
  return message.content
    .map((part) => (typeof part === 'string' ? part : 'text' in part && typeof part.text === 'string' ? part.text : ''))
    .join('')
    .trim();
}
