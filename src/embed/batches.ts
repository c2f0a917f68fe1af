// The batch scheduler shared by every embedder: in-thread, worker threads, ONNX models.
import type { FlatBatchEmbed } from './types.ts';

export interface BatchScheduleOptions {
  batchSize: number;
  dimensions: number;
}

/**
 * Embeds texts with one or more batch runners (one per thread) working through a shared queue.
 * Texts are sorted by length so each batch pads to similar lengths, and the longest batches go
 * first so no runner is left with a long batch at the end. Returns one vector per text, in order.
 */
export async function embedInBatches(
  runners: FlatBatchEmbed[],
  texts: string[],
  options: BatchScheduleOptions,
): Promise<Float32Array[]> {
  const { batchSize, dimensions } = options;
  const order = texts.map((_, i) => i).sort((a, b) => texts[b].length - texts[a].length);
  const batches: number[][] = [];
  for (let i = 0; i < order.length; i += batchSize) batches.push(order.slice(i, i + batchSize));

  const results = new Array<Float32Array>(texts.length);
  let next = 0;
  let failed = false;
  await Promise.all(
    runners.map(async (embedBatch) => {
      while (!failed && next < batches.length) {
        const batch = batches[next++];
        try {
          const flat = await embedBatch(batch.map((i) => texts[i]));
          batch.forEach((textIndex, row) => {
            results[textIndex] = flat.subarray(row * dimensions, (row + 1) * dimensions);
          });
        } catch (error) {
          failed = true;
          throw error;
        }
      }
    }),
  );
  return results;
}
