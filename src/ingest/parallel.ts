// Parse workers for JSONL files of one conversation per line: the main thread reads blocks of whole lines
// and writes to the workspace; the workers decode, split, parse, validate, normalise and hash. Results
// come back in the order the blocks were sent.
import type { Worker } from 'node:worker_threads';
import { startWorker, workerScript } from '../util/worker.ts';
import type { LineBlock } from './bytes.ts';
import type { ChunkResult } from './chunks.ts';
import type { FormatName, ReaderOptions } from './types.ts';

export interface ParseWorkerData {
  file: string;
  format: FormatName;
  options: ReaderOptions;
  maxRecordBytes: number;
  /** The workspace salt (hex), for user hashes; never logged. */
  salt: string;
}

export type ParseReply = { result: ChunkResult; error?: undefined } | { error: string; result?: undefined };

/** Blocks (about 1 MB each) sent but not yet handled, per worker: enough to keep workers busy, few enough to bound memory. */
const IN_FLIGHT_PER_WORKER = 8;

const script = workerScript(import.meta.url, 'parse-worker');

/**
 * Sends the blocks to `threads` workers in turn and calls `handle` with each block's result, in file
 * order, while later blocks are parsed. Errors reading `blocks` are passed through `onReadError`.
 */
export async function parseInWorkers(
  blocks: AsyncIterator<LineBlock>,
  threads: number,
  data: ParseWorkerData,
  handle: (result: ChunkResult) => Promise<void>,
  onReadError: (error: unknown) => Error,
): Promise<void> {
  const workers = Array.from({ length: threads }, () => startParseWorker(data));
  const inFlight: Promise<ChunkResult>[] = [];
  let sent = 0;
  try {
    for (;;) {
      let next: IteratorResult<LineBlock>;
      try {
        next = await blocks.next();
      } catch (error) {
        throw onReadError(error);
      }
      if (next.done) break;
      const reply = workers[sent++ % workers.length].parse(next.value);
      reply.catch(() => {}); // awaited in order below
      inFlight.push(reply);
      if (inFlight.length >= IN_FLIGHT_PER_WORKER * threads) await handle(await inFlight.shift()!);
    }
    while (inFlight.length > 0) await handle(await inFlight.shift()!);
  } finally {
    await Promise.all(workers.map((worker) => worker.close()));
  }
}

interface ParseWorker {
  parse(block: LineBlock): Promise<ChunkResult>;
  close(): Promise<void>;
}

function startParseWorker(data: ParseWorkerData): ParseWorker {
  const worker: Worker = startWorker(script, { workerData: data });
  const waiting: { resolve(result: ChunkResult): void; reject(error: Error): void }[] = [];
  let failure: Error | undefined;
  const fail = (error: Error) => {
    failure ??= error;
    for (const job of waiting.splice(0)) job.reject(failure);
  };
  worker.on('message', (reply: ParseReply) => {
    const job = waiting.shift();
    if (reply.result) job?.resolve(reply.result);
    else job?.reject(new Error(`parse worker failed on a block: ${reply.error}`));
  });
  worker.on('error', (error) => fail(new Error('parse worker crashed', { cause: error })));
  worker.on('exit', (code) => fail(new Error(`parse worker exited with code ${code}`)));
  return {
    parse(block) {
      if (failure) return Promise.reject(failure);
      worker.postMessage(block, block.data.byteLength > 0 ? [block.data.buffer as ArrayBuffer] : []);
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
    async close() {
      failure ??= new Error('parse worker was closed');
      await worker.terminate();
    },
  };
}
