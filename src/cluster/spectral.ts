// Spectral embedding of a k-nearest-neighbour graph: rows become their coordinates in the top
// eigenvectors of the normalised affinity D^-1/2 W D^-1/2 (Ng, Jordan and Weiss), so that groups
// that are chained through neighbours but not compact in the original space still separate.
// Eigenvectors by block subspace iteration with Rayleigh-Ritz on (I + S) / 2, whose spectrum lies in
// [0, 1]. Cost per round: `multipliesPerRound` sparse products (n·k·b each) plus one
// orthonormalisation (about 2·n·b² multiply-adds, twice), b = dimensions + oversampling.
import { createRandom } from '../util/random.ts';
import { createKernelArena } from '../util/simd-kernel.ts';
import { blockToRows, column, crossProduct, gaussianBlock, multiplySmall, orthonormalise, rowsToBlock, symmetricEigen, type ColumnBlock } from './linalg.ts';
import type { Neighbours } from './knn.ts';

export interface SpectralOptions {
  dimensions: number;
  seed: number;
  rounds?: number;
  multipliesPerRound?: number;
  /**
   * Scale each eigenvector by its eigenvalue (of (I + S) / 2) to this power before the rows are
   * normalised (diffusion-map style), so weak directions count less. Default 0: unscaled.
   */
  eigenvaluePower?: number;
}

export interface SymmetricGraph {
  n: number;
  indptr: Int32Array;
  indices: Int32Array;
  weights: Float64Array;
}

/** W = (A + Aᵀ) / 2 over the binary kNN connectivity A, then D^-1/2 W D^-1/2. */
export function normalisedAffinity(neighbours: Neighbours, n: number): SymmetricGraph {
  const rows: Map<number, number>[] = Array.from({ length: n }, () => new Map());
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < neighbours.k; r++) {
      const j = neighbours.indices[i * neighbours.k + r];
      if (j < 0 || j === i) continue;
      rows[i].set(j, (rows[i].get(j) ?? 0) + 0.5);
      rows[j].set(i, (rows[j].get(i) ?? 0) + 0.5);
    }
  }
  return normaliseGraph(rows);
}

/** D^-1/2 W D^-1/2 for symmetric weights given as one map (neighbour -> weight) per node. */
export function normaliseGraph(rows: Map<number, number>[]): SymmetricGraph {
  const n = rows.length;
  const degree = rows.map((row) => [...row.values()].reduce((a, b) => a + b, 0));
  const indptr = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) indptr[i + 1] = indptr[i] + rows[i].size;
  const indices = new Int32Array(indptr[n]);
  const weights = new Float64Array(indptr[n]);
  for (let i = 0; i < n; i++) {
    let p = indptr[i];
    for (const [j, w] of [...rows[i]].sort((a, b) => a[0] - b[0])) {
      indices[p] = j;
      weights[p++] = degree[i] > 0 && degree[j] > 0 ? w / Math.sqrt(degree[i] * degree[j]) : 0;
    }
  }
  return { n, indptr, indices, weights };
}

/** Applies (I + S) / 2 to blocks of vectors. */
interface ShiftedOperator {
  /** (I + S) / 2 applied `times` times to every column of x. */
  apply(x: ColumnBlock, times: number): ColumnBlock;
}

/**
 * (I + S) / 2 as one sparse matrix (the diagonal included) in the SIMD kernel's memory, applied to the
 * block laid out row by row, in f64 lanes.
 */
function shiftedOperator(graph: SymmetricGraph, width: number): ShiftedOperator {
  const { n } = graph;
  const stride = width + (width & 1);
  const arena = createKernelArena();
  const indptr = arena.ints(n + 1);
  const indices = arena.ints(graph.indices.length + n);
  const values = arena.doubles(graph.indices.length + n);
  // The diagonal first, then the neighbours: halving is exact, so the sums are the ones
  // (x_i + Σ w_ij x_j) / 2 gives, bit for bit.
  for (let i = 0, p = 0; i < n; i++) {
    indices[p] = i;
    values[p++] = 0.5;
    for (let q = graph.indptr[i]; q < graph.indptr[i + 1]; q++) {
      indices[p] = graph.indices[q];
      values[p++] = graph.weights[q] / 2;
    }
    indptr[i + 1] = p;
  }
  let from = arena.doubles(n * stride);
  let to = arena.doubles(n * stride);
  return {
    apply(x, times) {
      blockToRows(x, from, stride);
      for (let t = 0; t < times; t++) {
        to.fill(0);
        arena.kernel.sparseTimesDense64(indptr.byteOffset, indices.byteOffset, values.byteOffset, n, from.byteOffset, to.byteOffset, stride * 8);
        [from, to] = [to, from];
      }
      return rowsToBlock(from, stride, n, x.columns);
    },
  };
}

/** n x dimensions, row-major, each row L2-normalised. */
export function spectralEmbedding(neighbours: Neighbours, n: number, options: SpectralOptions): { data: Float32Array; dim: number } {
  return embedGraph(normalisedAffinity(neighbours, n), options);
}

/** The top eigenvectors of a normalised graph, as rows (n x dimensions, row-major, L2-normalised). */
export function embedGraph(graph: SymmetricGraph, options: SpectralOptions): { data: Float32Array; dim: number } {
  const n = graph.n;
  const dimensions = Math.max(1, Math.min(options.dimensions, n - 1));
  const width = Math.min(n, dimensions + Math.max(10, Math.ceil(dimensions * 0.2)));
  const random = createRandom(options.seed);
  let q = gaussianBlock(n, width, random);
  const rounds = options.rounds ?? 20;
  const multiplies = options.multipliesPerRound ?? 4;
  const shifted = shiftedOperator(graph, width);
  for (let round = 0; round < rounds; round++) {
    q = shifted.apply(q, multiplies);
    orthonormalise(q);
  }
  // Rayleigh-Ritz: the best approximations to the top eigenvectors within span(Q).
  const projected = crossProduct(q, shifted.apply(q, 1));
  for (let i = 0; i < width; i++) for (let j = 0; j < i; j++) projected[i * width + j] = projected[j * width + i] = (projected[i * width + j] + projected[j * width + i]) / 2;
  const { values, vectors } = symmetricEigen(projected, width);
  const ritz = multiplySmall(q, vectors, width);
  const data = new Float32Array(n * dimensions);
  const power = options.eigenvaluePower ?? 0;
  for (let c = 0; c < dimensions; c++) {
    const source = column(ritz, c);
    const scale = power === 0 ? 1 : Math.max(values[c], 0) ** power;
    for (let i = 0; i < n; i++) data[i * dimensions + c] = source[i] * scale;
  }
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let c = 0; c < dimensions; c++) sum += data[i * dimensions + c] ** 2;
    const scale = sum > 0 ? 1 / Math.sqrt(sum) : 0;
    for (let c = 0; c < dimensions; c++) data[i * dimensions + c] *= scale;
  }
  return { data, dim: dimensions };
}
