// The WebAssembly kernels against plain float64 loops: sparse times dense (TF-IDF SVD) and the f64 dots
// and combinations of Gram-Schmidt. Sizes are odd and counts not multiples of four, so every tail runs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createKernelArena } from '../../src/util/simd-kernel.ts';

let seed = 7;
const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;

function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

test('sparse times dense and its transpose match the float64 products, accumulating into dst', () => {
  const rows = 41, columns = 67, width = 11, stride = 12;
  const arena = createKernelArena(1024); // small, so reservations grow the memory
  const indptr = [0];
  const indices: number[] = [];
  const values: number[] = [];
  for (let r = 0; r < rows; r++) {
    if (r !== 5) for (let c = 0; c < columns; c++) if (random() > 0.6) indices.push(c), values.push(random()); // row 5 stays empty
    indptr.push(indices.length);
  }
  const placed = { indptr: arena.ints(rows + 1), indices: arena.ints(indices.length), values: arena.floats(values.length) };
  placed.indptr.set(indptr);
  placed.indices.set(indices);
  placed.values.set(values);
  const byColumn = arena.floats(columns * stride);
  const byRow = arena.floats(rows * stride);
  for (let i = 0; i < columns; i++) for (let j = 0; j < width; j++) byColumn[i * stride + j] = random();
  for (let i = 0; i < rows; i++) for (let j = 0; j < width; j++) byRow[i * stride + j] = random();
  const productDst = arena.floats(rows * stride).fill(1);
  const transposeDst = arena.floats(columns * stride).fill(1);
  const args = [placed.indptr.byteOffset, placed.indices.byteOffset, placed.values.byteOffset, rows] as const;
  arena.kernel.sparseTimesDense(...args, byColumn.byteOffset, productDst.byteOffset, stride * 4);
  arena.kernel.sparseTransposeTimesDense(...args, byRow.byteOffset, transposeDst.byteOffset, stride * 4);

  const product = new Float64Array(rows * stride).fill(1);
  const transpose = new Float64Array(columns * stride).fill(1);
  for (let r = 0; r < rows; r++) {
    for (let p = indptr[r]; p < indptr[r + 1]; p++) {
      for (let j = 0; j < stride; j++) {
        product[r * stride + j] += values[p] * byColumn[indices[p] * stride + j];
        transpose[indices[p] * stride + j] += values[p] * byRow[r * stride + j];
      }
    }
  }
  assert.ok(maxDifference(productDst, product) < 1e-5);
  assert.ok(maxDifference(transposeDst, transpose) < 1e-5);
  assert.ok(productDst.slice(5 * stride, 6 * stride).every((v) => v === 1), 'an empty sparse row adds nothing');
});

test('f64 dots and subtractCombination64 match the float64 loops for any count of rows', () => {
  const dimension = 38, count = 7;
  const arena = createKernelArena();
  const rows = arena.doubles(count * dimension);
  const x = arena.doubles(dimension);
  for (const array of [rows, x]) for (let i = 0; i < array.length; i++) array[i] = random();
  const out = arena.doubles(count);
  arena.kernel.dots64(x.byteOffset, rows.byteOffset, count, dimension, out.byteOffset);
  const expected = Array.from({ length: count }, (_, r) => x.reduce((sum, v, j) => sum + v * rows[r * dimension + j], 0));
  assert.ok(maxDifference(out, expected) < 1e-13);

  const before = Float64Array.from(x);
  arena.kernel.subtractCombination64(out.byteOffset, rows.byteOffset, count, dimension, x.byteOffset);
  const subtracted = before.map((v, j) => v - expected.reduce((sum, c, r) => sum + c * rows[r * dimension + j], 0));
  assert.ok(maxDifference(x, subtracted) < 1e-13);
  const unchanged = Float64Array.from(x);
  arena.kernel.subtractCombination64(out.byteOffset, rows.byteOffset, 0, dimension, x.byteOffset);
  assert.deepEqual(x, unchanged, 'no rows, no change');
});

test('sparseTimesDense64 matches the float64 product to the last bits', () => {
  const rows = 9, columns = 13, stride = 6; // stride in f64s: 48 bytes, three lanes of two
  const arena = createKernelArena();
  const indptr = arena.ints(rows + 1);
  const entries: [number, number][][] = Array.from({ length: rows }, () => []);
  for (let r = 0; r < rows; r++) for (let c = 0; c < columns; c++) if (random() > 0.5) entries[r].push([c, random()]);
  const count = entries.reduce((sum, row) => sum + row.length, 0);
  const indices = arena.ints(count);
  const values = arena.doubles(count);
  let p = 0;
  entries.forEach((row, r) => {
    for (const [c, value] of row) (indices[p] = c), (values[p++] = value);
    indptr[r + 1] = p;
  });
  const src = arena.doubles(columns * stride);
  for (let i = 0; i < src.length; i++) src[i] = random();
  const dst = arena.doubles(rows * stride);
  arena.kernel.sparseTimesDense64(indptr.byteOffset, indices.byteOffset, values.byteOffset, rows, src.byteOffset, dst.byteOffset, stride * 8);
  const expected = new Float64Array(rows * stride);
  entries.forEach((row, r) => {
    for (const [c, value] of row) for (let j = 0; j < stride; j++) expected[r * stride + j] += value * src[c * stride + j];
  });
  assert.deepEqual(Array.from(dst), Array.from(expected));
});
