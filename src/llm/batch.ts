// Provider batch APIs (Anthropic Message Batches, OpenAI Batch) at their lower price. Each request's
// custom id is its cache key; the batch id and its keys are stored in llm_batches right after submission,
// so a restarted run polls the batch it already paid for instead of submitting again. Answers are
// validated like realtime ones (invalid ones get realtime repair turns) and land in llm_cache.
import { clientInternals, type PreparedCall } from './client.ts';
import { isLlmCallError, llmCallError, type GenerateRequest, type GenerateResult, type LlmCallError, type LlmClient, type LlmStage } from './types.ts';

export interface BatchItem<T> {
  id: string;
  request: GenerateRequest<T>;
}

export interface BatchProgress {
  batches: number;
  done: number;
  total: number;
  cached: number;
}

export interface RunBatchOptions<T> {
  /** From createLlmClient with a workspace. */
  client: LlmClient;
  stage: LlmStage;
  items: BatchItem<T>[];
  pollIntervalMs?: number;
  onProgress?: (progress: BatchProgress) => void;
  /** Stops polling (the submitted batch stays recorded, so a later run picks it up). */
  signal?: AbortSignal;
}

interface BatchRow {
  batch_id: string;
  cache_keys: string | string[];
}

export async function runBatch<T>(options: RunBatchOptions<T>): Promise<Map<string, GenerateResult<T> | LlmCallError>> {
  const { client, stage } = options;
  const internals = clientInternals(client);
  const { cache, provider, meter } = internals;
  if (!cache) throw llmCallError('config', 'provider batches need a workspace (to remember submitted batches)');
  const results = new Map<string, GenerateResult<T> | LlmCallError>();

  const callsByKey = new Map<string, { call: PreparedCall<T>; request: GenerateRequest<T>; itemIds: string[] }>();
  for (const item of options.items) {
    if (item.request.stage !== stage) throw llmCallError('config', `batch for stage ${stage} got an item for stage ${item.request.stage}`);
    const call = internals.prepare(item.request);
    const entry = callsByKey.get(call.key) ?? { call, request: item.request, itemIds: [] };
    entry.itemIds.push(item.id);
    callsByKey.set(call.key, entry);
  }
  const settle = (key: string, outcome: GenerateResult<T> | LlmCallError): void => {
    for (const id of callsByKey.get(key)!.itemIds) results.set(id, outcome);
  };

  let cachedCount = 0;
  const missing = new Set<string>();
  for (const [key, { call }] of callsByKey) {
    const hit = await cache.get(key);
    if (!hit) {
      missing.add(key);
      continue;
    }
    meter.countCached(call.stage);
    cachedCount++;
    settle(key, { value: hit.value as T, usage: hit.usage, cached: true });
  }

  // Keys already in a batch some earlier run submitted: poll that batch, submit only the rest.
  const keysByBatch = new Map<string, string[]>();
  const pending = await cache.exclusive((ws) =>
    ws.all<BatchRow>(`SELECT batch_id, cache_keys FROM llm_batches WHERE provider = $1 AND stage = $2 AND status = 'submitted' ORDER BY submitted_at`, [provider.kind, stage]),
  );
  for (const row of pending) {
    const keys = (typeof row.cache_keys === 'string' ? JSON.parse(row.cache_keys) : row.cache_keys) as string[];
    const wanted = keys.filter((key) => missing.has(key));
    if (!wanted.length) continue;
    keysByBatch.set(row.batch_id, wanted);
    for (const key of wanted) missing.delete(key);
  }
  if (missing.size) {
    const keys = [...missing];
    const batchId = await provider.batch.submit(keys.map((key) => ({ customId: key, request: callsByKey.get(key)!.call.request })));
    await cache.exclusive((ws) =>
      ws.run(`INSERT INTO llm_batches (batch_id, provider, stage, status, cache_keys) VALUES ($1, $2, $3, 'submitted', $4)`, [batchId, provider.kind, stage, JSON.stringify(keys)]),
    );
    keysByBatch.set(batchId, keys);
  }

  const total = callsByKey.size;
  const open = new Set(keysByBatch.keys());
  while (open.size) {
    let done = cachedCount;
    for (const batchId of [...open]) {
      const status = await provider.batch.status(batchId);
      done += status.state === 'running' ? Math.min(status.done, keysByBatch.get(batchId)!.length) : keysByBatch.get(batchId)!.length;
      if (status.state === 'running') continue;
      open.delete(batchId);
      const outcomes = status.state === 'ended' ? await provider.batch.results(batchId) : new Map();
      await Promise.all(
        keysByBatch.get(batchId)!.map(async (key) => {
          const { call, request } = callsByKey.get(key)!;
          const outcome = outcomes.get(key);
          try {
            // No answer (errored, expired, failed batch): the same call in realtime.
            const result = outcome && 'text' in outcome ? await internals.complete(call, outcome, true) : await client.generate(request);
            settle(key, result);
          } catch (error) {
            if (outcome && 'text' in outcome) meter.countFailure(call.stage);
            settle(key, isLlmCallError(error) ? error : llmCallError('server-error', `${stage}: batch answer could not be used`, error));
          }
        }),
      );
      await cache.exclusive((ws) =>
        ws.run(`UPDATE llm_batches SET status = $2, finished_at = current_timestamp WHERE batch_id = $1`, [batchId, status.state]),
      );
    }
    options.onProgress?.({ batches: keysByBatch.size, done, total, cached: cachedCount });
    if (open.size) await pollPause(options.pollIntervalMs ?? 30_000, options.signal);
  }
  return results;
}

function pollPause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolvePause, rejectPause) => {
    const stop = (): void => {
      clearTimeout(timer);
      rejectPause(llmCallError('config', 'batch polling stopped; the batch stays recorded for the next run'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', stop);
      resolvePause();
    }, ms);
    if (signal?.aborted) stop();
    else signal?.addEventListener('abort', stop, { once: true });
  });
}
