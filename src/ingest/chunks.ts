// Parsing lines into records (parsePiece, used by every JSON container) and blocks of JSONL lines into
// conversation columns (readBlock, run by parse workers one block at a time; see parallel.ts).
import type { SourceLocation } from '../types.ts';
import { blockPieces, type LineBlock, type Piece } from './bytes.ts';
import { createColumnsBuilder, type ConversationColumns } from './columns.ts';
import type { ContainerName, FormatReader, RawRecord, ReaderOptions, Reject } from './types.ts';

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

export async function readBlock(
  block: LineBlock,
  file: string,
  reader: FormatReader,
  options: ReaderOptions,
  maxRecordBytes: number,
  hashUser: (raw: string) => string,
): Promise<ChunkResult> {
  const records = blockPieces(block, maxRecordBytes).map((piece) => parsePiece(piece, file, 'jsonl'));
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
