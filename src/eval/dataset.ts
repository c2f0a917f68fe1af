// Labelled rows for `clio eval`: plain JSONL (`{"text", "label", "parent"}`) or the project's
// conversations.jsonl (text = the user turns of `messages`), with fields chosen by dotted paths and
// rows filtered by `field=value` conditions.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

export interface LabelledRow {
  text: string;
  label: string;
  parent?: string;
}

export interface DatasetOptions {
  /** A .jsonl file, or a folder holding conversations.jsonl. */
  path: string;
  /** Dotted path of the text; default `text`, or the user turns of `messages` when a row has them. */
  textField?: string;
  labelField?: string;
  parentField?: string;
  /** `field=value` conditions (dotted fields; `field=a|b` for any of several values), all must hold. */
  where?: string[];
  excludeLabels?: string[];
  limit?: number;
}

const MessagesSchema = z.array(z.object({ role: z.string(), content: z.string() }));

export function readLabelledRows(options: DatasetOptions): LabelledRow[] {
  const file = existsSync(options.path) && statSync(options.path).isDirectory() ? join(options.path, 'conversations.jsonl') : options.path;
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new Error(`cannot read labelled data ${file}`, { cause });
  }
  const conditions = (options.where ?? []).map(parseCondition);
  const excluded = new Set(options.excludeLabels ?? []);
  const labelField = options.labelField ?? 'label';
  const rows: LabelledRow[] = [];
  const lines = content.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index].trim();
    if (line.length === 0) continue;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch (cause) {
      throw new Error(`${file}:${index + 1}: not JSON`, { cause });
    }
    if (!conditions.every(({ field, values }) => values.includes(String(getPath(record, field))))) continue;
    const label = getPath(record, labelField);
    if (label === undefined || label === null) throw new Error(`${file}:${index + 1}: no label at "${labelField}"`);
    if (excluded.has(String(label))) continue;
    const text = textOf(record, options.textField);
    if (text === undefined) throw new Error(`${file}:${index + 1}: no text at "${options.textField ?? 'text or messages'}"`);
    const parent = options.parentField === undefined ? getPath(record, 'parent') : getPath(record, options.parentField);
    rows.push({ text, label: String(label), parent: parent === undefined || parent === null ? undefined : String(parent) });
    if (options.limit !== undefined && rows.length >= options.limit) break;
  }
  return rows;
}

function parseCondition(condition: string): { field: string; values: string[] } {
  const at = condition.indexOf('=');
  if (at <= 0) throw new Error(`--where needs field=value, got "${condition}"`);
  return { field: condition.slice(0, at), values: condition.slice(at + 1).split('|') };
}

export function getPath(record: unknown, path: string): unknown {
  let current = record;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function textOf(record: unknown, textField: string | undefined): string | undefined {
  const value = getPath(record, textField ?? 'text');
  if (typeof value === 'string') return value;
  const messages = MessagesSchema.safeParse(textField === undefined ? getPath(record, 'messages') : value);
  if (!messages.success) return undefined;
  return messages.data.filter((m) => m.role === 'user').map((m) => m.content).join('\n');
}
