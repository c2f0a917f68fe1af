// Writing prepared conversations (see columns.ts) to the workspace with DuckDB appenders, a column chunk at a time;
// message texts go in as the UTF-8 bytes the parse workers encoded.
import { DuckDBDataChunk, DuckDBTimestampValue, type DuckDBAppender, type DuckDBValue } from '@duckdb/node-api';
import bindings from '@duckdb/node-bindings';
import type { Workspace } from '../store/workspace.ts';
import type { StoredIds } from './stored-ids.ts';
import { ROLES, type ConversationColumns } from './columns.ts';

export interface BatchResult {
  loaded: number;
  duplicates: number;
  alreadyLoaded: number;
}

export interface BatchWriter {
  /** Queues prepared conversations (the writer keeps the arrays until the next flush). */
  add(columns: ConversationColumns): void;
  readonly size: number;
  /**
   * Appends the pending conversations, skipping those already stored, to the open transaction (opening one
   * if needed), and commits it once it holds `commitEvery` conversations or when `last`. Returns what was
   * committed (zeros while the transaction stays open).
   */
  flush(counts: SourceCounts, last: boolean): Promise<BatchResult>;
  /** Rolls back the open transaction, if any (after a failure elsewhere). */
  abort(): Promise<void>;
}

export interface SourceCounts {
  recordsRead: number;
  loaded: number;
  duplicates: number;
  rejected: number;
  empty: number;
  noUserTurn: number;
}

/**
 * Large transactions matter: DuckDB writes full row groups (122,880 rows) of a transaction straight to the
 * database file, while smaller commits go through the write-ahead log and are written again at checkpoint.
 */
export function createBatchWriter(ws: Workspace, sourceId: number, commitEvery: number, storedIds: () => Promise<StoredIds>): BatchWriter {
  let chunks: ConversationColumns[] = [];
  /** Per chunk, 1 for the rows to append (first occurrences not already stored). */
  let keeps: Uint8Array[] = [];
  /** Pending id -> chunk index * CHUNK_STRIDE + row of its first occurrence. */
  let pending = new Map<string, number>();
  /** Occurrences of ids seen more than once in the pending batch. */
  let repeats = new Map<string, number>();
  let inBatchDuplicates = 0;
  let open = false;
  let uncommitted = { loaded: 0, duplicates: 0, alreadyLoaded: 0, conversations: 0 };
  const rollback = async () => {
    if (!open) return;
    open = false;
    uncommitted = { loaded: 0, duplicates: 0, alreadyLoaded: 0, conversations: 0 };
    await ws.run('ROLLBACK');
  };
  return {
    add(columns) {
      const keep = new Uint8Array(columns.ids.length);
      const base = chunks.length * CHUNK_STRIDE;
      for (let row = 0; row < columns.ids.length; row++) {
        const id = columns.ids[row];
        if (pending.has(id)) {
          inBatchDuplicates++;
          repeats.set(id, (repeats.get(id) ?? 1) + 1);
        } else {
          pending.set(id, base + row);
          keep[row] = 1;
        }
      }
      chunks.push(columns);
      keeps.push(keep);
    },
    get size() {
      return pending.size + inBatchDuplicates;
    },
    async flush(counts, last) {
      const batch = pending;
      const batchChunks = chunks;
      const batchKeeps = keeps;
      const duplicatesInBatch = inBatchDuplicates;
      const batchRepeats = repeats;
      pending = new Map();
      repeats = new Map();
      chunks = [];
      keeps = [];
      inBatchDuplicates = 0;
      try {
        if (!open) {
          await ws.run('BEGIN TRANSACTION');
          open = true;
        }
        const stored = await storedIds();
        const existing: { conversation_id: string; source_id: number }[] = [];
        const unknown: string[] = [];
        for (const id of batch.keys()) {
          const source = stored.claim(id, sourceId);
          if (source === undefined) unknown.push(id);
          else if (source !== null) existing.push({ conversation_id: id, source_id: source });
        }
        if (unknown.length > 0) {
          existing.push(
            ...(await ws.all<{ conversation_id: string; source_id: number }>(
              `SELECT conversation_id, source_id FROM conversations
               WHERE conversation_id IN (SELECT unnest(string_split($1, ',')))`,
              [unknown.join(',')],
            )),
          );
        }
        for (const row of existing) {
          const at = batch.get(row.conversation_id)!;
          batchKeeps[Math.floor(at / CHUNK_STRIDE)][at % CHUNK_STRIDE] = 0;
          // Every occurrence of an id an earlier ingest stored, however the file falls into batches.
          if (row.source_id !== sourceId) uncommitted.alreadyLoaded += batchRepeats.get(row.conversation_id) ?? 1;
        }
        const loaded = batch.size - existing.length;
        appendChunks(await ws.db.createAppender('conversations'), conversationColumns(batchChunks, batchKeeps, loaded, sourceId));
        const messages = messageColumns(batchChunks, batchKeeps);
        appendChunks(await ws.db.createAppender('messages'), [messages.ids, messages.positions, messages.roles], messages.contents);
        uncommitted.loaded += loaded;
        uncommitted.duplicates += duplicatesInBatch + existing.length;
        uncommitted.conversations += loaded + duplicatesInBatch + existing.length;
        if (!last && uncommitted.conversations < commitEvery) return { loaded: 0, duplicates: 0, alreadyLoaded: 0 };
        const result = { loaded: uncommitted.loaded, duplicates: uncommitted.duplicates, alreadyLoaded: uncommitted.alreadyLoaded };
        await ws.run(
          `UPDATE sources SET records_read = $1, conversations_loaded = $2, duplicates = $3, rejected = $4, empty = $5, no_user_turn = $6
           WHERE source_id = $7`,
          [
            counts.recordsRead,
            counts.loaded + result.loaded,
            counts.duplicates + result.duplicates,
            counts.rejected,
            counts.empty,
            counts.noUserTurn,
            sourceId,
          ],
        );
        await ws.run('COMMIT');
        open = false;
        uncommitted = { loaded: 0, duplicates: 0, alreadyLoaded: 0, conversations: 0 };
        return result;
      } catch (error) {
        await rollback();
        throw new Error('writing a batch of conversations to the workspace failed', { cause: error });
      }
    },
    abort: rollback,
  };
}

/** Bounds the rows of one queued chunk, so that a chunk index and a row fit in one number. */
const CHUNK_STRIDE = 2 ** 24;

/** Columns in table order (see migrations.ts). */
function conversationColumns(chunks: ConversationColumns[], keeps: Uint8Array[], rows: number, sourceId: number): DuckDBValue[][] {
  const columns: DuckDBValue[][] = Array.from({ length: 12 }, () => new Array(rows));
  let out = 0;
  for (let index = 0; index < chunks.length; index++) {
    const c = chunks[index];
    const keep = keeps[index];
    for (let row = 0; row < keep.length; row++) {
      if (!keep[row]) continue;
      const time = c.createdAt[row];
      columns[0][out] = c.ids[row];
      columns[1][out] = sourceId;
      columns[2][out] = c.externalIds[row];
      columns[3][out] = c.userHashes[row];
      columns[4][out] = Number.isNaN(time) ? null : new DuckDBTimestampValue(BigInt(Math.trunc(time)) * 1000n);
      columns[5][out] = c.models[row];
      columns[6][out] = c.languages[row];
      columns[7][out] = c.messageEnds[row] - (row === 0 ? 0 : c.messageEnds[row - 1]);
      columns[8][out] = c.userTurns[row];
      columns[9][out] = c.userChars[row];
      columns[10][out] = c.assistantChars[row];
      columns[11][out] = c.metadata[row];
      out++;
    }
  }
  return columns;
}

/** Message texts of the kept rows as UTF-8 ranges of their chunks' bytes (see ConversationColumns). */
interface ByteStrings {
  sources: Uint8Array[];
  starts: number[];
  ends: number[];
}

function messageColumns(chunks: ConversationColumns[], keeps: Uint8Array[]): { ids: string[]; positions: number[]; roles: string[]; contents: ByteStrings } {
  const ids: string[] = [];
  const positions: number[] = [];
  const roles: string[] = [];
  const contents: ByteStrings = { sources: [], starts: [], ends: [] };
  for (let index = 0; index < chunks.length; index++) {
    const c = chunks[index];
    const keep = keeps[index];
    for (let row = 0; row < keep.length; row++) {
      if (!keep[row]) continue;
      const id = c.ids[row];
      const start = row === 0 ? 0 : c.messageEnds[row - 1];
      for (let message = start; message < c.messageEnds[row]; message++) {
        ids.push(id);
        positions.push(message - start);
        roles.push(ROLES[c.roles[message]]);
        contents.sources.push(c.contentBytes);
        contents.starts.push(message === 0 ? 0 : c.contentEnds[message - 1]);
        contents.ends.push(c.contentEnds[message]);
      }
    }
  }
  return { ids, positions, roles, contents };
}

/** DuckDB's vector size: the most rows one data chunk holds. */
const CHUNK_ROWS = 2048;

/**
 * Whole columns cost one call per string instead of one per value and row; null and numbers cost none.
 * `byteStrings`, when given, is the last column (VARCHAR), written straight from UTF-8 bytes.
 */
function appendChunks(appender: DuckDBAppender, columns: DuckDBValue[][], byteStrings?: ByteStrings): void {
  const types = Array.from({ length: columns.length + (byteStrings ? 1 : 0) }, (_, index) => appender.columnType(index));
  const rows = columns[0].length;
  for (let start = 0; start < rows; start += CHUNK_ROWS) {
    const end = Math.min(rows, start + CHUNK_ROWS);
    const chunk = DuckDBDataChunk.create(types, end - start);
    for (let column = 0; column < columns.length; column++) chunk.setColumnValues(column, columns[column].slice(start, end));
    if (byteStrings) {
      const vector = bindings.data_chunk_get_vector(chunk.chunk, columns.length);
      for (let row = start; row < end; row++) {
        bindings.vector_assign_string_element_len(vector, row - start, byteStrings.sources[row].subarray(byteStrings.starts[row], byteStrings.ends[row]));
      }
    }
    appender.appendDataChunk(chunk);
  }
  appender.closeSync();
}
