import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { z } from 'zod';
import { createLlmClient } from '../../src/llm/client.ts';
import { isLlmCallError, type LlmCallError } from '../../src/llm/types.ts';
import { startFakeLlmServer, type Fault, type FakeLlmServer, type ScriptedRequest } from './server.ts';
import { baseUrlFor, scratchWorkspace, testConfig } from './helpers.ts';

const facetSchema = z.object({ task: z.string(), concern: z.number().int().min(1).max(5) });
const GOOD = JSON.stringify({ task: 'debugging a parser', concern: 1 });
const servers: FakeLlmServer[] = [];
after(async () => {
  for (const server of servers) await server.close();
});

async function serve(options: Parameters<typeof startFakeLlmServer>[0]): Promise<FakeLlmServer> {
  const server = await startFakeLlmServer(options);
  servers.push(server);
  return server;
}

const faultsAt = (plan: Record<number, Fault>) => (index: number): Fault | null => plan[index] ?? null;
const modelRequests = (server: FakeLlmServer) => server.requests.filter((r) => r.path === '/v1/messages' || r.path === '/v1/chat/completions');

for (const provider of ['anthropic', 'openai'] as const) {
  describe(`${provider} protocol through the real SDK`, () => {
    test('answers, validated against the schema, with usage', async () => {
      const seen: ScriptedRequest[] = [];
      const server = await serve({ respond: (request) => (seen.push(request), `Here you go:\n\`\`\`json\n${GOOD}\n\`\`\``) });
      const client = createLlmClient(testConfig(provider, baseUrlFor(provider, server.url)));
      const result = await client.generate({ stage: 'facets', system: 'SYSTEM-A', prompt: 'describe it', schema: facetSchema });
      assert.deepEqual(result.value, { task: 'debugging a parser', concern: 1 });
      assert.equal(result.cached, false);
      assert.ok(result.usage.inputTokens > 0 && result.usage.outputTokens > 0);
      assert.equal(seen[0].system, 'SYSTEM-A');
      assert.equal(seen[0].temperature, 0.2);
      assert.match(seen[0].messages[0].content, /JSON Schema/);
      // Anthropic goes through SSE streaming.
      assert.equal(modelRequests(server)[0].stream, provider === 'anthropic');
      const usage = client.usage().facets;
      assert.equal(usage.calls, 1);
      assert.ok(usage.costUsd !== null && usage.costUsd > 0);
    });

    test('429 with retry-after is honoured', async () => {
      const server = await serve({ respond: () => GOOD, faultFor: faultsAt({ 0: 'rate429' }), faults: { retryAfterSeconds: 1 } });
      const client = createLlmClient(testConfig(provider, baseUrlFor(provider, server.url)));
      await client.generate({ stage: 'facets', prompt: 'p', schema: facetSchema });
      const [first, second] = modelRequests(server);
      assert.equal(first.status, 429);
      assert.equal(second.status, 200);
      assert.ok(second.time - first.time >= 950, `retried after ${second.time - first.time} ms`);
    });

    test('500, 529, stalls and cut streams are retried', async () => {
      const plan: Record<number, Fault> = { 0: 'rate500', 1: 'rate529', 2: 'stall' };
      if (provider === 'anthropic') plan[3] = 'cutStream';
      const server = await serve({ respond: () => GOOD, faultFor: faultsAt(plan), faults: { stallMs: 5000, retryAfterSeconds: 0 } });
      const client = createLlmClient(testConfig(provider, baseUrlFor(provider, server.url), { timeoutMs: 500 }));
      const result = await client.generate({ stage: 'facets', prompt: 'p', schema: facetSchema });
      assert.equal(result.value.concern, 1);
      assert.equal(modelRequests(server).length, Object.keys(plan).length + 1);
    });

    test('a 400 is not retried', async () => {
      const server = await serve({ respond: () => GOOD, faultFor: faultsAt({ 0: 'rate400' }) });
      const client = createLlmClient(testConfig(provider, baseUrlFor(provider, server.url)));
      const error = await client.generate({ stage: 'facets', prompt: 'p', schema: facetSchema }).catch((e: unknown) => e);
      assert.ok(isLlmCallError(error));
      assert.equal((error as LlmCallError).llmErrorKind, 'refused');
      assert.equal(modelRequests(server).length, 1);
      assert.equal(client.usage().facets.failures, 1);
    });

    test('malformed output is repaired with the validation error shown to the model', async () => {
      const seen: ScriptedRequest[] = [];
      let answers = 0;
      const server = await serve({ respond: (request) => (seen.push(request), answers++ === 0 ? '{"task": "x", "concern": "high"}' : GOOD) });
      const client = createLlmClient(testConfig(provider, baseUrlFor(provider, server.url)));
      const result = await client.generate({ stage: 'facets', prompt: 'p', schema: facetSchema });
      assert.equal(result.value.concern, 1);
      assert.equal(seen.length, 2);
      const repair = seen[1].messages;
      assert.equal(repair.length, 3);
      assert.equal(repair[1].role, 'assistant');
      assert.match(repair[2].content, /field concern: .*expected number/);
    });

    test('permanently malformed output fails with invalid-output, without quoting the answer', async () => {
      const server = await serve({ respond: () => 'I think CANARY-7731 is {not json' });
      const client = createLlmClient(testConfig(provider, baseUrlFor(provider, server.url), { repairAttempts: 2 }));
      const error = await client.generate({ stage: 'facets', prompt: 'p', schema: facetSchema }).catch((e: unknown) => e);
      assert.ok(isLlmCallError(error));
      assert.equal((error as LlmCallError).llmErrorKind, 'invalid-output');
      assert.match((error as Error).message, /facets: answer was not valid JSON after 3 answers/);
      assert.doesNotMatch((error as Error).message, /CANARY/);
      assert.equal(modelRequests(server).length, 3);
    });
  });
}

test('cache: a second client on the same workspace makes zero requests; concurrent duplicates share one call', async () => {
  const server = await serve({ respond: () => GOOD, latencyMs: 50 });
  const ws = await scratchWorkspace('cache');
  try {
    const config = testConfig('anthropic', server.url);
    const first = createLlmClient(config, { ws });
    const prompts = ['a', 'b', 'c', 'a', 'a'];
    await Promise.all(prompts.map((prompt) => first.generate({ stage: 'facets', prompt, schema: facetSchema })));
    assert.equal(modelRequests(server).length, 3);
    assert.equal(first.usage().facets.cachedCalls, 2);
    await first.close();

    const second = createLlmClient(config, { ws });
    const results = await Promise.all(['a', 'b', 'c'].map((prompt) => second.generate({ stage: 'facets', prompt, schema: facetSchema })));
    assert.ok(results.every((result) => result.cached && result.value.concern === 1));
    assert.equal(modelRequests(server).length, 3);
    assert.equal(second.usage().facets.calls, 0);
    assert.equal(second.usage().facets.costUsd, 0);
    // A different temperature is a different call.
    await second.generate({ stage: 'facets', prompt: 'a', schema: facetSchema, temperature: 0.9 });
    assert.equal(modelRequests(server).length, 4);
  } finally {
    ws.close();
  }
});

test('rate limit: requests are spaced at the configured rate', async () => {
  const server = await serve({ respond: () => GOOD });
  const client = createLlmClient(testConfig('openai', `${server.url}/v1`, { requestsPerMinute: 600, concurrency: 16 }));
  await Promise.all(Array.from({ length: 12 }, (_, i) => client.generate({ stage: 'facets', prompt: `p${i}`, schema: facetSchema })));
  const times = modelRequests(server).map((r) => r.time).sort((a, b) => a - b);
  // Judged on arrival times in the server log, with slack for scheduling jitter on a busy machine (and
  // without the first request, which pays the SDK's cold start).
  assert.ok(times[11] - times[1] >= 900, `11 calls at 600 rpm arrived within ${(times[11] - times[1]).toFixed(0)} ms`);
  for (let i = 0; i + 4 < times.length; i++) assert.ok(times[i + 4] - times[i] >= 320, `5 calls within ${(times[i + 4] - times[i]).toFixed(0)} ms`);
});

test('rate limit: input tokens per minute hold calls back', async () => {
  const server = await serve({ respond: () => GOOD });
  // ~250 input tokens per call at 60k tokens/min: one call per 250 ms after the first second's allowance.
  const client = createLlmClient(testConfig('openai', `${server.url}/v1`, { inputTokensPerMinute: 60_000, concurrency: 16 }));
  const prompt = (i: number) => `${i} ${'x'.repeat(1000)}`;
  await Promise.all(Array.from({ length: 10 }, (_, i) => client.generate({ stage: 'facets', prompt: prompt(i), schema: facetSchema })));
  const times = modelRequests(server).map((r) => r.time).sort((a, b) => a - b);
  assert.ok(times[9] - times[0] >= 1000, `10 calls of ~330 tokens took ${(times[9] - times[0]).toFixed(0)} ms at 1000 tokens/s`);
});

test('a canary in the prompt never reaches errors or log lines', async () => {
  const CANARY = 'CANARY-prompt-55219';
  const server = await serve({ respond: () => `not json ${CANARY}`, faultFor: faultsAt({ 0: 'rate500', 1: 'rate429' }), faults: { retryAfterSeconds: 0 } });
  const lines: string[] = [];
  const client = createLlmClient(testConfig('anthropic', server.url, { repairAttempts: 1 }), { log: (line) => lines.push(line) });
  const error = await client.generate({ stage: 'facets', system: `sys ${CANARY}`, prompt: `user said ${CANARY}`, schema: facetSchema }).catch((e: unknown) => e);
  assert.ok(isLlmCallError(error));
  assert.ok(lines.length >= 2, 'retries were logged');
  for (const text of [...lines, (error as Error).message, JSON.stringify(server.requests)]) assert.doesNotMatch(text, /CANARY/);
});
