// Facets written by a model (paper, section 2.2): for every conversation the model answers the facet
// questions (request, task, languages, concern and configured ones), either all in one structured call
// ('combined') or one call per facet ('per-facet'). An optional screener question is asked first and
// conversations answered "no" get only the facet `screened` = 'no'.
//
// Resumable: answers are stored per conversation in small batches under `runKey`, and a conversation that
// already has rows for this runKey is skipped, so an interrupted run loses at most the work in flight (and
// the LLM client's cache answers even that again for free). A conversation whose call fails for good is
// recorded in llm_failures with the reason and the run goes on; extracting again (`clio analyze --from facets`)
// tries it again, while everything already answered comes from the call cache.
//
// Privacy: the transcript is PII-scrubbed before it is sent, the model is told to leave out personal
// details, and every text answer is scrubbed again before it is stored.
import { listValue } from '@duckdb/node-api';
import { z } from 'zod';
import { jsonInstruction, jsonSchemaOf } from '../llm/json.ts';
import { fillTemplate } from '../llm/prompts/index.ts';
import { FACET_COMBINED_PROMPT, FACET_SINGLE_PROMPT, FACET_SYSTEM_PROMPT, SCREENER_PROMPT } from '../llm/prompts/facets.ts';
import { isLlmCallError, type LlmClient } from '../llm/types.ts';
import { scrubPii } from '../privacy/scrub.ts';
import type { Workspace } from '../store/workspace.ts';
import type { Message, Role } from '../types.ts';
import { forEachConcurrent } from '../util/concurrency.ts';
import { groupMessages, type MessageRow } from './extract.ts';
import { SCREENED_FACET, type ModelFacet, type ModelFacetKind, type Screener } from './facet-config.ts';

export type FacetCallMode = 'combined' | 'per-facet';

// --- Transcript and truncation ------------------------------------------------------------------------
//
// Truncation rule (what the model sees of a conversation):
//   1. System messages are left out (operator instructions, not the user's conversation); user,
//      assistant and tool messages are kept in order, each PII-scrubbed, whitespace-trimmed and wrapped
//      in a tag naming its role.
//   2. A message longer than MESSAGE_MAX_CHARS keeps its first two thirds and last third of that budget,
//      with a marker saying how many characters were cut in between (pasted logs and documents are
//      the usual cause; their beginning and end say what they are).
//   3. If the whole transcript is still longer than TRANSCRIPT_MAX_CHARS, the first user message is kept
//      (it states the request), then as many of the last messages as fit, newest first; the messages in
//      between are replaced by one marker line saying how many were left out.
// The result never exceeds TRANSCRIPT_MAX_CHARS.

/**
 * Longest transcript sent, in characters (about 4,000 tokens at 4 characters a token). Facets describe
 * the conversation as a whole, which its opening and latest turns show; a larger budget mostly adds
 * cost, and the facet stage is most of the run's cost.
 */
export const TRANSCRIPT_MAX_CHARS = 16_000;
/** Longest single message, in characters, before its middle is cut (three fit in the transcript budget). */
export const MESSAGE_MAX_CHARS = 5_000;
/** Rough characters per token for estimates (English prose with a BPE tokenizer). */
export const CHARS_PER_TOKEN = 4;

const OPEN = '<conversation>\n';
const CLOSE = '</conversation>';
/** Room kept for the "messages omitted" marker line. */
const OMISSION_MARKER_RESERVE = 48;
const SHOWN_ROLES: ReadonlySet<Role> = new Set(['user', 'assistant', 'tool']);

/** The conversation as the facet prompts show it: tagged, scrubbed and truncated by the rule above. */
export function formatTranscript(messages: readonly Message[]): string {
  const shown = messages.filter((message) => SHOWN_ROLES.has(message.role));
  const rendered = shown.map((message) => `<${message.role}>\n${capMessage(scrubPii(message.content.trim()).text)}\n</${message.role}>\n`);
  const total = rendered.reduce((sum, part) => sum + part.length, OPEN.length + CLOSE.length);
  if (total <= TRANSCRIPT_MAX_CHARS) return OPEN + rendered.join('') + CLOSE;

  const first = Math.max(0, shown.findIndex((message) => message.role === 'user'));
  let room = TRANSCRIPT_MAX_CHARS - OPEN.length - CLOSE.length - rendered[first].length - OMISSION_MARKER_RESERVE;
  let tailStart = rendered.length;
  while (tailStart - 1 > first && rendered[tailStart - 1].length <= room) {
    tailStart--;
    room -= rendered[tailStart].length;
  }
  const omitted = rendered.length - 1 - (rendered.length - tailStart);
  const marker = omitted > 0 ? `[... ${omitted} message${omitted === 1 ? '' : 's'} left out ...]\n` : '';
  return OPEN + rendered[first] + marker + rendered.slice(tailStart).join('') + CLOSE;
}

function capMessage(text: string): string {
  if (text.length <= MESSAGE_MAX_CHARS) return text;
  const marker = `\n[... ${text.length - MESSAGE_MAX_CHARS} characters cut ...]\n`;
  const keep = MESSAGE_MAX_CHARS - marker.length;
  const head = Math.ceil((keep * 2) / 3);
  return text.slice(0, head) + marker + text.slice(text.length - (keep - head));
}

// --- Prompts and answer schemas -------------------------------------------------------------------------

const SCREENER_ANSWER = z.object({ answer: z.enum(['yes', 'no']) });

export interface FacetCall {
  stage: 'facets' | 'screen';
  system: string;
  prompt: string;
  schema: z.ZodType<Record<string, unknown>>;
  maxOutputTokens: number;
  /** Facets this call answers (none for the screener). */
  facets: readonly ModelFacet[];
}

/** Expected answer size per facet kind, in output tokens (two sentences of text; a code or a number). */
export const EXPECTED_ANSWER_TOKENS: Readonly<Record<ModelFacetKind, number>> = { text: 50, category: 5, yesno: 2, number: 2, languages: 6 };
/** JSON punctuation and the key, per answer. */
const JSON_TOKENS_PER_ANSWER = 6;
/** Output ceiling per answer kind: generous, so a valid answer is never cut off. */
const MAX_ANSWER_TOKENS: Readonly<Record<ModelFacetKind, number>> = { text: 250, category: 40, yesno: 10, number: 10, languages: 40 };

/** The calls one conversation needs in a mode, screener first. */
export function facetCalls(transcript: string, options: { facets: readonly ModelFacet[]; mode: FacetCallMode; screener?: Screener }): FacetCall[] {
  const calls: FacetCall[] = [];
  if (options.screener) {
    calls.push({
      stage: 'screen',
      system: FACET_SYSTEM_PROMPT,
      prompt: fillTemplate(SCREENER_PROMPT, { transcript, question: options.screener.question }),
      schema: SCREENER_ANSWER,
      maxOutputTokens: 20,
      facets: [],
    });
  }
  if (options.facets.length === 0) return calls;
  if (options.mode === 'combined') {
    const questions = options.facets.map((facet) => `- "${facet.name}": ${facet.question}\n  Format: ${facet.format}.`).join('\n');
    calls.push({
      stage: 'facets',
      system: FACET_SYSTEM_PROMPT,
      prompt: fillTemplate(FACET_COMBINED_PROMPT, { transcript, questions }),
      schema: z.object(Object.fromEntries(options.facets.map((facet) => [facet.name, facet.schema]))),
      maxOutputTokens: options.facets.reduce((sum, facet) => sum + MAX_ANSWER_TOKENS[facet.kind] + JSON_TOKENS_PER_ANSWER, 20),
      facets: options.facets,
    });
  } else {
    for (const facet of options.facets) {
      calls.push({
        stage: 'facets',
        system: FACET_SYSTEM_PROMPT,
        prompt: fillTemplate(FACET_SINGLE_PROMPT, { transcript, question: facet.question, format: facet.format }),
        schema: z.object({ answer: facet.schema }),
        maxOutputTokens: MAX_ANSWER_TOKENS[facet.kind] + 20,
        facets: [facet],
      });
    }
  }
  return calls;
}

// --- Estimates for --dry-run ----------------------------------------------------------------------------

export interface TokenEstimate {
  calls: number;
  inputTokens: number;
  outputTokens: number;
}

export interface FacetTokenEstimate {
  combined: TokenEstimate;
  perFacet: TokenEstimate;
  /** Included in both modes' figures; every conversation is assumed to pass it (an upper bound). */
  screener?: TokenEstimate;
}

/**
 * Tokens one conversation costs in each mode: characters / CHARS_PER_TOKEN of the system prompt and the
 * actual prompt that would be sent, with the JSON-schema instruction the LLM client appends to it, plus
 * the expected answer size (EXPECTED_ANSWER_TOKENS).
 */
export function estimateFacetTokens(messages: readonly Message[], options: { facets: readonly ModelFacet[]; screener?: Screener }): FacetTokenEstimate {
  const transcript = formatTranscript(messages);
  const sum = (calls: FacetCall[]): TokenEstimate => {
    const estimate = { calls: calls.length, inputTokens: 0, outputTokens: 0 };
    for (const call of calls) {
      estimate.inputTokens += Math.ceil((call.system.length + call.prompt.length + instructionChars(call.schema)) / CHARS_PER_TOKEN);
      estimate.outputTokens +=
        call.facets.length === 0 ? JSON_TOKENS_PER_ANSWER + EXPECTED_ANSWER_TOKENS.yesno : call.facets.reduce((total, facet) => total + EXPECTED_ANSWER_TOKENS[facet.kind] + JSON_TOKENS_PER_ANSWER, 2);
    }
    return estimate;
  };
  const estimate: FacetTokenEstimate = {
    combined: sum(facetCalls(transcript, { ...options, mode: 'combined' })),
    perFacet: sum(facetCalls(transcript, { ...options, mode: 'per-facet' })),
  };
  if (options.screener) estimate.screener = sum(facetCalls(transcript, { facets: [], mode: 'combined', screener: options.screener }));
  return estimate;
}

const instructionCharsCache = new WeakMap<object, number>();
function instructionChars(schema: z.ZodType): number {
  let chars = instructionCharsCache.get(schema);
  if (chars === undefined) {
    chars = jsonInstruction(jsonSchemaOf(schema)).length;
    instructionCharsCache.set(schema, chars);
  }
  return chars;
}

export interface WorkspaceFacetEstimate {
  conversations: number;
  sampled: number;
  /** Mean per conversation over the sample. */
  perConversation: FacetTokenEstimate;
  /** perConversation times the number of conversations. */
  total: FacetTokenEstimate;
}

/**
 * estimateFacetTokens over a deterministic sample of the workspace's conversations (by hash of the id),
 * scaled to all of them. Nothing is sent anywhere.
 */
export async function estimateWorkspaceFacetTokens(
  ws: Workspace,
  options: { facets: readonly ModelFacet[]; screener?: Screener; sampleSize?: number },
): Promise<WorkspaceFacetEstimate> {
  const sampleSize = options.sampleSize ?? 1000;
  const [{ conversations }] = await ws.all<{ conversations: number }>('SELECT count(*) AS conversations FROM conversations');
  const rows = await ws.all<MessageRow>(
    `WITH sample AS (SELECT conversation_id FROM conversations ORDER BY md5(conversation_id) LIMIT $1)
     SELECT m.conversation_id, m.role, m.content FROM messages m JOIN sample USING (conversation_id) ORDER BY m.conversation_id, m.position`,
    [sampleSize],
  );
  const grouped = groupMessages(rows);
  const zero = (): TokenEstimate => ({ calls: 0, inputTokens: 0, outputTokens: 0 });
  const mean: FacetTokenEstimate = { combined: zero(), perFacet: zero(), ...(options.screener ? { screener: zero() } : {}) };
  const add = (into: TokenEstimate, from: TokenEstimate) => {
    into.calls += from.calls;
    into.inputTokens += from.inputTokens;
    into.outputTokens += from.outputTokens;
  };
  for (const messages of grouped.values()) {
    const one = estimateFacetTokens(messages, options);
    add(mean.combined, one.combined);
    add(mean.perFacet, one.perFacet);
    if (mean.screener && one.screener) add(mean.screener, one.screener);
  }
  const sampled = grouped.size;
  const scale = (estimate: TokenEstimate, factor: number): TokenEstimate => ({
    calls: estimate.calls * factor,
    inputTokens: estimate.inputTokens * factor,
    outputTokens: estimate.outputTokens * factor,
  });
  const scaleAll = (estimate: FacetTokenEstimate, factor: number): FacetTokenEstimate => ({
    combined: scale(estimate.combined, factor),
    perFacet: scale(estimate.perFacet, factor),
    ...(estimate.screener ? { screener: scale(estimate.screener, factor) } : {}),
  });
  const perConversation = scaleAll(mean, sampled > 0 ? 1 / sampled : 0);
  return { conversations, sampled, perConversation, total: scaleAll(perConversation, conversations) };
}

// --- Extraction -----------------------------------------------------------------------------------------

export interface ExtractModelFacetsOptions {
  facets: readonly ModelFacet[];
  mode: FacetCallMode;
  screener?: Screener;
  /** Names the settings that produced these facets; stored with every value, and what resuming keys on. */
  runKey: string;
  /** Conversations in flight at once (default 16); the LLM client applies its own limits on top. */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
  /** Process at most this many of the pending conversations (in conversation id order). */
  limit?: number;
}

export interface ModelFacetFailure {
  conversationId: string;
  reason: string;
}

export interface ExtractModelFacetsResult {
  /** Conversations whose answers were stored now (screened-out ones included). */
  done: number;
  /** Conversations whose calls failed for good now (recorded in llm_failures). */
  failed: number;
  /** Conversations that already had this runKey's facets. */
  skipped: number;
  /** Conversations the screener answered "no" for (part of `done`). */
  screenedOut: number;
  failures: ModelFacetFailure[];
}

/** Conversations read from the workspace at a time. */
const PAGE_SIZE = 256;
/** Completed conversations buffered before they are written: the most a crash loses (the cache keeps the answers). */
const WRITE_BATCH_CONVERSATIONS = 32;
/** Longest failure reason stored. */
const REASON_MAX_CHARS = 300;

interface FacetRow {
  conversationId: string;
  facet: string;
  kind: string;
  text: string | null;
  number: number | null;
}

export async function extractModelFacets(ws: Workspace, client: LlmClient, options: ExtractModelFacetsOptions): Promise<ExtractModelFacetsResult> {
  const { runKey, mode, screener } = options;
  const facets = [...options.facets];
  const names = new Set<string>();
  for (const facet of facets) {
    if (names.has(facet.name) || facet.name === SCREENED_FACET) throw new Error(`model facet '${facet.name}' is listed twice or reserved`);
    names.add(facet.name);
  }
  const pendingTable = 'model_facet_pending';
  await ws.run(
    `CREATE OR REPLACE TEMP TABLE ${pendingTable} AS
     SELECT conversation_id FROM conversations
     WHERE conversation_id NOT IN (SELECT DISTINCT conversation_id FROM facets WHERE run_key = $1 AND source = 'model')
     ORDER BY conversation_id ${options.limit !== undefined ? `LIMIT ${Math.max(0, Math.floor(options.limit))}` : ''}`,
    [runKey],
  );
  const [{ pending, all }] = await ws.all<{ pending: number; all: number }>(
    `SELECT (SELECT count(*) FROM ${pendingTable}) AS pending, (SELECT count(*) FROM conversations) AS all`,
  );
  const alreadyDone = await ws.all<{ n: number }>(
    `SELECT count(DISTINCT conversation_id) AS n FROM facets WHERE run_key = $1 AND source = 'model'`,
    [runKey],
  );
  const result: ExtractModelFacetsResult = { done: 0, failed: 0, skipped: Math.min(alreadyDone[0].n, all), screenedOut: 0, failures: [] };
  options.onProgress?.(0, pending);

  let buffered: FacetRow[] = [];
  let bufferedConversations: string[] = [];
  let writes: Promise<void> = Promise.resolve();
  const enqueueWrite = (write: () => Promise<void>): Promise<void> => {
    writes = writes.then(write);
    return writes;
  };
  const flush = (): Promise<void> => {
    if (bufferedConversations.length === 0) return writes;
    const rows = buffered;
    const conversationIds = bufferedConversations;
    buffered = [];
    bufferedConversations = [];
    return enqueueWrite(() => writeFacetRows(ws, runKey, rows, conversationIds));
  };

  const reportProgress = () => options.onProgress?.(result.done + result.failed, pending);

  async function processConversation(conversationId: string, messages: Message[]): Promise<void> {
    const transcript = formatTranscript(messages);
    const rows: FacetRow[] = [];
    try {
      for (const call of facetCalls(transcript, { facets, mode, screener })) {
        const { value } = await client.generate({ stage: call.stage, system: call.system, prompt: call.prompt, schema: call.schema, maxOutputTokens: call.maxOutputTokens });
        if (call.stage === 'screen') {
          const answer = (value as z.infer<typeof SCREENER_ANSWER>).answer;
          rows.push({ conversationId, facet: SCREENED_FACET, kind: 'category', text: answer, number: null });
          if (answer === 'no') {
            result.screenedOut++;
            break;
          }
          continue;
        }
        for (const facet of call.facets) {
          const answer = mode === 'combined' ? value[facet.name] : value.answer;
          rows.push(facetRow(conversationId, facet, answer as string | number | string[]));
        }
      }
    } catch (error) {
      if (!isLlmCallError(error)) throw error;
      const reason = describeFailure(error.llmErrorKind, error.message);
      result.failed++;
      result.failures.push({ conversationId, reason });
      await enqueueWrite(() => recordFailure(ws, runKey, conversationId, reason));
      reportProgress();
      return;
    }
    buffered.push(...rows);
    bufferedConversations.push(conversationId);
    result.done++;
    reportProgress();
    if (bufferedConversations.length >= WRITE_BATCH_CONVERSATIONS) await flush();
  }

  try {
    await forEachConcurrent(readPending(ws, pendingTable), options.concurrency ?? 16, (conversation) =>
      processConversation(conversation.conversationId, conversation.messages),
    );
  } finally {
    await flush().catch(() => undefined);
    await writes.catch(() => undefined);
    await ws.run(`DROP TABLE IF EXISTS ${pendingTable}`);
  }
  // Surface a write error that the finally block swallowed (the run must not report work it lost).
  await writes;
  return result;
}

async function* readPending(ws: Workspace, pendingTable: string): AsyncGenerator<{ conversationId: string; messages: Message[] }> {
  let after = '';
  for (;;) {
    const page = await ws.all<{ conversation_id: string }>(
      `SELECT conversation_id FROM ${pendingTable} WHERE conversation_id > $1 ORDER BY conversation_id LIMIT $2`,
      [after, PAGE_SIZE],
    );
    if (page.length === 0) return;
    const first = page[0].conversation_id;
    after = page[page.length - 1].conversation_id;
    const rows = await ws.all<MessageRow>(
      `SELECT m.conversation_id, m.role, m.content FROM messages m JOIN ${pendingTable} p USING (conversation_id)
       WHERE m.conversation_id BETWEEN $1 AND $2 ORDER BY m.conversation_id, m.position`,
      [first, after],
    );
    const grouped = groupMessages(rows);
    for (const { conversation_id } of page) yield { conversationId: conversation_id, messages: grouped.get(conversation_id) ?? [] };
  }
}

/** The stored form of an answer; text is scrubbed again (second privacy layer) and whitespace collapsed. */
function facetRow(conversationId: string, facet: ModelFacet, answer: string | number | string[]): FacetRow {
  const row = { conversationId, facet: facet.name, kind: facet.definition.kind };
  switch (facet.kind) {
    case 'number':
      return { ...row, text: null, number: answer as number };
    case 'languages':
      return { ...row, text: [...new Set(answer as string[])].join(','), number: null };
    case 'text':
      return { ...row, text: scrubPii(String(answer)).text.replace(/\s+/g, ' ').trim(), number: null };
    default:
      return { ...row, text: String(answer), number: null };
  }
}

/** A failure reason without any model output in it beyond the client's message, scrubbed and cut short. */
function describeFailure(kind: string, message: string): string {
  const text = `${kind}: ${scrubPii(message).text.replace(/\s+/g, ' ')}`;
  return text.length > REASON_MAX_CHARS ? `${text.slice(0, REASON_MAX_CHARS - 3)}...` : text;
}

/**
 * One INSERT per batch: a single statement is atomic, and no explicit transaction is opened on the
 * connection that the LLM client's cache writes share.
 */
async function writeFacetRows(ws: Workspace, runKey: string, rows: readonly FacetRow[], conversationIds: readonly string[]): Promise<void> {
  try {
    if (rows.length > 0) {
      const values: (string | number | null)[] = [];
      const tuples = rows.map((row, index) => {
        values.push(row.conversationId, row.facet, row.kind, row.text, row.number);
        const base = index * 5;
        return `($${base + 1}, $${base + 2}, $${base + 3}, 'model', $${base + 4}, $${base + 5}::DOUBLE, $${rows.length * 5 + 1})`;
      });
      values.push(runKey);
      await ws.run(
        `INSERT INTO facets (conversation_id, facet, kind, source, value_text, value_number, run_key) VALUES ${tuples.join(', ')}`,
        values,
      );
    }
    await ws.run(
      `DELETE FROM llm_failures WHERE run_key = $1 AND stage = 'facets' AND item_id IN (SELECT unnest($2::VARCHAR[]))`,
      [runKey, listValue(conversationIds)],
    );
  } catch (error) {
    throw new Error(`cannot store model facets of ${conversationIds.length} conversations`, { cause: error });
  }
}

async function recordFailure(ws: Workspace, runKey: string, conversationId: string, reason: string): Promise<void> {
  await ws.run(`INSERT OR REPLACE INTO llm_failures (run_key, stage, item_id, reason) VALUES ($1, 'facets', $2, $3)`, [runKey, conversationId, reason]);
}
