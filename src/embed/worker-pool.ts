// Worker threads that each load an embedding model once and embed the batches they are sent.
import { startWorker } from '../util/worker.ts';
import type { FlatBatchEmbed } from './types.ts';

export interface WorkerRequest {
  id: number;
  texts: string[];
}

export type WorkerReply =
  | { type: 'ready' }
  | { type: 'failed'; message: string }
  | { type: 'result'; id: number; vectors: Float32Array }
  | { type: 'error'; id: number; message: string };

export interface BatchWorker {
  embedBatch: FlatBatchEmbed;
  terminate(): Promise<void>;
}

/**
 * Starts one worker and waits until it has loaded its model. The worker is unref'd while idle, so a
 * caller that forgets close() does not keep the process alive; it is ref'd while a batch is in flight.
 */
export function startBatchWorker(script: URL, workerData?: unknown): Promise<BatchWorker> {
  const worker = startWorker(script, { workerData });
  const pending = new Map<number, { resolve: (v: Float32Array) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  let exited = false;

  const failAll = (error: Error) => {
    for (const { reject } of pending.values()) reject(error);
    pending.clear();
  };

  return new Promise((resolveStart, rejectStart) => {
    worker.on('message', (reply: WorkerReply) => {
      if (reply.type === 'ready') {
        worker.unref();
        resolveStart({
          embedBatch(texts) {
            if (exited) return Promise.reject(new Error('embedding worker has exited'));
            const id = nextId++;
            worker.ref();
            worker.postMessage({ id, texts } satisfies WorkerRequest);
            return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
          },
          async terminate() {
            exited = true;
            failAll(new Error('embedding worker was closed'));
            await worker.terminate();
          },
        });
        return;
      }
      if (reply.type === 'failed') {
        rejectStart(new Error(`embedding worker could not load its model: ${reply.message}`));
        void worker.terminate();
        return;
      }
      const job = pending.get(reply.id);
      pending.delete(reply.id);
      if (pending.size === 0) worker.unref();
      if (!job) return;
      if (reply.type === 'result') job.resolve(reply.vectors);
      else job.reject(new Error(`embedding worker failed on a batch: ${reply.message}`));
    });
    worker.on('error', (error) => {
      const wrapped = new Error('embedding worker crashed', { cause: error });
      rejectStart(wrapped);
      failAll(wrapped);
    });
    worker.on('exit', (code) => {
      exited = true;
      const error = new Error(`embedding worker exited with code ${code}`);
      rejectStart(error);
      failAll(error);
    });
  });
}
