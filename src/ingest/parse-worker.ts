// A parse worker: turns blocks of JSONL lines into conversation columns (see chunks.ts and parallel.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { userHasher } from '../util/hash.ts';
import type { LineBlock } from './bytes.ts';
import { cachedHasher, readBlock } from './chunks.ts';
import { formatReader } from './formats/index.ts';
import type { ParseReply, ParseWorkerData } from './parallel.ts';
import { transferList } from './columns.ts';

const data = workerData as ParseWorkerData;
const reader = formatReader(data.format);
const hashUser = cachedHasher(userHasher(Buffer.from(data.salt, 'hex')));
let queue = Promise.resolve();

parentPort!.on('message', (block: LineBlock) => {
  queue = queue.then(async () => {
    let reply: ParseReply;
    try {
      reply = { result: await readBlock(block, data.file, reader, data.options, data.maxRecordBytes, hashUser) };
    } catch (error) {
      reply = { error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
    }
    parentPort!.postMessage(reply, reply.result ? transferList(reply.result.columns) : []);
  });
});
