// The shared state of one k-means run and the per-point work on it. The main thread and every
// worker attach the same buffers and run `runTask` over their own slice of a range of points.
// Every result is written per point (or summed as an integer), and all floating-point reductions
// happen on the main thread in point order, so results do not depend on how many threads ran.
import { assignByScan, assignElkan, assignHamerly, assignListed, distanceToCentre } from './kmeans-assign.ts';
import { instantiateDots, type DotsKernel } from '../util/simd-kernel.ts';

export interface KMeansLayout {
  n: number;
  k: number;
  dim: number;
  /** Row length in floats: dim rounded up to a multiple of 4, zero-padded, for the SIMD kernel. */
  stride: number;
  /** Most candidate centres tried at once while seeding. */
  trials: number;
  /** Length of the index list: the seeding sample and the mini-batch. */
  capacity: number;
  /** Rows copied out for seeding on a sample (0: seed on all the data in place). */
  sampleRows: number;
  /** Keep one lower bound per point and centre (Elkan) instead of one per point (Hamerly). */
  elkan: boolean;
  /** Threads that take part: the main thread is slot 0, workers are 1.. */
  slots: number;
}

export interface KMeansBuffers {
  memory: WebAssembly.Memory;
  floats: SharedArrayBuffer;
  ints: SharedArrayBuffer;
  bounds: SharedArrayBuffer;
}

export interface KMeansState {
  layout: KMeansLayout;
  kernel: DotsKernel;
  /** Byte addresses in the shared WebAssembly memory. */
  dataAt: number;
  centroidsAt: number;
  candidatesAt: number;
  seedRowsAt: number;
  scratchAt: number;
  data: Float32Array;
  centroids: Float32Array;
  candidates: Float32Array;
  /** The rows seeding draws from: the data itself, or a copied sample. */
  seedRows: Float32Array;
  scratch: Float32Array;
  /** Squared norm of every data row, and of every seeding row. */
  norms: Float64Array;
  seedNorms: Float64Array;
  centroidNorms: Float64Array;
  candidateNorms: Float64Array;
  /** Distance to the own centre (an upper bound), and Hamerly's lower bound to any other centre. */
  upper: Float64Array;
  lower: Float64Array;
  /** Elkan's lower bounds, n x k. */
  lowerBounds: Float32Array;
  /** How far each centre moved in the last update, half the distance to its nearest other centre. */
  shift: Float64Array;
  halfSeparation: Float64Array;
  /** Half the distance between every pair of centres, k x k (Elkan only). */
  halfCentreDistance: Float64Array;
  /** Squared distance of each seeding row to its closest seed so far; trials x capacity candidates. */
  seedDistance: Float64Array;
  candidateDistance: Float64Array;
  /** Squared distance of each listed point (mini-batch) to its nearest centre. */
  listedDistance: Float64Array;
  /** Per centre, the sum of its points' rows, k x dim. */
  sums: Float64Array;
  assignments: Int32Array;
  listed: Int32Array;
  listedAssignments: Int32Array;
}

export type KMeansTask =
  /** Squared norms of data rows. */
  | { kind: 'norms' }
  /** Distance of seeding rows to `count` candidates, each capped by the seed distance so far. */
  | { kind: 'seed'; count: number }
  /** Nearest centre of every point, by full scan; sets the bounds. Returns the number of changes. */
  | { kind: 'assign' }
  /** Nearest centre after the centres moved, skipping what the bounds rule out. Returns the changes. */
  | { kind: 'assignBounded'; maxShift: number; secondShift: number; maxShiftCentre: number }
  /** Nearest centre of listed points (a mini-batch). */
  | { kind: 'assignListed' }
  /** Exact squared distance of every point to its own centre, into `upper`. */
  | { kind: 'ownDistance' }
  /** Sums of the rows assigned to each centre in the range (split by centre, so each sum keeps point order). */
  | { kind: 'centreSums' };

/** Rows of the seeding distance pass that share one trip through the cache. */
export const SEED_BLOCK = 128;

/** Per-thread room for two vectors' dot products (the pair kernel writes two runs). */
export function scratchHalf(layout: KMeansLayout): number {
  return Math.ceil(Math.max(layout.k, SEED_BLOCK) / 4) * 4;
}

function scratchLength(layout: KMeansLayout): number {
  return 2 * scratchHalf(layout);
}

const PAGE = 65536;
const MAX_PAGES = 65536;

export function allocateBuffers(layout: KMeansLayout): KMeansBuffers {
  const { n, k, stride, trials, capacity, sampleRows, slots, elkan } = layout;
  const memoryBytes = 4 * (stride * (n + k + trials + sampleRows) + slots * scratchLength(layout));
  const pages = Math.ceil(memoryBytes / PAGE);
  if (pages > MAX_PAGES) {
    throw new RangeError(`k-means input too large: ${memoryBytes} bytes of vectors exceed the 4 GiB the SIMD kernel can address`);
  }
  const floats = 3 * n + 3 * k + (elkan ? k * k : 0) + trials + capacity * (2 + trials) + sampleRows + k * layout.dim;
  return {
    memory: new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true }),
    floats: new SharedArrayBuffer(8 * floats),
    ints: new SharedArrayBuffer(4 * (n + 2 * capacity)),
    bounds: new SharedArrayBuffer(elkan ? 4 * n * k : 0),
  };
}

export function attachState(layout: KMeansLayout, buffers: KMeansBuffers, slot: number): KMeansState {
  const { n, k, stride, trials, capacity, sampleRows, elkan } = layout;
  const memory = buffers.memory.buffer as unknown as ArrayBuffer;
  const dataAt = 0;
  const centroidsAt = dataAt + 4 * n * stride;
  const candidatesAt = centroidsAt + 4 * k * stride;
  const sampleAt = candidatesAt + 4 * trials * stride;
  const scratchAt = sampleAt + 4 * sampleRows * stride + 4 * slot * scratchLength(layout);
  let floatAt = 0;
  const floats = (length: number) => {
    const view = new Float64Array(buffers.floats, 8 * floatAt, length);
    floatAt += length;
    return view;
  };
  let intAt = 0;
  const ints = (length: number) => {
    const view = new Int32Array(buffers.ints, 4 * intAt, length);
    intAt += length;
    return view;
  };
  const data = new Float32Array(memory, dataAt, n * stride);
  const norms = floats(n);
  return {
    layout,
    kernel: instantiateDots(buffers.memory),
    dataAt,
    centroidsAt,
    candidatesAt,
    seedRowsAt: sampleRows > 0 ? sampleAt : dataAt,
    scratchAt,
    data,
    centroids: new Float32Array(memory, centroidsAt, k * stride),
    candidates: new Float32Array(memory, candidatesAt, trials * stride),
    seedRows: sampleRows > 0 ? new Float32Array(memory, sampleAt, sampleRows * stride) : data,
    scratch: new Float32Array(memory, scratchAt, scratchLength(layout)),
    norms,
    seedNorms: sampleRows > 0 ? floats(sampleRows) : norms,
    upper: floats(n),
    lower: floats(n),
    lowerBounds: new Float32Array(buffers.bounds),
    centroidNorms: floats(k),
    shift: floats(k),
    halfSeparation: floats(k),
    halfCentreDistance: floats(elkan ? k * k : 0),
    candidateNorms: floats(trials),
    seedDistance: floats(capacity),
    candidateDistance: floats(trials * capacity),
    listedDistance: floats(capacity),
    sums: floats(k * layout.dim),
    assignments: ints(n),
    listed: ints(capacity),
    listedAssignments: ints(capacity),
  };
}

/** Runs `task` on items [start, end) (points, or positions in the index list). */
export function runTask(state: KMeansState, task: KMeansTask, start: number, end: number): number {
  switch (task.kind) {
    case 'norms':
      return computeNorms(state, start, end);
    case 'seed':
      return seedDistances(state, task.count, start, end);
    case 'assign':
      return assignByScan(state, start, end);
    case 'assignBounded':
      return state.layout.elkan
        ? assignElkan(state, start, end)
        : assignHamerly(state, task.maxShift, task.secondShift, task.maxShiftCentre, start, end);
    case 'assignListed':
      return assignListed(state, start, end);
    case 'ownDistance':
      return ownDistances(state, start, end);
    case 'centreSums':
      return centreSums(state, start, end);
  }
}

/** Every thread reads all assignments and adds only its own centres' points. */
function centreSums(state: KMeansState, start: number, end: number): number {
  const { data, assignments, sums } = state;
  const { n, dim, stride } = state.layout;
  sums.fill(0, start * dim, end * dim);
  for (let i = 0; i < n; i++) {
    const c = assignments[i];
    if (c < start || c >= end) continue;
    for (let j = 0, at = c * dim, from = i * stride; j < dim; j++) sums[at + j] += data[from + j];
  }
  return 0;
}

function computeNorms(state: KMeansState, start: number, end: number): number {
  const { data, norms } = state;
  const { stride } = state.layout;
  for (let i = start; i < end; i++) {
    let sum = 0;
    for (let j = i * stride, last = j + stride; j < last; j++) sum += data[j] * data[j];
    norms[i] = sum;
  }
  return 0;
}

/** Blocks of rows stay in cache while every candidate passes over them. */
function seedDistances(state: KMeansState, count: number, start: number, end: number): number {
  const { kernel, scratch, scratchAt, seedNorms, candidateNorms, seedDistance, candidateDistance } = state;
  const { stride, capacity } = state.layout;
  const rowBytes = 4 * stride;
  const half = scratchHalf(state.layout);
  const capped = (t: number, from: number, first: number, length: number) => {
    const candidateNorm = candidateNorms[t];
    const out = t * capacity;
    for (let q = 0; q < length; q++) {
      const p = first + q;
      const squared = Math.max(0, seedNorms[p] + candidateNorm - 2 * scratch[from + q]);
      candidateDistance[out + p] = squared < seedDistance[p] ? squared : seedDistance[p];
    }
  };
  for (let first = start; first < end; first += SEED_BLOCK) {
    const length = Math.min(SEED_BLOCK, end - first);
    const rows = state.seedRowsAt + first * rowBytes;
    let t = 0;
    for (; t + 1 < count; t += 2) {
      const candidate = state.candidatesAt + t * rowBytes;
      kernel.dots2(candidate, candidate + rowBytes, rows, length, stride, scratchAt, scratchAt + 4 * half);
      capped(t, 0, first, length);
      capped(t + 1, half, first, length);
    }
    if (t < count) {
      kernel.dots(state.candidatesAt + t * rowBytes, rows, length, stride, scratchAt);
      capped(t, 0, first, length);
    }
  }
  return 0;
}

function ownDistances(state: KMeansState, start: number, end: number): number {
  const { assignments, upper } = state;
  for (let i = start; i < end; i++) {
    const d = distanceToCentre(state, i, assignments[i]);
    upper[i] = d * d;
  }
  return 0;
}
