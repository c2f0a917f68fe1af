// Validated answers stored in the workspace's llm_cache table, so a rerun never pays for the same call.
// All statements go through one queue: the workspace has a single DuckDB connection and calls finish in
// any order. A write completes before its answer is handed back, so a killed run has cached everything it
// reported as answered.
import type { Workspace } from '../store/workspace.ts';
import { sha256, stableStringify } from '../util/hash.ts';
import type { LlmUsage } from './types.ts';

export interface CacheKeyParts {
  provider: string;
  /** Two servers can serve different models under one name (e.g. two vLLM hosts): their answers are kept apart. */
  baseUrl: string | null;
  model: string;
  system?: string;
  prompt: string;
  temperature: number;
  maxOutputTokens: number;
  schema: unknown;
}

export function cacheKey(parts: CacheKeyParts): string {
  return sha256(stableStringify(parts));
}

export interface CachedAnswer {
  value: unknown;
  usage: LlmUsage;
}

export interface LlmCache {
  get(key: string): Promise<CachedAnswer | undefined>;
  put(key: string, entry: { provider: string; model: string; stage: string; value: unknown; usage: LlmUsage }): Promise<void>;
  /** Runs `task` in the same queue (batch bookkeeping shares the connection). */
  exclusive<T>(task: (ws: Workspace) => Promise<T>): Promise<T>;
}

export function createLlmCache(ws: Workspace): LlmCache {
  let tail: Promise<unknown> = Promise.resolve();
  const exclusive = <T,>(task: (workspace: Workspace) => Promise<T>): Promise<T> => {
    const next = tail.then(() => task(ws));
    tail = next.catch(() => undefined);
    return next;
  };
  return {
    exclusive,
    get: (key) =>
      exclusive(async () => {
        const rows = await ws.all<{ response: string; input_tokens: number | null; output_tokens: number | null }>(
          'SELECT response, input_tokens, output_tokens FROM llm_cache WHERE cache_key = $1',
          [key],
        );
        if (!rows.length) return undefined;
        const response = typeof rows[0].response === 'string' ? JSON.parse(rows[0].response) : rows[0].response;
        return { value: (response as { value: unknown }).value, usage: { inputTokens: rows[0].input_tokens ?? 0, outputTokens: rows[0].output_tokens ?? 0 } };
      }),
    put: (key, entry) =>
      exclusive(() =>
        ws.run(
          `INSERT INTO llm_cache (cache_key, provider, model, stage, response, input_tokens, output_tokens)
           VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (cache_key) DO NOTHING`,
          [key, entry.provider, entry.model, entry.stage, JSON.stringify({ value: entry.value }), entry.usage.inputTokens, entry.usage.outputTokens],
        ),
      ),
  };
}
