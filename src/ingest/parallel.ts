// Parse workers for JSONL files of one conversation per line: the main thread splits lines and writes to
// the workspace, the workers parse, validate, normalise and hash. Chunks come back in the order sent.
import type { Worker } from 'node:worker_threads';
import { startWorker, workerScript } from '../util/worker.ts';
import type { Piece } from './bytes.ts';
import { pieceFlags, type ChunkResult, type LineChunk } from './chunks.ts';
import type { FormatName, ReaderOptions } from './types.ts';

export interface ParseWorkerData {
  file: string;
  format: FormatName;
  options: ReaderOptions;
  /** The workspace salt (hex), for user hashes; never logged. */
  salt: string;
}

export type ParseReply = { result: ChunkResult; error?: undefined } | { error: string; result?: undefined };

const CHUNK_LINES = 1000;
const CHUNK_BYTES = 4 << 20;
/** Chunks sent but not yet handled, per worker: enough to keep workers busy, few enough to bound memory. */
const IN_FLIGHT_PER_WORKER = 8;

const script = workerScript(import.meta.url, 'parse-worker');

/**
 * Sends the lines to `threads` workers a chunk at a time and calls `handle` with each chunk's result, in
 * file order, while later chunks are parsed. Errors reading `lines` are passed through `onReadError`.
 */
export async function parseInWorkers(
  lines: AsyncIterator<Piece>,
  threads: number,
  data: ParseWorkerData,
  handle: (result: ChunkResult) => Promise<void>,
  onReadError: (error: unknown) => Error,
): Promise<void> {
  const workers = Array.from({ length: threads }, () => startParseWorker(data));
  const inFlight: Promise<ChunkResult>[] = [];
  let sent = 0;
  const send = (chunk: LineChunk) => {
    const reply = workers[sent++ % workers.length].parse(chunk);
    reply.catch(() => {}); // awaited in order below
    inFlight.push(reply);
  };
  try {
    let chunk = emptyChunk();
    let chunkBytes = 0;
    for (;;) {
      let next: IteratorResult<Piece>;
      try {
        next = await lines.next();
      } catch (error) {
        throw onReadError(error);
      }
      if (next.done) break;
      const piece = next.value;
      chunk.texts.push(piece.ok ? piece.text : '');
      chunk.lines.push(piece.line);
      chunk.flags.push(pieceFlags(piece));
      chunk.bytes.push(piece.bytes);
      chunkBytes += piece.bytes;
      if (chunk.texts.length >= CHUNK_LINES || chunkBytes >= CHUNK_BYTES) {
        send(packChunk(chunk));
        chunk = emptyChunk();
        chunkBytes = 0;
        if (inFlight.length >= IN_FLIGHT_PER_WORKER * threads) await handle(await inFlight.shift()!);
      }
    }
    if (chunk.texts.length > 0) send(packChunk(chunk));
    while (inFlight.length > 0) await handle(await inFlight.shift()!);
  } finally {
    await Promise.all(workers.map((worker) => worker.close()));
  }
}

interface ParseWorker {
  parse(chunk: LineChunk): Promise<ChunkResult>;
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
    else job?.reject(new Error(`parse worker failed on a chunk: ${reply.error}`));
  });
  worker.on('error', (error) => fail(new Error('parse worker crashed', { cause: error })));
  worker.on('exit', (code) => fail(new Error(`parse worker exited with code ${code}`)));
  return {
    parse(chunk) {
      if (failure) return Promise.reject(failure);
      worker.postMessage(chunk, [chunk.lines.buffer as ArrayBuffer, chunk.flags.buffer as ArrayBuffer, chunk.bytes.buffer as ArrayBuffer]);
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
    async close() {
      failure ??= new Error('parse worker was closed');
      await worker.terminate();
    },
  };
}

interface ChunkDraft {
  texts: string[];
  lines: number[];
  flags: number[];
  bytes: number[];
}

function emptyChunk(): ChunkDraft {
  return { texts: [], lines: [], flags: [], bytes: [] };
}

function packChunk(draft: ChunkDraft): LineChunk {
  return { texts: draft.texts, lines: Int32Array.from(draft.lines), flags: Uint8Array.from(draft.flags), bytes: Float64Array.from(draft.bytes) };
}
