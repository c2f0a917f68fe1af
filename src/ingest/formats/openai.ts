// OpenAI-style message lists: {"messages": [{"role", "content"}], ...} where content is a string or a
// list of parts. Also the project's common shape ({id, messages, user_id?, language?, labels?, source}).
import { z } from 'zod';
import { asKey, contentText, isObject, issueToReject, mapRecords, parseTime, reject, restMetadata, roleContentMessage, toMessages } from '../fields.ts';
import type { FormatReader } from '../types.ts';

const recordSchema = z.looseObject({ messages: z.array(roleContentMessage) });
type OpenAIRecord = z.infer<typeof recordSchema>;
const USED = new Set(['messages', 'id', 'user_id', 'user', 'language', 'lang', 'model', 'created_at', 'created', 'timestamp']);

export const openaiReader: FormatReader = {
  name: 'openai',
  detect: (record) => isObject(record) && 'messages' in record,
  read: (records, options) =>
    mapRecords(records, options, (value, location) => {
      let record: OpenAIRecord;
      if (hasCommonShape(value)) record = value;
      else {
        const parsed = recordSchema.safeParse(value);
        if (!parsed.success) return issueToReject(location, parsed.error.issues);
        record = parsed.data;
      }
      const messages = toMessages(
        record.messages.map((m) => ({ role: m.role, content: contentText(m.content) })),
        'messages',
      );
      if (!Array.isArray(messages)) return reject(location, messages.field, messages.reason);
      return {
        externalId: asKey(record.id),
        userKey: asKey(record.user_id) ?? asKey(record.user),
        createdAt: parseTime(record.created_at ?? record.created ?? record.timestamp),
        model: asKey(record.model),
        language: asKey(record.language) ?? asKey(record.lang),
        messages,
        metadata: restMetadata(record, USED),
      };
    }),
};

/** The common shape (string or null contents) checked without zod, which stays the judge, with its messages, of everything else. */
function hasCommonShape(value: unknown): value is OpenAIRecord {
  if (!isObject(value) || !Array.isArray(value.messages)) return false;
  for (const message of value.messages) {
    if (!isObject(message) || typeof message.role !== 'string') return false;
    if (typeof message.content !== 'string' && message.content !== undefined && message.content !== null) return false;
  }
  return true;
}
