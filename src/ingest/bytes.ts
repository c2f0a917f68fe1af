// Reading a file as a stream of bytes (gzip undone transparently, by magic bytes) and splitting it into
// lines or top-level JSON values, without ever holding more than one record in memory. Records over the
// size limit are skipped while streaming, never buffered whole.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable, pipeline } from 'node:stream';
import { isUtf8 } from 'node:buffer';
import { createGunzip } from 'node:zlib';

export interface ByteStream {
  gzip: boolean;
  /** Decompressed chunks. */
  chunks: AsyncIterable<Buffer>;
  /** SHA-256 of the raw file bytes, complete once `chunks` is exhausted. */
  digest(): string;
}

export async function isGzipFile(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const { bytesRead, buffer } = await handle.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/** `onRawBytes` is called with the size of every raw (possibly compressed) chunk read, for progress. */
export async function openByteStream(file: string, onRawBytes: (bytes: number) => void): Promise<ByteStream> {
  const gzip = await isGzipFile(file);
  const hash = createHash('sha256');
  async function* raw(): AsyncGenerator<Buffer> {
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      onRawBytes(chunk.length);
      yield chunk;
    }
  }
  const chunks: AsyncIterable<Buffer> = gzip ? pipeline(Readable.from(raw()), createGunzip({ chunkSize: 1 << 18 }), () => {}) : raw();
  return { gzip, chunks, digest: () => hash.digest('hex') };
}

/** Yields `head` (already read for sniffing) and then the rest of `iterator`. */
export async function* prepend<T>(head: T[], iterator: AsyncIterator<T>): AsyncGenerator<T> {
  yield* head;
  for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
}

export type Piece =
  | { ok: true; text: string; line: number; bytes: number; unterminated: boolean }
  | { ok: false; problem: 'utf8' | 'size'; line: number; bytes: number; unterminated: boolean };

function finishPiece(parts: Buffer[], bytes: number, line: number, maxBytes: number, unterminated: boolean): Piece {
  if (bytes > maxBytes) return { ok: false, problem: 'size', line, bytes, unterminated };
  const buffer = parts.length === 1 ? parts[0] : Buffer.concat(parts, bytes);
  if (!isUtf8(buffer)) return { ok: false, problem: 'utf8', line, bytes, unterminated };
  return { ok: true, text: buffer.toString('utf8'), line, bytes, unterminated };
}

/** A run of whole lines for a parse worker (see blockPieces), or one line too large to hold. */
export interface LineBlock {
  /** UTF-8 bytes of whole lines, each ended by `\n` except the file's last line when it has none. */
  data: Uint8Array;
  /** Number of the first line in `data` (1-based). */
  firstLine: number;
  /** Instead of data: a line longer than the size limit, skipped while streaming. */
  oversized?: { line: number; bytes: number; unterminated: boolean };
}

export interface LineReader {
  /** Line by line (1-based numbers; a trailing `\r` is dropped; blank lines are skipped but counted). */
  pieces: AsyncGenerator<Piece>;
  /**
   * The lines `pieces` has not yielded yet, a read chunk's worth of whole lines at a time, undecoded, for
   * parse workers (which split them with blockPieces). Read this only once `pieces` is no longer read.
   */
  blocks(): AsyncGenerator<LineBlock>;
}

export function createLineReader(chunks: AsyncIterable<Buffer>, maxBytes: number): LineReader {
  const iterator = chunks[Symbol.asyncIterator]();
  let chunk: Buffer = Buffer.alloc(0);
  /** First byte of `chunk` not yet read. */
  let start = 0;
  /** A line begun in earlier chunks (dropped once over the limit; `pending` keeps counting its bytes). */
  let parts: Buffer[] = [];
  let pending = 0;
  /** Lines read so far. */
  let line = 0;
  const nextChunk = async (): Promise<boolean> => {
    const next = await iterator.next();
    if (next.done) return false;
    [chunk, start] = [next.value, 0];
    return true;
  };
  const carryRest = () => {
    const rest = chunk.subarray(start);
    pending += rest.length;
    if (pending <= maxBytes) parts.push(rest);
    else parts = [];
    start = chunk.length;
  };

  async function* pieces(): AsyncGenerator<Piece> {
    while (start < chunk.length || (await nextChunk())) {
      const nl = chunk.indexOf(10, start);
      if (nl === -1) {
        carryRest();
        continue;
      }
      line++;
      const from = start;
      start = nl + 1;
      if (pending === 0) {
        const end = nl > from && chunk[nl - 1] === 13 ? nl - 1 : nl;
        if (!isBlank(chunk, from, end)) yield finishPiece([chunk.subarray(from, end)], end - from, line, maxBytes, false);
        continue;
      }
      pending += nl - from;
      if (pending <= maxBytes) parts.push(chunk.subarray(from, nl));
      const whole = pending <= maxBytes ? Buffer.concat(parts, pending) : Buffer.alloc(0);
      const trimmed = whole.length > 0 && whole[whole.length - 1] === 13 ? whole.subarray(0, whole.length - 1) : whole;
      const piece = pending > maxBytes || !isBlank(trimmed, 0, trimmed.length) ? finishPiece([trimmed], pending, line, maxBytes, false) : undefined;
      [parts, pending] = [[], 0];
      if (piece) yield piece;
    }
    if (pending > 0 && (pending > maxBytes || !isBlankParts(parts))) {
      const piece = finishPiece(parts, pending, line + 1, maxBytes, true);
      [parts, pending] = [[], 0];
      yield piece;
    }
  }

  async function* blocks(): AsyncGenerator<LineBlock> {
    while (start < chunk.length || (await nextChunk())) {
      const last = chunk.lastIndexOf(10);
      if (last < start) {
        carryRest();
        continue;
      }
      const firstEnd = chunk.indexOf(10, start);
      if (pending > 0 && pending + (firstEnd - start) > maxBytes) {
        line++;
        yield { data: new Uint8Array(0), firstLine: line, oversized: { line, bytes: pending + (firstEnd - start), unterminated: false } };
        [parts, pending, start] = [[], 0, firstEnd + 1];
        continue;
      }
      // A copy the block owns, so that it can be transferred to a worker.
      const data = new Uint8Array(pending + last + 1 - start);
      let at = 0;
      for (const part of parts) {
        data.set(part, at);
        at += part.length;
      }
      data.set(chunk.subarray(start, last + 1), at);
      const firstLine = line + 1;
      for (let nl = chunk.indexOf(10, start); nl !== -1 && nl <= last; nl = chunk.indexOf(10, nl + 1)) line++;
      [parts, pending, start] = [[], 0, last + 1];
      yield { data, firstLine };
    }
    if (pending > 0) {
      line++;
      const oversized = pending > maxBytes ? { line, bytes: pending, unterminated: true } : undefined;
      const data = oversized ? new Uint8Array(0) : Uint8Array.from(Buffer.concat(parts, pending));
      [parts, pending] = [[], 0];
      yield { data, firstLine: line, oversized };
    }
  }

  return { pieces: pieces(), blocks };
}

/** The lines of a block, as createLineReader's `pieces` would have yielded them. */
export function blockPieces(block: LineBlock, maxBytes: number): Piece[] {
  if (block.oversized) return [{ ok: false, problem: 'size', ...block.oversized }];
  const data = Buffer.from(block.data.buffer, block.data.byteOffset, block.data.byteLength);
  // Checked once for the block; line by line (finishPiece) only in a block with bad bytes. Lines are decoded
  // one by one: decoding the whole block makes every line a two-byte string as soon as one line has a
  // character beyond Latin-1, and those are slower to parse.
  const valid = isUtf8(data);
  const pieces: Piece[] = [];
  let line = block.firstLine;
  for (let from = 0; from < data.length; line++) {
    const nl = data.indexOf(10, from);
    const unterminated = nl === -1;
    const end = unterminated ? data.length : nl > from && data[nl - 1] === 13 ? nl - 1 : nl;
    if (!isBlank(data, from, end)) {
      const bytes = end - from;
      pieces.push(
        !valid || bytes > maxBytes
          ? finishPiece([data.subarray(from, end)], bytes, line, maxBytes, unterminated)
          : { ok: true, text: data.toString('utf8', from, end), line, bytes, unterminated },
      );
    }
    from = unterminated ? data.length : nl + 1;
  }
  return pieces;
}

function isBlank(buffer: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = buffer[i];
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

function isBlankParts(parts: Buffer[]): boolean {
  return parts.every((p) => isBlank(p, 0, p.length));
}

/**
 * Top-level JSON values: the elements of one top-level array (`[a, b, ...]`), or values written one after
 * another (`{...}{...}` or pretty-printed objects). Scans bytes for string and nesting boundaries, so each
 * value is parsed on its own. `line` is where the value starts; `index` counts values from 1.
 */
export async function* splitJsonValues(chunks: AsyncIterable<Buffer>, maxBytes: number): AsyncGenerator<Piece & { index: number }> {
  let state: 'start' | 'between' | 'value' | 'done' = 'start';
  let inArray = false;
  let scalar = false;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let line = 1;
  let valueLine = 1;
  let index = 0;
  let parts: Buffer[] = [];
  let pending = 0;
  for await (const chunk of chunks) {
    let valueStart = 0;
    let i = 0;
    while (i < chunk.length) {
      const c = chunk[i];
      if (state !== 'value') {
        if (c === 10) line++;
        if (c === 32 || c === 10 || c === 9 || c === 13) {
          i++;
          continue;
        }
        if (state === 'start' && c === 91) {
          inArray = true;
          state = 'between';
        } else if (state === 'done') {
          throw new Error(`unexpected data after the end of the JSON array (line ${line})`);
        } else if (inArray && c === 93) {
          state = 'done';
        } else if (!(inArray && c === 44)) {
          state = 'value';
          valueStart = i;
          valueLine = line;
          scalar = c !== 123 && c !== 91;
          inString = c === 34;
          depth = scalar ? 0 : 1;
          escaped = false;
        }
        i++;
        continue;
      }
      let end = -1;
      if (c === 10) line++;
      if (inString) {
        if (escaped) escaped = false;
        else if (c === 92) escaped = true;
        else if (c === 34) {
          inString = false;
          if (scalar) end = i + 1;
        }
      } else if (scalar) {
        if (c === 44 || c === 93 || c === 32 || c === 10 || c === 9 || c === 13) {
          end = i;
          if (c === 10) line--;
        }
      } else if (c === 34) inString = true;
      else if (c === 123 || c === 91) depth++;
      else if (c === 125 || c === 93) {
        depth--;
        if (depth === 0) end = i + 1;
      }
      if (end === -1) {
        i++;
        continue;
      }
      pending += end - valueStart;
      if (pending <= maxBytes) parts.push(chunk.subarray(valueStart, end));
      index++;
      yield { ...finishPiece(parts, pending, valueLine, maxBytes, false), index };
      parts = [];
      pending = 0;
      state = 'between';
      i = end;
    }
    if (state === 'value') {
      const rest = chunk.subarray(valueStart);
      pending += rest.length;
      if (pending <= maxBytes) parts.push(rest);
      else parts = [];
    }
  }
  if (state === 'value') {
    index++;
    yield { ...finishPiece(parts, pending, valueLine, maxBytes, true), index };
  } else if (inArray && (state as string) !== 'done') {
    throw new Error('the JSON array is not closed (file truncated?)');
  }
}
