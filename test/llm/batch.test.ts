import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { runBatch } from '../../src/llm/batch.ts';
import { createLlmClient } from '../../src/llm/client.ts';
import { isLlmCallError, type GenerateResult } from '../../src/llm/types.ts';
import { startFakeLlmServer } from './server.ts';
import { baseUrlFor, scratchWorkspace, testConfig } from './helpers.ts';

const schema = z.object({ task: z.string(), concern: z.number() });
const items = (prompts: string[]) => prompts.map((prompt, i) => ({ id: `c${i}`, request: { stage: 'facets' as const, prompt, schema } }));
const answer = (prompt: string) => JSON.stringify({ task: `task for ${prompt.split('\n')[0]}`, concern: 2 });

for (const provider of ['anthropic', 'openai'] as const) {
  test(`${provider} batch: submit, poll, results cached; a restarted client polls the stored batch`, async () => {
    const server = await startFakeLlmServer({ respond: (r) => answer(r.messages[0].content), batchDelayMs: 600 });
    const ws = await scratchWorkspace(`batch-${provider}`);
    try {
      const config = testConfig(provider, baseUrlFor(provider, server.url));
      const submissions = () => server.requests.filter((r) => r.method === 'POST' && (r.path === '/v1/messages/batches' || r.path === '/v1/batches')).length;

      // First run: submits, then "dies" before the batch ends (the poll is abandoned).
      const first = createLlmClient(config, { ws });
      const dies = new AbortController();
      const abandoned = runBatch({ client: first, stage: 'facets', items: items(['one', 'two', 'three']), pollIntervalMs: 60_000, signal: dies.signal });
      await waitFor(() => submissions() === 1 && server.requests.some((r) => r.method === 'GET'));
      dies.abort();
      await assert.rejects(abandoned, /polling stopped/);
      const stored = await ws.all<{ status: string; cache_keys: string }>('SELECT status, cache_keys FROM llm_batches');
      assert.equal(stored.length, 1);
      assert.equal(stored[0].status, 'submitted');

      // Restart: a new client with the same items (plus one new) polls the stored batch, submits only the new one.
      const second = createLlmClient(config, { ws });
      const results = await runBatch({ client: second, stage: 'facets', items: items(['one', 'two', 'three', 'four']), pollIntervalMs: 100 });
      assert.equal(submissions(), 2, 'one more batch, for the new item only');
      for (const [id, prompt] of [['c0', 'one'], ['c3', 'four']] as const) {
        const result = results.get(id) as GenerateResult<z.infer<typeof schema>>;
        assert.ok(!isLlmCallError(result));
        assert.equal(result.value.task, `task for ${prompt}`);
      }
      const usage = second.usage().facets;
      assert.equal(usage.calls, 4);
      assert.equal(server.requests.filter((r) => r.path === '/v1/messages' || r.path === '/v1/chat/completions').length, 0, 'no realtime calls');
      // Batch price: half the list price.
      const price = config.prices[config.stages.facets.model];
      assert.ok(Math.abs(usage.costUsd! - (usage.inputTokens * price.inputPerMTok + usage.outputTokens * price.outputPerMTok) / 2e6) < 1e-12);

      // Everything is cached now: realtime and batch reruns pay nothing.
      const third = createLlmClient(config, { ws });
      const before = server.requests.length;
      await runBatch({ client: third, stage: 'facets', items: items(['one', 'two', 'three', 'four']), pollIntervalMs: 100 });
      await third.generate(items(['two'])[0].request);
      assert.equal(server.requests.length, before);
      assert.equal(third.usage().facets.cachedCalls, 5);
    } finally {
      ws.close();
      await server.close();
    }
  });
}

test('an invalid batch answer goes through realtime repair', async () => {
  let realtime = 0;
  const server = await startFakeLlmServer({
    respond: (r) => (r.messages.length > 1 ? (realtime++, answer('fixed')) : '{"task": 3}'),
  });
  const ws = await scratchWorkspace('batch-repair');
  try {
    const client = createLlmClient(testConfig('anthropic', server.url), { ws });
    const results = await runBatch({ client, stage: 'facets', items: items(['x']), pollIntervalMs: 50 });
    const result = results.get('c0') as GenerateResult<z.infer<typeof schema>>;
    assert.equal(result.value.task, 'task for fixed');
    assert.equal(realtime, 1);
  } finally {
    ws.close();
    await server.close();
  }
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(condition());
}
