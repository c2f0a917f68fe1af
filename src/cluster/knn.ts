// Nearest neighbours by cosine similarity of unit-length rows.
// Exact: every pair once (n²/2 dot products of length dim), fine up to a few tens of thousands of rows.
// Approximate (large n): rows are bucketed by a k-means with ~√n centres, and each row is compared
// only with the rows of its bucket's `probes` closest buckets: about n·probes·√n dot products.
// Dot products run in the project's WebAssembly SIMD kernel.
import { defaultThreadCount } from '../util/threads.ts';
import { kmeans } from './kmeans.ts';
import { createDotsSpace, instantiateDots, type DotsSpace } from '../util/simd-kernel.ts';
import { startWorker, workerScript } from '../util/worker.ts';

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

/**
 * Below this many multiply-adds, a search stays on one thread: starting a worker takes 0.1-0.4 s (more
 * under tsx), and at about 5 G multiply-adds per second the kernel does 1e10 in 2 s.
 */
const PARALLEL_ABOVE = 1e10;

const workerUrl = workerScript(import.meta.url, 'knn-worker');

/** One thread's share of the exact search: rows [first, end) against every later row. */
export interface PairsTask {
  kind: 'pairs';
  memory: WebAssembly.Memory;
  n: number;
  stride: number;
  k: number;
  first: number;
  end: number;
  /** Byte address of this thread's n output floats in `memory`. */
  outAddress: number;
  /** n x k top lists, filled with -1 and -Infinity by the caller. */
  indices: SharedArrayBuffer;
  similarities: SharedArrayBuffer;
}

/**
 * Scores each pair once and offers it to both rows' lists. Within one thread every row receives its
 * offers in increasing order of the other row, so ties keep the lower index first.
 */
export function scorePairs(task: PairsTask): void {
  const { n, stride, k, outAddress } = task;
  const kernel = instantiateDots(task.memory);
  const out = new Float32Array(task.memory.buffer, outAddress, n);
  const result: Neighbours = { k, indices: new Int32Array(task.indices), similarities: new Float32Array(task.similarities) };
  const rowBytes = stride * 4;
  for (let i = task.first; i < task.end; i++) {
    const count = n - i - 1;
    kernel.dots(i * rowBytes, (i + 1) * rowBytes, count, stride, outAddress);
    for (let r = 0; r < count; r++) {
      const similarity = out[r];
      offer(result, i, i + 1 + r, similarity);
      offer(result, i + 1 + r, i, similarity);
    }
  }
}

/**
 * Every pair's cosine once, on `threads` threads (default: defaultThreadCount() once the search reaches PARALLEL_ABOVE):
 * the rows are cut where the pairs they start are split evenly, each thread keeps its own top lists,
 * and the lists are merged by similarity, then index, which is the order one thread would have kept.
 * The result does not depend on the threads.
 */
export async function exactNeighbours(data: Float32Array, n: number, dim: number, k: number, threads = defaultThreads((n * n * dim) / 2)): Promise<Neighbours> {
  const { space, outAddresses } = threadedSpace(data, Int32Array.from({ length: n }, (_, i) => i), dim, threads);
  const totalPairs = (n * (n - 1)) / 2;
  const cuts = [0];
  for (let i = 0, pairs = 0; i < n && cuts.length < threads; i++) {
    pairs += n - i - 1;
    if (pairs >= (totalPairs * cuts.length) / threads) cuts.push(i + 1);
  }
  while (cuts.length <= threads) cuts.push(n);
  const tasks: PairsTask[] = Array.from({ length: threads }, (_, t) => {
    const lists = emptyNeighbours(n, k);
    return {
      kind: 'pairs', memory: space.memory, n, stride: space.stride, k, first: cuts[t], end: cuts[t + 1], outAddress: outAddresses[t],
      indices: shared(lists.indices), similarities: shared(lists.similarities),
    };
  });
  await runShares(tasks, scorePairs);
  const lists = tasks.map((task): Neighbours => ({ k, indices: new Int32Array(task.indices), similarities: new Float32Array(task.similarities) }));
  return lists.reduce(mergeLists);
}

/** The rows (in `order`) in shared kernel memory, with one run of output floats per thread. */
function threadedSpace(data: Float32Array, order: ArrayLike<number>, dim: number, threads: number): { space: DotsSpace; outAddresses: number[] } {
  const rows = order.length;
  const outRows = Math.ceil(rows / Math.max(Math.ceil(dim / 4) * 4, 1)); // kernel rows holding one extra thread's outputs
  const space = createDotsSpace(data, order, dim, (threads - 1) * outRows);
  const outAddresses = Array.from({ length: threads }, (_, t) => (t === 0 ? space.outAddress : space.address(rows + (t - 1) * outRows)));
  return { space, outAddresses };
}

function shared<T extends Int32Array | Float32Array>(values: T): SharedArrayBuffer {
  const buffer = new SharedArrayBuffer(values.byteLength);
  new Uint8Array(buffer).set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  return buffer;
}

function defaultThreads(multiplyAdds: number): number {
  return multiplyAdds < PARALLEL_ABOVE ? 1 : defaultThreadCount();
}

/** The first task on this thread, the others on workers started for them. */
async function runShares<T extends PairsTask | BucketsTask>(tasks: T[], score: (task: T) => void): Promise<void> {
  const workers = Promise.all(tasks.slice(1).map((task) => runWorker(task)));
  workers.catch(() => {}); // awaited below; keeps a failure during this thread's share from going unhandled
  score(tasks[0]);
  await workers;
}

function runWorker(task: PairsTask | BucketsTask): Promise<void> {
  return new Promise((resolve, reject) => {
    const worker = startWorker(workerUrl, { workerData: task });
    let done = false;
    worker.once('message', () => {
      done = true;
      resolve();
      void worker.terminate();
    });
    worker.once('error', (error) => reject(new Error('nearest-neighbour worker thread failed', { cause: error })));
    worker.once('exit', (code) => {
      if (!done) reject(new Error(`nearest-neighbour worker exited with code ${code}`));
    });
  });
}

/** Each row's best k of two top lists, by similarity and then by lower index. */
function mergeLists(a: Neighbours, b: Neighbours): Neighbours {
  const { k } = a;
  const merged = emptyNeighbours(a.indices.length / k, k);
  for (let base = 0; base < merged.indices.length; base += k) {
    let x = base;
    let y = base;
    for (let out = base; out < base + k; out++) {
      const takeA = a.similarities[x] > b.similarities[y] || (a.similarities[x] === b.similarities[y] && (b.indices[y] < 0 || (a.indices[x] >= 0 && a.indices[x] < b.indices[y])));
      const [list, at] = takeA ? [a, x++] : [b, y++];
      merged.indices[out] = list.indices[at];
      merged.similarities[out] = list.similarities[at];
    }
  }
  return merged;
}

export interface ApproximateOptions {
  seed: number;
  /** Buckets each row's candidates come from. */
  probes?: number;
  /** Threads, the calling one included. Default: defaultThreadCount() when the search is large enough to pay for them, else 1. */
  threads?: number;
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
  const nearestBuckets = new Int32Array(bucketCount * probes);
  for (let b = 0; b < bucketCount; b++) {
    const nearest = Array.from({ length: bucketCount }, (_, c) => c)
      .map((c) => ({ c, similarity: centroidDot(b, c) }))
      .sort((x, y) => y.similarity - x.similarity || x.c - y.c)
      .slice(0, probes);
    nearest.forEach(({ c }, p) => (nearestBuckets[b * probes + p] = c));
  }
  // Each thread scores the rows of a run of buckets holding about its share of the rows, into the
  // shared lists: a row's list is written by one thread only, in the order one thread would use.
  const threads = options.threads ?? defaultThreads(n * probes * (n / bucketCount) * dim);
  const { space, outAddresses } = threadedSpace(data, order, dim, threads);
  const lists = emptyNeighbours(n, k);
  const indices = shared(lists.indices);
  const similarities = shared(lists.similarities);
  const cuts = [0];
  for (let b = 0; b < bucketCount && cuts.length < threads; b++) if (bucketStart[b + 1] >= (n * cuts.length) / threads) cuts.push(b + 1);
  while (cuts.length <= threads) cuts.push(bucketCount);
  const tasks: BucketsTask[] = Array.from({ length: threads }, (_, t) => ({
    kind: 'buckets', memory: space.memory, n, stride: space.stride, k, first: cuts[t], end: cuts[t + 1], outAddress: outAddresses[t],
    indices, similarities, order, bucketStart, nearestBuckets, probes,
  }));
  await runShares(tasks, scoreBuckets);
  return { k, indices: new Int32Array(indices), similarities: new Float32Array(similarities) };
}

/** One thread's share of the approximate search: the rows of buckets [first, end) against their probed buckets. */
export interface BucketsTask extends Omit<PairsTask, 'kind'> {
  kind: 'buckets';
  /** Row of the data at each position of the bucket-ordered kernel memory. */
  order: Int32Array;
  bucketStart: Int32Array;
  /** bucketCount x probes: each bucket's most similar buckets, itself included. */
  nearestBuckets: Int32Array;
  probes: number;
}

export function scoreBuckets(task: BucketsTask): void {
  const { stride, k, outAddress, order, bucketStart, nearestBuckets, probes } = task;
  const kernel = instantiateDots(task.memory);
  const out = new Float32Array(task.memory.buffer, outAddress, task.n);
  const result: Neighbours = { k, indices: new Int32Array(task.indices), similarities: new Float32Array(task.similarities) };
  const rowBytes = stride * 4;
  for (let b = task.first; b < task.end; b++) {
    for (let position = bucketStart[b]; position < bucketStart[b + 1]; position++) {
      const i = order[position];
      for (let p = 0; p < probes; p++) {
        const c = nearestBuckets[b * probes + p];
        const count = bucketStart[c + 1] - bucketStart[c];
        kernel.dots(position * rowBytes, bucketStart[c] * rowBytes, count, stride, outAddress);
        for (let r = 0; r < count; r++) {
          const j = order[bucketStart[c] + r];
          if (j !== i) offer(result, i, j, out[r]);
        }
      }
    }
  }
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
