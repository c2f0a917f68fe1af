import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clusterCentres, projectTo2d } from '../../src/map/project.ts';
import { createRandom, standardNormal } from '../../src/util/random.ts';

/** `blobs` tight Gaussian blobs around random unit centres in `dim` dimensions. */
function blobs(options: { blobs: number; perBlob: number; dim: number; seed: number }) {
  const random = createRandom(options.seed);
  const gaussian = () => standardNormal(random);
  const n = options.blobs * options.perBlob;
  const vectors = new Float32Array(n * options.dim);
  const labels = new Int32Array(n);
  for (let b = 0; b < options.blobs; b++) {
    const centre = Array.from({ length: options.dim }, gaussian);
    for (let i = 0; i < options.perBlob; i++) {
      const row = b * options.perBlob + i;
      labels[row] = b;
      for (let d = 0; d < options.dim; d++) vectors[row * options.dim + d] = centre[d] + 0.15 * gaussian();
    }
  }
  return { vectors, labels, n };
}

/** Share of points whose nearest 2-D neighbour (other than itself) has the same label. */
function neighbourAgreement(points: Float32Array, labels: Int32Array): number {
  let agree = 0;
  for (let i = 0; i < labels.length; i++) {
    let best = -1;
    let bestDistance = Infinity;
    for (let j = 0; j < labels.length; j++) {
      if (j === i) continue;
      const distance = (points[2 * i] - points[2 * j]) ** 2 + (points[2 * i + 1] - points[2 * j + 1]) ** 2;
      if (distance < bestDistance) [best, bestDistance] = [j, distance];
    }
    if (labels[best] === labels[i]) agree++;
  }
  return agree / labels.length;
}

test('well-separated blobs stay separated in 2-D, for fitted and for placed points', async () => {
  const data = blobs({ blobs: 5, perBlob: 80, dim: 32, seed: 3 });
  for (const sampleSize of [400, 150]) {
    const points = await projectTo2d({ vectors: data.vectors, n: data.n, dim: 32, seed: 1, sampleSize });
    assert.equal(points.length, 2 * data.n);
    assert.ok(points.every(Number.isFinite));
    const agreement = neighbourAgreement(points, data.labels);
    assert.ok(agreement > 0.97, `sample ${sampleSize}: nearest-neighbour label agreement ${agreement}`);
  }
});

test('points keep their most similar points as map neighbours, along a curve the map unrolls (3 in 4 placed, not fitted)', async () => {
  // Points along a half circle in 24 dimensions: UMAP lays them out as a 1-D curve, so a point placed
  // from the wrong sampled neighbours lands measurably away from its nearest one.
  const dim = 24;
  const n = 1200;
  const sampleSize = 300;
  const random = createRandom(5);
  const axisA = Array.from({ length: dim }, () => standardNormal(random));
  const axisB = Array.from({ length: dim }, () => standardNormal(random));
  const vectors = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const t = Math.PI * random();
    for (let d = 0; d < dim; d++) vectors[i * dim + d] = Math.cos(t) * axisA[d] + Math.sin(t) * axisB[d] + 0.02 * standardNormal(random);
  }
  const points = await projectTo2d({ vectors, n, dim, seed: 2, sampleSize });
  const units = Array.from({ length: n }, (_, i) => {
    const row = Array.from(vectors.subarray(i * dim, (i + 1) * dim));
    const norm = Math.hypot(...row);
    return row.map((v) => v / norm);
  });
  const similarity = (i: number, j: number) => units[i].reduce((sum, v, d) => sum + v * units[j][d], 0);
  const distance = (i: number, j: number) => Math.hypot(points[2 * i] - points[2 * j], points[2 * i + 1] - points[2 * j + 1]);
  const nearestBy = (i: number, score: (j: number) => number, k: number) =>
    Array.from({ length: n }, (_, j) => j).filter((j) => j !== i).sort((a, b) => score(a) - score(b)).slice(0, k);
  // Share of each point's 10 most similar points (in the vectors) among its 10 nearest on the map.
  let recall = 0;
  for (let i = 0; i < n; i += 4) {
    const similar = new Set(nearestBy(i, (j) => -similarity(i, j), 10));
    recall += nearestBy(i, (j) => distance(i, j), 10).filter((j) => similar.has(j)).length / 10;
  }
  recall /= n / 4;
  assert.ok(recall > 0.45, `neighbour recall ${recall}`);
});

test('the same seed gives the same map; another seed a different one', async () => {
  const data = blobs({ blobs: 3, perBlob: 40, dim: 16, seed: 4 });
  const options = { vectors: data.vectors, n: data.n, dim: 16, sampleSize: 80 };
  const a = await projectTo2d({ ...options, seed: 7 });
  const b = await projectTo2d({ ...options, seed: 7 });
  const c = await projectTo2d({ ...options, seed: 8 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

test('tiny inputs and cluster centres', async () => {
  assert.deepEqual(await projectTo2d({ vectors: new Float32Array(4), n: 2, dim: 2, seed: 1 }), Float32Array.from([0, 0, 1, 0]));
  await assert.rejects(projectTo2d({ vectors: new Float32Array(5), n: 2, dim: 2, seed: 1 }), /5 floats/);
  const centres = clusterCentres(Float32Array.from([0, 0, 2, 2, 10, 10]), Int32Array.from([0, 0, 1]), 3);
  assert.deepEqual(Array.from(centres.slice(0, 4)), [1, 1, 10, 10]);
  assert.ok(Number.isNaN(centres[4]));
});

test('blobs that share no neighbours keep their global arrangement: near blobs stay near on the map', async () => {
  // Two groups of two tight blobs. Each blob holds more points than a point's 15 neighbours, so the
  // neighbour graph falls into four parts and only the starting layout can place them: from the
  // principal plane the blobs of one group end up nearer each other than those of different groups; from
  // umap-js's random start, not reliably.
  const dim = 16;
  const perBlob = 60;
  const random = createRandom(11);
  const direction = () => {
    const v = Array.from({ length: dim }, () => standardNormal(random));
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  };
  const groups = [direction(), direction()];
  const blobCentres = groups.flatMap((group) => [0, 1].map(() => {
    const offset = direction();
    return group.map((x, d) => 3 * x + 0.8 * offset[d]);
  }));
  const n = 4 * perBlob;
  const vectors = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const centre = blobCentres[Math.floor(i / perBlob)];
    for (let d = 0; d < dim; d++) vectors[i * dim + d] = centre[d] + 0.05 * standardNormal(random);
  }
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    const points = await projectTo2d({ vectors, n, dim, seed });
    const centres = clusterCentres(points, Int32Array.from({ length: n }, (_, i) => Math.floor(i / perBlob)), 4);
    const distance = (a: number, b: number) => Math.hypot(centres[2 * a] - centres[2 * b], centres[2 * a + 1] - centres[2 * b + 1]);
    const within = (distance(0, 1) + distance(2, 3)) / 2;
    const across = (distance(0, 2) + distance(0, 3) + distance(1, 2) + distance(1, 3)) / 4;
    assert.ok(within < across, `seed ${seed}: blobs of one group are ${within.toFixed(1)} apart on average, of different groups ${across.toFixed(1)}`);
  }
});
