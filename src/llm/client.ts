// createLlmClient: the LlmClient every stage uses. Order of work for one generate():
//   workspace cache -> identical call already in flight -> limiter (concurrency, rpm, tpm) -> provider
//   with retries -> parse + validate -> repair turns -> cache write -> usage.
import type { Workspace } from '../store/workspace.ts';
import { createAnthropicProvider } from './anthropic.ts';
import { cacheKey, createLlmCache, type LlmCache } from './cache.ts';
import type { LlmConfig } from './config.ts';
import { jsonInstruction, jsonSchemaOf, parseAnswer } from './json.ts';
import { createLimiter, type Limiter } from './limiter.ts';
import { createOpenAiProvider } from './openai.ts';
import type { ChatTurn, Provider, ProviderAnswer, ProviderRequest } from './provider.ts';
import { withRetries, withTimeout } from './retry.ts';
import { createUsageMeter, type UsageMeter } from './usage.ts';
import { llmCallError, type GenerateRequest, type GenerateResult, type LlmClient, type LlmStage, type LlmUsage } from './types.ts';

export interface LlmClientOptions {
  /** Enables the call cache (llm_cache) and provider batches (llm_batches). */
  ws?: Workspace;
  /** Progress lines (retries, waits); never contain prompts or answers. */
  log?: (line: string) => void;
}

/** A request resolved against the config: what is sent, and the cache key it is stored under. */
export interface PreparedCall<T> {
  stage: LlmStage;
  key: string;
  request: ProviderRequest;
  schema: GenerateRequest<T>['schema'];
}

/** What batch.ts shares with the client it was given. */
export interface ClientInternals {
  config: LlmConfig;
  provider: Provider;
  cache?: LlmCache;
  meter: UsageMeter;
  prepare<T>(request: GenerateRequest<T>): PreparedCall<T>;
  /** Validates an answer obtained elsewhere (a batch result), repairing it with realtime calls if needed. */
  complete<T>(call: PreparedCall<T>, first: ProviderAnswer, viaBatch: boolean): Promise<GenerateResult<T>>;
}

const internalsByClient = new WeakMap<LlmClient, ClientInternals>();

export function clientInternals(client: LlmClient): ClientInternals {
  const internals = internalsByClient.get(client);
  if (!internals) throw new Error('not a client made by createLlmClient');
  return internals;
}

export function createLlmClient(config: LlmConfig, options: LlmClientOptions = {}): LlmClient {
  const providerOptions = { baseUrl: config.baseUrl, apiKey: config.apiKey, timeoutMs: config.timeoutMs };
  const provider = config.provider === 'anthropic' ? createAnthropicProvider(providerOptions) : createOpenAiProvider(providerOptions);
  const cache = options.ws ? createLlmCache(options.ws) : undefined;
  const limiter: Limiter = createLimiter({
    concurrency: config.concurrency,
    requestsPerMinute: config.requestsPerMinute,
    inputTokensPerMinute: config.inputTokensPerMinute,
    outputTokensPerMinute: config.outputTokensPerMinute,
  });
  const meter = createUsageMeter(config);
  const inFlight = new Map<string, Promise<GenerateResult<unknown>>>();
  const log = options.log ?? (() => undefined);

  const prepare = <T,>(request: GenerateRequest<T>): PreparedCall<T> => {
    const stageConfig = config.stages[request.stage];
    const schemaJson = jsonSchemaOf(request.schema);
    const temperature = request.temperature ?? stageConfig.temperature;
    const maxOutputTokens = request.maxOutputTokens ?? stageConfig.maxOutputTokens;
    const key = cacheKey({ provider: config.provider, baseUrl: config.baseUrl ?? null, model: stageConfig.model, system: request.system, prompt: request.prompt, temperature, maxOutputTokens, schema: schemaJson });
    return {
      stage: request.stage,
      key,
      schema: request.schema,
      request: {
        model: stageConfig.model,
        ...(request.system ? { system: request.system } : {}),
        messages: [{ role: 'user', content: request.prompt + jsonInstruction(schemaJson) }],
        temperature,
        maxOutputTokens,
      },
    };
  };

  const send = (stage: LlmStage, request: ProviderRequest): Promise<ProviderAnswer> =>
    withRetries(
      async () => {
        const permit = await limiter.acquire(meter.estimate(stage, request));
        try {
          const answer = await withTimeout(config.timeoutMs, (signal) => provider.complete(request, signal));
          permit.release(answer.usage);
          return answer;
        } catch (error) {
          permit.release(null);
          throw error;
        }
      },
      {
        maxRetries: config.maxRetries,
        label: stage,
        onRetry: (failure, waitMs) => {
          if (failure.kind === 'rate-limited') limiter.pause(waitMs);
          log(`${stage}: ${failure.kind}${failure.status ? ` (HTTP ${failure.status})` : ''}, retrying in ${(waitMs / 1000).toFixed(1)} s`);
        },
      },
    );

  const complete = async <T,>(call: PreparedCall<T>, first: ProviderAnswer, viaBatch: boolean): Promise<GenerateResult<T>> => {
    const usage: LlmUsage = { ...first.usage };
    meter.addTokens(call.stage, first.usage, viaBatch);
    const messages: ChatTurn[] = [...call.request.messages];
    let answer = first;
    for (let repair = 0; ; repair++) {
      const parsed = parseAnswer(answer.text, call.schema);
      if (parsed.ok) {
        await cache?.put(call.key, { provider: config.provider, model: call.request.model, stage: call.stage, value: parsed.value, usage });
        meter.countCall(call.stage);
        return { value: parsed.value, usage, cached: false };
      }
      if (repair >= config.repairAttempts) throw llmCallError('invalid-output', `${call.stage}: ${parsed.problem} after ${repair + 1} answers`);
      messages.push(
        { role: 'assistant', content: answer.text },
        { role: 'user', content: `That answer could not be used: ${parsed.problem}. Reply again with only the JSON value, matching the schema.` },
      );
      answer = await send(call.stage, { ...call.request, messages: [...messages] });
      usage.inputTokens += answer.usage.inputTokens;
      usage.outputTokens += answer.usage.outputTokens;
      meter.addTokens(call.stage, answer.usage, false);
    }
  };

  const run = async <T,>(call: PreparedCall<T>): Promise<GenerateResult<T>> => {
    const cached = await cache?.get(call.key);
    if (cached) {
      meter.countCached(call.stage);
      return { value: cached.value as T, usage: cached.usage, cached: true };
    }
    return complete(call, await send(call.stage, call.request), false);
  };

  const client: LlmClient = {
    provider: config.provider,
    modelFor: (stage) => config.stages[stage].model,
    async generate<T>(request: GenerateRequest<T>): Promise<GenerateResult<T>> {
      const call = prepare(request);
      const shared = inFlight.get(call.key) as Promise<GenerateResult<T>> | undefined;
      if (shared) {
        const result = await shared;
        meter.countCached(call.stage);
        return { ...result, cached: true };
      }
      const pending = run(call);
      inFlight.set(call.key, pending);
      try {
        return await pending;
      } catch (error) {
        meter.countFailure(call.stage);
        throw error;
      } finally {
        inFlight.delete(call.key);
      }
    },
    usage: () => meter.snapshot(),
    async close() {
      await Promise.allSettled([...inFlight.values()]);
      await cache?.exclusive(async () => undefined);
    },
  };
  internalsByClient.set(client, { config, provider, cache, meter, prepare, complete });
  return client;
}
