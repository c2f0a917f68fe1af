// `--batch`: the facet stage's calls go through the provider's batch API (half the list price) before
// extractModelFacets runs. The batch answers land in the LLM call cache under the same keys the realtime
// calls use, so the extraction that follows is answered from the cache and stores the facets as usual.
// A restarted run finds its submitted batches in llm_batches and polls them instead of paying again.
import { runBatch, type BatchItem, type BatchProgress } from '../llm/batch.ts';
import type { GenerateRequest, LlmClient } from '../llm/types.ts';
import type { Workspace } from '../store/workspace.ts';
import { groupMessages, type MessageRow } from './extract.ts';
import type { ModelFacet, Screener } from './facet-config.ts';
import { facetCalls, formatTranscript, type FacetCallMode } from './model.ts';

/** Conversations per provider batch: bounds memory and keeps each batch well under the providers' limits. */
export const CONVERSATIONS_PER_BATCH = 5_000;

export interface PrimeFacetBatchesOptions {
  facets: readonly ModelFacet[];
  mode: FacetCallMode;
  screener?: Screener;
  runKey: string;
  pollIntervalMs?: number;
  onProgress?: (progress: BatchProgress) => void;
}

export async function primeFacetsWithBatches(ws: Workspace, client: LlmClient, options: PrimeFacetBatchesOptions): Promise<{ conversations: number; requests: number }> {
  let conversations = 0;
  let requests = 0;
  let after = '';
  for (;;) {
    const page = await ws.all<{ conversation_id: string }>(
      `SELECT conversation_id FROM conversations
       WHERE conversation_id > $1
         AND conversation_id NOT IN (SELECT DISTINCT conversation_id FROM facets WHERE run_key = $2 AND source = 'model')
       ORDER BY conversation_id LIMIT $3`,
      [after, options.runKey, CONVERSATIONS_PER_BATCH],
    );
    if (page.length === 0) break;
    after = page[page.length - 1].conversation_id;
    const transcripts = await loadTranscripts(ws, new Set(page.map((row) => row.conversation_id)), page[0].conversation_id, after);
    const screened = options.screener ? await screen(client, transcripts, options) : [...transcripts.keys()];
    const items: BatchItem<unknown>[] = [];
    for (const id of screened) {
      for (const [index, call] of facetCalls(transcripts.get(id)!, { facets: options.facets, mode: options.mode }).entries()) {
        items.push({ id: `${id}#${index}`, request: toRequest(call) });
      }
    }
    await runBatch({ client, stage: 'facets', items, pollIntervalMs: options.pollIntervalMs, onProgress: options.onProgress });
    conversations += page.length;
    requests += items.length;
  }
  return { conversations, requests };
}

/** The screener's batch; returns the conversations it answered "yes" for (a failed answer is retried realtime later). */
async function screen(client: LlmClient, transcripts: Map<string, string>, options: PrimeFacetBatchesOptions): Promise<string[]> {
  const items = [...transcripts].map(([id, transcript]) => ({
    id,
    request: toRequest(facetCalls(transcript, { facets: [], mode: options.mode, screener: options.screener })[0]),
  }));
  const answers = await runBatch({ client, stage: 'screen', items, pollIntervalMs: options.pollIntervalMs, onProgress: options.onProgress });
  return items.filter((item) => {
    const answer = answers.get(item.id);
    return answer !== undefined && !(answer instanceof Error) && (answer.value as { answer?: string }).answer === 'yes';
  }).map((item) => item.id);
}

function toRequest(call: ReturnType<typeof facetCalls>[number]): GenerateRequest<unknown> {
  return { stage: call.stage, system: call.system, prompt: call.prompt, schema: call.schema, maxOutputTokens: call.maxOutputTokens };
}

async function loadTranscripts(ws: Workspace, ids: ReadonlySet<string>, first: string, last: string): Promise<Map<string, string>> {
  const rows = await ws.all<MessageRow>(
    `SELECT conversation_id, role, content FROM messages WHERE conversation_id BETWEEN $1 AND $2 ORDER BY conversation_id, position`,
    [first, last],
  );
  return new Map([...groupMessages(rows)].filter(([id]) => ids.has(id)).map(([id, list]) => [id, formatTranscript(list)]));
}
