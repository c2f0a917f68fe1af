// The facets stage over a workspace: streams conversations in batches (ordered by conversation_id),
// computes their facets and appends them to the `facets` table, one transaction per batch. Conversations
// that already have computed facets (run_key '') are skipped, so an interrupted run resumes where it
// stopped and a rerun adds nothing.
import type { DuckDBAppender } from '@duckdb/node-api';
import type { Workspace } from '../store/workspace.ts';
import type { FacetValue, Message, Role } from '../types.ts';
import { computeFacets } from './compute.ts';
import { loadLanguageDetector } from './language.ts';
import { facetDefinition } from './registry.ts';

/** run_key of facets that depend on no settings (the computed ones). */
export const COMPUTED_RUN_KEY = '';

export interface ExtractFacetsOptions {
  /** Conversations per transaction: the most a crash can lose. */
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface ExtractFacetsStats {
  /** Conversations whose facets were computed now. */
  conversations: number;
  /** Conversations that already had facets. */
  alreadyDone: number;
  values: number;
  seconds: number;
}

interface PendingRow {
  conversation_id: string;
  created_at: Date | null;
  model: string | null;
}

/** A row of the messages table as the facet stages read it. */
export interface MessageRow {
  conversation_id: string;
  role: string;
  content: string;
}

export async function extractFacets(ws: Workspace, options: ExtractFacetsOptions = {}): Promise<ExtractFacetsStats> {
  const started = performance.now();
  const batchSize = options.batchSize ?? 1000;
  const detector = await loadLanguageDetector();

  await ws.run(`
    CREATE OR REPLACE TEMP TABLE facet_pending AS
    SELECT conversation_id, created_at, model FROM conversations
    WHERE conversation_id NOT IN (SELECT DISTINCT conversation_id FROM facets WHERE run_key = '${COMPUTED_RUN_KEY}')`);
  const [{ pending, all }] = await ws.all<{ pending: number; all: number }>(
    'SELECT (SELECT count(*) FROM facet_pending) AS pending, (SELECT count(*) FROM conversations) AS all',
  );
  options.onProgress?.(0, pending);

  let done = 0;
  let values = 0;
  let after = '';
  try {
    for (;;) {
      const batch = await ws.all<PendingRow>(
        'SELECT conversation_id, created_at, model FROM facet_pending WHERE conversation_id > $1 ORDER BY conversation_id LIMIT $2',
        [after, batchSize],
      );
      if (batch.length === 0) break;
      const first = batch[0].conversation_id;
      after = batch[batch.length - 1].conversation_id;
      const messages = await ws.all<MessageRow>(
        `SELECT conversation_id, role, content FROM messages
         WHERE conversation_id BETWEEN $1 AND $2 ORDER BY conversation_id, position`,
        [first, after],
      );
      const byConversation = groupMessages(messages);
      const facetValues = batch.flatMap((row) =>
        computeFacets(
          {
            conversationId: row.conversation_id,
            messages: byConversation.get(row.conversation_id) ?? [],
            createdAt: row.created_at ?? undefined,
            model: row.model ?? undefined,
          },
          detector,
        ),
      );
      await writeBatch(ws, facetValues);
      done += batch.length;
      values += facetValues.length;
      options.onProgress?.(done, pending);
    }
  } finally {
    await ws.run('DROP TABLE IF EXISTS facet_pending');
  }
  return { conversations: done, alreadyDone: all - pending, values, seconds: (performance.now() - started) / 1000 };
}

/** Rows ordered by conversation and position, as each conversation's message list. */
export function groupMessages(rows: readonly MessageRow[]): Map<string, Message[]> {
  const grouped = new Map<string, Message[]>();
  for (const row of rows) {
    let list = grouped.get(row.conversation_id);
    if (!list) grouped.set(row.conversation_id, (list = []));
    list.push({ role: row.role as Role, content: row.content });
  }
  return grouped;
}

async function writeBatch(ws: Workspace, values: readonly FacetValue[]): Promise<void> {
  await ws.run('BEGIN TRANSACTION');
  let appender: DuckDBAppender | undefined;
  try {
    appender = await ws.db.createAppender('facets');
    for (const value of values) {
      const definition = facetDefinition(value.facet);
      appender.appendVarchar(value.conversationId);
      appender.appendVarchar(value.facet);
      appender.appendVarchar(definition.kind);
      appender.appendVarchar(definition.source);
      if (value.text === undefined) appender.appendNull();
      else appender.appendVarchar(value.text);
      if (value.number === undefined) appender.appendNull();
      else appender.appendDouble(value.number);
      appender.appendVarchar(COMPUTED_RUN_KEY);
      appender.endRow();
    }
    appender.closeSync();
    appender = undefined;
    await ws.run('COMMIT');
  } catch (error) {
    appender?.closeSync();
    await ws.run('ROLLBACK');
    throw new Error('cannot write facets to the workspace', { cause: error });
  }
}
