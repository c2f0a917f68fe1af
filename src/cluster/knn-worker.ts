// Worker thread of exactNeighbours: scores its share of the row pairs in the shared kernel memory into
// its own top lists (shared buffers), then reports back (see knn.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { scorePairs, type PairsTask } from './knn.ts';

scorePairs(workerData as PairsTask);
parentPort!.postMessage('done');
