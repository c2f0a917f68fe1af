// 2-D map of the conversations: UMAP with the paper's settings (cosine, 15 neighbours, min_dist 0),
// started from the data's principal plane and seeded so a run is reproducible. umap-js is quadratic-ish
// and single-threaded, so a large corpus is fitted on a seeded sample and every other point is placed at
// the similarity-weighted mean of the 2-D positions of its nearest sampled points (an inverted-file
// search over the sample keeps that fast).
import { UMAP } from 'umap-js';
import { exactNeighbours } from '../cluster/knn.ts';
import { createDotsSpace } from '../util/simd-kernel.ts';
import { createRandom } from '../util/random.ts';
import { createLayoutOptimiser } from './layout.ts';

export const DEFAULT_MAP_SAMPLE = 5000;
const NEIGHBOURS = 15;
const PLACE_NEIGHBOURS = 8;
const PCA_ITERATIONS = 20;
/** umap-js draws its random starting layout from [-10, 10]. */
const INITIAL_EXTENT = 10;

export interface ProjectOptions {
  /** n vectors of `dim` floats, row-major. */
  vectors: Float32Array;
  n: number;
  dim: number;
  seed: number;
  /** Points UMAP is fitted on; the rest are placed from their nearest sampled points (default 5,000). */
  sampleSize?: number;
  onProgress?: (done: number, total: number) => void;
}

/** 2-D coordinates, [x0, y0, x1, y1, ...]. */
export async function projectTo2d(options: ProjectOptions): Promise<Float32Array> {
  const { n, dim, seed } = options;
  if (options.vectors.length !== n * dim) throw new Error(`projectTo2d: ${options.vectors.length} floats for ${n} x ${dim}`);
  const unit = normaliseRows(options.vectors, n, dim);
  const out = new Float32Array(2 * n);
  if (n < 4) {
    for (let i = 0; i < n; i++) out[2 * i] = i; // too few points for a neighbourhood graph: a line
    return out;
  }
  const random = createRandom(seed);
  const sampleSize = Math.min(n, Math.max(4, options.sampleSize ?? DEFAULT_MAP_SAMPLE));
  const sample = seededSample(n, sampleSize, random);
  const rows = Array.from(sample, (i) => Array.from(unit.subarray(i * dim, (i + 1) * dim)));
  const neighbourCount = Math.min(NEIGHBOURS, sampleSize - 1);
  const umap = new UMAP({ nComponents: 2, nNeighbors: neighbourCount, minDist: 0, distanceFn: cosineDistance, random });
  // umap-js's own neighbour search (NN-descent in plain JS) dominates its run time; the SIMD exact
  // search gives the same graph faster.
  const knn = await sampleNeighbours(unit, dim, sample, neighbourCount);
  umap.setPrecomputedKNN(knn.indices, knn.distances);
  umap.initializeFit(rows);
  const layout = createLayoutOptimiser(umap);
  layout.positions.set(principalPlane(unit, dim, sample, random));
  const total = layout.epochs + (n - sampleSize);
  for (let epoch = 0; epoch < layout.epochs; epoch++) {
    layout.step();
    if (epoch % 10 === 0) {
      options.onProgress?.(epoch, total);
      await new Promise((resolve) => setImmediate(resolve)); // let Ctrl-C and progress output through
    }
  }
  const inSample = new Uint8Array(n);
  sample.forEach((point, k) => {
    inSample[point] = 1;
    out[2 * point] = layout.positions[2 * k];
    out[2 * point + 1] = layout.positions[2 * k + 1];
  });
  if (sampleSize < n) placeFromSample({ unit, dim, n, sample, inSample, out, random, onProgress: (done) => options.onProgress?.(layout.epochs + done, total) });
  options.onProgress?.(total, total);
  return out;
}

/** Each sampled point's neighbours within the sample, itself first (as umap-js expects), as cosine distances. */
async function sampleNeighbours(unit: Float32Array, dim: number, sample: Int32Array, count: number): Promise<{ indices: number[][]; distances: number[][] }> {
  const rows = new Float32Array(sample.length * dim);
  sample.forEach((point, i) => rows.set(unit.subarray(point * dim, (point + 1) * dim), i * dim));
  const found = await exactNeighbours(rows, sample.length, dim, count - 1);
  const indices: number[][] = [];
  const distances: number[][] = [];
  for (let i = 0; i < sample.length; i++) {
    const ids = [i];
    const dists = [0];
    for (let j = 0; j < count - 1; j++) {
      const neighbour = found.indices[i * (count - 1) + j];
      ids.push(neighbour < 0 ? i : neighbour);
      dists.push(neighbour < 0 ? 0 : Math.max(0, 1 - found.similarities[i * (count - 1) + j]));
    }
    indices.push(ids);
    distances.push(dists);
  }
  return { indices, distances };
}

/** Mean 2-D position of each cluster's members (NaN for an empty cluster). */
export function clusterCentres(points: Float32Array, assignments: Int32Array, clusterCount: number): Float32Array {
  const sums = new Float64Array(2 * clusterCount);
  const counts = new Int32Array(clusterCount);
  for (let i = 0; i < assignments.length; i++) {
    const c = assignments[i];
    if (c < 0 || c >= clusterCount) continue;
    sums[2 * c] += points[2 * i];
    sums[2 * c + 1] += points[2 * i + 1];
    counts[c]++;
  }
  const centres = new Float32Array(2 * clusterCount);
  for (let c = 0; c < clusterCount; c++) {
    centres[2 * c] = counts[c] ? sums[2 * c] / counts[c] : NaN;
    centres[2 * c + 1] = counts[c] ? sums[2 * c + 1] / counts[c] : NaN;
  }
  return centres;
}

interface PlaceInput {
  unit: Float32Array;
  dim: number;
  n: number;
  sample: Int32Array;
  inSample: Uint8Array;
  out: Float32Array;
  random: () => number;
  onProgress: (done: number) => void;
}

/**
 * Inverted-file nearest-neighbour placement: sampled points are bucketed by their most similar of
 * ~sqrt(sample) pivots; a query scans the buckets of its few most similar pivots only. Similarities come
 * from the SIMD dots kernel over rows laid out pivots first, then the sample bucket by bucket, so each
 * scan is one kernel call over consecutive rows.
 */
function placeFromSample(input: PlaceInput): void {
  const { unit, dim, n, sample, inSample, out, random } = input;
  const pivotCount = Math.max(1, Math.round(Math.sqrt(sample.length)));
  const pivots = seededSample(sample.length, pivotCount, random).map((k) => sample[k]);
  const probes = Math.min(pivotCount, 4);
  const pivotOf = new Int32Array(sample.length);
  const best = new Int32Array(Math.max(probes, PLACE_NEIGHBOURS));
  const bySample = createDotsSpace(unit, Int32Array.from([...pivots, ...sample]), dim);
  sample.forEach((_, k) => {
    bySample.kernel.dots(bySample.address(pivotCount + k), bySample.address(0), pivotCount, bySample.stride, bySample.outAddress);
    topIndices(bySample.out, pivotCount, 1, best);
    pivotOf[k] = best[0];
  });
  // Sampled points ordered by bucket (then by position in the sample).
  const order = Int32Array.from(sample.keys()).sort((a, b) => pivotOf[a] - pivotOf[b] || a - b);
  const bucketStart = new Int32Array(pivotCount + 1);
  for (const pivot of pivotOf) bucketStart[pivot + 1]++;
  for (let b = 0; b < pivotCount; b++) bucketStart[b + 1] += bucketStart[b];
  const space = createDotsSpace(unit, Int32Array.from([...pivots, ...Array.from(order, (k) => sample[k])]), dim, 1);
  const queryRow = pivotCount + sample.length;
  const query = space.address(queryRow);
  const candidates = new Int32Array(sample.length);
  let done = 0;
  for (let i = 0; i < n; i++) {
    if (inSample[i]) continue;
    space.rows.set(unit.subarray(i * dim, (i + 1) * dim), queryRow * space.stride);
    space.kernel.dots(query, space.address(0), pivotCount, space.stride, space.outAddress);
    const probed = topIndices(space.out, pivotCount, probes, best);
    const buckets = Array.from(best.subarray(0, probed));
    let count = 0;
    for (const b of buckets) {
      const size = bucketStart[b + 1] - bucketStart[b];
      if (size === 0) continue;
      space.kernel.dots(query, space.address(pivotCount + bucketStart[b]), size, space.stride, space.outAddress + count * 4);
      for (let r = 0; r < size; r++) candidates[count + r] = sample[order[bucketStart[b] + r]];
      count += size;
    }
    const found = topIndices(space.out, count, PLACE_NEIGHBOURS, best);
    let x = 0;
    let y = 0;
    let weightSum = 0;
    for (let m = 0; m < found; m++) {
      const point = candidates[best[m]];
      const weight = Math.max(1e-6, space.out[best[m]] + 1) ** 4; // sharpen towards the closest
      x += weight * out[2 * point];
      y += weight * out[2 * point + 1];
      weightSum += weight;
    }
    out[2 * i] = x / weightSum;
    out[2 * i + 1] = y / weightSum;
    if (++done % 1000 === 0) input.onProgress(done);
  }
}

/**
 * Writes to `into` the indices of the `k` largest of scores[0..count), largest first (the earlier index
 * on ties); returns how many were written (fewer than k when count is).
 */
function topIndices(scores: Float32Array, count: number, k: number, into: Int32Array): number {
  let found = 0;
  for (let j = 0; j < count; j++) {
    const score = scores[j];
    if (found === k && score <= scores[into[k - 1]]) continue;
    let at = found < k ? found++ : k - 1;
    while (at > 0 && scores[into[at - 1]] < score) {
      into[at] = into[at - 1];
      at--;
    }
    into[at] = j;
  }
  return found;
}

/**
 * The sampled rows projected on their top two principal directions (orthogonal iteration), scaled so the
 * widest coordinate is INITIAL_EXTENT: UMAP's starting layout in place of umap-js's random one, so the map
 * keeps the corpus's global arrangement (umap-learn's init='pca').
 */
function principalPlane(unit: Float32Array, dim: number, sample: Int32Array, random: () => number): Float64Array {
  const m = sample.length;
  const centred = new Float32Array(m * dim);
  const mean = new Float64Array(dim);
  for (const point of sample) for (let d = 0; d < dim; d++) mean[d] += unit[point * dim + d] / m;
  sample.forEach((point, i) => {
    for (let d = 0; d < dim; d++) centred[i * dim + d] = unit[point * dim + d] - mean[d];
  });
  const project = (directions: Float64Array, i: number): [number, number] => {
    let first = 0;
    let second = 0;
    for (let d = 0; d < dim; d++) {
      first += centred[i * dim + d] * directions[d];
      second += centred[i * dim + d] * directions[dim + d];
    }
    return [first, second];
  };
  let directions = orthonormalPair(Float64Array.from({ length: 2 * dim }, () => random() - 0.5), dim);
  for (let iteration = 0; iteration < PCA_ITERATIONS; iteration++) {
    const next = new Float64Array(2 * dim);
    for (let i = 0; i < m; i++) {
      const [first, second] = project(directions, i);
      for (let d = 0; d < dim; d++) {
        next[d] += first * centred[i * dim + d];
        next[dim + d] += second * centred[i * dim + d];
      }
    }
    directions = orthonormalPair(next, dim);
  }
  const coordinates = new Float64Array(2 * m);
  let widest = 0;
  for (let i = 0; i < m; i++) {
    [coordinates[2 * i], coordinates[2 * i + 1]] = project(directions, i);
    widest = Math.max(widest, Math.abs(coordinates[2 * i]), Math.abs(coordinates[2 * i + 1]));
  }
  return widest > 0 ? coordinates.map((value) => (value / widest) * INITIAL_EXTENT) : coordinates;
}

/** Gram-Schmidt on the two vectors laid end to end in `pair`; a vanishing one is left at zero. */
function orthonormalPair(pair: Float64Array, dim: number): Float64Array {
  const first = pair.subarray(0, dim);
  const second = pair.subarray(dim);
  const normalise = (vector: Float64Array) => {
    const norm = Math.hypot(...vector);
    if (norm > 0) for (let d = 0; d < dim; d++) vector[d] /= norm;
  };
  normalise(first);
  let overlap = 0;
  for (let d = 0; d < dim; d++) overlap += first[d] * second[d];
  for (let d = 0; d < dim; d++) second[d] -= overlap * first[d];
  normalise(second);
  return pair;
}

function cosineDistance(a: number[], b: number[]): number {
  let sum = 0;
  for (let d = 0; d < a.length; d++) sum += a[d] * b[d];
  return Math.max(0, 1 - sum); // rows are unit length
}

function normaliseRows(vectors: Float32Array, n: number, dim: number): Float32Array {
  const unit = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    let norm = 0;
    for (let d = 0; d < dim; d++) norm += vectors[i * dim + d] ** 2;
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let d = 0; d < dim; d++) unit[i * dim + d] = vectors[i * dim + d] * scale;
  }
  return unit;
}

/** k distinct indices of 0..n-1, sorted, chosen by a seeded partial Fisher-Yates shuffle. */
function seededSample(n: number, k: number, random: () => number): Int32Array {
  if (k >= n) return Int32Array.from({ length: n }, (_, i) => i);
  const pool = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(random() * (n - i));
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, k).sort();
}
