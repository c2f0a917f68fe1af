// Worker thread of the neighbour searches: scores its share of the rows in the shared kernel memory
// into shared top lists, then reports back (see knn.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { scoreBuckets, scorePairs, type BucketsTask, type PairsTask } from './knn.ts';

const task = workerData as PairsTask | BucketsTask;
if (task.kind === 'pairs') scorePairs(task);
else scoreBuckets(task);
parentPort!.postMessage('done');
