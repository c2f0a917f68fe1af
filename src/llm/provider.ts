// What the client needs from a provider: one chat completion, and a batch API. anthropic.ts and openai.ts
// implement it over the official SDKs.
import type { LlmUsage, ProviderKind } from './types.ts';

export interface ChatTurn {
  role: 'user' | 'assistant';
  content: string;
}

export interface ProviderRequest {
  model: string;
  system?: string;
  messages: ChatTurn[];
  temperature: number;
  maxOutputTokens: number;
}

export interface ProviderAnswer {
  text: string;
  usage: LlmUsage;
}

export type BatchState = 'running' | 'ended' | 'failed';

export interface BatchStatus {
  state: BatchState;
  done: number;
  total: number;
}

/** Per custom id: the answer, or why the provider gave none (no request content in the reason). */
export type BatchOutcome = ProviderAnswer | { error: string };

export interface BatchApi {
  submit(entries: { customId: string; request: ProviderRequest }[]): Promise<string>;
  status(batchId: string): Promise<BatchStatus>;
  results(batchId: string): Promise<Map<string, BatchOutcome>>;
}

export interface Provider {
  kind: ProviderKind;
  complete(request: ProviderRequest, signal: AbortSignal): Promise<ProviderAnswer>;
  batch: BatchApi;
}

export interface ProviderOptions {
  baseUrl?: string;
  apiKey?: string;
  timeoutMs: number;
}

/** Local OpenAI-compatible servers and test servers need no key, but the SDKs insist on one. */
export const NO_KEY = 'no-key';
