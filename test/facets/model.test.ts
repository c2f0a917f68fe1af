import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BUILTIN_MODEL_FACETS, parseFacetConfig, SCREENED_FACET } from '../../src/facets/facet-config.ts';
import { estimateFacetTokens, extractModelFacets, formatTranscript, MESSAGE_MAX_CHARS, TRANSCRIPT_MAX_CHARS } from '../../src/facets/model.ts';
import { createLlmClient } from '../../src/llm/client.ts';
import { FACET_SYSTEM_PROMPT, LANGUAGES_QUESTION } from '../../src/llm/prompts/index.ts';
import type { LlmClient } from '../../src/llm/types.ts';
import type { Workspace } from '../../src/store/workspace.ts';
import type { Message } from '../../src/types.ts';
import { baseUrlFor, scratchWorkspace, testConfig } from '../llm/helpers.ts';
import { pipelineResponder } from '../llm/script.ts';
import { startFakeLlmServer, type FakeLlmServer, type ScriptedRequest } from '../llm/server.ts';

const CANARY_EMAIL = 'zelda.canary@example.org';
const CANARY_PHONE = '+44 20 7946 0958';

const CONVERSATIONS: Record<string, Message[]> = {
  a: [
    { role: 'system', content: 'You are a helpful assistant.' },
    { role: 'user', content: 'How do I reverse a linked list in Python? I keep getting a TypeError.' },
    { role: 'assistant', content: 'Iterate with three pointers: previous, current and next.' },
  ],
  b: [
    { role: 'user', content: 'Bonjour, je cherche une recette de gâteau au chocolat pour les enfants avec des œufs.' },
    { role: 'assistant', content: 'Voici une recette simple.' },
  ],
  c: [
    { role: 'user', content: `Write a complaint letter about my broken boiler. Reply to ${CANARY_EMAIL} or call ${CANARY_PHONE}.` },
    { role: 'assistant', content: 'Dear landlord, ...' },
  ],
  d: [{ role: 'user', content: 'What is a good cooking time for roast potatoes in the oven?' }],
};

let ws: Workspace;
let server: FakeLlmServer;
let client: LlmClient;
/** Per test: a responder consulted before the pipeline script (return undefined to pass). */
let override: (request: ScriptedRequest) => string | undefined = () => undefined;
const seen: ScriptedRequest[] = [];

before(async () => {
  ws = await scratchWorkspace('model-facets');
  for (const [id, messages] of Object.entries(CONVERSATIONS)) {
    await ws.run(
      `INSERT INTO conversations (conversation_id, source_id, turns, user_turns, user_chars, assistant_chars) VALUES ($1, 1, $2, 1, 10, 10)`,
      [id, messages.length],
    );
    for (const [position, message] of messages.entries()) {
      await ws.run('INSERT INTO messages VALUES ($1, $2, $3, $4)', [id, position, message.role, message.content]);
    }
  }
  server = await startFakeLlmServer({
    respond: (request) => {
      seen.push(request);
      return override(request) ?? pipelineResponder(request) ?? '{}';
    },
  });
  // No call cache: each test scripts its own answers to prompts that earlier tests already sent.
  client = createLlmClient(testConfig('anthropic', baseUrlFor('anthropic', server.url), { maxRetries: 0, repairAttempts: 1 }));
});

after(async () => {
  await client.close();
  await server.close();
  ws.close();
});

const modelCalls = () => server.requests.filter((r) => r.path === '/v1/messages').length;
const facetsOf = async (runKey: string) =>
  ws.all<{ conversation_id: string; facet: string; kind: string; source: string; value_text: string | null; value_number: number | null }>(
    `SELECT conversation_id, facet, kind, source, value_text, value_number FROM facets WHERE run_key = $1 ORDER BY conversation_id, facet`,
    [runKey],
  );
const userPrompt = (request: ScriptedRequest) => request.messages[0].content;

test('combined mode: one call per conversation, every built-in facet stored with source model', async () => {
  const before = modelCalls();
  const result = await extractModelFacets(ws, client, { facets: BUILTIN_MODEL_FACETS, mode: 'combined', runKey: 'combined-1' });
  assert.deepEqual({ done: result.done, failed: result.failed, skipped: result.skipped }, { done: 4, failed: 0, skipped: 0 });
  assert.equal(modelCalls() - before, 4);
  const rows = await facetsOf('combined-1');
  assert.equal(rows.length, 16);
  assert.ok(rows.every((row) => row.source === 'model'));
  const get = (id: string, facet: string) => rows.find((row) => row.conversation_id === id && row.facet === facet);
  assert.equal(get('a', 'request')?.value_text, 'How do I reverse a linked list in Python?');
  assert.equal(get('a', 'languages')?.value_text, 'en');
  assert.equal(get('b', 'languages')?.value_text, 'fr');
  assert.equal(get('b', 'languages')?.kind, 'category');
  assert.equal(get('a', 'concern')?.value_number, 1);
  assert.equal(get('a', 'concern')?.kind, 'number');
  // System messages are not shown to the model.
  assert.ok(seen.every((request) => !userPrompt(request).includes('You are a helpful assistant.')));
});

test('rerun with the same runKey makes no calls and skips every conversation', async () => {
  const before = modelCalls();
  const result = await extractModelFacets(ws, client, { facets: BUILTIN_MODEL_FACETS, mode: 'combined', runKey: 'combined-1' });
  assert.deepEqual({ done: result.done, skipped: result.skipped }, { done: 0, skipped: 4 });
  assert.equal(modelCalls(), before);
});

test('per-facet mode: one call per facet, same stored values as combined', async () => {
  const before = modelCalls();
  const result = await extractModelFacets(ws, client, { facets: BUILTIN_MODEL_FACETS, mode: 'per-facet', runKey: 'per-facet-1' });
  assert.equal(result.done, 4);
  assert.equal(modelCalls() - before, 16);
  const strip = (rows: Awaited<ReturnType<typeof facetsOf>>) => rows.map(({ conversation_id, facet, value_text, value_number }) => ({ conversation_id, facet, value_text, value_number }));
  assert.deepEqual(strip(await facetsOf('per-facet-1')), strip(await facetsOf('combined-1')));
});

test('a language code outside the table is sent back to the model; one still invalid after repair is a recorded failure', async () => {
  override = (request) => {
    if (request.system !== FACET_SYSTEM_PROMPT || !userPrompt(request).includes(`Question: ${LANGUAGES_QUESTION}`)) return undefined;
    const isRepair = request.messages.length > 1;
    if (userPrompt(request).includes('linked list')) return JSON.stringify({ answer: isRepair ? ['en'] : ['english'] });
    if (userPrompt(request).includes('gâteau')) return JSON.stringify({ answer: ['xx'] });
    return undefined;
  };
  const languages = BUILTIN_MODEL_FACETS.filter((facet) => facet.name === 'languages');
  const result = await extractModelFacets(ws, client, { facets: languages, mode: 'per-facet', runKey: 'languages-1' });
  override = () => undefined;
  assert.deepEqual({ done: result.done, failed: result.failed }, { done: 3, failed: 1 });
  assert.equal(result.failures[0].conversationId, 'b');
  assert.match(result.failures[0].reason, /^invalid-output/);
  const rows = await facetsOf('languages-1');
  assert.equal(rows.find((row) => row.conversation_id === 'a')?.value_text, 'en');
  assert.equal(rows.filter((row) => row.conversation_id === 'b').length, 0);
  const failures = await ws.all<{ item_id: string; stage: string; reason: string }>(`SELECT item_id, stage, reason FROM llm_failures WHERE run_key = 'languages-1'`);
  assert.deepEqual(failures.map((f) => [f.item_id, f.stage]), [['b', 'facets']]);

  // The rerun retries only the failed conversation and clears its failure once it succeeds.
  const before = modelCalls();
  const rerun = await extractModelFacets(ws, client, { facets: languages, mode: 'per-facet', runKey: 'languages-1' });
  assert.deepEqual({ done: rerun.done, failed: rerun.failed, skipped: rerun.skipped }, { done: 1, failed: 0, skipped: 3 });
  assert.equal(modelCalls() - before, 1);
  assert.equal((await ws.all(`SELECT * FROM llm_failures WHERE run_key = 'languages-1'`)).length, 0);
});

test('a conversation whose calls fail lands in llm_failures and the others complete', async () => {
  override = (request) => (userPrompt(request).includes('roast potatoes') ? 'I would rather not answer in JSON.' : undefined);
  const progress: number[] = [];
  const result = await extractModelFacets(ws, client, {
    facets: BUILTIN_MODEL_FACETS,
    mode: 'combined',
    runKey: 'failing-1',
    concurrency: 2,
    onProgress: (done) => progress.push(done),
  });
  override = () => undefined;
  assert.deepEqual({ done: result.done, failed: result.failed }, { done: 3, failed: 1 });
  assert.deepEqual(result.failures.map((f) => f.conversationId), ['d']);
  assert.equal(progress.at(-1), 4);
  const stored = await ws.all<{ conversation_id: string }>(`SELECT DISTINCT conversation_id FROM facets WHERE run_key = 'failing-1' ORDER BY 1`);
  assert.deepEqual(stored.map((row) => row.conversation_id), ['a', 'b', 'c']);
  const [failure] = await ws.all<{ item_id: string; reason: string }>(`SELECT item_id, reason FROM llm_failures WHERE run_key = 'failing-1'`);
  assert.equal(failure.item_id, 'd');
  assert.doesNotMatch(failure.reason, /potatoes/);
});

test('screener: conversations answered "no" get only screened = no', async () => {
  const transcript = (request: ScriptedRequest) => userPrompt(request).split('Screening question:')[0];
  override = (request) =>
    userPrompt(request).includes('Screening question:') && !/cooking|gâteau/.test(transcript(request)) ? JSON.stringify({ answer: 'no' }) : undefined;
  const result = await extractModelFacets(ws, client, {
    facets: BUILTIN_MODEL_FACETS,
    mode: 'combined',
    runKey: 'screened-1',
    screener: { question: 'Is this conversation about food or cooking?' },
  });
  override = () => undefined;
  assert.deepEqual({ done: result.done, screenedOut: result.screenedOut }, { done: 4, screenedOut: 2 });
  const rows = await facetsOf('screened-1');
  const of = (id: string) => rows.filter((row) => row.conversation_id === id).map((row) => `${row.facet}=${row.value_text ?? row.value_number}`);
  assert.deepEqual(of('a'), [`${SCREENED_FACET}=no`]);
  assert.deepEqual(of('c'), [`${SCREENED_FACET}=no`]);
  assert.equal(of('b').length, 5);
  assert.ok(of('d').includes(`${SCREENED_FACET}=yes`));
});

test('canary: contact details never reach the model nor the stored facets, even when the model invents them', async () => {
  seen.length = 0;
  override = (request) =>
    request.system === FACET_SYSTEM_PROMPT && userPrompt(request).includes('boiler')
      ? JSON.stringify({ request: `Write a complaint for ${CANARY_EMAIL}, phone ${CANARY_PHONE}.`, task: 'Writing a letter.', languages: ['en'], concern: 1 })
      : undefined;
  await extractModelFacets(ws, client, { facets: BUILTIN_MODEL_FACETS, mode: 'combined', runKey: 'canary-1' });
  override = () => undefined;
  const sent = seen.map((request) => JSON.stringify(request)).join('\n');
  assert.ok(sent.includes('boiler'));
  assert.ok(!sent.includes(CANARY_EMAIL) && !sent.includes('7946'), 'the transcript is scrubbed before it is sent');
  const stored = JSON.stringify(await facetsOf('canary-1'));
  assert.ok(!stored.includes(CANARY_EMAIL) && !stored.includes('7946'));
  assert.match(stored, /\[EMAIL\], phone \[PHONE\]/);
});

test('truncation keeps the first user turn and the last turns, marks the cut and stays within budget', () => {
  const turn = (i: number) => `turn ${i} ` + 'lorem ipsum dolor '.repeat(200);
  const messages: Message[] = [{ role: 'system', content: 'SYSTEM TEXT' }];
  for (let i = 0; i < 40; i++) messages.push({ role: i % 2 === 0 ? 'user' : 'assistant', content: turn(i) });
  const transcript = formatTranscript(messages);
  assert.ok(transcript.length <= TRANSCRIPT_MAX_CHARS, `${transcript.length} chars`);
  assert.ok(transcript.startsWith('<conversation>\n<user>\nturn 0 '));
  assert.ok(transcript.includes('turn 39 ') && transcript.includes('turn 38 '));
  assert.ok(!transcript.includes('turn 20 '));
  assert.ok(!transcript.includes('SYSTEM TEXT'));
  const omitted = Number(/\[\.\.\. (\d+) messages left out \.\.\.\]/.exec(transcript)?.[1]);
  const kept = transcript.match(/<(user|assistant)>/g)?.length ?? 0;
  assert.equal(omitted + kept, 40);

  const huge = formatTranscript([{ role: 'user', content: `START ${'x'.repeat(50_000)} END` }, { role: 'assistant', content: `FINAL ${'y'.repeat(50_000)}` }]);
  assert.ok(huge.length <= TRANSCRIPT_MAX_CHARS);
  assert.ok(huge.includes('START') && huge.includes(' END') && huge.includes('FINAL'));
  assert.match(huge, /characters cut/);
  const firstMessage = /<user>\n([\s\S]*?)\n<\/user>/.exec(huge)?.[1] ?? '';
  assert.equal(firstMessage.length, MESSAGE_MAX_CHARS);

  const short = formatTranscript([{ role: 'user', content: 'hello there' }]);
  assert.equal(short, '<conversation>\n<user>\nhello there\n</user>\n</conversation>');
});

test('token estimate: combined makes one call and sends fewer input tokens than per-facet', () => {
  const estimate = estimateFacetTokens(CONVERSATIONS.a, { facets: BUILTIN_MODEL_FACETS, screener: { question: 'Is this about code?' } });
  assert.equal(estimate.combined.calls, 2);
  assert.equal(estimate.perFacet.calls, 5);
  assert.equal(estimate.screener?.calls, 1);
  assert.ok(estimate.combined.inputTokens < estimate.perFacet.inputTokens);
  assert.ok(estimate.combined.outputTokens > 50 && estimate.combined.outputTokens <= estimate.perFacet.outputTokens);
});

test('facet config: user facets parsed; errors name the file and the field', () => {
  const config = parseFacetConfig(
    {
      llm: { provider: 'anthropic' },
      facets: [
        { name: 'sentiment', question: 'How does the user feel?', kind: 'category', values: ['positive', 'neutral', 'negative'] },
        { name: 'frustration', question: 'How frustrated is the user?', kind: 'number', min: 1, max: 10 },
        { name: 'pasted_code', question: 'Did the user paste code?', kind: 'yesno' },
      ],
      screener: { question: 'Is this about programming?' },
    },
    'clio.config.json',
  );
  assert.deepEqual(config.facets.map((facet) => [facet.name, facet.definition.kind, facet.definition.source]), [
    ['sentiment', 'category', 'model'],
    ['frustration', 'number', 'model'],
    ['pasted_code', 'category', 'model'],
  ]);
  assert.equal(config.screener?.question, 'Is this about programming?');
  assert.equal(config.facets[0].schema.safeParse('angry').success, false);
  assert.equal(config.facets[1].schema.safeParse(11).success, false);
  assert.throws(
    () => parseFacetConfig({ facets: [{ name: 'ok', question: 'A question?', kind: 'category', values: ['only'] }] }, 'my.json'),
    /my\.json: facets\[0\]\.values: /,
  );
  assert.throws(() => parseFacetConfig({ facets: [{ name: 'n', question: 'How many?', kind: 'number', min: 5, max: 1 }] }, 'my.json'), /my\.json: facets\[0\]\.max: min must be below max/);
  assert.throws(() => parseFacetConfig({ facets: [{ name: 'turns', question: 'How many turns?', kind: 'text' }] }, 'my.json'), /facets\[0\]\.name: 'turns' is the name of a computed facet/);
  assert.throws(() => parseFacetConfig({ facets: [{ name: 'request', question: 'What?', kind: 'text' }] }, 'my.json'), /built-in model facet/);
  const languages = BUILTIN_MODEL_FACETS.find((facet) => facet.name === 'languages')!;
  assert.equal(languages.schema.safeParse(['en', 'fr']).success, true);
  assert.equal(languages.schema.safeParse(['xx']).success, false);
  assert.equal(languages.schema.safeParse(['EN']).success, false);
});
