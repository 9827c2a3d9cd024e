import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { AnalyticsFigures, InsightWriter } from './analytics.js';

/**
 * Insights worded by a chat model from the figures the analysis computed (and the rule-based
 * insights they gave), never from anything else: one insight a line. An empty or failed answer
 * keeps the rule-based ones.
 */
export function llmInsightWriter(chat: BaseChatModel): InsightWriter {
  return async (figures: AnalyticsFigures) => {
    const prompt =
      'You are a manufacturing analyst. From these figures only, write up to three short insights, one per line, ' +
      'no numbering, no numbers that are not in the figures.\n' +
      JSON.stringify(figures);
    const reply = await chat.invoke(prompt);
    const text =
      typeof reply.content === 'string' ? reply.content : reply.content.map((part) => ('text' in part ? part.text : '')).join('');
    const lines = text
      .split('\n')
      .map((line) => line.replace(/^\s*(?:[-*•]|\d+[.)])\s*/, '').trim())
      .filter(Boolean)
      .slice(0, 3);
    return lines.length ? lines : null;
  };
}
