// Exact nearest neighbours on two threads against a brute-force reference. Entries are multiples of
// 1/16 with at most 256 of them, so every dot product is exact in float32 and the reference agrees to
// the bit; many rows are exact copies, so ties are everywhere and their order (lower index first) is tested.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { approximateNeighbours, exactNeighbours } from '../../src/cluster/knn.ts';
import { createRandom } from '../../src/util/random.ts';

test('exactNeighbours on two threads returns each row\'s k best, ties broken by lower index, as brute force does', async () => {
  const n = 3001, dim = 250, k = 12; // dim not a multiple of 4
  const random = createRandom(9);
  const distinct = 900;
  const base = Float32Array.from({ length: distinct * dim }, () => (Math.floor(random() * 3) - 1) / 16);
  const data = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const source = Math.floor(random() * distinct);
    data.set(base.subarray(source * dim, (source + 1) * dim), i * dim);
  }
  const found = await exactNeighbours(data, n, dim, k, 2);
  assert.deepEqual(await exactNeighbours(data, n, dim, k, 3), found, 'three threads split the pairs differently and agree');
  for (let i = 0; i < n; i += 7) {
    const scored: { j: number; similarity: number }[] = [];
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      let sum = 0;
      for (let d = 0; d < dim; d++) sum += data[i * dim + d] * data[j * dim + d];
      scored.push({ j, similarity: sum });
    }
    scored.sort((a, b) => b.similarity - a.similarity || a.j - b.j);
    const expected = scored.slice(0, k);
    assert.deepEqual(Array.from(found.indices.subarray(i * k, (i + 1) * k)), expected.map((e) => e.j), `row ${i}`);
    assert.deepEqual(Array.from(found.similarities.subarray(i * k, (i + 1) * k)), expected.map((e) => e.similarity), `row ${i}`);
  }
});

test('exactNeighbours marks missing neighbours with -1 when there are fewer than k other rows', async () => {
  const data = Float32Array.from([1, 0, 0, 1, 0.6, 0.8]);
  const found = await exactNeighbours(data, 3, 2, 3);
  assert.deepEqual(Array.from(found.indices), [2, 1, -1, 2, 0, -1, 1, 0, -1]);
});

test('approximateNeighbours gives the same lists on one and two threads, and finds most true neighbours', async () => {
  const n = 4000, dim = 48, k = 10;
  const random = createRandom(21);
  const centres = Float32Array.from({ length: 40 * dim }, () => random() - 0.5);
  const data = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const c = Math.floor(random() * 40);
    let norm = 0;
    for (let d = 0; d < dim; d++) norm += (data[i * dim + d] = centres[c * dim + d] + 0.25 * (random() - 0.5)) ** 2;
    for (let d = 0; d < dim; d++) data[i * dim + d] /= Math.sqrt(norm);
  }
  const one = await approximateNeighbours(data, n, dim, k, { seed: 3, threads: 1 });
  const two = await approximateNeighbours(data, n, dim, k, { seed: 3, threads: 2 });
  assert.deepEqual(two.indices, one.indices);
  assert.deepEqual(two.similarities, one.similarities);
  assert.deepEqual(await approximateNeighbours(data, n, dim, k, { seed: 3, threads: 3 }), one, 'three threads agree too');
  const exact = await exactNeighbours(data, n, dim, k);
  let hits = 0;
  for (let i = 0; i < n; i++) {
    const truth = new Set(exact.indices.subarray(i * k, (i + 1) * k));
    for (const j of two.indices.subarray(i * k, (i + 1) * k)) if (truth.has(j)) hits++;
  }
  assert.ok(hits / (n * k) > 0.9, `recall ${hits / (n * k)}`);
});
