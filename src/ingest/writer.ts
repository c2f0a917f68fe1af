// Normalising conversations and writing them to the workspace in batches with DuckDB appenders.
//
// conversation_id is a content hash: sha256 over the normalised messages (role and text, in order) and the
// conversation's salted user hash, truncated to 32 hex characters. Loading the same file twice therefore
// adds nothing, while the same text sent by two different users stays two conversations (Clio counts
// distinct users per cluster). The salted hash is used rather than the raw key so that the id itself cannot
// be used to test guesses of a raw user key without the workspace's secret salt.
import { createHash } from 'node:crypto';
import { DuckDBTimestampValue, type DuckDBAppender } from '@duckdb/node-api';
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
  const hash = createHash('sha256').update(JSON.stringify(messages)).update(`\u0000${userHash ?? ''}`).digest('hex');
  const metadataKeys = Object.keys(conversation.metadata).length;
  return {
    id: hash.slice(0, 32),
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
  /** Writes the pending batch in one transaction, skipping conversations already stored. */
  flush(counts: SourceCounts): Promise<BatchResult>;
}

export interface SourceCounts {
  recordsRead: number;
  loaded: number;
  duplicates: number;
  rejected: number;
  empty: number;
  noUserTurn: number;
}

export function createBatchWriter(ws: Workspace, sourceId: number): BatchWriter {
  let pending = new Map<string, PreparedConversation>();
  let inBatchDuplicates = 0;
  return {
    add(conversation) {
      if (pending.has(conversation.id)) inBatchDuplicates++;
      else pending.set(conversation.id, conversation);
    },
    get size() {
      return pending.size + inBatchDuplicates;
    },
    async flush(counts) {
      const batch = pending;
      const duplicatesInBatch = inBatchDuplicates;
      pending = new Map();
      inBatchDuplicates = 0;
      await ws.run('BEGIN TRANSACTION');
      try {
        const existing = await ws.all<{ conversation_id: string; source_id: number }>(
          `SELECT conversation_id, source_id FROM conversations
           WHERE conversation_id IN (SELECT unnest(string_split($1, ',')))`,
          [[...batch.keys()].join(',')],
        );
        let alreadyLoaded = 0;
        for (const row of existing) {
          batch.delete(row.conversation_id);
          if (row.source_id !== sourceId) alreadyLoaded++;
        }
        appendConversations(await ws.db.createAppender('conversations'), batch.values(), sourceId);
        appendMessages(await ws.db.createAppender('messages'), batch.values());
        const result = { loaded: batch.size, duplicates: duplicatesInBatch + existing.length, alreadyLoaded };
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
        return result;
      } catch (error) {
        await ws.run('ROLLBACK');
        throw new Error('writing a batch of conversations to the workspace failed', { cause: error });
      }
    },
  };
}

function appendConversations(appender: DuckDBAppender, conversations: Iterable<PreparedConversation>, sourceId: number): void {
  for (const c of conversations) {
    appender.appendVarchar(c.id);
    appender.appendInteger(sourceId);
    appendOptional(appender, c.externalId);
    appendOptional(appender, c.userHash);
    if (c.createdAt) appender.appendTimestamp(new DuckDBTimestampValue(BigInt(c.createdAt.getTime()) * 1000n));
    else appender.appendNull();
    appendOptional(appender, c.model);
    appendOptional(appender, c.language);
    appender.appendInteger(c.messages.length);
    appender.appendInteger(c.userTurns);
    appender.appendInteger(c.userChars);
    appender.appendInteger(c.assistantChars);
    appendOptional(appender, c.metadata);
    appender.endRow();
  }
  appender.closeSync();
}

function appendMessages(appender: DuckDBAppender, conversations: Iterable<PreparedConversation>): void {
  for (const c of conversations) {
    for (let position = 0; position < c.messages.length; position++) {
      appender.appendVarchar(c.id);
      appender.appendInteger(position);
      appender.appendVarchar(c.messages[position].role);
      appender.appendVarchar(c.messages[position].content);
      appender.endRow();
    }
  }
  appender.closeSync();
}

function appendOptional(appender: DuckDBAppender, value: string | undefined): void {
  if (value === undefined) appender.appendNull();
  else appender.appendVarchar(value);
}
