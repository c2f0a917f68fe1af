// --batch: the facet calls go through the provider's batch API first, so the extraction that follows
// is answered from the call cache and sends no realtime request; the batch is priced at its discount.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { primeFacetsWithBatches } from '../../src/facets/batch.ts';
import { allModelFacets } from '../../src/facets/facet-config.ts';
import { extractModelFacets } from '../../src/facets/model.ts';
import { createLlmClient } from '../../src/llm/client.ts';
import type { Workspace } from '../../src/store/workspace.ts';
import { baseUrlFor, scratchWorkspace, testConfig } from '../llm/helpers.ts';
import { pipelineResponder } from '../llm/script.ts';
import { startFakeLlmServer, type FakeLlmServer } from '../llm/server.ts';

const TEXTS = [
  'How do I reverse a linked list in Python?',
  'Give me a recipe for a chocolate cake for ten children.',
  'Explain the difference between TCP and UDP.',
  'Write a short poem about autumn leaves.',
  'What is a good cooking time for roast potatoes?',
  'Help me plan a three day trip to Lisbon.',
];

let ws: Workspace;
let server: FakeLlmServer;

before(async () => {
  ws = await scratchWorkspace('facet-batch');
  for (const [i, text] of TEXTS.entries()) {
    await ws.run(`INSERT INTO conversations (conversation_id, source_id, turns, user_turns, user_chars, assistant_chars) VALUES ($1, 1, 2, 1, 10, 10)`, [`c${i}`]);
    await ws.run('INSERT INTO messages VALUES ($1, 0, $2, $3), ($1, 1, $4, $5)', [`c${i}`, 'user', text, 'assistant', 'Here is an answer.']);
  }
  server = await startFakeLlmServer({ respond: (request) => pipelineResponder(request) ?? '{}', batchDelayMs: 300 });
});

after(async () => {
  await server.close();
  ws.close();
});

for (const provider of ['anthropic', 'openai'] as const) {
  test(`${provider}: facets primed through a batch are then extracted without any realtime call, at the batch price`, async () => {
    const runKey = `batch-${provider}`;
    const config = testConfig(provider, baseUrlFor(provider, server.url), { batch: true });
    const client = createLlmClient(config, { ws });
    try {
      const facets = allModelFacets();
      const primed = await primeFacetsWithBatches(ws, client, { facets, mode: 'combined', runKey, pollIntervalMs: 100 });
      assert.deepEqual(primed, { conversations: TEXTS.length, requests: TEXTS.length });
      const realtimePath = provider === 'anthropic' ? '/v1/messages' : '/v1/chat/completions';
      const realtimeBefore = server.requests.filter((r) => r.path === realtimePath).length;

      const result = await extractModelFacets(ws, client, { facets, mode: 'combined', runKey });
      assert.equal(result.done, TEXTS.length);
      assert.equal(server.requests.filter((r) => r.path === realtimePath).length, realtimeBefore, 'no realtime call after the batch');
      const usage = client.usage().facets;
      assert.equal(usage.cachedCalls, TEXTS.length, 'the extraction was answered from the cache');
      const price = config.prices[config.stages.facets.model];
      const listCost = (usage.inputTokens * price.inputPerMTok + usage.outputTokens * price.outputPerMTok) / 1e6;
      assert.ok(usage.costUsd !== null && Math.abs(usage.costUsd - listCost * price.batchDiscount) < 1e-9, 'batch calls cost the discounted price');
      const [{ n }] = await ws.all<{ n: number }>(`SELECT count(DISTINCT conversation_id) AS n FROM facets WHERE run_key = $1 AND facet = 'request'`, [runKey]);
      assert.equal(n, TEXTS.length);
    } finally {
      await client.close();
    }
  });
}
