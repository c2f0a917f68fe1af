import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  adjustedRandIndex,
  clusteringAccuracy,
  minimumCostAssignment,
  normalizedMutualInfo,
} from '../../src/eval/metrics.ts';
import { createRandom } from '../../src/util/random.ts';

const close = (actual: number, expected: number, tolerance = 1e-6) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} is not within ${tolerance} of ${expected}`);

// Reference values worked out by hand from the definitions; they match scikit-learn's documented
// examples (adjusted_rand_score([0,0,1,2],[0,0,1,1]) = 0.57..., the user guide's 0.24... and NMI 0.51...).
const guideTruth = [0, 0, 0, 1, 1, 1];
const guidePrediction = [0, 0, 1, 1, 2, 2];

test('adjusted Rand index matches worked examples', () => {
  close(adjustedRandIndex([0, 0, 1, 2], [0, 0, 1, 1]), 4 / 7);
  close(adjustedRandIndex([0, 0, 1, 1], [0, 0, 1, 2]), 4 / 7);
  close(adjustedRandIndex(guideTruth, guidePrediction), 0.8 / 3.3);
  close(adjustedRandIndex([0, 0, 0, 0], [0, 1, 2, 3]), 0);
  close(adjustedRandIndex([0, 0, 1, 1], [1, 1, 0, 0]), 1);
});

test('normalised mutual information uses the arithmetic mean of the entropies', () => {
  const mutual = (2 / 3) * Math.log(2);
  close(normalizedMutualInfo(guideTruth, guidePrediction), mutual / ((Math.log(2) + Math.log(3)) / 2));
  close(normalizedMutualInfo([0, 0, 1, 1], [1, 1, 0, 0]), 1);
  close(normalizedMutualInfo([0, 0, 0, 0], [0, 1, 2, 3]), 0);
  close(normalizedMutualInfo([5, 5, 5], [2, 2, 2]), 1);
});

test('accuracy finds the optimal matching where a greedy one fails', () => {
  // label A: 5 in cluster X, 4 in Y; label B: 4 in X. Greedy A->X gives 5; optimal A->Y, B->X gives 8.
  const labels = [...Array(9).fill('A'), ...Array(4).fill('B')];
  const predicted = [...Array(5).fill(0), ...Array(4).fill(1), ...Array(4).fill(0)];
  close(clusteringAccuracy(labels, predicted), 8 / 13);
  close(clusteringAccuracy(['a', 'a', 'a', 'b', 'b', 'c'], [1, 1, 0, 0, 0, 2]), 5 / 6);
});

test('accuracy works with more clusters than labels and with fewer', () => {
  close(clusteringAccuracy([0, 0, 0, 0, 1, 1], [0, 0, 1, 1, 2, 2]), 4 / 6);
  close(clusteringAccuracy([0, 1, 2, 3], [0, 0, 1, 1]), 2 / 4);
  close(clusteringAccuracy(['x', 'y', 'y'], [7, 7, 7]), 2 / 3);
});

test('the Hungarian algorithm agrees with brute force on random matrices', () => {
  const random = createRandom(3);
  const permutations = (items: number[]): number[][] =>
    items.length <= 1 ? [items] : items.flatMap((item, i) => permutations(items.filter((_, j) => j !== i)).map((rest) => [item, ...rest]));
  for (let trial = 0; trial < 30; trial++) {
    const size = 1 + (trial % 6);
    const cost = Float64Array.from({ length: size * size }, () => Math.floor(random() * 20));
    const total = (assignment: ArrayLike<number>) => Array.from(assignment).reduce((sum, column, row) => sum + cost[row * size + column], 0);
    const best = Math.min(...permutations([...Array(size).keys()]).map(total));
    const found = minimumCostAssignment(cost, size);
    assert.deepEqual([...found].sort((a, b) => a - b), [...Array(size).keys()], 'not a permutation');
    assert.equal(total(found), best);
  }
});

test('scores are invariant to renaming clusters and labels', () => {
  const random = createRandom(9);
  const labels = Array.from({ length: 300 }, () => Math.floor(random() * 5));
  const predicted = labels.map((label) => (random() < 0.7 ? label : Math.floor(random() * 6)));
  const renamed = predicted.map((cluster) => (cluster * 7 + 3) % 11);
  const textLabels = labels.map((label) => `topic-${label}`);
  for (const score of [clusteringAccuracy, normalizedMutualInfo, adjustedRandIndex]) {
    close(score(labels, renamed), score(labels, predicted), 1e-12);
    close(score(textLabels, predicted), score(labels, predicted), 1e-12);
  }
  close(clusteringAccuracy(labels, labels), 1);
  close(normalizedMutualInfo(labels, labels), 1);
  close(adjustedRandIndex(labels, labels), 1);
});

test('independent labelings score near zero', () => {
  const random = createRandom(11);
  const labels = Array.from({ length: 20000 }, () => Math.floor(random() * 10));
  const predicted = Array.from({ length: 20000 }, () => Math.floor(random() * 10));
  close(adjustedRandIndex(labels, predicted), 0, 0.005);
  assert.ok(normalizedMutualInfo(labels, predicted) < 0.005);
  assert.ok(clusteringAccuracy(labels, predicted) < 0.13);
});

test('rejects mismatched or empty inputs', () => {
  assert.throws(() => clusteringAccuracy([0, 1], [0]), /differ in length/);
  assert.throws(() => normalizedMutualInfo([], []), /empty/);
});
