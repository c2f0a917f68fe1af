// The threads of one k-means run. Each task's range is cut into one contiguous slice per thread:
// the main thread works on the first slice while the workers do the rest, all on shared memory.
import type { Worker } from 'node:worker_threads';
import { startWorker, workerScript } from '../util/worker.ts';
import { attachState, runTask, type KMeansBuffers, type KMeansLayout, type KMeansState, type KMeansTask } from './kmeans-tasks.ts';
import type { WorkerRequest } from './kmeans-worker.ts';

export interface KMeansPool {
  /** The main thread's view of the shared state. */
  state: KMeansState;
  /** Runs `task` over items [0, count) on all threads; resolves to the sum of the slices' results. */
  run(task: KMeansTask, count: number): Promise<number>;
  close(): Promise<void>;
}

const workerUrl = workerScript(import.meta.url, 'kmeans-worker');

interface Pending {
  resolve(result: number): void;
  reject(error: Error): void;
}

export function startPool(layout: KMeansLayout, buffers: KMeansBuffers): KMeansPool {
  const state = attachState(layout, buffers, 0);
  const workers: Worker[] = [];
  const pending = new Map<Worker, Pending>();
  let failure: Error | undefined;
  const fail = (worker: Worker, error: Error) => {
    failure ??= new Error('k-means worker thread failed', { cause: error });
    pending.get(worker)?.reject(failure);
    pending.delete(worker);
  };
  for (let slot = 1; slot < layout.slots; slot++) {
    const worker = startWorker(workerUrl, { workerData: { layout, buffers, slot } });
    worker.on('message', (result: number) => {
      pending.get(worker)?.resolve(result);
      pending.delete(worker);
    });
    worker.on('error', (error) => fail(worker, error));
    worker.on('exit', (code) => {
      if (pending.has(worker)) fail(worker, new Error(`worker exited with code ${code}`));
    });
    workers.push(worker);
  }

  async function run(task: KMeansTask, count: number): Promise<number> {
    if (failure) throw failure;
    const slices = layout.slots;
    const bounds = (s: number) => Math.round((count * s) / slices);
    const replies = workers.map(
      (worker, w) =>
        new Promise<number>((resolve, reject) => {
          pending.set(worker, { resolve, reject });
          const request: WorkerRequest = { task, start: bounds(w + 1), end: bounds(w + 2) };
          worker.postMessage(request);
        }),
    );
    const workerResults = Promise.all(replies);
    workerResults.catch(() => {}); // observed below; keeps a failure during the main slice from going unhandled
    let total = runTask(state, task, 0, bounds(1));
    for (const result of await workerResults) total += result;
    return total;
  }

  async function close(): Promise<void> {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }

  return { state, run, close };
}
