// Character n-gram TF-IDF reduced by truncated SVD (latent semantic analysis). The sentence encoder's
// small English vocabulary misses product names, technical terms and other rare domain words; n-grams
// of characters inside words catch them, and typos and inflections too.
//
// Cost: hashing n-grams is linear in the text; the SVD is fitted on at most `fitSample` documents
// (randomized range finder, O(nnz·l) per power step plus O(m·l²) to orthonormalise, l = rank + 10),
// and every document is then projected through the fitted components (O(nnz·rank)), in chunks, so
// memory stays at one chunk of sparse rows plus the n x rank output.
import { createRandom } from '../util/random.ts';
import { createDotsSpace } from '../util/simd-kernel.ts';
import { gaussianBlock, orthonormalise, symmetricEigen, normaliseRows, createBlock, column, type ColumnBlock } from './linalg.ts';

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
  const projection = fitComponents(fitMatrix, vocabulary.size, rank, options.powerIterations ?? 2, random, n);
  const data = new Float32Array(n * rank);
  for (let start = 0; start < n; start += CHUNK) {
    const end = Math.min(n, start + CHUNK);
    const grams: Map<number, number>[] = [];
    for (let i = start; i < end; i++) grams.push(ngramCounts(options.texts[i], minN, maxN, maxChars));
    const projected = project(toSparse(grams, vocabulary), projection, rank);
    data.set(projected, start * rank);
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

/** A (rows x V) times D (V x width, row-major) -> rows x width, row-major. */
function sparseTimesRowMajor(a: SparseRows, d: Float64Array | Float32Array, width: number): Float64Array {
  const out = new Float64Array(a.rows * width);
  for (let r = 0; r < a.rows; r++) {
    const target = r * width;
    for (let p = a.indptr[r]; p < a.indptr[r + 1]; p++) {
      const value = a.values[p];
      const source = a.indices[p] * width;
      for (let c = 0; c < width; c++) out[target + c] += value * d[source + c];
    }
  }
  return out;
}

/** Aᵀ (V x rows) times D (rows x width, row-major) -> V x width, row-major. */
function sparseTransposeTimesRowMajor(a: SparseRows, features: number, d: Float64Array, width: number): Float64Array {
  const out = new Float64Array(features * width);
  for (let r = 0; r < a.rows; r++) {
    const source = r * width;
    for (let p = a.indptr[r]; p < a.indptr[r + 1]; p++) {
      const value = a.values[p];
      const target = a.indices[p] * width;
      for (let c = 0; c < width; c++) out[target + c] += value * d[source + c];
    }
  }
  return out;
}

function blockToRowMajor(block: ColumnBlock): Float64Array {
  const out = new Float64Array(block.rows * block.columns);
  for (let c = 0; c < block.columns; c++) {
    const source = column(block, c);
    for (let r = 0; r < block.rows; r++) out[r * block.columns + c] = source[r];
  }
  return out;
}

function rowMajorToBlock(data: Float64Array, rows: number, columns: number): ColumnBlock {
  const block = createBlock(rows, columns);
  for (let c = 0; c < columns; c++) {
    const target = column(block, c);
    for (let r = 0; r < rows; r++) target[r] = data[r * columns + c];
  }
  return block;
}

/**
 * The top `rank` right singular vectors of A, V_r, so that projecting a row of A gives its coordinates
 * U·Σ (as truncated SVD does), possibly kept as Bᵀ times a small mixing matrix (see below).
 * Randomized range finder (Halko et al.) with power iterations, started from Aᵀ G so that no V x l
 * random matrix is needed.
 */
function fitComponents(
  a: SparseRows,
  features: number,
  rank: number,
  powerIterations: number,
  random: () => number,
  projectedRows: number,
): Projection {
  const width = Math.min(rank + 10, a.rows);
  let q = gaussianBlock(a.rows, width, random);
  for (let step = 0; step <= powerIterations; step++) {
    const z = sparseTransposeTimesRowMajor(a, features, blockToRowMajor(q), width);
    q = rowMajorToBlock(sparseTimesRowMajor(a, z, width), a.rows, width);
    orthonormalise(q, step === powerIterations ? 2 : 1);
  }
  // B = Qᵀ A; B Bᵀ = Qᵀ A Aᵀ Q; its eigenvectors rotate Q onto the left singular vectors.
  const z = sparseTransposeTimesRowMajor(a, features, blockToRowMajor(q), width); // Aᵀ Q = Bᵀ, V x width
  const y = sparseTimesRowMajor(a, z, width); // A Aᵀ Q, rows x width
  const yColumns = rowMajorToBlock(y, a.rows, width);
  const gram = Float64Array.from(rowDots((i) => column(q, i), width, (j) => column(yColumns, j), width, a.rows));
  for (let i = 0; i < width; i++) for (let j = 0; j < i; j++) gram[i * width + j] = gram[j * width + i] = (gram[i * width + j] + gram[j * width + i]) / 2;
  const { values, vectors } = symmetricEigen(gram, width);
  // V_r = Bᵀ U_B Σ⁻¹, so that A V_r = U Σ for the fitted rows.
  const scaled = new Float64Array(width * rank);
  for (let i = 0; i < width; i++) {
    for (let c = 0; c < rank; c++) {
      const sigma = Math.sqrt(Math.max(values[c], 0));
      scaled[i * rank + c] = sigma > 1e-12 ? vectors[i * width + c] / sigma : 0;
    }
  }
  // Folding the small mixing matrix into Bᵀ costs V·l·rank once; applying it per document costs
  // rows·l·rank. Fold only when more documents will be projected than there are features.
  if (projectedRows <= features) return { basis: z, basisWidth: width, mixing: scaled };
  const scaledColumns = rowMajorToBlock(scaled, width, rank);
  const components = rowDots((f) => z.subarray(f * width, (f + 1) * width), features, (c) => column(scaledColumns, c), rank, width);
  return { basis: components, basisWidth: rank };
}

/**
 * out[i][j] = a(i) · b(j) for m vectors a(i) and p vectors b(j) of length `length` (m x p, row-major),
 * in the SIMD dots kernel: float32 products and sums, ample for an SVD whose output is float32. The
 * fit's two dense products took 19 s of 90 s at 40,000 documents as float64 loops, under 1 s here.
 */
function rowDots(a: (i: number) => Float64Array, m: number, b: (j: number) => Float64Array, p: number, length: number): Float32Array {
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

interface Projection {
  basis: Float64Array | Float32Array;
  basisWidth: number;
  /** basisWidth x rank, applied after the basis when present. */
  mixing?: Float64Array;
}

function project(a: SparseRows, projection: Projection, rank: number): Float64Array {
  const through = sparseTimesRowMajor(a, projection.basis, projection.basisWidth);
  if (!projection.mixing) return through;
  const out = new Float64Array(a.rows * rank);
  const width = projection.basisWidth;
  for (let r = 0; r < a.rows; r++) {
    for (let i = 0; i < width; i++) {
      const value = through[r * width + i];
      if (value === 0) continue;
      for (let c = 0; c < rank; c++) out[r * rank + c] += value * projection.mixing[i * rank + c];
    }
  }
  return out;
}
