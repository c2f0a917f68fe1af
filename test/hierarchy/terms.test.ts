import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildHierarchy, assignmentsByLevel } from '../../src/hierarchy/hierarchy.ts';
import { clusterTermCounts, mergeTermCounts, termSimilarity } from '../../src/hierarchy/terms.ts';

const texts = [
  'what is my bank account balance', 'how much is in my bank account', // 0: balance
  'transfer money from my bank account', 'move cash between bank accounts', // 1: transfer
  'book a flight to paris', 'find me a cheap flight', // 2: flights
  'is my flight delayed', 'flight status for tomorrow', // 3: flight status
];
const assignments = Int32Array.from([0, 0, 1, 1, 2, 2, 3, 3]);

test('term counts: members using each word and phrase, stopwords dropped, parents sum children', () => {
  const counts = clusterTermCounts(texts, assignments, 4);
  assert.equal(counts[0].get('bank'), 2);
  assert.equal(counts[0].get('bank account'), 2);
  assert.equal(counts[0].has('my'), false);
  const merged = mergeTermCounts(counts, Int32Array.from([0, 0, 1, 1]), 2);
  assert.equal(merged[0].get('bank'), 4);
  assert.equal(merged[1].get('flight'), 4);
  assert.throws(() => clusterTermCounts(texts, new Int32Array(3), 4), /texts/);
});

test('clusters sharing domain words are more similar than clusters that do not', () => {
  const similarity = termSimilarity(clusterTermCounts(texts, assignments, 4));
  assert.equal(similarity[0], 1);
  assert.ok(similarity[0 * 4 + 1] > similarity[0 * 4 + 2] + 0.05, `${similarity[1]} vs ${similarity[2]}`);
  assert.ok(similarity[2 * 4 + 3] > similarity[1 * 4 + 3] + 0.05);
  assert.equal(similarity[1 * 4 + 0], similarity[0 * 4 + 1], 'symmetric');
});

test('words group clusters whose centroids say nothing', () => {
  const centroids = new Float32Array(4 * 3).fill(1);
  const sizes = Int32Array.from([2, 2, 2, 2]);
  const terms = clusterTermCounts(texts, assignments, 4);
  const levels = buildHierarchy({ centroids, dim: 3, sizes, terms, top: 2, seed: 3 });
  const top = assignmentsByLevel(Int32Array.from([0, 1, 2, 3]), levels).at(-1)!;
  assert.equal(top[0], top[1]);
  assert.equal(top[2], top[3]);
  assert.notEqual(top[0], top[2]);
  assert.deepEqual(levels, buildHierarchy({ centroids, dim: 3, sizes, terms, top: 2, seed: 3 }), 'deterministic');
});
