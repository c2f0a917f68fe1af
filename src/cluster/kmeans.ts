// k-means on Float32Array vectors: greedy k-means++ seeding, several restarts keeping the lowest
// inertia, Lloyd iterations accelerated with Hamerly's bounds, Sculley's mini-batch mode for large
// inputs, distance work in a WebAssembly SIMD kernel spread over worker threads that share memory.
// The result depends only on the data, k and the seed, never on the number of workers.
import { defaultThreadCount } from '../util/threads.ts';
import { createRandom, deriveSeed } from '../util/random.ts';
import { startPool, type KMeansPool } from './kmeans-pool.ts';
import { copyRow, seedCentres, seedingTrials } from './kmeans-seed.ts';
import { lloyd, miniBatch, type LloydOutcome } from './kmeans-steps.ts';
import { allocateBuffers, type KMeansLayout } from './kmeans-tasks.ts';

export interface KMeansOptions {
  k: number;
  /** Default 0. */
  seed?: number;
  /**
   * Independent seedings. Full mode: each is seeded and iterated, the lowest inertia wins (default 3:
   * on 10,000 x 512, k = 100 the best of 3 came within 0.3% of the best of 10 in less than half the
   * time; scikit-learn now defaults to 1).
   * Mini-batch mode: each seeding is scored on the seeding sample and the best is iterated (default 3,
   * as scikit-learn's MiniBatchKMeans: one seeding on a sample too often puts two centres in one blob).
   */
  restarts?: number;
  /**
   * Full mode: Lloyd iterations per restart (default 300). Mini-batch mode: most batches (default
   * one epoch: at 100,000 x 512, k = 1,000, 50 batches against 150 cost 0.02% inertia); it stops
   * earlier once the smoothed batch inertia has not improved for 10 batches.
   */
  maxIterations?: number;
  /**
   * Full mode stops when the centres' squared moves in one iteration sum to at most this times the
   * mean per-dimension variance of the data (scikit-learn's rule; default 1e-4), or no point moves.
   */
  tolerance?: number;
  /** Default: on above 50,000 points, with batches of max(1,024, 2k) points. */
  miniBatch?: boolean | { batchSize: number };
  /** Threads, the calling one included. Default: up to 2 cores, 1 for inputs too small to pay for a thread. */
  workers?: number;
  /** Full mode counts restarts; mini-batch mode counts seedings, batches and the final pass. */
  onProgress?: (done: number, total: number) => void;
}

export interface KMeansResult {
  assignments: Int32Array;
  /** k x dim, row-major. */
  centroids: Float32Array;
  /** Sum of squared euclidean distances of the points to their centroids. */
  inertia: number;
  iterations: number;
  sizes: Int32Array;
}

/** Average base-cluster size the paper's cost example assumes (about 100 conversations per cluster). */
export const TARGET_CLUSTER_SIZE = 100;
const MINI_BATCH_ABOVE = 50_000;
const DEFAULT_BATCH = 1024;
/** Most lower bounds (4 bytes each) kept for Elkan's method; above it Hamerly's one per point. */
const ELKAN_BOUNDS_LIMIT = 25_000_000;
/** Below this many multiply-adds per assignment pass, starting a thread costs more than it saves. */
const SMALL_INPUT = 20_000_000;

/** k for a corpus of n items: n / targetClusterSize, at least 2 and at most n / 2 (1 below 4 items). */
export function chooseK(n: number, targetClusterSize = TARGET_CLUSTER_SIZE): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`chooseK needs a positive item count, got ${n}`);
  if (!(targetClusterSize > 0)) throw new RangeError(`target cluster size must be positive, got ${targetClusterSize}`);
  return Math.max(1, Math.min(Math.floor(n / 2), Math.max(2, Math.round(n / targetClusterSize))));
}

interface Settings {
  k: number;
  seed: number;
  restarts: number;
  maxIterations: number;
  tolerance: number;
  batchSize: number | null;
  sampleSize: number;
  workers: number;
}

export async function kmeans(data: Float32Array, n: number, dim: number, options: KMeansOptions): Promise<KMeansResult> {
  const settings = resolveSettings(data, n, dim, options);
  const { k } = settings;
  const stride = Math.ceil(dim / 4) * 4;
  const layout: KMeansLayout = {
    n,
    k,
    dim,
    stride,
    trials: seedingTrials(k),
    capacity: settings.batchSize === null ? n : Math.max(settings.batchSize, settings.sampleSize),
    sampleRows: settings.batchSize === null ? 0 : settings.sampleSize,
    elkan: settings.batchSize === null && n * k <= ELKAN_BOUNDS_LIMIT,
    slots: settings.workers,
  };
  const pool = startPool(layout, allocateBuffers(layout));
  try {
    const { state } = pool;
    for (let i = 0; i < n; i++) state.data.set(data.subarray(i * dim, (i + 1) * dim), i * stride);
    await pool.run({ kind: 'norms' }, n);
    return settings.batchSize === null ? await fullRuns(pool, settings, data, options) : await miniBatchRun(pool, settings, options);
  } finally {
    await pool.close();
  }
}

function resolveSettings(data: Float32Array, n: number, dim: number, options: KMeansOptions): Settings {
  const { k } = options;
  const positiveInteger = (value: number, what: string) => {
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`k-means: ${what} must be a positive integer, got ${value}`);
    return value;
  };
  positiveInteger(n, 'n');
  positiveInteger(dim, 'dim');
  positiveInteger(k, 'k');
  if (data.length !== n * dim) {
    throw new RangeError(`k-means: data has ${data.length} values, expected n * dim = ${n} * ${dim} = ${n * dim}`);
  }
  if (k > n) throw new RangeError(`k-means: k = ${k} exceeds the number of points (${n})`);
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) throw new RangeError(`k-means: value ${data[i]} at point ${Math.floor(i / dim)} is not finite`);
  }
  const wantsMiniBatch = options.miniBatch ?? n > MINI_BATCH_ABOVE;
  const batchSize = wantsMiniBatch === false
    ? null
    : Math.min(n, positiveInteger(wantsMiniBatch === true ? Math.max(DEFAULT_BATCH, 2 * k) : wantsMiniBatch.batchSize, 'batchSize'));
  const tolerance = options.tolerance ?? 1e-4;
  if (!(tolerance >= 0)) throw new RangeError(`k-means: tolerance must be >= 0, got ${tolerance}`);
  const restarts = positiveInteger(options.restarts ?? 3, 'restarts');
  const maxIterations = positiveInteger(
    options.maxIterations ?? (batchSize === null ? 300 : Math.ceil(n / batchSize)),
    'maxIterations',
  );
  const workers = positiveInteger(
    options.workers ?? (n * k * dim < SMALL_INPUT ? 1 : defaultThreadCount()),
    'workers',
  );
  return {
    k,
    seed: options.seed ?? 0,
    restarts,
    maxIterations,
    tolerance,
    batchSize,
    // scikit-learn seeds mini-batch k-means on 3 batches' worth of points
    sampleSize: batchSize === null ? n : Math.min(n, Math.max(3 * batchSize, 3 * k)),
    workers: Math.min(workers, n),
  };
}

function snapshot(pool: KMeansPool, outcome: LloydOutcome): KMeansResult {
  const { n, k, dim, stride } = pool.state.layout;
  const centroids = new Float32Array(k * dim);
  for (let c = 0; c < k; c++) centroids.set(pool.state.centroids.subarray(c * stride, c * stride + dim), c * dim);
  return {
    assignments: Int32Array.from(pool.state.assignments.subarray(0, n)),
    centroids,
    inertia: outcome.inertia,
    iterations: outcome.iterations,
    sizes: outcome.sizes,
  };
}

async function fullRuns(pool: KMeansPool, settings: Settings, data: Float32Array, options: KMeansOptions): Promise<KMeansResult> {
  const { n } = pool.state.layout;
  const shiftThreshold = settings.tolerance * meanVariance(data, n, pool.state.layout.dim);
  let best: KMeansResult | undefined;
  for (let restart = 0; restart < settings.restarts; restart++) {
    await seedCentres(pool, createRandom(deriveSeed(settings.seed, restart)), n);
    const outcome = await lloyd(pool, { maxIterations: settings.maxIterations, shiftThreshold });
    if (!best || outcome.inertia < best.inertia) best = snapshot(pool, outcome);
    options.onProgress?.(restart + 1, settings.restarts);
  }
  if (!best) throw new Error('unreachable: k-means ran no restart');
  return best;
}

async function miniBatchRun(pool: KMeansPool, settings: Settings, options: KMeansOptions): Promise<KMeansResult> {
  const { state } = pool;
  const { n } = state.layout;
  const batchSize = settings.batchSize ?? n;
  const total = settings.restarts + settings.maxIterations + 1;
  let bestCentroids: Float32Array | undefined;
  let bestPotential = Infinity;
  for (let restart = 0; restart < settings.restarts; restart++) {
    const random = createRandom(deriveSeed(settings.seed, restart));
    sampleWithoutReplacement(random, n, settings.sampleSize, state.listed);
    for (let p = 0; p < settings.sampleSize; p++) {
      copyRow(state.seedRows, p, state.data, state.listed[p], state.layout.stride);
      state.seedNorms[p] = state.norms[state.listed[p]];
    }
    const potential = await seedCentres(pool, random, settings.sampleSize);
    if (potential < bestPotential) {
      bestPotential = potential;
      bestCentroids = state.centroids.slice();
    }
    options.onProgress?.(restart + 1, total);
  }
  if (!bestCentroids) throw new Error('unreachable: mini-batch k-means made no seeding');
  state.centroids.set(bestCentroids);
  const { dim, stride, k } = state.layout;
  for (let c = 0; c < k; c++) {
    let norm = 0;
    for (let j = c * stride; j < c * stride + dim; j++) norm += state.centroids[j] * state.centroids[j];
    state.centroidNorms[c] = norm;
  }
  const outcome = await miniBatch(pool, createRandom(deriveSeed(settings.seed, settings.restarts)), {
    batchSize,
    maxBatches: settings.maxIterations,
    patience: 10,
    onBatch: (done) => options.onProgress?.(settings.restarts + done, total),
  });
  options.onProgress?.(total, total);
  return snapshot(pool, outcome);
}

/** `count` distinct indices below n into `target` (partial Fisher-Yates). */
function sampleWithoutReplacement(random: () => number, n: number, count: number, target: Int32Array): void {
  const indices = new Int32Array(n);
  for (let i = 0; i < n; i++) indices[i] = i;
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random() * (n - i));
    const swap = indices[j];
    indices[j] = indices[i];
    indices[i] = swap;
    target[i] = indices[i];
  }
}

function meanVariance(data: Float32Array, n: number, dim: number): number {
  const mean = new Float64Array(dim);
  const squares = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dim; j++) {
      const value = data[i * dim + j];
      mean[j] += value;
      squares[j] += value * value;
    }
  }
  let total = 0;
  for (let j = 0; j < dim; j++) total += Math.max(0, squares[j] / n - (mean[j] / n) ** 2);
  return total / dim;
}
