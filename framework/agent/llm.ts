import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { ChatOllama, OllamaEmbeddings } from '@langchain/ollama';
import type { AgentSettings } from '../compile/manifest.js';
import type { EmbeddingsLike } from './retrieval.js';

export const DEFAULT_OLLAMA = 'http://127.0.0.1:11434';

/** OLLAMA_HOST as Ollama itself reads it: host, host:port or a URL. */
export function ollamaUrl(env: Record<string, string | undefined>): string {
  const host = env.OLLAMA_HOST?.trim();
  if (!host) return DEFAULT_OLLAMA;
  const withScheme = /^https?:\/\//.test(host) ? host : `http://${host}`;
  const url = new URL(withScheme);
  if (!url.port && !/^https?:\/\/[^/]+:\d+/.test(withScheme)) url.port = '11434';
  return url.origin;
}

/**
 * Whether Ollama answers at `url` and which models it has; `problem` says why not. A quick
 * probe, so that a question does not wait for a connection timeout before falling back.
 */
export async function probeOllama(url: string, timeoutMs = 2_000): Promise<{ problem: string | null; models: string[] }> {
  try {
    const response = await fetch(`${url}/api/tags`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) return { problem: `Ollama at ${url} answered ${response.status}`, models: [] };
    const { models } = (await response.json()) as { models?: { name: string }[] };
    return { problem: null, models: (models ?? []).map((m) => m.name) };
  } catch (error) {
    const reason = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
    return { problem: `no Ollama at ${url}: ${reason}`, models: [] };
  }
}

/** `format`: a JSON Schema the reply must follow (Ollama's structured outputs), for the router. */
export function ollamaChat(agent: AgentSettings, url: string, format?: Record<string, unknown>): BaseChatModel {
  return new ChatOllama({ model: agent.model.name, temperature: agent.model.temperature, baseUrl: url, ...(format ? { format } : {}) });
}

export function ollamaEmbeddings(agent: AgentSettings, url: string): EmbeddingsLike {
  return new OllamaEmbeddings({ model: agent.model.embeddings, baseUrl: url });
}
