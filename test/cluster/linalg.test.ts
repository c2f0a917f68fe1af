// Orthonormalisation, which the spectral embedding and the TF-IDF SVD repeat on every power step.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { column, createBlock, gaussianBlock, orthonormalise, type ColumnBlock } from '../../src/cluster/linalg.ts';
import { createRandom } from '../../src/util/random.ts';

function dot(a: Float64Array, b: Float64Array): number {
  return a.reduce((sum, v, i) => sum + v * b[i], 0);
}

function copy(block: ColumnBlock): ColumnBlock {
  return { ...block, data: Float64Array.from(block.data) };
}

/** Largest |qᵢ·qⱼ - δᵢⱼ| over the columns that are not zero. */
function orthogonalityError(q: ColumnBlock, skip = new Set<number>()): number {
  let worst = 0;
  for (let i = 0; i < q.columns; i++) {
    if (skip.has(i)) continue;
    for (let j = 0; j <= i; j++) if (!skip.has(j)) worst = Math.max(worst, Math.abs(dot(column(q, i), column(q, j)) - (i === j ? 1 : 0)));
  }
  return worst;
}

test('orthonormalise gives orthonormal columns spanning the same nested subspaces', () => {
  const original = gaussianBlock(101, 37, createRandom(3));
  const q = copy(original);
  orthonormalise(q);
  assert.ok(orthogonalityError(q) < 1e-13);
  // Gram-Schmidt order: column i of the input lies in the span of the first i + 1 outputs.
  for (let i = 0; i < original.columns; i++) {
    const a = column(original, i);
    for (let j = i + 1; j < q.columns; j++) assert.ok(Math.abs(dot(column(q, j), a)) < 1e-10, `q${j} · a${i}`);
    const inSpan = Array.from({ length: i + 1 }, (_, j) => dot(column(q, j), a) ** 2).reduce((s, v) => s + v, 0);
    assert.ok(Math.abs(inSpan - dot(a, a)) < 1e-9 * dot(a, a));
  }
});

test('orthonormalise stays orthogonal on nearly parallel columns and zeroes dependent ones', () => {
  const random = createRandom(11);
  const rows = 300, columns = 24;
  const block = createBlock(rows, columns);
  const base = Float64Array.from({ length: rows }, () => random() - 0.5);
  for (let c = 0; c < columns; c++) {
    const target = column(block, c);
    for (let r = 0; r < rows; r++) target[r] = base[r] + 1e-7 * (random() - 0.5);
  }
  const dependent = column(block, 9);
  dependent.set(column(block, 2).map((v, r) => 2 * v - column(block, 4)[r]));
  orthonormalise(block);
  assert.ok(column(block, 9).every((v) => v === 0), 'a dependent column becomes zero');
  // One classical projection per column leaves errors near 1e-3 on columns this close to parallel.
  assert.ok(orthogonalityError(block, new Set([9])) < 1e-12, `error ${orthogonalityError(block, new Set([9]))}`);
});
