// Hugging Face sentence-transformer models (e.g. Xenova/all-mpnet-base-v2, the paper's model) run
// with transformers.js on onnxruntime-node, which already spreads one batch over all cores.
// The model is a hub id (downloaded on first use into cacheDir when the hub is reachable, or read
// from localModelPath/<id>/) or a local folder holding config.json, tokenizer.json,
// tokenizer_config.json and onnx/model.onnx (onnx/model_quantized.onnx with dtype q8).
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { embedInBatches } from './batches.ts';
import type { Embedder, FlatBatchEmbed } from './types.ts';

export const HF_PREFIX = 'hf:';

const HuggingFaceOptionsSchema = z.object({
  /** Hub model id (`Xenova/all-mpnet-base-v2`) or a path to a local model folder. */
  model: z.string().min(1),
  /** Folder holding hub-id-named model folders (transformers.js env.localModelPath). */
  localModelPath: z.string().optional(),
  /** Where downloaded models are kept (transformers.js env.cacheDir). */
  cacheDir: z.string().optional(),
  /** Download from the hub when the model is not found locally. */
  allowRemote: z.boolean().default(true),
  /** sentence-transformers models say which in their 1_Pooling/config.json; mpnet, MiniLM use mean. */
  pooling: z.enum(['mean', 'cls']).default('mean'),
  /** Always true: the Embedder contract is unit-length vectors. */
  normalize: z.literal(true).default(true),
  batchSize: z.number().int().min(1).max(1024).default(32),
  /** Weight precision: picks onnx/model.onnx (fp32) or onnx/model_quantized.onnx (q8), etc. */
  dtype: z.enum(['fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4']).default('fp32'),
});
export type HuggingFaceOptions = z.input<typeof HuggingFaceOptionsSchema>;

/**
 * Loads the model (transformers.js settings are process-wide: this sets env.allowRemoteModels and,
 * when given, env.localModelPath and env.cacheDir) and probes it once to learn its dimensions.
 */
export async function createHuggingFaceEmbedder(options: HuggingFaceOptions): Promise<Embedder> {
  const settings = HuggingFaceOptionsSchema.parse(options);
  const { pipeline, env } = await import('@huggingface/transformers');
  env.allowRemoteModels = settings.allowRemote;
  if (settings.localModelPath) env.localModelPath = settings.localModelPath;
  if (settings.cacheDir) env.cacheDir = settings.cacheDir;

  // An absolute path is not a valid hub id, so transformers.js reads it as a folder as it stands.
  const modelRef = isDirectory(settings.model) ? resolve(settings.model) : settings.model;
  let extractor: FeatureExtractor;
  try {
    extractor = await (pipeline as unknown as LoadFeatureExtractor)('feature-extraction', modelRef, {
      dtype: settings.dtype,
      device: 'cpu',
      local_files_only: !settings.allowRemote,
    });
  } catch (error) {
    const where = settings.allowRemote
      ? 'from the Hugging Face hub or a local folder'
      : 'from a local folder (downloads are off)';
    throw new Error(`could not load Hugging Face model "${settings.model}" ${where}`, { cause: error });
  }

  const embedBatch: FlatBatchEmbed = async (texts) => {
    const output = await extractor(texts, { pooling: settings.pooling, normalize: true });
    return output.data instanceof Float32Array ? output.data : Float32Array.from(output.data as ArrayLike<number>);
  };
  const probe = await embedBatch(['dimension probe']);
  const dimensions = probe.length;

  return {
    id: huggingFaceId(modelRef, settings.pooling, settings.dtype),
    dimensions,
    embed(texts) {
      if (texts.length === 0) return Promise.resolve([]);
      return embedInBatches([embedBatch], texts, { batchSize: settings.batchSize, dimensions });
    },
    async close() {
      await extractor.dispose();
    },
  };
}

// transformers.js's own pipeline() typing is too large for tsc (TS2590): the part used here.
type FeatureExtractor = ((
  texts: string[],
  options: { pooling: 'mean' | 'cls'; normalize: boolean },
) => Promise<{ data: unknown; dims: number[] }>) & { dispose(): Promise<void> };
type LoadFeatureExtractor = (
  task: 'feature-extraction',
  model: string,
  options: { dtype: string; device: 'cpu'; local_files_only: boolean },
) => Promise<FeatureExtractor>;

// The cache key must change whenever the vectors would: non-default pooling and precision are part of it.
function huggingFaceId(modelRef: string, pooling: string, dtype: string): string {
  const variants = [pooling !== 'mean' ? `pooling=${pooling}` : '', dtype !== 'fp32' ? `dtype=${dtype}` : ''];
  return [`${HF_PREFIX}${modelRef}`, ...variants.filter(Boolean)].join(';');
}

function isDirectory(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}
