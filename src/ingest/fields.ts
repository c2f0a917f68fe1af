// Helpers every format reader shares: zod schemas for message lists, role names, dotted field
// paths, timestamps, metadata, and turning a zod failure into a located reject.
import { z } from 'zod';
import type { Conversation, Message, Role, SourceLocation } from '../types.ts';
import type { ReaderItem, ReaderOptions, Reject } from './types.ts';

const ROLE_ALIASES: Record<string, Role> = {
  user: 'user', human: 'user', prompter: 'user',
  assistant: 'assistant', gpt: 'assistant', bot: 'assistant', model: 'assistant', chatgpt: 'assistant', claude: 'assistant',
  system: 'system', developer: 'system',
  tool: 'tool', function: 'tool', ipython: 'tool',
};

/** Fields that hold a person's identity: never copied into metadata, whatever the format. */
const IDENTITY_FIELDS = new Set(['user_id', 'userid', 'user', 'hashed_ip', 'ip', 'email', 'account', 'author', 'username', 'user_name', 'header']);

const METADATA_VALUE_LIMIT = 1024;

export const contentSchema = z.union([
  z.string(),
  z.null(),
  z.array(z.union([z.string(), z.looseObject({ type: z.string().optional(), text: z.unknown().optional() })])),
]);

export const roleContentMessage = z.looseObject({ role: z.string(), content: contentSchema.optional() });

/** Text of a message content: a string, or the text parts of a list (images and other parts are left out). */
export function contentText(content: z.infer<typeof contentSchema> | undefined): string {
  if (typeof content === 'string') return content;
  if (!content) return '';
  let text = '';
  for (const part of content) {
    const piece = typeof part === 'string' ? part : typeof part.text === 'string' ? part.text : '';
    if (piece) text = text ? `${text}\n${piece}` : piece;
  }
  return text;
}

export function roleOf(name: string): Role | undefined {
  return ROLE_ALIASES[name.toLowerCase()];
}

/** Maps {role|from|sender, content|value|text} lists to messages; the first unknown role becomes a reject reason. */
export function toMessages(
  items: readonly { role: string; content: string }[],
  field: string,
  roleKey = 'role',
): Message[] | { field: string; reason: string } {
  const messages: Message[] = [];
  for (let i = 0; i < items.length; i++) {
    const role = roleOf(items[i].role);
    if (!role) return { field: `${field}.${i}.${roleKey}`, reason: `unknown role "${items[i].role.slice(0, 40)}"` };
    messages.push({ role, content: items[i].content });
  }
  return messages;
}

/** `a.b.0.c` on plain objects and arrays; a key containing dots also matches whole. */
export function getPath(value: unknown, path: string): unknown {
  if (value && typeof value === 'object' && path in value) return (value as Record<string, unknown>)[path];
  let current = value;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** ISO strings, `YYYY-MM-DD hh:mm:ss`, epoch seconds or milliseconds; anything else gives undefined. */
export function parseTime(value: unknown): Date | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  let date: Date;
  if (typeof value === 'number') date = new Date(value < 1e11 ? value * 1000 : value);
  else if (typeof value === 'string') date = new Date(/^\d+(\.\d+)?$/.test(value) ? Number(value) * (Number(value) < 1e11 ? 1000 : 1) : value);
  else if (value instanceof Date) date = value;
  else return undefined;
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export function asKey(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return undefined;
}

/** The record's other small fields (labels, categories, flags): identity fields and bulky values stay out. */
export function restMetadata(record: Record<string, unknown>, used: ReadonlySet<string>): Record<string, unknown> {
  const metadata: Record<string, unknown> = {};
  for (const key of Object.keys(record)) {
    if (used.has(key) || IDENTITY_FIELDS.has(key.toLowerCase())) continue;
    const value = record[key];
    if (value === null || value === undefined) continue;
    if (typeof value === 'object' && JSON.stringify(value).length > METADATA_VALUE_LIMIT) continue;
    if (typeof value === 'string' && value.length > METADATA_VALUE_LIMIT) continue;
    metadata[key] = value;
  }
  return metadata;
}

/** Applies the user's field mapping on top of what a format reader found. */
export function applyMapping(record: unknown, conversation: Conversation, options: ReaderOptions): Conversation {
  if (options.idField) conversation.externalId = asKey(getPath(record, options.idField));
  if (options.userField) conversation.userKey = asKey(getPath(record, options.userField));
  if (options.timeField) conversation.createdAt = parseTime(getPath(record, options.timeField));
  if (options.metaFields?.length) {
    for (const field of options.metaFields) {
      const value = getPath(record, field);
      if (value !== undefined) conversation.metadata[field] = value;
    }
  }
  return conversation;
}

export function issueToReject(location: SourceLocation, issues: readonly z.core.$ZodIssue[], prefix = ''): Reject {
  const issue = issues[0];
  const path = issue.path.map(String).join('.');
  const field = [prefix, path].filter(Boolean).join('.') || undefined;
  return { kind: 'reject', location: { ...location, field }, reason: issue.message };
}

export function reject(location: SourceLocation, field: string | undefined, reason: string): Reject {
  return { kind: 'reject', location: field ? { ...location, field } : location, reason };
}

/**
 * The common shape of record-per-conversation formats: each record maps to one conversation or a reject,
 * and container rejects pass through.
 */
export async function* mapRecords(
  records: AsyncIterable<{ kind: 'record'; value: unknown; location: SourceLocation } | Reject>,
  options: ReaderOptions,
  toConversation: (value: unknown, location: SourceLocation) => Conversation | Reject,
): AsyncGenerator<ReaderItem> {
  for await (const item of records) {
    if (item.kind === 'reject') {
      yield item;
      continue;
    }
    const result = toConversation(item.value, item.location);
    if ('kind' in result) yield result;
    else yield { kind: 'conversation', conversation: applyMapping(item.value, result, options), location: item.location };
  }
}

/** mapRecords for readers whose records must match `schema`: a record that does not is rejected with its field. */
export function mapParsedRecords<T>(
  records: Parameters<typeof mapRecords>[0],
  options: ReaderOptions,
  schema: z.ZodType<T>,
  toConversation: (record: T, location: SourceLocation) => Conversation | Reject,
): AsyncGenerator<ReaderItem> {
  return mapRecords(records, options, (value, location) => {
    const parsed = schema.safeParse(value);
    return parsed.success ? toConversation(parsed.data, location) : issueToReject(location, parsed.error.issues);
  });
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
