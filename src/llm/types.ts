// The one interface every LLM-using stage talks to. Providers (Anthropic Messages, OpenAI-compatible chat
// completions), the call cache, rate limits, retries and usage accounting all sit behind `LlmClient`, so
// a stage only says what it wants (a prompt and the zod schema of the answer) and gets a validated value.
import type { z } from 'zod';

/** Pipeline stages that call a model; each has its own model, temperature and usage counters. */
export const LLM_STAGES = ['screen', 'facets', 'name', 'hierarchy', 'audit', 'synthetic'] as const;
export type LlmStage = (typeof LLM_STAGES)[number];

export type ProviderKind = 'anthropic' | 'openai';

export interface LlmUsage {
  inputTokens: number;
  outputTokens: number;
}

export interface GenerateRequest<T> {
  stage: LlmStage;
  system?: string;
  /** The user message. */
  prompt: string;
  /**
   * The answer's shape. The model is asked for JSON; an answer that does not parse or validate is retried
   * with the validation error shown to the model, then fails with an `LlmCallError` of kind 'invalid-output'.
   */
  schema: z.ZodType<T>;
  maxOutputTokens?: number;
  /** Overrides the stage's configured temperature. */
  temperature?: number;
}

export interface GenerateResult<T> {
  value: T;
  usage: LlmUsage;
  /** True when the answer came from the workspace cache (nothing was paid). */
  cached: boolean;
}

export interface StageUsage {
  calls: number;
  cachedCalls: number;
  failures: number;
  inputTokens: number;
  outputTokens: number;
  /** At the configured list price of the stage's model (batch calls at the batch price); null when unknown. */
  costUsd: number | null;
}

export interface LlmClient {
  provider: ProviderKind;
  modelFor(stage: LlmStage): string;
  generate<T>(request: GenerateRequest<T>): Promise<GenerateResult<T>>;
  /** Calls, tokens, cost and failures per stage since the client was created. */
  usage(): Record<LlmStage, StageUsage>;
  close(): Promise<void>;
}

export type LlmErrorKind = 'invalid-output' | 'rate-limited' | 'server-error' | 'timeout' | 'connection' | 'refused' | 'config';

/** Thrown by `generate` once retries are spent; `kind` and the message say why, `cause` holds the last error. */
export interface LlmCallError extends Error {
  llmErrorKind: LlmErrorKind;
}

export function llmCallError(kind: LlmErrorKind, message: string, cause?: unknown): LlmCallError {
  return Object.assign(new Error(message, { cause }), { llmErrorKind: kind });
}

export function isLlmCallError(error: unknown): error is LlmCallError {
  return error instanceof Error && typeof (error as Partial<LlmCallError>).llmErrorKind === 'string';
}
