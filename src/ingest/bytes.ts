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

/** Lines (1-based numbers; a trailing `\r` is dropped; blank lines are skipped but counted). */
export async function* splitLines(chunks: AsyncIterable<Buffer>, maxBytes: number): AsyncGenerator<Piece> {
  let parts: Buffer[] = [];
  let pending = 0;
  let line = 0;
  for await (const chunk of chunks) {
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
      line++;
      const end = nl > start && chunk[nl - 1] === 13 ? nl - 1 : nl;
      if (pending === 0) {
        if (!isBlank(chunk, start, end)) yield finishPiece([chunk.subarray(start, end)], end - start, line, maxBytes, false);
      } else {
        pending += nl - start;
        if (pending <= maxBytes) parts.push(chunk.subarray(start, nl));
        const whole = pending <= maxBytes ? Buffer.concat(parts, pending) : Buffer.alloc(0);
        const trimmed = whole.length > 0 && whole[whole.length - 1] === 13 ? whole.subarray(0, whole.length - 1) : whole;
        if (pending > maxBytes || !isBlank(trimmed, 0, trimmed.length)) yield finishPiece([trimmed], pending, line, maxBytes, false);
        parts = [];
        pending = 0;
      }
      start = nl + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      pending += rest.length;
      if (pending <= maxBytes) parts.push(rest);
      else parts = [];
    }
  }
  if (pending > 0 && (pending > maxBytes || !isBlankParts(parts))) {
    yield finishPiece(parts, pending, line + 1, maxBytes, true);
  }
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
