// Claude.ai data export (conversations.json): an array of {uuid, name, created_at, account: {uuid},
// chat_messages: [{sender: "human"|"assistant", text, content?: [{type, text}]}]}. The account uuid is the user key.
import { z } from 'zod';
import { asKey, contentSchema, contentText, getPath, isObject, mapParsedRecords, parseTime, reject, toMessages } from '../fields.ts';
import type { FormatReader } from '../types.ts';

const messageSchema = z.looseObject({
  sender: z.string(),
  text: z.string().nullable().optional(),
  content: contentSchema.optional(),
});
const recordSchema = z.looseObject({ chat_messages: z.array(messageSchema) });

export const claudeReader: FormatReader = {
  name: 'claude',
  detect: (record) => isObject(record) && 'chat_messages' in record,
  read: (records, options) =>
    mapParsedRecords(records, options, recordSchema, (record, location) => {
      const messages = toMessages(
        record.chat_messages.map((m) => ({ role: m.sender, content: m.text || contentText(m.content) })),
        'chat_messages',
        'sender',
      );
      if (!Array.isArray(messages)) return reject(location, messages.field, messages.reason);
      const name = asKey(record.name);
      return {
        externalId: asKey(record.uuid),
        userKey: asKey(getPath(record, 'account.uuid')),
        createdAt: parseTime(record.created_at),
        messages,
        metadata: name ? { name } : {},
      };
    }),
};
