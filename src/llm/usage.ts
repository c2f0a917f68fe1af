// Calls, tokens and cost per stage, and the token estimates the rate limiter charges before a call.
import type { LlmConfig } from './config.ts';
import type { ProviderRequest } from './provider.ts';
import { LLM_STAGES, type LlmStage, type LlmUsage, type StageUsage } from './types.ts';

export interface UsageMeter {
  estimate(stage: LlmStage, request: ProviderRequest): LlmUsage;
  addTokens(stage: LlmStage, usage: LlmUsage, viaBatch: boolean): void;
  countCall(stage: LlmStage): void;
  countCached(stage: LlmStage): void;
  countFailure(stage: LlmStage): void;
  snapshot(): Record<LlmStage, StageUsage>;
}

/** Rough tokens for text before the provider counts them: about four characters a token. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

export function createUsageMeter(config: LlmConfig): UsageMeter {
  const stages = Object.fromEntries(
    LLM_STAGES.map((stage) => [stage, { calls: 0, cachedCalls: 0, failures: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 as number | null, answers: 0 }]),
  ) as Record<LlmStage, StageUsage & { answers: number }>;

  return {
    estimate(stage, request) {
      const chars = (request.system ?? '').length + request.messages.reduce((sum, turn) => sum + turn.content.length, 0);
      const seen = stages[stage];
      // Output: the stage's average so far; before any answer, a quarter of the allowed maximum.
      const outputTokens = seen.answers ? Math.ceil(seen.outputTokens / seen.answers) : Math.ceil(request.maxOutputTokens / 4);
      return { inputTokens: Math.ceil(chars / 4), outputTokens: Math.min(outputTokens, request.maxOutputTokens) };
    },
    addTokens(stage, usage, viaBatch) {
      const entry = stages[stage];
      entry.inputTokens += usage.inputTokens;
      entry.outputTokens += usage.outputTokens;
      entry.answers++;
      const price = config.prices[config.stages[stage].model];
      if (!price) entry.costUsd = null;
      else if (entry.costUsd !== null) {
        const cost = (usage.inputTokens * price.inputPerMTok + usage.outputTokens * price.outputPerMTok) / 1e6;
        entry.costUsd += viaBatch ? cost * price.batchDiscount : cost;
      }
    },
    countCall: (stage) => void stages[stage].calls++,
    countCached: (stage) => void stages[stage].cachedCalls++,
    countFailure: (stage) => void stages[stage].failures++,
    snapshot: () =>
      Object.fromEntries(
        LLM_STAGES.map((stage) => {
          const { answers: _answers, ...usage } = stages[stage];
          return [stage, { ...usage }];
        }),
      ) as Record<LlmStage, StageUsage>,
  };
}
