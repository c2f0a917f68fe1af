// Normalising conversations into columns: what parse workers send back and what the writer appends.
//
// conversation_id is a content hash: sha256 over the normalised messages (`role:utf8 byte length:text` each,
// in order; length-prefixed so no separator can be forged, and reproducible in SQL) then `|` and the
// conversation's salted user hash, truncated to 32 hex characters. Loading the same file twice therefore
// adds nothing, while the same text sent by two different users stays two conversations (Clio counts
// distinct users per cluster). The salted hash is used rather than the raw key so that the id itself cannot
// be used to test guesses of a raw user key without the workspace's secret salt.
import { hash } from 'node:crypto';
import type { Conversation, Role } from '../types.ts';

/** Conversations as columns: what parse workers send back and what the writer appends. */
export interface ConversationColumns {
  ids: string[];
  externalIds: (string | null)[];
  userHashes: (string | null)[];
  /** Epoch milliseconds; NaN when unknown. */
  createdAt: Float64Array;
  models: (string | null)[];
  languages: (string | null)[];
  userTurns: Int32Array;
  userChars: Int32Array;
  assistantChars: Int32Array;
  metadata: (string | null)[];
  /** The messages of row r are [messageEnds[r - 1] (0 for the first row), messageEnds[r]). */
  messageEnds: Int32Array;
  /** Indices into ROLES. */
  roles: Uint8Array;
  /**
   * Message texts as UTF-8, back to back; message m is contentBytes[contentEnds[m - 1] (0 for m = 0), contentEnds[m]).
   * Encoded where the texts were built (a parse worker), so the main thread hands DuckDB bytes instead of
   * converting strings: the conversion was most of the appender's cost.
   */
  contentBytes: Uint8Array;
  contentEnds: Int32Array;
}

export const ROLES: readonly Role[] = ['user', 'assistant', 'system', 'tool'];
const ROLE_CODES: Record<Role, number> = { user: 0, assistant: 1, system: 2, tool: 3 };

export type Prepared = 'loaded' | 'empty' | 'no_user_turn';

export interface ColumnsBuilder {
  /**
   * Trims each message, unifies line ends, drops empty messages, computes the content hash and appends the
   * conversation; empty conversations and those without a user turn are left out.
   */
  add(conversation: Conversation, hashUser: (raw: string) => string): Prepared;
  readonly rows: number;
  /** The rows added since the last take. */
  take(): ConversationColumns;
}

export function createColumnsBuilder(): ColumnsBuilder {
  let ids: string[] = [];
  let externalIds: (string | null)[] = [];
  let userHashes: (string | null)[] = [];
  let createdAt: number[] = [];
  let models: (string | null)[] = [];
  let languages: (string | null)[] = [];
  let counts: number[] = []; // userTurns, userChars, assistantChars per row
  let metadata: (string | null)[] = [];
  let messageEnds: number[] = [];
  let roles: number[] = [];
  let contents: string[] = [];
  let contentLengths: number[] = [];
  let contentBytesTotal = 0;
  return {
    add(conversation, hashUser) {
      let userTurns = 0;
      let userChars = 0;
      let assistantChars = 0;
      const messages = conversation.messages;
      const first = contents.length;
      for (let i = 0; i < messages.length; i++) {
        let content = messages[i].content;
        if (content.includes('\r')) content = content.replace(/\r\n?/g, '\n');
        content = content.trim();
        if (content === '') continue;
        const role = messages[i].role;
        if (role === 'user') {
          userTurns++;
          userChars += content.length;
        } else if (role === 'assistant') assistantChars += content.length;
        roles.push(ROLE_CODES[role]);
        contents.push(content);
      }
      if (contents.length === first || userTurns === 0) {
        const result = contents.length === first ? 'empty' : 'no_user_turn';
        contents.length = first;
        roles.length = first;
        return result;
      }
      const userHash = conversation.userKey === undefined ? undefined : hashUser(conversation.userKey);
      let material = '';
      for (let i = first; i < contents.length; i++) {
        const length = Buffer.byteLength(contents[i]);
        contentLengths.push(length);
        contentBytesTotal += length;
        material += `${ROLES[roles[i]]}:${length}:${contents[i]}`;
      }
      ids.push(hash('sha256', `${material}|${userHash ?? ''}`).slice(0, 32));
      externalIds.push(conversation.externalId ?? null);
      userHashes.push(userHash ?? null);
      createdAt.push(conversation.createdAt ? conversation.createdAt.getTime() : NaN);
      models.push(conversation.model ?? null);
      languages.push(conversation.language ?? null);
      counts.push(userTurns, userChars, assistantChars);
      let hasMetadata = false;
      for (const _key in conversation.metadata) {
        hasMetadata = true;
        break;
      }
      metadata.push(hasMetadata ? JSON.stringify(conversation.metadata) : null);
      messageEnds.push(contents.length);
      return 'loaded';
    },
    get rows() {
      return ids.length;
    },
    take() {
      const rows = ids.length;
      const taken: ConversationColumns = {
        ids, externalIds, userHashes, createdAt: Float64Array.from(createdAt), models, languages,
        userTurns: new Int32Array(rows), userChars: new Int32Array(rows), assistantChars: new Int32Array(rows),
        metadata, messageEnds: Int32Array.from(messageEnds), roles: Uint8Array.from(roles),
        contentBytes: new Uint8Array(contentBytesTotal), contentEnds: new Int32Array(contents.length),
      };
      // Buffer.write encodes a lone surrogate as U+FFFD, as Buffer.byteLength counted it and as DuckDB's string conversion did.
      const target = Buffer.from(taken.contentBytes.buffer, taken.contentBytes.byteOffset, taken.contentBytes.byteLength);
      let offset = 0;
      for (let message = 0; message < contents.length; message++) {
        offset += target.write(contents[message], offset, contentLengths[message]);
        taken.contentEnds[message] = offset;
      }
      for (let row = 0; row < rows; row++) {
        taken.userTurns[row] = counts[row * 3];
        taken.userChars[row] = counts[row * 3 + 1];
        taken.assistantChars[row] = counts[row * 3 + 2];
      }
      ids = []; externalIds = []; userHashes = []; createdAt = []; models = []; languages = [];
      counts = []; metadata = []; messageEnds = []; roles = []; contents = []; contentLengths = []; contentBytesTotal = 0;
      return taken;
    },
  };
}

/** The typed arrays of a columns object, to transfer rather than copy to another thread. */
export function transferList(columns: ConversationColumns): ArrayBuffer[] {
  return [columns.createdAt, columns.userTurns, columns.userChars, columns.assistantChars, columns.messageEnds, columns.roles, columns.contentBytes, columns.contentEnds].map(
    (array) => array.buffer as ArrayBuffer,
  );
}
