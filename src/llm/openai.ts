// OpenAI-compatible chat completions (OpenAI, vLLM, Ollama, LM Studio, OpenRouter) and the OpenAI Batch
// API, through the openai SDK.
import OpenAI, { toFile } from 'openai';
import { z } from 'zod';
import { NO_KEY, type BatchOutcome, type Provider, type ProviderAnswer, type ProviderOptions, type ProviderRequest } from './provider.ts';

const BATCH_ENDPOINT = '/v1/chat/completions';

const batchOutputLineSchema = z.object({
  custom_id: z.string(),
  response: z.object({ status_code: z.number(), body: z.unknown() }).nullish(),
  error: z.object({ code: z.string().nullish(), message: z.string().nullish() }).nullish(),
});

export function createOpenAiProvider(options: ProviderOptions): Provider {
  const sdk = new OpenAI({
    apiKey: options.apiKey ?? NO_KEY,
    ...(options.baseUrl ? { baseURL: options.baseUrl } : {}),
    maxRetries: 0,
    timeout: options.timeoutMs,
  });
  // OpenAI's own models take max_completion_tokens; most compatible servers still only know max_tokens.
  const official = !options.baseUrl || /(^|\.)openai\.com/.test(new URL(options.baseUrl).hostname);
  const body = (request: ProviderRequest): OpenAI.Chat.ChatCompletionCreateParamsNonStreaming => ({
    model: request.model,
    temperature: request.temperature,
    ...(official ? { max_completion_tokens: request.maxOutputTokens } : { max_tokens: request.maxOutputTokens }),
    messages: [...(request.system ? [{ role: 'system' as const, content: request.system }] : []), ...request.messages],
  });
  const answerOf = (completion: OpenAI.Chat.ChatCompletion): ProviderAnswer => ({
    text: completion.choices[0]?.message?.content ?? '',
    usage: { inputTokens: completion.usage?.prompt_tokens ?? 0, outputTokens: completion.usage?.completion_tokens ?? 0 },
  });

  return {
    kind: 'openai',
    async complete(request, signal) {
      return answerOf(await sdk.chat.completions.create(body(request), { signal }));
    },
    batch: {
      async submit(entries) {
        const jsonl = entries.map((entry) => JSON.stringify({ custom_id: entry.customId, method: 'POST', url: BATCH_ENDPOINT, body: body(entry.request) })).join('\n') + '\n';
        const file = await sdk.files.create({ file: await toFile(Buffer.from(jsonl), 'clio-batch.jsonl'), purpose: 'batch' });
        const batch = await sdk.batches.create({ input_file_id: file.id, endpoint: BATCH_ENDPOINT, completion_window: '24h' });
        return batch.id;
      },
      async status(batchId) {
        const batch = await sdk.batches.retrieve(batchId);
        const counts = batch.request_counts ?? { total: 0, completed: 0, failed: 0 };
        const state = batch.status === 'completed' ? 'ended' : ['failed', 'expired', 'cancelled'].includes(batch.status) ? 'failed' : 'running';
        return { state, done: counts.completed + counts.failed, total: counts.total };
      },
      async results(batchId) {
        const batch = await sdk.batches.retrieve(batchId);
        const outcomes = new Map<string, BatchOutcome>();
        for (const fileId of [batch.output_file_id, batch.error_file_id]) {
          if (!fileId) continue;
          const text = await (await sdk.files.content(fileId)).text();
          for (const line of text.split('\n')) {
            if (!line.trim()) continue;
            const parsed = batchOutputLineSchema.safeParse(JSON.parse(line));
            if (!parsed.success) continue;
            const { custom_id: customId, response, error } = parsed.data;
            if (response && response.status_code === 200) outcomes.set(customId, answerOf(response.body as OpenAI.Chat.ChatCompletion));
            else outcomes.set(customId, { error: error?.code ?? `HTTP ${response?.status_code ?? 'error'}` });
          }
        }
        return outcomes;
      },
    },
  };
}
