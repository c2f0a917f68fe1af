// Character n-gram TF-IDF reduced by truncated SVD (latent semantic analysis). The sentence encoder's
// small English vocabulary misses product names, technical terms and other rare domain words; n-grams
// of characters inside words catch them, and typos and inflections too.
//
// Cost: hashing n-grams is linear in the text; the SVD is fitted on at most `fitSample` documents
// (randomized range finder, O(nnz·l) per power step plus O(m·l²) to orthonormalise, l = rank + 10),
// and every document is then projected through the fitted components (O(nnz·rank)), in chunks, so
// memory stays at one chunk of sparse rows plus the n x rank output.
import { createRandom } from '../util/random.ts';
import { createDotsSpace, createKernelArena, type KernelArena } from '../util/simd-kernel.ts';
import { blockToRows, gaussianBlock, orthonormalise, rowsToBlock, symmetricEigen, normaliseRows, createBlock, column, type ColumnBlock } from './linalg.ts';

export interface TfidfSvdOptions {
  texts: string[];
  /** Output dimensions (the SVD rank), capped by the data. */
  rank: number;
  seed: number;
  /** Documents the vocabulary and SVD are fitted on; the rest are projected. */
  fitSample?: number;
  minN?: number;
  maxN?: number;
  /** Characters of each text used (long conversations: the start says most about the request). */
  maxChars?: number;
  powerIterations?: number;
}

interface SparseRows {
  rows: number;
  indptr: Int32Array;
  indices: Int32Array;
  values: Float32Array;
}

const HASH_BITS = 20;
const MAX_FEATURES = 1 << 15;
const CHUNK = 4096;

/** Rows of the reduced TF-IDF matrix, each L2-normalised, row-major n x dim. */
export function tfidfSvd(options: TfidfSvdOptions): { data: Float32Array; dim: number } {
  const n = options.texts.length;
  const minN = options.minN ?? 2;
  const maxN = options.maxN ?? 4;
  const maxChars = options.maxChars ?? 2000;
  const random = createRandom(options.seed);
  const fitIndices = sampleIndices(n, options.fitSample ?? 10000, random);
  const fitGrams = fitIndices.map((i) => ngramCounts(options.texts[i], minN, maxN, maxChars));
  const vocabulary = buildVocabulary(fitGrams);
  const fitMatrix = toSparse(fitGrams, vocabulary);
  const rank = Math.max(1, Math.min(options.rank, vocabulary.size - 1, fitIndices.length - 1));
  const components = fitComponents(fitMatrix, vocabulary.size, rank, options.powerIterations ?? 2, random);
  const stride = Math.ceil(rank / 4) * 4;
  const arena = createKernelArena();
  const basis = arena.floats(vocabulary.size * stride);
  for (let f = 0; f < vocabulary.size; f++) basis.set(components.subarray(f * rank, (f + 1) * rank), f * stride);
  const data = new Float32Array(n * rank);
  for (let start = 0; start < n; start += CHUNK) {
    const end = Math.min(n, start + CHUNK);
    const grams: Map<number, number>[] = [];
    for (let i = start; i < end; i++) grams.push(ngramCounts(options.texts[i], minN, maxN, maxChars));
    const mark = arena.mark();
    const chunk = placeSparse(arena, toSparse(grams, vocabulary));
    const projected = arena.floats((end - start) * stride);
    sparseProduct(arena, chunk, basis, projected, stride, false);
    for (let r = 0; r < end - start; r++) data.set(projected.subarray(r * stride, r * stride + rank), (start + r) * rank);
    arena.release(mark);
  }
  normaliseRows(data, rank);
  return { data, dim: rank };
}

function sampleIndices(n: number, size: number, random: () => number): number[] {
  const all = Array.from({ length: n }, (_, i) => i);
  if (n <= size) return all;
  for (let i = 0; i < size; i++) {
    const j = i + Math.floor(random() * (n - i));
    [all[i], all[j]] = [all[j], all[i]];
  }
  return all.slice(0, size).sort((a, b) => a - b);
}

/** Hashed counts of the character n-grams inside each word (words padded with a space each side). */
function ngramCounts(text: string, minN: number, maxN: number, maxChars: number): Map<number, number> {
  const counts = new Map<number, number>();
  const words = text.slice(0, maxChars).toLowerCase().split(/[^\p{L}\p{N}]+/u);
  for (const word of words) {
    if (word.length === 0) continue;
    const padded = ` ${word} `;
    for (let size = minN; size <= maxN; size++) {
      for (let start = 0; start + size <= padded.length; start++) {
        let hash = 0x811c9dc5 ^ size;
        for (let c = start; c < start + size; c++) hash = Math.imul(hash ^ padded.charCodeAt(c), 0x01000193);
        const bucket = (hash >>> 0) & ((1 << HASH_BITS) - 1);
        counts.set(bucket, (counts.get(bucket) ?? 0) + 1);
      }
    }
  }
  return counts;
}

interface Vocabulary {
  size: number;
  /** bucket -> column, -1 when the bucket is not a feature. */
  columnOf: Int32Array;
  idf: Float32Array;
}

/** Buckets seen in at least two documents, the most frequent MAX_FEATURES of them, with smoothed idf. */
function buildVocabulary(documents: Map<number, number>[]): Vocabulary {
  const df = new Int32Array(1 << HASH_BITS);
  for (const counts of documents) for (const bucket of counts.keys()) df[bucket]++;
  const minDf = documents.length >= 10 ? 2 : 1;
  const kept: number[] = [];
  for (let bucket = 0; bucket < df.length; bucket++) if (df[bucket] >= minDf) kept.push(bucket);
  kept.sort((a, b) => df[b] - df[a] || a - b);
  const features = kept.slice(0, MAX_FEATURES).sort((a, b) => a - b);
  const columnOf = new Int32Array(1 << HASH_BITS).fill(-1);
  const idf = new Float32Array(features.length);
  features.forEach((bucket, c) => {
    columnOf[bucket] = c;
    idf[c] = Math.log((1 + documents.length) / (1 + df[bucket])) + 1;
  });
  return { size: features.length, columnOf, idf };
}

/** Sublinear tf times idf, each row L2-normalised. */
function toSparse(documents: Map<number, number>[], vocabulary: Vocabulary): SparseRows {
  const indptr = new Int32Array(documents.length + 1);
  const indices: number[] = [];
  const values: number[] = [];
  documents.forEach((counts, row) => {
    const start = indices.length;
    let sum = 0;
    for (const [bucket, count] of counts) {
      const c = vocabulary.columnOf[bucket];
      if (c < 0) continue;
      const value = (1 + Math.log(count)) * vocabulary.idf[c];
      indices.push(c);
      values.push(value);
      sum += value * value;
    }
    const scale = sum > 0 ? 1 / Math.sqrt(sum) : 0;
    for (let i = start; i < values.length; i++) values[i] *= scale;
    indptr[row + 1] = indices.length;
  });
  return { rows: documents.length, indptr, indices: Int32Array.from(indices), values: Float32Array.from(values) };
}

/** A sparse matrix in kernel memory. */
interface PlacedSparse {
  indptr: Int32Array;
  indices: Int32Array;
  values: Float32Array;
  rows: number;
}

function placeSparse(arena: KernelArena, a: SparseRows): PlacedSparse {
  const placed = { indptr: arena.ints(a.rows + 1), indices: arena.ints(a.indices.length), values: arena.floats(a.values.length), rows: a.rows };
  placed.indptr.set(a.indptr);
  placed.indices.set(a.indices);
  placed.values.set(a.values);
  return placed;
}

/** dst += A·src (`transpose` false) or Aᵀ·src, dense rows `stride` floats long, all in `arena`. */
function sparseProduct(arena: KernelArena, a: PlacedSparse, src: Float32Array, dst: Float32Array, stride: number, transpose: boolean): void {
  const multiply = transpose ? arena.kernel.sparseTransposeTimesDense : arena.kernel.sparseTimesDense;
  multiply(a.indptr.byteOffset, a.indices.byteOffset, a.values.byteOffset, a.rows, src.byteOffset, dst.byteOffset, stride * 4);
}

/**
 * The top `rank` right singular vectors of A, V_r (features x rank, row-major), so that projecting a row
 * of A gives its coordinates U·Σ, as truncated SVD does. Randomized range finder (Halko et al.) with
 * power iterations, started from Aᵀ G so that no V x l random matrix is needed. The sparse products run
 * in the SIMD kernel in float32 (at 40,000 documents they took 46 s of 69 s as float64 loops);
 * orthonormalising and the small eigenproblem stay float64.
 */
function fitComponents(a: SparseRows, features: number, rank: number, powerIterations: number, random: () => number): Float32Array {
  const width = Math.min(rank + 10, a.rows);
  const stride = Math.ceil(width / 4) * 4;
  const arena = createKernelArena();
  const sparse = placeSparse(arena, a);
  const byRow = arena.floats(a.rows * stride); // Q, then A·Z
  const byFeature = arena.floats(features * stride); // Z = Aᵀ·Q
  const transposeTimes = (q: ColumnBlock): void => {
    blockToRows(q, byRow, stride);
    byFeature.fill(0);
    sparseProduct(arena, sparse, byRow, byFeature, stride, true);
  };
  const times = (): ColumnBlock => {
    byRow.fill(0);
    sparseProduct(arena, sparse, byFeature, byRow, stride, false);
    return rowsToBlock(byRow, stride, a.rows, width);
  };
  let q = gaussianBlock(a.rows, width, random);
  for (let step = 0; step <= powerIterations; step++) {
    transposeTimes(q);
    q = times();
    orthonormalise(q);
  }
  // B = Qᵀ A; B Bᵀ = Qᵀ A Aᵀ Q; its eigenvectors rotate Q onto the left singular vectors.
  transposeTimes(q); // Aᵀ Q = Bᵀ, V x width
  const y = times(); // A Aᵀ Q, rows x width
  const gram = Float64Array.from(rowDots((i) => column(q, i), width, (j) => column(y, j), width, a.rows));
  for (let i = 0; i < width; i++) for (let j = 0; j < i; j++) gram[i * width + j] = gram[j * width + i] = (gram[i * width + j] + gram[j * width + i]) / 2;
  const { values, vectors } = symmetricEigen(gram, width);
  // V_r = Bᵀ U_B Σ⁻¹, so that A V_r = U Σ for the fitted rows.
  const scaled = createBlock(width, rank);
  for (let c = 0; c < rank; c++) {
    const sigma = Math.sqrt(Math.max(values[c], 0));
    const target = column(scaled, c);
    for (let i = 0; i < width; i++) target[i] = sigma > 1e-12 ? vectors[i * width + c] / sigma : 0;
  }
  // Folded into one features x rank matrix: at most 32,768 x 310 x 300 multiply-adds, under a second.
  return rowDots((f) => byFeature.subarray(f * stride, f * stride + width), features, (c) => column(scaled, c), rank, width);
}

/**
 * out[i][j] = a(i) · b(j) for m vectors a(i) and p vectors b(j) of length `length` (m x p, row-major),
 * in the SIMD dots kernel: float32 products and sums, ample for an SVD whose output is float32. The
 * fit's two dense products took 19 s of 90 s at 40,000 documents as float64 loops, under 1 s here.
 */
function rowDots(a: (i: number) => Float64Array | Float32Array, m: number, b: (j: number) => Float64Array, p: number, length: number): Float32Array {
  const space = createDotsSpace(new Float32Array(0), [], length, p + m);
  for (let j = 0; j < p; j++) space.rows.set(b(j), j * space.stride);
  for (let i = 0; i < m; i++) space.rows.set(a(i), (p + i) * space.stride);
  const out = new Float32Array(m * p);
  for (let i = 0; i < m; i++) {
    space.kernel.dots(space.address(p + i), space.address(0), p, space.stride, space.outAddress);
    out.set(space.out.subarray(0, p), i * p);
  }
  return out;
}
