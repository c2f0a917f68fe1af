// Anthropic Messages API (streamed over SSE) and Message Batches, through @anthropic-ai/sdk.
import Anthropic from '@anthropic-ai/sdk';
import { NO_KEY, type BatchOutcome, type Provider, type ProviderAnswer, type ProviderOptions, type ProviderRequest } from './provider.ts';

export function createAnthropicProvider(options: ProviderOptions): Provider {
  const sdk = new Anthropic({
    apiKey: options.apiKey ?? NO_KEY,
    ...(options.baseUrl ? { baseURL: options.baseUrl } : {}),
    maxRetries: 0,
    timeout: options.timeoutMs,
  });
  const params = (request: ProviderRequest) => ({
    model: request.model,
    max_tokens: request.maxOutputTokens,
    temperature: request.temperature,
    ...(request.system ? { system: request.system } : {}),
    messages: request.messages,
  });
  const answerOf = (message: Anthropic.Message): ProviderAnswer => ({
    text: message.content.map((block) => (block.type === 'text' ? block.text : '')).join(''),
    usage: { inputTokens: message.usage.input_tokens, outputTokens: message.usage.output_tokens },
  });

  return {
    kind: 'anthropic',
    async complete(request, signal) {
      const stream = sdk.messages.stream(params(request), { signal });
      return answerOf(await stream.finalMessage());
    },
    batch: {
      async submit(entries) {
        const batch = await sdk.messages.batches.create({
          requests: entries.map((entry) => ({ custom_id: entry.customId, params: params(entry.request) })),
        });
        return batch.id;
      },
      async status(batchId) {
        const batch = await sdk.messages.batches.retrieve(batchId);
        const counts = batch.request_counts;
        const total = counts.processing + counts.succeeded + counts.errored + counts.canceled + counts.expired;
        return { state: batch.processing_status === 'ended' ? 'ended' : 'running', done: total - counts.processing, total };
      },
      async results(batchId) {
        const outcomes = new Map<string, BatchOutcome>();
        for await (const entry of await sdk.messages.batches.results(batchId)) {
          const result = entry.result;
          outcomes.set(entry.custom_id, result.type === 'succeeded' ? answerOf(result.message) : { error: result.type === 'errored' ? `errored (${result.error.error.type})` : result.type });
        }
        return outcomes;
      },
    },
  };
}
