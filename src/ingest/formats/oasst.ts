// OpenAssistant message rows ({message_id, parent_id, role: prompter|assistant, text, user_id, created_date,
// lang}) rebuilt into conversation trees. We keep every root-to-leaf path as one thread: each is a
// conversation a user could actually have had, and together they cover every message (the oasst1-en
// validation split gives 1,002 threads from 188 trees, as in the shared conversations.jsonl). Threads of one
// tree share their prefix but differ in content, so none is a duplicate. The thread's user is the author of
// the root prompt; its id is the leaf's message_id. Rows are held in memory until the end of the file
// (the whole public oasst1 dump, ~90k messages, takes a few hundred MB); a row whose parent is not in the
// file cannot be placed and is rejected with its line, together with the rows below it.
import { z } from 'zod';
import type { SourceLocation } from '../../types.ts';
import { isObject, issueToReject, parseTime } from '../fields.ts';
import type { FormatReader, ReaderItem } from '../types.ts';

const rowSchema = z.looseObject({
  message_id: z.string(),
  parent_id: z.string().nullable(),
  role: z.enum(['prompter', 'assistant']),
  text: z.string(),
  user_id: z.string().nullish(),
  created_date: z.string().nullish(),
  lang: z.string().nullish(),
  message_tree_id: z.string().nullish(),
  deleted: z.boolean().nullish(),
});

interface Row {
  id: string;
  parent: string | null;
  role: 'user' | 'assistant';
  text: string;
  user?: string;
  created?: string;
  lang?: string;
  deleted: boolean;
  location: SourceLocation;
}

export const oasstReader: FormatReader = {
  name: 'oasst',
  detect: (record) => isObject(record) && 'message_id' in record && 'parent_id' in record && (record.role === 'prompter' || record.role === 'assistant'),
  async *read(records) {
    const rows = new Map<string, Row>();
    const children = new Map<string, string[]>();
    const roots: string[] = [];
    for await (const item of records) {
      if (item.kind === 'reject') {
        yield item;
        continue;
      }
      const parsed = rowSchema.safeParse(item.value);
      if (!parsed.success) {
        yield issueToReject(item.location, parsed.error.issues);
        continue;
      }
      const r = parsed.data;
      rows.set(r.message_id, {
        id: r.message_id,
        parent: r.parent_id,
        role: r.role === 'prompter' ? 'user' : 'assistant',
        text: r.text,
        user: r.user_id ?? undefined,
        created: r.created_date ?? undefined,
        lang: r.lang ?? undefined,
        deleted: r.deleted ?? false,
        location: item.location,
      });
      if (r.parent_id === null) roots.push(r.message_id);
      else {
        const siblings = children.get(r.parent_id);
        if (siblings) siblings.push(r.message_id);
        else children.set(r.parent_id, [r.message_id]);
      }
    }
    const reached = new Set<string>();
    for (const rootId of roots) yield* threadsOf(rootId, rows, children, reached);
    for (const row of rows.values()) {
      if (reached.has(row.id)) continue;
      const reason = row.parent && !rows.has(row.parent) ? 'parent message not in file' : 'not connected to a root message';
      yield { kind: 'reject', location: { ...row.location, field: 'parent_id' }, reason } satisfies ReaderItem;
    }
  },
};

/** Every root-to-leaf path below `rootId`, depth first without recursion. */
function* threadsOf(rootId: string, rows: Map<string, Row>, children: Map<string, string[]>, reached: Set<string>): Generator<ReaderItem> {
  const root = rows.get(rootId)!;
  const stack: string[][] = [[rootId]];
  while (stack.length > 0) {
    const path = stack.pop()!;
    const lastId = path[path.length - 1];
    reached.add(lastId);
    const kids = children.get(lastId)?.filter((id) => rows.has(id));
    if (kids && kids.length > 0) {
      for (let i = kids.length - 1; i >= 0; i--) stack.push([...path, kids[i]]);
      continue;
    }
    const messages = path.map((id) => rows.get(id)!);
    const leaf = messages[messages.length - 1];
    yield {
      kind: 'conversation',
      location: leaf.location,
      conversation: {
        externalId: leaf.id,
        userKey: root.user,
        createdAt: parseTime(root.created),
        language: root.lang,
        messages: messages.map((m) => ({ role: m.role, content: m.text })),
        metadata: { tree_id: rootId, ...(messages.some((m) => m.deleted) ? { has_deleted_message: true } : {}) },
      },
    };
  }
}
