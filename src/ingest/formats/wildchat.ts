// WildChat and LMSYS-Chat-1M exports: a `conversation` list of {role, content} plus conversation_hash
// (WildChat) or conversation_id (LMSYS), timestamp, language, model and a user key (hashed_ip, user_id).
// Per-turn fields other than role and content (WildChat repeats hashed_ip, country, ... per turn) are dropped.
import { z } from 'zod';
import { asKey, contentText, isObject, mapParsedRecords, parseTime, reject, restMetadata, roleContentMessage, toMessages } from '../fields.ts';
import type { FormatReader } from '../types.ts';

const recordSchema = z.looseObject({ conversation: z.array(roleContentMessage) });
const USED = new Set([
  'conversation', 'conversation_hash', 'conversation_id', 'hashed_ip', 'user_id', 'timestamp', 'language', 'model',
  'openai_moderation', 'detoxify_moderation',
]);

export const wildchatReader: FormatReader = {
  name: 'wildchat',
  detect: (record) => isObject(record) && 'conversation' in record,
  read: (records, options) =>
    mapParsedRecords(records, options, recordSchema, (record, location) => {
      const messages = toMessages(
        record.conversation.map((m) => ({ role: m.role, content: contentText(m.content) })),
        'conversation',
      );
      if (!Array.isArray(messages)) return reject(location, messages.field, messages.reason);
      return {
        externalId: asKey(record.conversation_hash) ?? asKey(record.conversation_id),
        userKey: asKey(record.hashed_ip) ?? asKey(record.user_id),
        createdAt: parseTime(record.timestamp),
        model: asKey(record.model),
        language: asKey(record.language),
        messages,
        metadata: restMetadata(record, USED),
      };
    }),
};
