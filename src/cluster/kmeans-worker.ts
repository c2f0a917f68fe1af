// Worker thread of the k-means pool: attaches the shared buffers once, then runs each task it is
// sent on its slice and answers with the task's integer result.
import { parentPort, workerData } from 'node:worker_threads';
import { attachState, runTask, type KMeansBuffers, type KMeansLayout, type KMeansTask } from './kmeans-tasks.ts';

interface WorkerInit {
  layout: KMeansLayout;
  buffers: KMeansBuffers;
  slot: number;
}

export interface WorkerRequest {
  task: KMeansTask;
  start: number;
  end: number;
}

const init = workerData as WorkerInit;
const state = attachState(init.layout, init.buffers, init.slot);
const port = parentPort;
if (!port) throw new Error('kmeans-worker must run as a worker thread');
port.on('message', (request: WorkerRequest) => {
  port.postMessage(runTask(state, request.task, request.start, request.end));
});
