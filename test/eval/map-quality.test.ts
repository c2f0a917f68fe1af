import assert from 'node:assert/strict';
import { test } from 'node:test';
import { measureMapQuality } from '../../src/eval/map-quality.ts';
import { createRandom, standardNormal } from '../../src/util/random.ts';

// Eight clusters of 20 points; clusters 0-3 form topic 0, 4-7 topic 1. The embedding is 2-D as well.
const random = createRandom(4);
const perCluster = 20;
const base = Int32Array.from({ length: 8 * perCluster }, (_, i) => Math.floor(i / perCluster));
const top = Int32Array.from(base, (cluster) => (cluster < 4 ? 0 : 1));
const n = base.length;

function layout(centreOf: (cluster: number) => [number, number]): Float32Array {
  const points = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const [x, y] = centreOf(base[i]);
    points[2 * i] = x + 0.3 * standardNormal(random);
    points[2 * i + 1] = y + 0.3 * standardNormal(random);
  }
  return points;
}

/** An embedding in which cosine similarity follows distance on `points`: (x, y, 30), normalised. */
function embeddingOf(points: Float32Array): Float32Array {
  const out = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    const row = [points[2 * i], points[2 * i + 1], 30];
    const norm = Math.hypot(...row);
    row.forEach((value, d) => (out[3 * i + d] = value / norm));
  }
  return out;
}

test('a map with each topic on one side scores higher than one with the topics interleaved', async () => {
  // Grouped: each topic's four clusters in a 2 x 2 block, the blocks far apart. Interleaved: all eight
  // on a line, alternating topics.
  const grouped = layout((cluster) => [(cluster < 4 ? -10 : 10) + 3 * (cluster % 2), 3 * Math.floor((cluster % 4) / 2)]);
  const slot = [0, 2, 4, 6, 1, 3, 5, 7];
  const interleaved = layout((cluster) => [3 * slot[cluster], 0]);
  const good = await measureMapQuality({ points: grouped, vectors: embeddingOf(grouped), dim: 3, base, top });
  const bad = await measureMapQuality({ points: interleaved, vectors: embeddingOf(grouped), dim: 3, base, top });
  assert.equal(good.nearestClusterSameTopic, 1);
  assert.equal(bad.nearestClusterSameTopic, 0);
  assert.ok(good.topicSilhouette > 0.3 && bad.topicSilhouette < 0, `silhouettes ${good.topicSilhouette}, ${bad.topicSilhouette}`);
  assert.ok(good.neighboursKept > 0.9, `map drawn from the embedding keeps its neighbours: ${good.neighboursKept}`);
  const scattered = Float32Array.from({ length: 2 * n }, () => 20 * random());
  const lost = await measureMapQuality({ points: scattered, vectors: embeddingOf(grouped), dim: 3, base, top });
  assert.ok(lost.neighboursKept < 0.4, `a map unrelated to the embedding keeps few neighbours: ${lost.neighboursKept}`);
});
