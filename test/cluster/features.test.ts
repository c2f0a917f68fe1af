import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildClusterFeatures, clusterConversations } from '../../src/cluster/features.ts';
import { createRandom } from '../../src/util/random.ts';
import { adjustedRandIndex } from '../../src/eval/metrics.ts';

/** Three topics of templated sentences, with embeddings = topic direction + noise (no model needed). */
function syntheticCorpus(perGroup: number, dim: number, seed: number) {
  const random = createRandom(seed);
  const templates = [
    ['how do I reset my bank card pin', 'my credit card was declined at the bank', 'transfer money between bank accounts'],
    ['book a flight to paris for tuesday', 'what gate does my flight leave from', 'find a cheap hotel near the airport'],
    ['recipe for a vegetarian lasagna', 'how long to bake chicken in the oven', 'substitute for eggs in a cake recipe'],
  ];
  const directions = templates.map(() => Float32Array.from({ length: dim }, () => random() - 0.5));
  const texts: string[] = [];
  const labels: number[] = [];
  const embeddings = new Float32Array(templates.length * perGroup * dim);
  let row = 0;
  templates.forEach((group, g) => {
    for (let i = 0; i < perGroup; i++) {
      texts.push(`${group[i % group.length]} ${['please', 'now', 'today', 'thanks'][i % 4]}`);
      labels.push(g);
      for (let j = 0; j < dim; j++) embeddings[row * dim + j] = directions[g][j] + 0.9 * (random() - 0.5);
      row++;
    }
  });
  return { texts, labels, embeddings };
}

test('features are deterministic for a seed and have the requested dimensions', async () => {
  const { texts, embeddings } = syntheticCorpus(20, 16, 3);
  const options = { texts, embeddings, dim: 16, seed: 5, tfidfRank: 8, spectralDimensions: 3 };
  const first = await buildClusterFeatures(options);
  const second = await buildClusterFeatures(options);
  assert.equal(first.dim, 3);
  assert.equal(first.data.length, texts.length * 3);
  assert.deepEqual(first.data, second.data);
  assert.deepEqual(first.steps.map((s) => s.split('(')[0]), ['embedding', 'tfidf-svd', 'smooth', 'spectral']);
  const withoutSpectral = await buildClusterFeatures({ ...options, spectralDimensions: 0 });
  assert.equal(withoutSpectral.dim, 16 + 8);
  for (let i = 0; i < texts.length; i++) {
    const norm = Math.hypot(...withoutSpectral.data.subarray(i * 24, (i + 1) * 24));
    assert.ok(Math.abs(norm - 1) < 1e-4, `row ${i} has norm ${norm}`);
  }
});

test('clustering recovers three templated topics and gives centroids in both spaces', async () => {
  const { texts, labels, embeddings } = syntheticCorpus(30, 24, 11);
  const result = await clusterConversations({ texts, embeddings, dim: 24, seed: 2, k: 3, tfidfRank: 12 });
  assert.ok(adjustedRandIndex(labels, result.assignments) > 0.95, `ARI ${adjustedRandIndex(labels, result.assignments)}`);
  assert.equal(result.embeddingCentroids.length, 3 * 24);
  assert.equal(result.centroids.length, 3 * result.features.dim);
  assert.deepEqual([...result.sizes].sort(), [30, 30, 30]);
});

test('features reject embeddings that do not match the texts', async () => {
  await assert.rejects(buildClusterFeatures({ texts: ['a', 'b'], embeddings: new Float32Array(3), dim: 2, seed: 1 }), /embedding values/);
});
