// Nearest neighbours by cosine similarity of unit-length rows.
// Exact: every pair once (n²/2 dot products of length dim), fine up to a few tens of thousands of rows.
// Approximate (large n): rows are bucketed by a k-means with ~√n centres, and each row is compared
// only with the rows of its bucket's `probes` closest buckets: about n·probes·√n dot products.
// Dot products run in the project's WebAssembly SIMD kernel.
import { kmeans } from './kmeans.ts';
import { createDotsSpace } from '../util/simd-kernel.ts';

export interface Neighbours {
  k: number;
  /** n x k, most similar first; -1 where fewer than k other rows exist. */
  indices: Int32Array;
  similarities: Float32Array;
}

/** Dot product of the rows starting at offsets a and b. */
export function dot(data: Float32Array, a: number, b: number, dim: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let j = 0;
  for (; j + 3 < dim; j += 4) {
    s0 += data[a + j] * data[b + j];
    s1 += data[a + j + 1] * data[b + j + 1];
    s2 += data[a + j + 2] * data[b + j + 2];
    s3 += data[a + j + 3] * data[b + j + 3];
  }
  for (; j < dim; j++) s0 += data[a + j] * data[b + j];
  return s0 + s1 + s2 + s3;
}

function emptyNeighbours(n: number, k: number): Neighbours {
  return { k, indices: new Int32Array(n * k).fill(-1), similarities: new Float32Array(n * k).fill(-Infinity) };
}

/** Inserts (j, similarity) into row i's sorted top-k list when it beats the worst entry. */
function offer(result: Neighbours, i: number, j: number, similarity: number): void {
  const { k, indices, similarities } = result;
  const base = i * k;
  if (similarity <= similarities[base + k - 1]) return;
  let position = k - 1;
  while (position > 0 && similarities[base + position - 1] < similarity) {
    similarities[base + position] = similarities[base + position - 1];
    indices[base + position] = indices[base + position - 1];
    position--;
  }
  similarities[base + position] = similarity;
  indices[base + position] = j;
}

export function exactNeighbours(data: Float32Array, n: number, dim: number, k: number): Neighbours {
  const result = emptyNeighbours(n, k);
  const space = createDotsSpace(data, Int32Array.from({ length: n }, (_, i) => i), dim);
  for (let i = 0; i + 1 < n; i++) {
    const count = n - i - 1;
    space.kernel.dots(space.address(i), space.address(i + 1), count, space.stride, space.outAddress);
    for (let r = 0; r < count; r++) {
      const similarity = space.out[r];
      offer(result, i, i + 1 + r, similarity);
      offer(result, i + 1 + r, i, similarity);
    }
  }
  return result;
}

export interface ApproximateOptions {
  seed: number;
  /** Buckets each row's candidates come from. */
  probes?: number;
}

export async function approximateNeighbours(
  data: Float32Array,
  n: number,
  dim: number,
  k: number,
  options: ApproximateOptions,
): Promise<Neighbours> {
  const bucketCount = Math.max(1, Math.round(Math.sqrt(n)));
  const probes = Math.min(bucketCount, options.probes ?? 8);
  const buckets = await kmeans(data, n, dim, { k: bucketCount, seed: options.seed, restarts: 1, miniBatch: n > 20_000 });
  const bucketOf = buckets.assignments;
  const centroids = buckets.centroids;
  const centroidDot = (a: number, b: number): number => dot(centroids, a * dim, b * dim, dim);
  // Rows reordered bucket by bucket, so each bucket's members are one contiguous run for the kernel.
  const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => bucketOf[a] - bucketOf[b] || a - b);
  const bucketStart = new Int32Array(bucketCount + 1);
  for (let i = 0; i < n; i++) bucketStart[bucketOf[i] + 1]++;
  for (let b = 0; b < bucketCount; b++) bucketStart[b + 1] += bucketStart[b];
  const space = createDotsSpace(data, order, dim);
  const result = emptyNeighbours(n, k);
  for (let b = 0; b < bucketCount; b++) {
    const nearestBuckets = Array.from({ length: bucketCount }, (_, c) => c)
      .map((c) => ({ c, similarity: centroidDot(b, c) }))
      .sort((x, y) => y.similarity - x.similarity || x.c - y.c)
      .slice(0, probes)
      .map(({ c }) => c);
    for (let position = bucketStart[b]; position < bucketStart[b + 1]; position++) {
      const i = order[position];
      for (const c of nearestBuckets) {
        const count = bucketStart[c + 1] - bucketStart[c];
        space.kernel.dots(space.address(position), space.address(bucketStart[c]), count, space.stride, space.outAddress);
        for (let r = 0; r < count; r++) {
          const j = order[bucketStart[c] + r];
          if (j !== i) offer(result, i, j, space.out[r]);
        }
      }
    }
  }
  return result;
}

/** Each row replaced by the mean of itself and its `count` nearest neighbours, then re-normalised. */
export function smoothWithNeighbours(data: Float32Array, n: number, dim: number, neighbours: Neighbours, count: number): Float32Array {
  const out = new Float32Array(n * dim);
  const used = Math.min(count, neighbours.k);
  for (let i = 0; i < n; i++) {
    const target = i * dim;
    for (let d = 0; d < dim; d++) out[target + d] = data[target + d];
    for (let r = 0; r < used; r++) {
      const j = neighbours.indices[i * neighbours.k + r];
      if (j < 0) continue;
      for (let d = 0; d < dim; d++) out[target + d] += data[j * dim + d];
    }
    let sum = 0;
    for (let d = 0; d < dim; d++) sum += out[target + d] * out[target + d];
    const scale = sum > 0 ? 1 / Math.sqrt(sum) : 0;
    for (let d = 0; d < dim; d++) out[target + d] *= scale;
  }
  return out;
}
