// Worker thread: loads USE-lite once, then embeds the batches it is sent. Vectors go back as one
// flat Float32Array whose buffer is transferred, not copied.
import { parentPort, workerData } from 'node:worker_threads';
import type { UseLiteGraphOptions } from './use-lite-graph.ts';
import { loadUseLite } from './use-lite-model.ts';
import type { WorkerReply, WorkerRequest } from './worker-pool.ts';

if (!parentPort) throw new Error('use-lite-worker.ts must run as a worker thread');
const port = parentPort;

try {
  const embedBatch = await loadUseLite(workerData as UseLiteGraphOptions);
  port.on('message', async (request: WorkerRequest) => {
    try {
      const vectors = await embedBatch(request.texts);
      port.postMessage({ type: 'result', id: request.id, vectors } satisfies WorkerReply, [vectors.buffer as ArrayBuffer]);
    } catch (error) {
      port.postMessage({ type: 'error', id: request.id, message: describe(error) } satisfies WorkerReply);
    }
  });
  port.postMessage({ type: 'ready' } satisfies WorkerReply);
} catch (error) {
  port.postMessage({ type: 'failed', message: describe(error) } satisfies WorkerReply);
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
