import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DEMO_TAXONOMY } from '../../src/demo/taxonomy.ts';
import { generateSyntheticCorpus, scoreTopLevel } from '../../src/eval/synthetic.ts';
import { clusteringAccuracy } from '../../src/eval/metrics.ts';
import { createLlmClient } from '../../src/llm/client.ts';
import { SYNTHETIC_SYSTEM_PROMPT } from '../../src/llm/prompts/index.ts';
import type { LlmClient } from '../../src/llm/types.ts';
import { baseUrlFor, testConfig } from '../llm/helpers.ts';
import { pipelineResponder } from '../llm/script.ts';
import { startFakeLlmServer, type FakeLlmServer, type ScriptedRequest } from '../llm/server.ts';

let server: FakeLlmServer;
let client: LlmClient;
const prompts: string[] = [];

before(async () => {
  server = await startFakeLlmServer({
    respond: (request: ScriptedRequest) => {
      if (request.system === SYNTHETIC_SYSTEM_PROMPT) prompts.push(request.messages[0].content);
      if (request.messages[0].content.includes('Specific topic: git version control')) return 'not a conversation';
      return pipelineResponder(request) ?? '{}';
    },
  });
  client = createLlmClient(testConfig('openai', baseUrlFor('openai', server.url), { maxRetries: 0, repairAttempts: 0 }));
});
after(async () => {
  await client.close();
  await server.close();
});

test('one conversation per leaf and example, languages cycled, labels aligned; failures left out and counted', async () => {
  const taxonomy = DEMO_TAXONOMY.slice(0, 2);
  const leaves = taxonomy.reduce((sum, category) => sum + category.topics.length, 0);
  const corpus = await generateSyntheticCorpus(client, { taxonomy, languages: ['en', 'fr', 'de'], perLeaf: 3, seed: 5 });
  assert.equal(corpus.failed, 3);
  assert.equal(corpus.conversations.length, leaves * 3 - 3);
  assert.equal(corpus.labels.length, corpus.conversations.length);
  assert.equal(new Set(prompts).size, leaves * 3, 'every prompt is distinct, so the call cache cannot collapse examples');
  for (const [i, conversation] of corpus.conversations.entries()) {
    const label = corpus.labels[i];
    assert.equal(conversation.messages[0].role, 'user');
    assert.ok(conversation.messages[0].content.includes(label.leaf));
    assert.equal(conversation.language, label.language);
  }
  const perLeafLanguages = corpus.labels.filter((label) => label.leaf === 'weeknight dinner recipes').map((label) => label.language);
  assert.deepEqual([...perLeafLanguages].sort(), ['de', 'en', 'fr']);
  assert.ok(corpus.labels.every((label) => taxonomy.some((category) => category.id === label.top)));
  await assert.rejects(generateSyntheticCorpus(client, { taxonomy, languages: ['english'], perLeaf: 1, seed: 1 }), /not an ISO 639-1/);
});

test('scoreTopLevel: Hungarian accuracy matches metrics.ts, majority mapping, chance and per-group accuracy', () => {
  const truth = ['a', 'a', 'a', 'a', 'b', 'b', 'b', 'c', 'c', 'c'];
  const predicted = ['x', 'x', 'x', 'y', 'y', 'y', 'y', 'y', 'z', null];
  const groups = ['en', 'fr', 'en', 'fr', 'en', 'fr', 'en', 'fr', 'en', 'fr'];
  const score = scoreTopLevel({ truth, predicted, groups });
  const ids = predicted.map((cluster) => (cluster === null ? -1 : cluster.charCodeAt(0)));
  assert.equal(score.accuracy, clusteringAccuracy(truth, ids), 'same matching as the metrics module');
  assert.equal(score.accuracy, 0.7);
  assert.deepEqual(score.matching, { x: 'a', y: 'b', z: 'c' });
  assert.equal(score.majorityAccuracy, 0.7);
  assert.equal(score.chance, 1 / 3);
  assert.deepEqual(score.byGroup?.en, { conversations: 5, accuracy: 1, majorityAccuracy: 1 });
  assert.deepEqual(score.byGroup?.fr, { conversations: 5, accuracy: 0.4, majorityAccuracy: 0.4 });
  // Two clusters for one category: the Hungarian matching counts one as wrong, the majority mapping does not.
  const split = scoreTopLevel({ truth: ['a', 'a', 'b', 'b'], predicted: ['x', 'w', 'y', 'y'] });
  assert.equal(split.accuracy, 0.75);
  assert.equal(split.majorityAccuracy, 1);
});
