// Field mapping for anything else: --messages-field names a list of {role|from|sender, content|value|text}
// items, or --text-field names a single prompt; --id-field, --user-field, --time-field and --meta are applied
// on top by applyMapping. Only the --meta fields become metadata.
import { z } from 'zod';
import { contentSchema, contentText, getPath, issueToReject, mapRecords, reject, toMessages } from '../fields.ts';
import type { Message } from '../../types.ts';
import type { FormatReader } from '../types.ts';

const itemSchema = z.looseObject({
  role: z.string().optional(),
  from: z.string().optional(),
  sender: z.string().optional(),
  content: contentSchema.optional(),
  value: z.string().nullable().optional(),
  text: z.string().nullable().optional(),
});
const listSchema = z.array(itemSchema);

export const mappedReader: FormatReader = {
  name: 'mapped',
  detect: (_record, options) => Boolean(options.messagesField || options.textField),
  read: (records, options) =>
    mapRecords(records, options, (value, location) => {
      let messages: Message[];
      if (options.messagesField) {
        const field = options.messagesField;
        const parsed = listSchema.safeParse(getPath(value, field));
        if (!parsed.success) return issueToReject(location, parsed.error.issues, field);
        const items = parsed.data.map((m) => ({
          role: m.role ?? m.from ?? m.sender ?? '',
          content: m.content !== undefined ? contentText(m.content) : (m.value ?? m.text ?? ''),
        }));
        const mapped = toMessages(items, field);
        if (!Array.isArray(mapped)) return reject(location, mapped.field, mapped.reason);
        messages = mapped;
      } else if (options.textField) {
        const text = getPath(value, options.textField);
        if (typeof text !== 'string') return reject(location, options.textField, text === undefined ? 'missing field' : 'expected a string');
        messages = [{ role: 'user', content: text }];
      } else {
        return reject(location, undefined, 'the mapped format needs --messages-field or --text-field');
      }
      return { messages, metadata: {} };
    }),
};
