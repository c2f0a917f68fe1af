// The batched matrix product that replaces TF.js's wasm BatchMatMul for USE-lite's attention.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import energeticCore from '@energetic-ai/core';
import { createBatchedMatMul, installBatchedMatMul, type KernelRegistry } from '../../src/embed/batched-matmul.ts';
import { loadUseLite } from '../../src/embed/use-lite-model.ts';

interface Tensor {
  dataId: object;
  shape: number[];
  dtype: string;
  dataSync(): Float32Array;
  dispose(): void;
}
const tf = energeticCore as unknown as KernelRegistry & {
  setBackend(name: string): Promise<boolean>;
  ready(): Promise<void>;
  backend(): never;
  tensor(values: Float32Array, shape: number[]): Tensor;
  matMul(a: Tensor, b: Tensor, transposeA: boolean, transposeB: boolean): Tensor;
};

before(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
});

let seed = 12345;
const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
const randomTensor = (shape: number[]) => tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, random), shape);

/** out[s, m, n] = sum_k A[s, m, k] B[s, k, n], reading A and B in their stored (maybe transposed) layout. */
function reference(a: Float32Array, b: Float32Array, batch: number, rows: number, inner: number, columns: number, transposeA: boolean, transposeB: boolean): Float64Array {
  const out = new Float64Array(batch * rows * columns);
  for (let s = 0; s < batch; s++) {
    for (let m = 0; m < rows; m++) {
      for (let n = 0; n < columns; n++) {
        let sum = 0;
        for (let k = 0; k < inner; k++) {
          const av = transposeA ? a[s * inner * rows + k * rows + m] : a[s * rows * inner + m * inner + k];
          const bv = transposeB ? b[s * columns * inner + n * inner + k] : b[s * inner * columns + k * columns + n];
          sum += av * bv;
        }
        out[(s * rows + m) * columns + n] = sum;
      }
    }
  }
  return out;
}

const cases = [
  { batchShape: [2, 3], rows: 5, inner: 7, columns: 6 }, // odd rows, inner not a multiple of 4
  { batchShape: [4], rows: 8, inner: 16, columns: 3 },
  { batchShape: [3, 2], rows: 1, inner: 130, columns: 9 },
];

test('batched products equal a plain reference for every transpose combination, and go through the SIMD kernel', () => {
  const batched = createBatchedMatMul();
  for (const { batchShape, rows, inner, columns } of cases) {
    for (const transposeA of [false, true]) {
      for (const transposeB of [false, true]) {
        const a = randomTensor([...batchShape, ...(transposeA ? [inner, rows] : [rows, inner])]);
        const b = randomTensor([...batchShape, ...(transposeB ? [columns, inner] : [inner, columns])]);
        const batch = batchShape.reduce((x, y) => x * y, 1);
        const expected = reference(a.dataSync(), b.dataSync(), batch, rows, inner, columns, transposeA, transposeB);
        const label = JSON.stringify({ batchShape, rows, inner, columns, transposeA, transposeB });
        const out = batched({ inputs: { a, b }, backend: tf.backend(), attrs: { transposeA, transposeB } });
        assert.ok(out, `handled: ${label}`);
        assert.deepEqual(out.shape, [...batchShape, rows, columns], label);
        const viaTf = tf.matMul(a, b, transposeA, transposeB);
        for (const [name, values] of [['kernel', (tf.backend() as { typedArrayFromHeap(t: object): Float32Array }).typedArrayFromHeap(out)], ['tf.matMul', viaTf.dataSync()]] as const) {
          let worst = 0;
          for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(values[i] - expected[i]));
          assert.ok(worst < 1e-4, `${name} ${label}: off by ${worst}`);
        }
        for (const tensor of [a, b, viaTf]) tensor.dispose();
      }
    }
  }
});

test('products large enough to grow both the kernel memory and TF.js heap are still right', () => {
  const batched = createBatchedMatMul();
  const a = randomTensor([2, 900, 900]);
  const b = randomTensor([2, 900, 900]);
  const out = batched({ inputs: { a, b }, backend: tf.backend(), attrs: { transposeA: false, transposeB: true } });
  assert.ok(out);
  const expected = tf.matMul(a, b, false, true);
  const values = (tf.backend() as { typedArrayFromHeap(t: object): Float32Array }).typedArrayFromHeap(out); // after matMul may have grown the heap
  const reference = expected.dataSync();
  let worst = 0;
  for (let i = 0; i < reference.length; i++) worst = Math.max(worst, Math.abs(values[i] - reference[i]));
  assert.ok(worst < 1e-3, `off by ${worst}`);
  for (const tensor of [a, b, expected]) tensor.dispose();
});

test('unbatched and broadcast products are left to the backend', () => {
  const batched = createBatchedMatMul();
  const backend = tf.backend();
  const attrs = { transposeA: false, transposeB: false };
  const plain = [randomTensor([4, 3]), randomTensor([3, 2])];
  const single = [randomTensor([1, 4, 3]), randomTensor([1, 3, 2])];
  const broadcast = [randomTensor([2, 4, 3]), randomTensor([1, 3, 2])];
  for (const [a, b] of [plain, single, broadcast]) assert.equal(batched({ inputs: { a, b }, backend, attrs }), undefined, JSON.stringify([a.shape, b.shape]));
  for (const tensor of [...plain, ...single, ...broadcast]) tensor.dispose();
});

test('USE-lite with the replaced kernel gives the vectors it gave with the backend kernel', async () => {
  const before = tf.getKernel('BatchMatMul', 'wasm')!.kernelFunc;
  const { embedBatch } = await loadUseLite();
  assert.notEqual(tf.getKernel('BatchMatMul', 'wasm')!.kernelFunc, before, 'the kernel was replaced');
  installBatchedMatMul(tf); // a second install keeps the first
  const vectors = await embedBatch(['how do I reset my password', 'write a poem about the sea and the wind over the harbour at night']);
  // The first 8 dimensions of each, computed with TF.js's own BatchMatMul (before this replacement existed).
  const expected = [
    [-0.050875, -0.053694, 0.024677, -0.051118, 0.053586, -0.053618, 0.052906, -0.013822],
    [-0.043968, -0.028305, 0.013709, 0.053843, 0.046155, 0.028175, -0.004724, -0.022879],
  ];
  expected.forEach((row, r) => row.forEach((value, j) => assert.ok(Math.abs(vectors[r * 512 + j] - value) < 2e-6, `text ${r} dim ${j}: ${vectors[r * 512 + j]} vs ${value}`)));
});
