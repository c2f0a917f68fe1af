// One prompt per row (JSONL, CSV or Parquet) with a `text` or `prompt` column: a one-turn conversation.
// Examples: arena-hard question.jsonl {uid, category, subcategory, prompt}, xSID {text, label, parent, lang, id}.
import { z } from 'zod';
import { asKey, isObject, issueToReject, mapRecords, parseTime, restMetadata } from '../fields.ts';
import type { FormatReader } from '../types.ts';

const recordSchema = z.union([
  z.looseObject({ text: z.string() }),
  z.looseObject({ prompt: z.string() }),
]);
const USED = new Set(['text', 'prompt', 'id', 'uid', 'user_id', 'lang', 'language', 'model', 'timestamp', 'created_at']);

export const promptReader: FormatReader = {
  name: 'prompt',
  detect: (record) => isObject(record) && ('text' in record || 'prompt' in record),
  read: (records, options) =>
    mapRecords(records, options, (value, location) => {
      const parsed = recordSchema.safeParse(value);
      if (!parsed.success) {
        const field = isObject(value) && 'prompt' in value ? 'prompt' : 'text';
        return issueToReject({ ...location }, [{ ...parsed.error.issues[0], path: [field], message: 'expected a string `text` or `prompt`' }]);
      }
      const record = parsed.data as Record<string, unknown>;
      const text = typeof record.text === 'string' ? record.text : (record.prompt as string);
      return {
        externalId: asKey(record.id) ?? asKey(record.uid),
        userKey: asKey(record.user_id),
        createdAt: parseTime(record.timestamp ?? record.created_at),
        model: asKey(record.model),
        language: asKey(record.lang) ?? asKey(record.language),
        messages: [{ role: 'user', content: text }],
        metadata: restMetadata(record, USED),
      };
    }),
};
