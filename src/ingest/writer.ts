// Normalising conversations and writing them to the workspace with DuckDB appenders, a column chunk at a time.
//
// conversation_id is a content hash: sha256 over the normalised messages (`role:utf8 byte length:text` each,
// in order; length-prefixed so no separator can be forged, and reproducible in SQL) then `|` and the
// conversation's salted user hash, truncated to 32 hex characters. Loading the same file twice therefore
// adds nothing, while the same text sent by two different users stays two conversations (Clio counts
// distinct users per cluster). The salted hash is used rather than the raw key so that the id itself cannot
// be used to test guesses of a raw user key without the workspace's secret salt.
import { hash } from 'node:crypto';
import { DuckDBDataChunk, DuckDBTimestampValue, type DuckDBAppender, type DuckDBValue } from '@duckdb/node-api';
import type { Conversation, Message } from '../types.ts';
import type { Workspace } from '../store/workspace.ts';

export interface PreparedConversation {
  id: string;
  externalId?: string;
  userHash?: string;
  createdAt?: Date;
  model?: string;
  language?: string;
  userTurns: number;
  userChars: number;
  assistantChars: number;
  metadata?: string;
  messages: Message[];
}

export type Prepared = PreparedConversation | 'empty' | 'no_user_turn';

/** Trims each message, unifies line ends, drops empty messages, and computes the content hash. */
export function prepareConversation(conversation: Conversation, hashUser: (raw: string) => string): Prepared {
  const messages: Message[] = [];
  let userTurns = 0;
  let userChars = 0;
  let assistantChars = 0;
  for (const message of conversation.messages) {
    let content = message.content;
    if (content.includes('\r')) content = content.replace(/\r\n?/g, '\n');
    content = content.trim();
    if (content === '') continue;
    messages.push({ role: message.role, content });
    if (message.role === 'user') {
      userTurns++;
      userChars += content.length;
    } else if (message.role === 'assistant') assistantChars += content.length;
  }
  if (messages.length === 0) return 'empty';
  if (userTurns === 0) return 'no_user_turn';
  const userHash = conversation.userKey === undefined ? undefined : hashUser(conversation.userKey);
  let material = '';
  for (const message of messages) material += `${message.role}:${Buffer.byteLength(message.content)}:${message.content}`;
  const contentHash = hash('sha256', `${material}|${userHash ?? ''}`);
  const metadataKeys = Object.keys(conversation.metadata).length;
  return {
    id: contentHash.slice(0, 32),
    externalId: conversation.externalId,
    userHash,
    createdAt: conversation.createdAt,
    model: conversation.model,
    language: conversation.language,
    userTurns,
    userChars,
    assistantChars,
    metadata: metadataKeys > 0 ? JSON.stringify(conversation.metadata) : undefined,
    messages,
  };
}

export interface BatchResult {
  loaded: number;
  duplicates: number;
  alreadyLoaded: number;
}

export interface BatchWriter {
  add(conversation: PreparedConversation): void;
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
export function createBatchWriter(ws: Workspace, sourceId: number, commitEvery: number): BatchWriter {
  let pending = new Map<string, PreparedConversation>();
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
    add(conversation) {
      if (pending.has(conversation.id)) {
        inBatchDuplicates++;
        repeats.set(conversation.id, (repeats.get(conversation.id) ?? 1) + 1);
      } else pending.set(conversation.id, conversation);
    },
    get size() {
      return pending.size + inBatchDuplicates;
    },
    async flush(counts, last) {
      const batch = pending;
      const duplicatesInBatch = inBatchDuplicates;
      const batchRepeats = repeats;
      pending = new Map();
      repeats = new Map();
      inBatchDuplicates = 0;
      try {
        if (!open) {
          await ws.run('BEGIN TRANSACTION');
          open = true;
        }
        const existing = await ws.all<{ conversation_id: string; source_id: number }>(
          `SELECT conversation_id, source_id FROM conversations
           WHERE conversation_id IN (SELECT unnest(string_split($1, ',')))`,
          [[...batch.keys()].join(',')],
        );
        for (const row of existing) {
          batch.delete(row.conversation_id);
          // Every occurrence of an id an earlier ingest stored, however the file falls into batches.
          if (row.source_id !== sourceId) uncommitted.alreadyLoaded += batchRepeats.get(row.conversation_id) ?? 1;
        }
        const conversations = [...batch.values()];
        appendChunks(await ws.db.createAppender('conversations'), conversationColumns(conversations, sourceId));
        appendChunks(await ws.db.createAppender('messages'), messageColumns(conversations));
        uncommitted.loaded += conversations.length;
        uncommitted.duplicates += duplicatesInBatch + existing.length;
        uncommitted.conversations += conversations.length + duplicatesInBatch + existing.length;
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

/** Columns in table order (see migrations.ts). */
function conversationColumns(conversations: PreparedConversation[], sourceId: number): DuckDBValue[][] {
  const columns: DuckDBValue[][] = Array.from({ length: 12 }, () => new Array(conversations.length));
  for (let row = 0; row < conversations.length; row++) {
    const c = conversations[row];
    columns[0][row] = c.id;
    columns[1][row] = sourceId;
    columns[2][row] = c.externalId ?? null;
    columns[3][row] = c.userHash ?? null;
    columns[4][row] = c.createdAt ? new DuckDBTimestampValue(BigInt(c.createdAt.getTime()) * 1000n) : null;
    columns[5][row] = c.model ?? null;
    columns[6][row] = c.language ?? null;
    columns[7][row] = c.messages.length;
    columns[8][row] = c.userTurns;
    columns[9][row] = c.userChars;
    columns[10][row] = c.assistantChars;
    columns[11][row] = c.metadata ?? null;
  }
  return columns;
}

function messageColumns(conversations: PreparedConversation[]): DuckDBValue[][] {
  const ids: string[] = [];
  const positions: number[] = [];
  const roles: string[] = [];
  const contents: string[] = [];
  for (const c of conversations) {
    for (let position = 0; position < c.messages.length; position++) {
      ids.push(c.id);
      positions.push(position);
      roles.push(c.messages[position].role);
      contents.push(c.messages[position].content);
    }
  }
  return [ids, positions, roles, contents];
}

/** DuckDB's vector size: the most rows one data chunk holds. */
const CHUNK_ROWS = 2048;

/** Whole columns cost one call per string instead of one per value and row; null and numbers cost none. */
function appendChunks(appender: DuckDBAppender, columns: DuckDBValue[][]): void {
  const types = columns.map((_, index) => appender.columnType(index));
  const rows = columns[0].length;
  for (let start = 0; start < rows; start += CHUNK_ROWS) {
    const end = Math.min(rows, start + CHUNK_ROWS);
    const chunk = DuckDBDataChunk.create(types, end - start);
    chunk.setColumns(columns.map((column) => column.slice(start, end)));
    appender.appendDataChunk(chunk);
  }
  appender.closeSync();
}
