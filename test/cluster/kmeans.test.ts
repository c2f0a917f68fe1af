import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseK, kmeans, type KMeansResult } from '../../src/cluster/kmeans.ts';
import { instantiateDots } from '../../src/util/simd-kernel.ts';
import { adjustedRandIndex } from '../../src/eval/metrics.ts';
import { createRandom, standardNormal } from '../../src/util/random.ts';

interface Blobs {
  data: Float32Array;
  labels: Int32Array;
  n: number;
  dim: number;
}

/** n points around `centres` random centres spread far apart relative to the unit noise. */
function blobs(n: number, dim: number, centres: number, seed: number, spread = 20): Blobs {
  const random = createRandom(seed);
  const gauss = () => standardNormal(random);
  const means = Array.from({ length: centres }, () => Array.from({ length: dim }, () => spread * gauss()));
  const data = new Float32Array(n * dim);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % centres;
    for (let j = 0; j < dim; j++) data[i * dim + j] = means[labels[i]][j] + gauss();
  }
  return { data, labels, n, dim };
}

/** Sum of squared distances recomputed from the result, in double precision. */
function recomputedInertia({ data, n, dim }: Blobs, result: KMeansResult): number {
  let total = 0;
  for (let i = 0; i < n; i++) {
    const c = result.assignments[i];
    for (let j = 0; j < dim; j++) total += (data[i * dim + j] - result.centroids[c * dim + j]) ** 2;
  }
  return total;
}

test('the SIMD kernels match plain dot products for every row count', () => {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
  const { dots, dots2 } = instantiateDots(memory);
  const floats = new Float32Array(memory.buffer);
  const random = createRandom(1);
  const dim = 12;
  for (let i = 0; i < 2 * dim + 9 * dim; i++) floats[i] = random() * 2 - 1;
  const expected = (x: number, row: number) => {
    let sum = 0;
    for (let j = 0; j < dim; j++) sum += floats[x * dim + j] * floats[(2 + row) * dim + j];
    return sum;
  };
  const out = 4 * 11 * dim;
  for (let count = 1; count <= 9; count++) {
    dots(0, 4 * 2 * dim, count, dim, out);
    dots2(0, 4 * dim, 4 * 2 * dim, count, dim, out + 64, out + 128);
    for (let row = 0; row < count; row++) {
      const at = out / 4;
      assert.ok(Math.abs(floats[at + row] - expected(0, row)) < 1e-5);
      assert.ok(Math.abs(floats[at + 16 + row] - expected(0, row)) < 1e-5);
      assert.ok(Math.abs(floats[at + 32 + row] - expected(1, row)) < 1e-5);
    }
  }
});

test('recovers well-separated Gaussian blobs', async () => {
  const input = blobs(3000, 24, 8, 1);
  const result = await kmeans(input.data, input.n, input.dim, { k: 8, seed: 5 });
  assert.ok(adjustedRandIndex(input.labels, result.assignments) > 0.999);
  assert.equal(result.centroids.length, 8 * 24);
  assert.equal(result.sizes.reduce((a, b) => a + b, 0), input.n);
  const relative = Math.abs(recomputedInertia(input, result) - result.inertia) / result.inertia;
  assert.ok(relative < 1e-4, `reported inertia off by ${relative}`);
});

test('the same seed gives the same clustering with one, two or three workers', async () => {
  const input = blobs(2500, 37, 12, 2, 2); // overlapping blobs and a dimension that is not a multiple of 4
  const options = { k: 15, seed: 7, restarts: 3 };
  const one = await kmeans(input.data, input.n, input.dim, { ...options, workers: 1 });
  for (const workers of [2, 3]) {
    const several = await kmeans(input.data, input.n, input.dim, { ...options, workers });
    assert.deepEqual(several.assignments, one.assignments, `${workers} workers`);
    assert.deepEqual(several.centroids, one.centroids, `${workers} workers`);
    assert.equal(several.inertia, one.inertia, `${workers} workers`);
  }
  const other = await kmeans(input.data, input.n, input.dim, { ...options, seed: 8, workers: 1 });
  assert.notDeepEqual(other.assignments, one.assignments, 'a different seed should give a different result on overlapping data');
});

test('restarts never end worse than the first restart alone', async () => {
  const input = blobs(2000, 16, 20, 3, 1.5);
  for (const seed of [1, 2, 3]) {
    const single = await kmeans(input.data, input.n, input.dim, { k: 20, seed, restarts: 1 });
    const several = await kmeans(input.data, input.n, input.dim, { k: 20, seed, restarts: 6 });
    assert.ok(several.inertia <= single.inertia, `seed ${seed}: ${several.inertia} > ${single.inertia}`);
  }
});

test('mini-batch mode comes within a few percent of full k-means', async () => {
  const input = blobs(20000, 16, 10, 4, 3);
  const full = await kmeans(input.data, input.n, input.dim, { k: 10, seed: 1, miniBatch: false });
  const progress: number[] = [];
  const mini = await kmeans(input.data, input.n, input.dim, {
    k: 10,
    seed: 1,
    miniBatch: { batchSize: 500 },
    onProgress: (done, total) => progress.push(done / total),
  });
  assert.ok(mini.inertia <= full.inertia * 1.03, `mini-batch ${mini.inertia} vs full ${full.inertia}`);
  assert.ok(adjustedRandIndex(input.labels, mini.assignments) > 0.99);
  assert.equal(progress.at(-1), 1);
  const relative = Math.abs(recomputedInertia(input, mini) - mini.inertia) / mini.inertia;
  assert.ok(relative < 1e-4, `reported inertia off by ${relative}`);
});

test('no cluster stays empty when k is close to n', async () => {
  const input = blobs(40, 8, 4, 5);
  const result = await kmeans(input.data, input.n, input.dim, { k: 38, seed: 1 });
  assert.ok(result.sizes.every((size) => size >= 1), `sizes ${result.sizes}`);
  const each = await kmeans(input.data, input.n, input.dim, { k: 40, seed: 1 });
  assert.ok(each.sizes.every((size) => size === 1));
  assert.ok(each.inertia < 1e-6);
});

test('duplicate points are split rather than leaving clusters empty', async () => {
  const distinct = blobs(10, 6, 10, 6);
  const data = new Float32Array(30 * 6);
  for (let copy = 0; copy < 3; copy++) data.set(distinct.data, copy * distinct.data.length);
  const result = await kmeans(data, 30, 6, { k: 14, seed: 2, restarts: 2 });
  assert.ok(result.sizes.every((size) => size >= 1), `sizes ${result.sizes}`);
  assert.equal(result.sizes.reduce((a, b) => a + b, 0), 30);
  assert.ok(result.centroids.every(Number.isFinite));
  assert.ok(result.inertia >= 0 && result.inertia < 1e-3, `inertia ${result.inertia}`);
});

test('rejects invalid input', async () => {
  const data = new Float32Array(20);
  await assert.rejects(kmeans(data, 10, 2, { k: 11 }), /exceeds the number of points/);
  await assert.rejects(kmeans(data, 10, 3, { k: 2 }), /expected n \* dim/);
  await assert.rejects(kmeans(data, 10, 2, { k: 0 }), /k must be a positive integer/);
  await assert.rejects(kmeans(Float32Array.from(data, (_, i) => (i === 7 ? NaN : i)), 10, 2, { k: 2 }), /not finite/);
  await assert.rejects(kmeans(data, 10, 2, { k: 2, restarts: 0 }), /restarts must be a positive integer/);
});

test('chooseK aims at about 100 items per cluster within sensible bounds', () => {
  assert.equal(chooseK(100_000), 1000);
  assert.equal(chooseK(4500), 45);
  assert.equal(chooseK(10), 2);
  assert.equal(chooseK(3), 1);
  assert.equal(chooseK(1), 1);
  assert.equal(chooseK(1000, 10), 100);
  assert.equal(chooseK(10, 1), 5);
  assert.throws(() => chooseK(0), /positive item count/);
});
