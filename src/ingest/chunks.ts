// Parsing lines into records (parsePiece, used by every JSON container) and chunks of JSONL lines into
// conversation columns (readChunk, run by parse workers one chunk at a time; see parallel.ts).
import type { SourceLocation } from '../types.ts';
import type { Piece } from './bytes.ts';
import { createColumnsBuilder, type ConversationColumns } from './columns.ts';
import type { ContainerName, FormatReader, RawRecord, ReaderOptions, Reject } from './types.ts';

/** Lines as sent to a worker: the text of each (empty when unreadable) and, per line, its number, problem and size. */
export interface LineChunk {
  texts: string[];
  lines: Int32Array;
  /** LINE_* flags. */
  flags: Uint8Array;
  bytes: Float64Array;
}

export const LINE_BAD_UTF8 = 1;
export const LINE_TOO_LARGE = 2;
export const LINE_UNTERMINATED = 4;

export type ChunkEvent = { reject: Reject } | { note: SourceLocation; reason: string };

export interface ChunkResult {
  recordsRead: number;
  conversationsRead: number;
  empty: number;
  noUserTurn: number;
  columns: ConversationColumns;
  /** Rejects and conversations not loaded, in file order. */
  events: ChunkEvent[];
}

export function pieceFlags(piece: Piece): number {
  const problem = piece.ok ? 0 : piece.problem === 'utf8' ? LINE_BAD_UTF8 : LINE_TOO_LARGE;
  return problem | (piece.unterminated ? LINE_UNTERMINATED : 0);
}

/** A line or JSON value parsed, or the located reason it cannot be. */
export function parsePiece(piece: Piece & { index?: number }, file: string, container: ContainerName): RawRecord | Reject {
  const location: SourceLocation = container === 'json' ? { file, line: piece.line, row: piece.index } : { file, line: piece.line };
  if (!piece.ok) {
    const reason = piece.problem === 'utf8' ? 'invalid UTF-8' : 'record too large';
    const detail = piece.problem === 'size' ? `${(piece.bytes / 1e6).toFixed(1)} MB (raise the limit with --max-record-mb)` : undefined;
    return { kind: 'reject', location, reason, detail };
  }
  try {
    return { kind: 'record', value: JSON.parse(piece.text), location };
  } catch (error) {
    const reason = piece.unterminated ? 'truncated last record (invalid JSON)' : 'invalid JSON';
    // JSON.parse's message quotes the record's text, which may be personal data: keep only the position.
    const position = /position (\d+)/.exec((error as Error).message)?.[1];
    return { kind: 'reject', location, reason, detail: position === undefined ? undefined : `at character ${position}` };
  }
}

export async function readChunk(
  chunk: LineChunk,
  file: string,
  reader: FormatReader,
  options: ReaderOptions,
  hashUser: (raw: string) => string,
): Promise<ChunkResult> {
  const records: (RawRecord | Reject)[] = new Array(chunk.texts.length);
  for (let i = 0; i < records.length; i++) {
    const flags = chunk.flags[i];
    const unterminated = (flags & LINE_UNTERMINATED) !== 0;
    const line = chunk.lines[i];
    const bytes = chunk.bytes[i];
    const piece: Piece =
      flags & (LINE_BAD_UTF8 | LINE_TOO_LARGE)
        ? { ok: false, problem: flags & LINE_BAD_UTF8 ? 'utf8' : 'size', line, bytes, unterminated }
        : { ok: true, text: chunk.texts[i], line, bytes, unterminated };
    records[i] = parsePiece(piece, file, 'jsonl');
  }
  const builder = createColumnsBuilder();
  const result: Omit<ChunkResult, 'columns'> = { recordsRead: records.length, conversationsRead: 0, empty: 0, noUserTurn: 0, events: [] };
  for await (const item of reader.read(each(records), options)) {
    if (item.kind === 'reject') {
      result.events.push({ reject: item });
      continue;
    }
    result.conversationsRead++;
    const prepared = builder.add(item.conversation, hashUser);
    if (prepared === 'empty') {
      result.empty++;
      result.events.push({ note: item.location, reason: 'empty conversation (not loaded)' });
    } else if (prepared === 'no_user_turn') {
      result.noUserTurn++;
      result.events.push({ note: item.location, reason: 'no user turn (not loaded)' });
    }
  }
  return { ...result, columns: builder.take() };
}

async function* each<T>(items: T[]): AsyncGenerator<T> {
  yield* items;
}

/** Remembers the most recent hashes (users usually have many conversations). */
export function cachedHasher(hash: (raw: string) => string, limit = 50_000): (raw: string) => string {
  const cache = new Map<string, string>();
  return (raw) => {
    let hashed = cache.get(raw);
    if (hashed === undefined) {
      if (cache.size >= limit) cache.clear();
      hashed = hash(raw);
      cache.set(raw, hashed);
    }
    return hashed;
  };
}
