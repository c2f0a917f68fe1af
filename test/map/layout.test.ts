// The typed-array layout step against umap-js's own step, from the same fitted state and random stream.
// Powers are computed as exp(b log x) rather than Math.pow: equal to about 1e-15, but SGD is chaotic, so
// the two layouts part after a few epochs and are compared by what they show, not point by point.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UMAP } from 'umap-js';
import { createLayoutOptimiser } from '../../src/map/layout.ts';
import { createRandom } from '../../src/util/random.ts';

const GROUPS = 4;

/** Four noisy groups in 8 dimensions, plus a copy of the first point (a zero distance). */
function points(seed: number): number[][] {
  const random = createRandom(seed);
  const rows: number[][] = [];
  for (let i = 0; i < 400; i++) rows.push(Array.from({ length: 8 }, (_, d) => (d === i % GROUPS ? 0.8 : 0) + random() - 0.5));
  rows.push([...rows[0]]);
  return rows;
}

function fitted(rows: number[][], seed: number): UMAP {
  const random = createRandom(seed);
  const umap = new UMAP({ nComponents: 2, nNeighbors: 15, minDist: 0, random, nEpochs: 200 });
  umap.initializeFit(rows);
  return umap;
}

/** Share of points whose 5 nearest points on the map are mostly of their own group. */
function groupsKept(positions: ArrayLike<number>, count: number): number {
  let kept = 0;
  for (let i = 0; i < count; i++) {
    const nearest = Array.from({ length: count }, (_, j) => j)
      .filter((j) => j !== i)
      .sort((p, q) => Math.hypot(positions[2 * p] - positions[2 * i], positions[2 * p + 1] - positions[2 * i + 1]) - Math.hypot(positions[2 * q] - positions[2 * i], positions[2 * q + 1] - positions[2 * i + 1]))
      .slice(0, 5);
    if (nearest.filter((j) => j % GROUPS === i % GROUPS).length >= 3) kept++;
  }
  return kept / count;
}

test('the first epochs move the points as umap-js does, and the finished map keeps the groups as well', () => {
  const rows = points(3);
  const reference = fitted(rows, 11);
  const ours = fitted(rows, 11);
  const layout = createLayoutOptimiser(ours);
  assert.equal(layout.epochs, 200);
  const start = Float64Array.from(layout.positions);
  for (let epoch = 0; epoch < layout.epochs; epoch++) {
    reference.step();
    layout.step();
    // umap-js samples no edge at epoch 0; after epochs 1-3 the two differ only by the powers' rounding.
    if (epoch >= 1 && epoch <= 3) {
      const expected = reference.getEmbedding().flat();
      const largest = expected.reduce((worst, value, i) => Math.max(worst, Math.abs(value - layout.positions[i])), 0);
      const moved = layout.positions.reduce((sum, value, i) => sum + Math.abs(value - start[i]), 0);
      assert.ok(largest < 1e-9 && moved > 1, `after epoch ${epoch} the points moved ${moved} and differ by ${largest}`);
    }
  }
  const after = Float64Array.from(layout.positions);
  layout.step();
  assert.deepEqual(layout.positions, after, 'a step past the last epoch changes nothing');
  const moved = layout.positions.reduce((sum, value, i) => sum + Math.abs(value - start[i]), 0);
  assert.ok(moved > rows.length, `the points moved (${moved.toFixed(1)})`);
  const ourShare = groupsKept(layout.positions, 400);
  const referenceShare = groupsKept(reference.getEmbedding().flat(), 400);
  assert.ok(ourShare > 0.8 && ourShare >= referenceShare - 0.05, `groups kept: ${ourShare} against umap-js's ${referenceShare}`);
});

test('a umap-js instance that was not fitted is refused with a clear error', () => {
  const umap = new UMAP({ nComponents: 2 });
  assert.throws(() => createLayoutOptimiser(umap), /umap-js holds no 2-D optimisation state/);
});
