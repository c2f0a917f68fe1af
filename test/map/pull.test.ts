import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hierarchyPullWeights, pullTowardClusters } from '../../src/map/pull.ts';
import { createRandom, standardNormal } from '../../src/util/random.ts';

const dim = 8;
const n = 40;
const random = createRandom(3);
const vectors = Float32Array.from({ length: n * dim }, () => standardNormal(random));
const base = Int32Array.from({ length: n }, (_, i) => i % 4);
const top = Int32Array.from(base, (cluster) => (cluster < 2 ? 0 : 1));

const row = (data: Float32Array, i: number) => data.subarray(i * dim, (i + 1) * dim);
const cosine = (a: Float32Array, b: Float32Array) => {
  let dot = 0, na = 0, nb = 0;
  for (let d = 0; d < dim; d++) [dot, na, nb] = [dot + a[d] * b[d], na + a[d] * a[d], nb + b[d] * b[d]];
  return dot / Math.sqrt(na * nb);
};
const meanCosine = (data: Float32Array, same: (i: number, j: number) => boolean) => {
  let sum = 0, count = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (same(i, j)) [sum, count] = [sum + cosine(row(data, i), row(data, j)), count + 1];
  return sum / count;
};

test('pulled rows are unit length, and zero weights only normalise', () => {
  const unpulled = pullTowardClusters({ vectors, n, dim, memberships: [base, top], weights: [0, 0] });
  const pulled = pullTowardClusters({ vectors, n, dim, memberships: [base, top], weights: hierarchyPullWeights(2) });
  for (let i = 0; i < n; i++) {
    for (const data of [unpulled, pulled]) assert.ok(Math.abs(Math.hypot(...row(data, i)) - 1) < 1e-5);
    assert.ok(cosine(row(unpulled, i), row(vectors, i)) > 1 - 1e-6);
  }
});

test('members of a cluster and of a topic come closer; other topics stay apart', () => {
  const before = pullTowardClusters({ vectors, n, dim, memberships: [base, top], weights: [0, 0] });
  const after = pullTowardClusters({ vectors, n, dim, memberships: [base, top], weights: hierarchyPullWeights(2) });
  const sameCluster = (i: number, j: number) => base[i] === base[j];
  const sameTopicOnly = (i: number, j: number) => top[i] === top[j] && base[i] !== base[j];
  const otherTopic = (i: number, j: number) => top[i] !== top[j];
  assert.ok(meanCosine(after, sameCluster) > meanCosine(before, sameCluster) + 0.3);
  assert.ok(meanCosine(after, sameTopicOnly) > meanCosine(before, sameTopicOnly) + 0.3);
  assert.ok(meanCosine(after, sameTopicOnly) > meanCosine(after, otherTopic) + 0.3);
});

test('weights: a light pull to the base cluster, a full one shared by the parents; memberships must cover every row', () => {
  assert.deepEqual(hierarchyPullWeights(2), [0.3, 1]);
  assert.deepEqual(hierarchyPullWeights(3), [0.3, 0.5, 0.5]);
  assert.throws(() => pullTowardClusters({ vectors, n, dim, memberships: [base.subarray(1)], weights: [1] }), /level 0 has 39 memberships for 40 points/);
});
