// A WebAssembly SIMD kernel for dot products of one vector with a run of consecutive rows: the
// operation k-means and nearest neighbours spend their time in, and the batched matrix products of
// USE-lite's attention (embed/batched-matmul.ts). Plain JavaScript manages well under 1 G multiply-adds per
// second per core here; f32x4 lanes do several times that. The module is assembled from bytes below
// (no build step, no dependency) and imports a shared memory, so every worker thread runs the same
// kernel over the same SharedArrayBuffer.

const I32 = 0x7f;
const V128 = 0x7b;

/** Unsigned LEB128. */
function uleb(value: number): number[] {
  const bytes: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    bytes.push(byte);
  } while (value !== 0);
  return bytes;
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function vector(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function name(text: string): number[] {
  const bytes = [...Buffer.from(text, 'utf8')];
  return [...uleb(bytes.length), ...bytes];
}

const get = (index: number) => [0x20, index];
const set = (index: number) => [0x21, index];
const i32Const = (value: number) => [0x41, ...uleb(value)]; // non-negative values below 2^6 or LEB-safe
const simd = (op: number, ...immediates: number[]) => [0xfd, ...uleb(op), ...immediates];
const v128Load = (offset = 0) => simd(0x00, 4, ...uleb(offset));
const f32x4Add = simd(0xe4);
const f32x4Mul = simd(0xe6);
const v128Zero = simd(0x0c, ...new Array(16).fill(0));
const lane = (index: number) => simd(0x1f, index);
const I32_ADD = 0x6a;
const I32_SUB = 0x6b;
const I32_LT_U = 0x49;
const I32_LT_S = 0x48;
const F32_ADD = 0x92;
const f32Store = (offset: number) => [0x38, 2, ...uleb(offset)];

/**
 * dots(x, rows, count, dimension, out): out[r] = x . rows[r] for r < count, all f32, byte addresses,
 * `dimension` a multiple of 4 (rows are zero-padded to it). dots2(x1, x2, rows, count, dimension,
 * out1, out2) does the same for two vectors at once. Each load of a row serves every vector and each
 * load of a vector serves four rows, which keeps the loop limited by arithmetic, not memory.
 */
function dotsFunction(vectors: number): number[] {
  const X = Array.from({ length: vectors }, (_, p) => p);
  const ROWS = vectors, COUNT = vectors + 1, DIM = vectors + 2;
  const OUT = X.map((p) => vectors + 3 + p);
  const J = 2 * vectors + 3, ROW_BYTES = J + 1, ROW = [ROWS, J + 2, J + 3, J + 4];
  const XV = X.map((p) => J + 5 + p);
  const ACC = X.map((p) => [0, 1, 2, 3].map((r) => J + 5 + vectors + 4 * p + r));
  const hsum = (acc: number) => [...get(acc), ...lane(0), ...get(acc), ...lane(1), F32_ADD,
    ...get(acc), ...lane(2), ...get(acc), ...lane(3), F32_ADD, F32_ADD];
  const accumulate = (p: number, r: number) => [
    ...get(ACC[p][r]), ...get(XV[p]), ...get(ROW[r]), ...get(J), I32_ADD, ...v128Load(), ...f32x4Mul, ...f32x4Add, ...set(ACC[p][r]),
  ];
  // inner loop over the dimension for `rows` rows (1 or 4), then the sums stored at each out + 4 r
  const rowsPass = (rows: number) => [
    ...X.flatMap((p) => ACC[p].slice(0, rows).flatMap((acc) => [...v128Zero, ...set(acc)])),
    ...i32Const(0), ...set(J),
    0x03, 0x40,
    ...X.flatMap((p) => [...get(X[p]), ...get(J), I32_ADD, ...v128Load(), ...set(XV[p])]),
    ...X.flatMap((p) => ACC[p].slice(0, rows).flatMap((_, r) => accumulate(p, r))),
    ...get(J), ...i32Const(16), I32_ADD, 0x22 /* local.tee */, J, ...get(ROW_BYTES), I32_LT_U, 0x0d, 0,
    0x0b,
    ...X.flatMap((p) => ACC[p].slice(0, rows).flatMap((acc, r) => [...get(OUT[p]), ...hsum(acc), ...f32Store(4 * r)])),
    ...X.flatMap((p) => [...get(OUT[p]), ...i32Const(4 * rows), I32_ADD, ...set(OUT[p])]),
    ...get(COUNT), ...i32Const(rows), I32_SUB, ...set(COUNT),
  ];
  const body = [
    ...get(DIM), ...i32Const(2), 0x74 /* i32.shl */, ...set(ROW_BYTES),
    // four rows at a time
    0x02, 0x40, 0x03, 0x40,
    ...get(COUNT), ...i32Const(4), I32_LT_S, 0x0d, 1, // leave when fewer than 4 rows remain
    ...[1, 2, 3].flatMap((r) => [...get(ROW[r - 1]), ...get(ROW_BYTES), I32_ADD, ...set(ROW[r])]),
    ...rowsPass(4),
    ...get(ROW[3]), ...get(ROW_BYTES), I32_ADD, ...set(ROWS),
    0x0c, 0,
    0x0b, 0x0b,
    // the remaining rows one at a time
    0x02, 0x40, 0x03, 0x40,
    ...get(COUNT), 0x45 /* i32.eqz */, 0x0d, 1,
    ...rowsPass(1),
    ...get(ROWS), ...get(ROW_BYTES), I32_ADD, ...set(ROWS),
    0x0c, 0,
    0x0b, 0x0b,
    0x0b,
  ];
  const locals = vector([[5, I32], [5 * vectors, V128]]);
  const code = [...locals, ...body];
  return [...uleb(code.length), ...code];
}

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const signature = (params: number) => [0x60, ...vector(new Array(params).fill([I32])), 0];
  const memoryImport = [...name('env'), ...name('memory'), 0x02, 0x03, ...uleb(1), ...uleb(65536)];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vector([signature(5), signature(7)])),
    ...section(2, vector([memoryImport])),
    ...section(3, vector([[0], [1]])),
    ...section(7, vector([[...name('dots'), 0x00, 0], [...name('dots2'), 0x00, 1]])),
    ...section(10, vector([dotsFunction(1), dotsFunction(2)])),
  ]);
}

export interface DotsKernel {
  dots(x: number, rows: number, count: number, dimension: number, out: number): void;
  dots2(x1: number, x2: number, rows: number, count: number, dimension: number, out1: number, out2: number): void;
}

let compiled: WebAssembly.Module | undefined;

/** The kernels bound to `memory` (a shared WebAssembly.Memory). */
export function instantiateDots(memory: WebAssembly.Memory): DotsKernel {
  compiled ??= new WebAssembly.Module(moduleBytes());
  const { exports } = new WebAssembly.Instance(compiled, { env: { memory } });
  return { dots: exports.dots as DotsKernel['dots'], dots2: exports.dots2 as DotsKernel['dots2'] };
}

/** Rows in WebAssembly memory for the dots kernel (see createDotsSpace). */
export interface DotsSpace {
  kernel: DotsKernel;
  stride: number;
  /** Byte address of row i (in the copied order; spare rows follow). */
  address(row: number): number;
  /** All rows, `stride` floats each. */
  rows: Float32Array;
  outAddress: number;
  out: Float32Array;
}

/**
 * Rows of `data` (in `order`) copied, zero-padded to a multiple of 4, into WebAssembly memory for the
 * kernel, then `spareRows` zeroed rows the caller may fill (a query row, say), then room for one output
 * value per row.
 */
export function createDotsSpace(data: Float32Array, order: ArrayLike<number>, dim: number, spareRows = 0): DotsSpace {
  const n = order.length + spareRows;
  const stride = Math.ceil(dim / 4) * 4;
  const rowsBytes = n * stride * 4;
  const bytes = rowsBytes + n * 4;
  const memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / 65536) + 1, maximum: 65536, shared: true });
  const rows = new Float32Array(memory.buffer, 0, n * stride);
  for (let r = 0; r < order.length; r++) rows.set(data.subarray(order[r] * dim, order[r] * dim + dim), r * stride);
  return {
    kernel: instantiateDots(memory),
    stride,
    address: (row) => row * stride * 4,
    rows,
    outAddress: rowsBytes,
    out: new Float32Array(memory.buffer, rowsBytes, n),
  };
}
