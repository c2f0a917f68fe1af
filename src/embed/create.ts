// Turns the CLI's `--embedder` string into an Embedder: `use-lite` (default), `use-lite-int8` or `hf:<model id or folder>`.
import { createHuggingFaceEmbedder, HF_PREFIX, type HuggingFaceOptions } from './huggingface.ts';
import type { Embedder } from './types.ts';
import { createUseLiteEmbedder, USE_LITE_ID, USE_LITE_INT8_ID } from './use-lite.ts';

export const DEFAULT_EMBEDDER = USE_LITE_ID;

export interface CreateEmbedderOptions extends Omit<HuggingFaceOptions, 'model'> {
  /** USE-lite worker threads (default: defaultThreadCount() in util/threads.ts). */
  workers?: number;
}

export function createEmbedder(spec: string, options: CreateEmbedderOptions = {}): Promise<Embedder> {
  const { workers, batchSize, ...hfOptions } = options;
  const trimmed = spec.trim();
  if (trimmed === USE_LITE_ID) return createUseLiteEmbedder({ workers, batchSize });
  if (trimmed === USE_LITE_INT8_ID) return createUseLiteEmbedder({ workers, batchSize, quantized: true });
  if (trimmed.startsWith(HF_PREFIX) && trimmed.length > HF_PREFIX.length) {
    return createHuggingFaceEmbedder({ ...hfOptions, batchSize, model: trimmed.slice(HF_PREFIX.length) });
  }
  return Promise.reject(
    new Error(
      `unknown embedder "${spec}": use "${USE_LITE_ID}" (built in, offline), "${USE_LITE_INT8_ID}" (the same, 8-bit) or "${HF_PREFIX}<model id or folder>" ` +
        `(e.g. ${HF_PREFIX}Xenova/all-mpnet-base-v2)`,
    ),
  );
}
