// A faster BatchMatMul for TF.js's WebAssembly backend when the product has a batch dimension, as in
// USE-lite's attention ([texts, heads, tokens, 128] by [texts, heads, tokens, tokens]). The backend's
// own kernel sends those through a plain loop at about 1 GFLOP/s (XNNPACK only serves the unbatched
// case): profiled on oasst1 first turns, they were a quarter of the embedding time while holding a few
// percent of its arithmetic. Here each product of the batch runs in the project's SIMD dots kernel.
// Measured on the same texts in one process, alternating: CPU time 0.75x (oasst1 first turns) and
// 0.83x (CLINC150 queries) of the backend's kernel; embeddings equal within 1e-6.
// Unbatched products, and anything unusual (broadcast batches, other dtypes), go to the backend's kernel.
import { instantiateDots, type DotsKernel } from '../util/simd-kernel.ts';

interface TensorInfo {
  dataId: object;
  shape: number[];
  dtype: string;
}

interface WasmBackend {
  typedArrayFromHeap(tensor: TensorInfo): Float32Array;
  makeOutput(shape: number[], dtype: string): TensorInfo;
}

interface BatchMatMulArgs {
  inputs: { a: TensorInfo; b: TensorInfo };
  backend: WasmBackend;
  attrs: { transposeA: boolean; transposeB: boolean };
}

interface KernelConfig {
  kernelName: string;
  backendName: string;
  kernelFunc: (args: BatchMatMulArgs) => TensorInfo;
  setupFunc?: unknown;
}

/** The kernel registry calls of TF.js (bundled inside @energetic-ai/core). */
export interface KernelRegistry {
  getKernel(kernelName: string, backendName: string): KernelConfig | undefined;
  unregisterKernel(kernelName: string, backendName: string): void;
  registerKernel(config: KernelConfig): void;
}

const installed = new WeakSet<KernelRegistry>();

/** Replaces the wasm backend's BatchMatMul in this thread's TF.js; once per registry. */
export function installBatchedMatMul(tf: KernelRegistry): void {
  if (installed.has(tf)) return;
  const original = tf.getKernel('BatchMatMul', 'wasm');
  if (!original) throw new Error("TF.js has no 'BatchMatMul' kernel for the wasm backend to replace");
  const batched = createBatchedMatMul();
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({ ...original, kernelFunc: (args) => batched(args) ?? original.kernelFunc(args) });
  installed.add(tf);
}

/** Returns a function computing batched products, or undefined for the cases it leaves to the backend. */
export function createBatchedMatMul(): (args: BatchMatMulArgs) => TensorInfo | undefined {
  const memory = new WebAssembly.Memory({ initial: 16, maximum: 65536, shared: true });
  const kernel: DotsKernel = instantiateDots(memory);
  let heap = new Float32Array(memory.buffer);
  const reserve = (floats: number) => {
    const missing = floats * 4 - memory.buffer.byteLength;
    if (missing <= 0) return;
    memory.grow(Math.ceil(missing / 65536));
    heap = new Float32Array(memory.buffer); // a grown memory has a new, longer buffer
  };
  return ({ inputs: { a, b }, backend, attrs: { transposeA, transposeB } }) => {
    const rank = a.shape.length;
    if (rank < 3 || b.shape.length !== rank || a.dtype !== 'float32' || b.dtype !== 'float32') return undefined;
    const batchShape = a.shape.slice(0, -2);
    if (batchShape.some((size, i) => size !== b.shape[i])) return undefined;
    const batch = batchShape.reduce((product, size) => product * size, 1);
    if (batch <= 1) return undefined;
    const rows = transposeA ? a.shape[rank - 1] : a.shape[rank - 2];
    const inner = transposeA ? a.shape[rank - 2] : a.shape[rank - 1];
    const columns = transposeB ? b.shape[rank - 2] : b.shape[rank - 1];
    if ((transposeB ? b.shape[rank - 1] : b.shape[rank - 2]) !== inner) return undefined;
    // Per product: A's rows and B's columns as rows of `stride` floats (the kernel's dimension must be a
    // multiple of 4; the padding stays zero), then the output rows.
    const stride = (inner + 3) & ~3;
    const aAt = 0;
    const bAt = rows * stride;
    const outAt = bAt + columns * stride;
    reserve(outAt + rows * columns);
    // Allocating the output may grow TF.js's heap, which detaches views taken before: take them after.
    const out = backend.makeOutput([...batchShape, rows, columns], 'float32');
    const aValues = backend.typedArrayFromHeap(a);
    const bValues = backend.typedArrayFromHeap(b);
    const outValues = backend.typedArrayFromHeap(out);
    if (stride !== inner) heap.fill(0, 0, outAt);
    for (let s = 0; s < batch; s++) {
      copyRows(aValues, s * rows * inner, rows, inner, transposeA, heap, aAt, stride);
      copyRows(bValues, s * inner * columns, columns, inner, !transposeB, heap, bAt, stride);
      let row = 0;
      for (; row + 1 < rows; row += 2) {
        kernel.dots2(
          (aAt + row * stride) * 4, (aAt + (row + 1) * stride) * 4, bAt * 4, columns, stride,
          (outAt + row * columns) * 4, (outAt + (row + 1) * columns) * 4,
        );
      }
      if (row < rows) kernel.dots((aAt + row * stride) * 4, bAt * 4, columns, stride, (outAt + row * columns) * 4);
      outValues.set(heap.subarray(outAt, outAt + rows * columns), s * rows * columns);
    }
    return out;
  };
}

/**
 * Writes `count` vectors of length `length` from a [count, length] matrix at `from` (or, when
 * `transposed`, a [length, count] one) as rows of `stride` floats at `to`.
 */
function copyRows(source: Float32Array, from: number, count: number, length: number, transposed: boolean, target: Float32Array, to: number, stride: number): void {
  if (!transposed) {
    for (let r = 0; r < count; r++) target.set(source.subarray(from + r * length, from + (r + 1) * length), to + r * stride);
    return;
  }
  for (let k = 0; k < length; k++) {
    const at = from + k * count;
    for (let r = 0; r < count; r++) target[to + r * stride + k] = source[at + r];
  }
}
