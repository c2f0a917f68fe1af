import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createLlmClient } from '../../src/llm/client.ts';
import { NAMING_SYSTEM_PROMPT } from '../../src/llm/prompts/index.ts';
import type { LlmClient } from '../../src/llm/types.ts';
import { FALLBACK_NAME_PREFIX, nameClustersWithLlm, type ClusterToName } from '../../src/name/contrastive.ts';
import { auditClusterLabels } from '../../src/privacy/auditor.ts';
import { baseUrlFor, testConfig } from '../llm/helpers.ts';
import { pipelineResponder } from '../llm/script.ts';
import { startFakeLlmServer, type FakeLlmServer, type ScriptedRequest } from '../llm/server.ts';

const CANARY = 'quentin.canary@example.net';
const TOPICS = ['python lists', 'javascript promises', 'chocolate cakes', 'sourdough bread'];
const CENTROIDS = [
  [1, 0.2, 0],
  [0.9, 0.3, 0],
  [0, 0.1, 1],
  [0, 0.3, 0.9],
];

const clusters: ClusterToName[] = TOPICS.map((topic, index) => ({
  index,
  memberSummaries: Array.from({ length: 70 }, (_, i) => `Get help with ${topic} case c${index}m${i}.`),
  memberUsers: Array.from({ length: 70 }, (_, i) => `user-${index}-${i % 35}`),
  centroid: Float32Array.from(CENTROIDS[index]),
}));

let server: FakeLlmServer;
let client: LlmClient;
let override: (request: ScriptedRequest) => string | undefined = () => undefined;
const namingPrompts: string[] = [];

before(async () => {
  server = await startFakeLlmServer({
    respond: (request) => {
      if (request.system === NAMING_SYSTEM_PROMPT && request.messages.length === 1) namingPrompts.push(request.messages[0].content);
      return override(request) ?? pipelineResponder(request) ?? '{}';
    },
  });
  client = createLlmClient(testConfig('openai', baseUrlFor('openai', server.url), { maxRetries: 0, repairAttempts: 1 }));
});
after(async () => {
  await client.close();
  await server.close();
});

const block = (prompt: string, tag: string) => (new RegExp(`<${tag}>\\n([\\s\\S]*?)\\n</${tag}>`).exec(prompt)?.[1] ?? '').split('\n');
const promptFor = (index: number) => namingPrompts.find((prompt) => block(prompt, 'group')[0].includes(`c${index}m`)) ?? '';

test('each prompt holds a sample from inside the cluster and summaries from the nearest clusters', async () => {
  namingPrompts.length = 0;
  const labels = await nameClustersWithLlm(client, { clusters, dim: 3, seed: 7, minUsers: 10 });
  assert.equal(labels.length, 4);
  assert.match(labels[0].name, /^Discuss .*python/);
  assert.match(labels[2].name, /chocolate/);
  assert.deepEqual(labels[0].terms, []);
  for (const [index, nearest] of [[0, 1], [1, 0], [2, 3], [3, 2]]) {
    const prompt = promptFor(index);
    const inside = block(prompt, 'group');
    const outside = block(prompt, 'neighbours');
    assert.equal(inside.length, 50);
    assert.ok(inside.every((line) => line.includes(`c${index}m`)), `inside of ${index}`);
    assert.equal(new Set(inside).size, 50);
    assert.equal(outside.length, 50);
    assert.ok(outside.every((line) => !line.includes(`c${index}m`)));
    // The nearest cluster gives the first (and a full share of) contrast examples.
    assert.ok(outside.slice(0, 10).every((line) => line.includes(`c${nearest}m`)), `outside of ${index}`);
  }
  // Seeded: the same seed gives the same samples.
  const first = promptFor(0);
  namingPrompts.length = 0;
  await nameClustersWithLlm(client, { clusters, dim: 3, seed: 7, minUsers: 10 });
  assert.equal(promptFor(0), first);
  namingPrompts.length = 0;
  await nameClustersWithLlm(client, { clusters, dim: 3, seed: 8, minUsers: 10, insideSample: 5, outsideSample: 3 });
  assert.equal(block(promptFor(0), 'group').length, 5);
  assert.equal(block(promptFor(0), 'neighbours').length, 3);
});

test('a cluster whose naming fails gets a marked keyword name and is counted; the rest are named', async () => {
  override = (request) => (request.system === NAMING_SYSTEM_PROMPT && request.messages[0].content.includes('c2m') && block(request.messages[0].content, 'group')[0].includes('c2m') ? 'no JSON here' : undefined);
  const fallbacks: number[] = [];
  const labels = await nameClustersWithLlm(client, { clusters, dim: 3, seed: 1, minUsers: 10, onFallback: (index) => fallbacks.push(index) });
  override = () => undefined;
  assert.deepEqual(fallbacks, [2]);
  assert.ok(labels[2].name.startsWith(FALLBACK_NAME_PREFIX));
  assert.match(labels[2].name, /chocolate|cakes/);
  assert.ok(labels[2].terms.length > 0);
  assert.ok(!labels[0].name.startsWith(FALLBACK_NAME_PREFIX));
});

test('canary: a name that echoes a planted e-mail is removed by the auditor', async () => {
  override = (request) =>
    request.system === NAMING_SYSTEM_PROMPT && block(request.messages[0].content, 'group')[0].includes('c3m')
      ? JSON.stringify({ name: `Bake bread for ${CANARY}`, description: `Users wrote to ${CANARY}. They baked bread.` })
      : undefined;
  const labels = await nameClustersWithLlm(client, { clusters, dim: 3, seed: 1, minUsers: 10 });
  override = () => undefined;
  const audited = await auditClusterLabels(client, { labels: labels.map((label, index) => ({ id: `0-${index}`, ...label })) });
  const shown = labels.filter((_, index) => !audited[index].removed);
  assert.equal(shown.length, 3);
  assert.ok(!JSON.stringify(shown).includes(CANARY));
  assert.deepEqual(audited[3], { id: '0-3', score: 1, removed: true, reason: 'privacy score 1 is below 3' });
});
