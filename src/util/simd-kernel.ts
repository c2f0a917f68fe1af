// A WebAssembly SIMD kernel for dot products of one vector with a run of consecutive rows, the
// operation k-means and nearest neighbours spend their time in, and for sparse times dense products
// (the TF-IDF SVD, the spectral embedding). Plain JavaScript manages well under 1 G multiply-adds per
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
const I32_MUL = 0x6c;
const I32_GE_U = 0x4f;
const F32_ADD = 0x92;
const f32Store = (offset: number) => [0x38, 2, ...uleb(offset)];
const i32Load = (offset = 0) => [0x28, 2, ...uleb(offset)];
const v128Store = (offset = 0) => simd(0x0b, 4, ...uleb(offset));
const BLOCK = [0x02, 0x40];
const LOOP = [0x03, 0x40];
const END = 0x0b;
const brIf = (depth: number) => [0x0d, depth];
const br = (depth: number) => [0x0c, depth];

/** A function's entry in the code section: its size, its locals as (count, type) runs, its body. */
function functionCode(locals: [number, number][], body: number[]): number[] {
  const code = [...vector(locals), ...body];
  return [...uleb(code.length), ...code];
}

/** The lane type of a kernel: four f32 or two f64 per 128-bit vector. */
interface Lanes {
  lanes: number;
  /** log2 of the element size in bytes */
  shift: number;
  mul: number[];
  add: number[];
  sub: number[];
  splat: number[];
  extract: (lane: number) => number[];
  scalarAdd: number;
  scalarLoad: (offset?: number) => number[];
  scalarStore: (offset: number) => number[];
}

const F32_LANES: Lanes = {
  lanes: 4, shift: 2, mul: f32x4Mul, add: f32x4Add, sub: simd(0xe5), splat: simd(0x13), extract: lane,
  scalarAdd: F32_ADD, scalarLoad: (offset = 0) => [0x2a, 2, ...uleb(offset)], scalarStore: f32Store,
};
const F64_LANES: Lanes = {
  lanes: 2, shift: 3, mul: simd(0xf2), add: simd(0xf0), sub: simd(0xf1), splat: simd(0x14), extract: (index) => simd(0x21, index),
  scalarAdd: 0xa0, scalarLoad: (offset = 0) => [0x2b, 3, ...uleb(offset)], scalarStore: (offset) => [0x39, 3, ...uleb(offset)],
};

/**
 * dots(x, rows, count, dimension, out): out[r] = x . rows[r] for r < count, byte addresses, `dimension`
 * (in elements) a multiple of the lanes (rows are zero-padded to it). dots2(x1, x2, rows, count,
 * dimension, out1, out2) does the same for two vectors at once. Each load of a row serves every vector
 * and each load of a vector serves four rows, which keeps the loop limited by arithmetic, not memory.
 */
function dotsFunction(vectors: number, type: Lanes = F32_LANES): number[] {
  const X = Array.from({ length: vectors }, (_, p) => p);
  const ROWS = vectors, COUNT = vectors + 1, DIM = vectors + 2;
  const OUT = X.map((p) => vectors + 3 + p);
  const J = 2 * vectors + 3, ROW_BYTES = J + 1, ROW = [ROWS, J + 2, J + 3, J + 4];
  const XV = X.map((p) => J + 5 + p);
  const ACC = X.map((p) => [0, 1, 2, 3].map((r) => J + 5 + vectors + 4 * p + r));
  const size = 1 << type.shift;
  const hsum = (acc: number) =>
    type.lanes === 4
      ? [...get(acc), ...type.extract(0), ...get(acc), ...type.extract(1), type.scalarAdd,
        ...get(acc), ...type.extract(2), ...get(acc), ...type.extract(3), type.scalarAdd, type.scalarAdd]
      : [...get(acc), ...type.extract(0), ...get(acc), ...type.extract(1), type.scalarAdd];
  const accumulate = (p: number, r: number) => [
    ...get(ACC[p][r]), ...get(XV[p]), ...get(ROW[r]), ...get(J), I32_ADD, ...v128Load(), ...type.mul, ...type.add, ...set(ACC[p][r]),
  ];
  // inner loop over the dimension for `rows` rows (1 or 4), then the sums stored at each out + size r
  const rowsPass = (rows: number) => [
    ...X.flatMap((p) => ACC[p].slice(0, rows).flatMap((acc) => [...v128Zero, ...set(acc)])),
    ...i32Const(0), ...set(J),
    0x03, 0x40,
    ...X.flatMap((p) => [...get(X[p]), ...get(J), I32_ADD, ...v128Load(), ...set(XV[p])]),
    ...X.flatMap((p) => ACC[p].slice(0, rows).flatMap((_, r) => accumulate(p, r))),
    ...get(J), ...i32Const(16), I32_ADD, 0x22 /* local.tee */, J, ...get(ROW_BYTES), I32_LT_U, 0x0d, 0,
    0x0b,
    ...X.flatMap((p) => ACC[p].slice(0, rows).flatMap((acc, r) => [...get(OUT[p]), ...hsum(acc), ...type.scalarStore(size * r)])),
    ...X.flatMap((p) => [...get(OUT[p]), ...i32Const(size * rows), I32_ADD, ...set(OUT[p])]),
    ...get(COUNT), ...i32Const(rows), I32_SUB, ...set(COUNT),
  ];
  const body = [
    ...get(DIM), ...i32Const(type.shift), 0x74 /* i32.shl */, ...set(ROW_BYTES),
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
  return functionCode([[5, I32], [5 * vectors, V128]], body);
}

/**
 * subtractCombination64(coefficients, rows, count, dimension, v): v -= Σ_r coefficients[r] · rows[r]
 * for r < count, f64, byte addresses, `dimension` (in elements) even. With dots (f64) it makes a
 * classical Gram-Schmidt step: each load and store of v serves four rows.
 */
function subtractCombinationFunction(type: Lanes): number[] {
  const COEFFICIENTS = 0, ROWS = 1, COUNT = 2, DIM = 3, V = 4;
  const J = 5, ROW_BYTES = 6, ROW = [ROWS, 7, 8, 9], C = [10, 11, 12, 13];
  const size = 1 << type.shift;
  const rowsPass = (rows: number) => [
    ...[1, 2, 3].slice(0, rows - 1).flatMap((r) => [...get(ROW[r - 1]), ...get(ROW_BYTES), I32_ADD, ...set(ROW[r])]),
    ...C.slice(0, rows).flatMap((c, r) => [...get(COEFFICIENTS), ...type.scalarLoad(size * r), ...type.splat, ...set(c)]),
    ...i32Const(0), ...set(J),
    ...LOOP,
    ...get(V), ...get(J), I32_ADD,
    ...get(V), ...get(J), I32_ADD, ...v128Load(),
    ...C.slice(0, rows).flatMap((c, r) => [...get(c), ...get(ROW[r]), ...get(J), I32_ADD, ...v128Load(), ...type.mul, ...type.sub]),
    ...v128Store(),
    ...get(J), ...i32Const(16), I32_ADD, 0x22 /* local.tee */, J, ...get(ROW_BYTES), I32_LT_U, ...brIf(0),
    END,
    ...get(ROW[rows - 1]), ...get(ROW_BYTES), I32_ADD, ...set(ROWS),
    ...get(COEFFICIENTS), ...i32Const(size * rows), I32_ADD, ...set(COEFFICIENTS),
    ...get(COUNT), ...i32Const(rows), I32_SUB, ...set(COUNT),
  ];
  const body = [
    ...get(DIM), ...i32Const(type.shift), 0x74 /* i32.shl */, ...set(ROW_BYTES),
    ...BLOCK, ...LOOP,
    ...get(COUNT), ...i32Const(4), I32_LT_S, ...brIf(1),
    ...rowsPass(4),
    ...br(0),
    END, END,
    ...BLOCK, ...LOOP,
    ...get(COUNT), 0x45 /* i32.eqz */, ...brIf(1),
    ...rowsPass(1),
    ...br(0),
    END, END,
    END,
  ];
  return functionCode([[5, I32], [4, V128]], body);
}

/**
 * A sparse matrix A (CSR: `indptr` of rows + 1 i32, `indices` i32 and `values` per entry) times a dense
 * row-major matrix, accumulated into another, all f32 (or all f64 for the `64` variant): with `scatter` false (gather),
 * dst[r] += Σ_p values[p] · src[indices[p]], that is dst += A·src; with `scatter` true,
 * dst[indices[p]] += values[p] · src[r], that is dst += Aᵀ·src. Rows of src and dst are `strideBytes`
 * long, a multiple of 16. Parameters: (indptr, indices, values, rows, src, dst, strideBytes).
 */
function sparseTimesDenseFunction(scatter: boolean, type: Lanes = F32_LANES): number[] {
  const INDPTR = 0, INDICES = 1, VALUES = 2, ROWS = 3, SRC = 4, DST = 5, STRIDE = 6;
  const P = 7, P_END = 8, FROM = 9, TO = 10, J = 11, ROW = 12, SCALE = 13;
  // the row of the sparse row being walked and the row an entry's column names
  const [ROW_SIDE, COLUMN_SIDE] = scatter ? [SRC, DST] : [DST, SRC];
  const [ROW_TARGET, COLUMN_TARGET] = scatter ? [FROM, TO] : [TO, FROM];
  const body = [
    ...get(INDPTR), ...i32Load(), ...set(P),
    ...BLOCK, ...LOOP,
    ...get(ROW), ...get(ROWS), I32_GE_U, ...brIf(1),
    ...get(INDPTR), ...get(ROW), ...i32Const(1), I32_ADD, ...i32Const(2), 0x74, I32_ADD, ...i32Load(), ...set(P_END),
    ...get(ROW_SIDE), ...get(ROW), ...get(STRIDE), I32_MUL, I32_ADD, ...set(ROW_TARGET),
    ...BLOCK, ...LOOP,
    ...get(P), ...get(P_END), I32_GE_U, ...brIf(1),
    ...get(VALUES), ...get(P), ...i32Const(type.shift), 0x74, I32_ADD, ...type.scalarLoad(), ...type.splat, ...set(SCALE),
    ...get(COLUMN_SIDE), ...get(INDICES), ...get(P), ...i32Const(2), 0x74, I32_ADD, ...i32Load(), ...get(STRIDE), I32_MUL, I32_ADD, ...set(COLUMN_TARGET),
    ...i32Const(0), ...set(J),
    ...LOOP,
    ...get(TO), ...get(J), I32_ADD,
    ...get(TO), ...get(J), I32_ADD, ...v128Load(),
    ...get(FROM), ...get(J), I32_ADD, ...v128Load(), ...get(SCALE), ...type.mul, ...type.add,
    ...v128Store(),
    ...get(J), ...i32Const(16), I32_ADD, 0x22 /* local.tee */, J, ...get(STRIDE), I32_LT_U, ...brIf(0),
    END,
    ...get(P), ...i32Const(1), I32_ADD, ...set(P),
    ...br(0),
    END, END,
    ...get(ROW), ...i32Const(1), I32_ADD, ...set(ROW),
    ...br(0),
    END, END,
    END,
  ];
  return functionCode([[6, I32], [1, V128]], body);
}

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const signature = (params: number) => [0x60, ...vector(new Array(params).fill([I32])), 0];
  const memoryImport = [...name('env'), ...name('memory'), 0x02, 0x03, ...uleb(1), ...uleb(65536)];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vector([signature(5), signature(7)])),
    ...section(2, vector([memoryImport])),
    ...section(3, vector([[0], [1], [1], [1], [0], [0], [1]])),
    ...section(7, vector([
      [...name('dots'), 0x00, 0], [...name('dots2'), 0x00, 1], [...name('sparseTimesDense'), 0x00, 2],
      [...name('sparseTransposeTimesDense'), 0x00, 3], [...name('dots64'), 0x00, 4], [...name('subtractCombination64'), 0x00, 5],
      [...name('sparseTimesDense64'), 0x00, 6],
    ])),
    ...section(10, vector([
      dotsFunction(1), dotsFunction(2), sparseTimesDenseFunction(false), sparseTimesDenseFunction(true),
      dotsFunction(1, F64_LANES), subtractCombinationFunction(F64_LANES), sparseTimesDenseFunction(false, F64_LANES),
    ])),
  ]);
}

export interface DotsKernel {
  dots(x: number, rows: number, count: number, dimension: number, out: number): void;
  dots2(x1: number, x2: number, rows: number, count: number, dimension: number, out1: number, out2: number): void;
  /** dst += A·src (see sparseTimesDenseFunction); byte addresses. */
  sparseTimesDense(indptr: number, indices: number, values: number, rows: number, src: number, dst: number, strideBytes: number): void;
  /** dst += Aᵀ·src, A with `rows` rows; byte addresses. */
  sparseTransposeTimesDense(indptr: number, indices: number, values: number, rows: number, src: number, dst: number, strideBytes: number): void;
  /** dst += A·src with f64 values and rows (`strideBytes` a multiple of 16). */
  sparseTimesDense64(indptr: number, indices: number, values: number, rows: number, src: number, dst: number, strideBytes: number): void;
  /** dots in f64, `dimension` even. */
  dots64(x: number, rows: number, count: number, dimension: number, out: number): void;
  /** v -= Σ coefficients[r] · rows[r], f64, `dimension` even. */
  subtractCombination64(coefficients: number, rows: number, count: number, dimension: number, v: number): void;
}

let compiled: WebAssembly.Module | undefined;

/** The kernels bound to `memory` (a shared WebAssembly.Memory). */
export function instantiateDots(memory: WebAssembly.Memory): DotsKernel {
  compiled ??= new WebAssembly.Module(moduleBytes());
  const { exports } = new WebAssembly.Instance(compiled, { env: { memory } });
  return {
    dots: exports.dots as DotsKernel['dots'],
    dots2: exports.dots2 as DotsKernel['dots2'],
    sparseTimesDense: exports.sparseTimesDense as DotsKernel['sparseTimesDense'],
    sparseTransposeTimesDense: exports.sparseTransposeTimesDense as DotsKernel['sparseTransposeTimesDense'],
    dots64: exports.dots64 as DotsKernel['dots64'],
    subtractCombination64: exports.subtractCombination64 as DotsKernel['subtractCombination64'],
    sparseTimesDense64: exports.sparseTimesDense64 as DotsKernel['sparseTimesDense64'],
  };
}

/** Rows in WebAssembly memory for the dots kernel (see createDotsSpace). */
export interface DotsSpace {
  /** Shared, so worker threads can bind the kernel to the same rows. */
  memory: WebAssembly.Memory;
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
    memory,
    kernel: instantiateDots(memory),
    stride,
    address: (row) => row * stride * 4,
    rows,
    outAddress: rowsBytes,
    out: new Float32Array(memory.buffer, rowsBytes, n),
  };
}

/** A growable WebAssembly memory with the kernel bound to it, handed out front to back (see createKernelArena). */
export interface KernelArena {
  kernel: DotsKernel;
  /** Reserves `length` zeroed floats (16-byte aligned) and returns their view; `.byteOffset` is the kernel address. */
  floats(length: number): Float32Array;
  ints(length: number): Int32Array;
  doubles(length: number): Float64Array;
  /** Everything reserved after `mark()` is given back to `release(mark)` (and zeroed on its next reservation). */
  mark(): number;
  release(mark: number): void;
}

export function createKernelArena(initialBytes = 1 << 20): KernelArena {
  const memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil(initialBytes / 65536)), maximum: 65536, shared: true });
  const kernel = instantiateDots(memory);
  let top = 0;
  const reserve = (bytes: number): number => {
    const address = top;
    top += Math.ceil(bytes / 16) * 16;
    if (top > memory.buffer.byteLength) memory.grow(Math.ceil((top - memory.buffer.byteLength) / 65536));
    new Uint8Array(memory.buffer, address, top - address).fill(0);
    return address;
  };
  return {
    kernel,
    floats(length) {
      const address = reserve(length * 4); // before reading memory.buffer, which growing replaces
      return new Float32Array(memory.buffer, address, length);
    },
    ints(length) {
      const address = reserve(length * 4);
      return new Int32Array(memory.buffer, address, length);
    },
    doubles(length) {
      const address = reserve(length * 8);
      return new Float64Array(memory.buffer, address, length);
    },
    mark: () => top,
    release(mark) {
      top = mark;
    },
  };
}
