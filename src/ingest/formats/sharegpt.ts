// ShareGPT: {"id"?, "conversations": [{"from": "human"|"gpt"|"system", "value"}]}.
import { z } from 'zod';
import { asKey, isObject, mapParsedRecords, parseTime, reject, restMetadata, toMessages } from '../fields.ts';
import type { FormatReader } from '../types.ts';

const turnSchema = z.looseObject({ from: z.string(), value: z.string().nullable() });
const recordSchema = z.looseObject({ conversations: z.array(turnSchema) });
const USED = new Set(['conversations', 'id', 'user_id', 'language', 'lang', 'model', 'timestamp']);

export const sharegptReader: FormatReader = {
  name: 'sharegpt',
  detect: (record) => isObject(record) && 'conversations' in record,
  read: (records, options) =>
    mapParsedRecords(records, options, recordSchema, (record, location) => {
      const messages = toMessages(
        record.conversations.map((t) => ({ role: t.from, content: t.value ?? '' })),
        'conversations',
        'from',
      );
      if (!Array.isArray(messages)) return reject(location, messages.field, messages.reason);
      return {
        externalId: asKey(record.id),
        userKey: asKey(record.user_id),
        createdAt: parseTime(record.timestamp),
        model: asKey(record.model),
        language: asKey(record.language) ?? asKey(record.lang),
        messages,
        metadata: restMetadata(record, USED),
      };
    }),
};
