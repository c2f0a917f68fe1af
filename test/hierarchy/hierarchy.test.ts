import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildHierarchy, assignmentsByLevel } from '../../src/hierarchy/hierarchy.ts';
import { levelSizes, defaultTop, defaultLevels } from '../../src/hierarchy/schedule.ts';
import { createRandom } from '../../src/util/random.ts';

test('level sizes follow the geometric schedule', () => {
  assert.deepEqual(levelSizes(1000, { top: 10, levels: 3 }), [1000, 100, 10]);
  assert.deepEqual(levelSizes(150, { top: 10, levels: 3 }), [150, 39, 10]);
  assert.deepEqual(levelSizes(1000, { top: 10, levels: 4 }), [1000, 215, 46, 10]);
  assert.equal(defaultTop(1000), 10);
  assert.equal(defaultTop(30), 5, 'small corpora get more than the cube root');
  assert.equal(defaultTop(150), 8);
  assert.equal(defaultTop(3), 2);
  assert.equal(defaultLevels(1000, 10), 3);
  assert.deepEqual(levelSizes(5, { top: 4, levels: 6 }), [5, 4], 'sizes never repeat');
  assert.deepEqual(levelSizes(3, { top: 10 }), [3, 2], 'top is clamped below the base');
});

function check(levels: ReturnType<typeof buildHierarchy>, base: number, total: number): void {
  let below = base;
  for (const level of levels) {
    assert.ok(level.size < below, `level ${level.level} has ${level.size} clusters, not fewer than ${below}`);
    assert.equal(level.parentOf.length, below);
    const children = new Int32Array(level.size);
    for (const parent of level.parentOf) children[parent]++;
    assert.ok(children.every((c) => c > 0), 'every parent has a child');
    assert.equal(level.sizes.reduce((a, b) => a + b, 0), total);
    below = level.size;
  }
}

test('groups clusters around well-separated centres into the right parents', () => {
  const random = createRandom(4);
  const dim = 8;
  const centroids = new Float32Array(40 * dim);
  for (let c = 0; c < 40; c++) for (let j = 0; j < dim; j++) centroids[c * dim + j] = (j === c % 4 ? 5 : 0) + random() - 0.5;
  const sizes = Int32Array.from({ length: 40 }, (_, c) => 10 + c);
  const levels = buildHierarchy({ centroids, dim, sizes, top: 4, levels: 3, seed: 1 });
  check(levels, 40, sizes.reduce((a, b) => a + b, 0));
  const top = assignmentsByLevel(Int32Array.from({ length: 40 }, (_, c) => c), levels).at(-1)!;
  for (let c = 4; c < 40; c++) assert.equal(top[c], top[c % 4], `cluster ${c} should sit with cluster ${c % 4}`);
  assert.deepEqual(levels, buildHierarchy({ centroids, dim, sizes, top: 4, levels: 3, seed: 1 }), 'deterministic');
});

test('converges on degenerate inputs', () => {
  const identical = new Float32Array(30 * 4).fill(0.5);
  check(buildHierarchy({ centroids: identical, dim: 4, sizes: new Int32Array(30).fill(3), top: 5, levels: 3, seed: 9 }), 30, 90);
  const two = buildHierarchy({ centroids: Float32Array.from([1, 0, 0, 1]), dim: 2, sizes: Int32Array.from([4, 6]), top: 5, seed: 1 });
  assert.equal(two.length, 1);
  assert.deepEqual([...two[0].parentOf], [0, 0]);
  check(two, 2, 10);
  const topAboveBase = buildHierarchy({ centroids: new Float32Array(6 * 3).map((_, i) => i % 5), dim: 3, sizes: new Int32Array(6).fill(1), top: 50, seed: 1 });
  check(topAboveBase, 6, 6);
  assert.deepEqual(buildHierarchy({ centroids: Float32Array.from([1, 0]), dim: 2, sizes: Int32Array.from([7]), seed: 1 }), []);
  const zeros = buildHierarchy({ centroids: new Float32Array(12 * 2), dim: 2, sizes: new Int32Array(12), top: 3, seed: 2 });
  check(zeros, 12, 0);
});
