// Anthropic HH-RLHF transcripts: one string of "\n\nHuman: ...\n\nAssistant: ..." turns in field `chosen`
// (or the field the user names with --hh-field, e.g. `rejected`).
import { isObject, mapRecords, reject } from '../fields.ts';
import type { Message } from '../../types.ts';
import type { FormatReader, ReaderOptions } from '../types.ts';

const TURN = /\n\n(Human|Assistant): ?/g;

const fieldOf = (options: ReaderOptions) => options.hhField ?? 'chosen';

/** Splits a transcript at each "\n\nHuman:" / "\n\nAssistant:" marker; text before the first marker is dropped. */
export function parseTranscript(transcript: string): Message[] {
  const messages: Message[] = [];
  const text = transcript.startsWith('Human:') || transcript.startsWith('Assistant:') ? `\n\n${transcript}` : transcript;
  let previous: { role: Message['role']; start: number } | undefined;
  for (const match of text.matchAll(TURN)) {
    if (previous) messages.push({ role: previous.role, content: text.slice(previous.start, match.index) });
    previous = { role: match[1] === 'Human' ? 'user' : 'assistant', start: match.index + match[0].length };
  }
  if (previous) messages.push({ role: previous.role, content: text.slice(previous.start) });
  return messages;
}

export const hhReader: FormatReader = {
  name: 'hh',
  detect: (record, options) => {
    const value = isObject(record) ? record[fieldOf(options)] : undefined;
    return typeof value === 'string' && /(^|\n\n)Human:/.test(value);
  },
  read: (records, options) =>
    mapRecords(records, options, (value, location) => {
      const field = fieldOf(options);
      const transcript = isObject(value) ? value[field] : undefined;
      if (typeof transcript !== 'string') {
        return reject(location, field, transcript === undefined ? 'missing transcript field' : `expected a string, got ${typeof transcript}`);
      }
      return { messages: parseTranscript(transcript), metadata: {} };
    }),
};
