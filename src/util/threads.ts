// How many threads the parallel stages use unless told otherwise: USE-lite embedding workers, k-means and
// the nearest-neighbour searches. Their results never depend on the count.
import { availableParallelism } from 'node:os';

/**
 * Each USE-lite thread holds its own ONNX Runtime session, about 120 MB of memory, hence a limit.
 * Measured on a 16-core machine with one single-threaded session per process: 8 sessions embedded 7.3x
 * as fast as one, 12 sessions 9.7x, 16 sessions 10.3x. CLIO_THREADS (or `--workers` for embedding and
 * k-means) overrides it.
 */
export const DEFAULT_THREAD_LIMIT = 16;

/** CLIO_THREADS when set, else every core up to DEFAULT_THREAD_LIMIT. */
export function defaultThreadCount(): number {
  const configured = process.env.CLIO_THREADS;
  if (configured !== undefined && configured !== '') {
    const threads = Number(configured);
    if (!Number.isInteger(threads) || threads < 1 || threads > 256) throw new Error(`CLIO_THREADS must be a whole number from 1 to 256, got "${configured}"`);
    return threads;
  }
  return Math.max(1, Math.min(DEFAULT_THREAD_LIMIT, availableParallelism()));
}
