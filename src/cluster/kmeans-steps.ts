// The iterations of k-means on a started pool: Lloyd's algorithm with Hamerly's bounds (exact, it
// only skips distance computations that cannot change an assignment), and Sculley's mini-batch
// updates for large inputs. Both end with centres that are the means of their assigned points.
import type { KMeansPool } from './kmeans-pool.ts';
import type { KMeansState } from './kmeans-tasks.ts';

export interface CentreUpdate {
  /** Sum over centres of the squared distance each moved. */
  shiftSquared: number;
  /** Sum of squared distances of the points to their (new) centres. */
  inertia: number;
  sizes: Int32Array;
}

/**
 * Moves every centre to the mean of its points, first giving each empty cluster the point farthest
 * from its centre (taken from a cluster with more than one point). Updates norms, shifts and
 * separations for the next bounded assignment.
 */
export async function updateCentres(pool: KMeansPool): Promise<CentreUpdate> {
  // k <= n, so while a cluster is empty another has two points or more to give.
  const { state } = pool;
  const { n, k, dim, stride } = state.layout;
  const { assignments, sums } = state;
  const sizes = new Int32Array(k);
  for (let i = 0; i < n; i++) sizes[assignments[i]]++;
  await pool.run({ kind: 'centreSums' }, k);
  if (sizes.includes(0)) await repairEmpty(pool, sums, sizes);

  let shiftSquared = 0;
  let meansSquared = 0;
  const { centroids, centroidNorms, shift } = state;
  for (let c = 0; c < k; c++) {
    let moved = 0;
    let norm = 0;
    for (let j = 0, at = c * dim, to = c * stride; j < dim; j++) {
      const mean = sums[at + j] / sizes[c];
      const updated = Math.fround(mean);
      moved += (updated - centroids[to + j]) ** 2;
      centroids[to + j] = updated;
      norm += updated * updated;
      meansSquared += mean * sums[at + j];
    }
    centroidNorms[c] = norm;
    shift[c] = Math.sqrt(moved);
    shiftSquared += moved;
  }
  let dataSquared = 0;
  for (let i = 0; i < n; i++) dataSquared += state.norms[i];
  computeSeparations(state);
  return { shiftSquared, inertia: Math.max(0, dataSquared - meansSquared), sizes };
}

async function repairEmpty(pool: KMeansPool, sums: Float64Array, sizes: Int32Array): Promise<void> {
  const { state } = pool;
  const { n, k, dim, stride } = state.layout;
  const { data, assignments, upper, lower } = state;
  await pool.run({ kind: 'ownDistance' }, n);
  const squared = Float64Array.from(upper.subarray(0, n));
  for (let i = 0; i < n; i++) upper[i] = Math.sqrt(squared[i]);
  for (let empty = 0; empty < k; empty++) {
    if (sizes[empty] !== 0) continue;
    let farthest = -1;
    for (let i = 0; i < n; i++) {
      if (sizes[assignments[i]] > 1 && (farthest < 0 || squared[i] > squared[farthest])) farthest = i;
    }
    if (farthest < 0) return; // every cluster has one point: nothing left to split
    const from = assignments[farthest];
    for (let j = 0; j < dim; j++) {
      const value = data[farthest * stride + j];
      sums[from * dim + j] -= value;
      sums[empty * dim + j] = value;
    }
    sizes[from]--;
    sizes[empty] = 1;
    assignments[farthest] = empty;
    squared[farthest] = -1;
    upper[farthest] = Infinity; // its bounds refer to the old centre: force an exact check
    lower[farthest] = 0;
    if (state.layout.elkan) state.lowerBounds.fill(0, farthest * k, (farthest + 1) * k);
  }
}

/** Half the distance from each centre to its nearest other centre, and (Elkan) to every other. */
function computeSeparations(state: KMeansState): void {
  const { k, stride, elkan } = state.layout;
  const { centroidNorms, halfSeparation, halfCentreDistance, scratch } = state;
  for (let c = 0; c < k; c++) {
    state.kernel.dots(state.centroidsAt + 4 * c * stride, state.centroidsAt, k, stride, state.scratchAt);
    let nearest = Infinity;
    for (let other = 0; other < k; other++) {
      if (other === c) continue;
      const half = Math.sqrt(Math.max(0, centroidNorms[c] + centroidNorms[other] - 2 * scratch[other])) / 2;
      if (elkan) halfCentreDistance[c * k + other] = half;
      if (half < nearest) nearest = half;
    }
    halfSeparation[c] = nearest;
  }
}

export interface LloydSettings {
  maxIterations: number;
  /** Stop once the centres' squared moves sum to at most this. */
  shiftThreshold: number;
}

export interface LloydOutcome extends CentreUpdate {
  iterations: number;
}

/** Lloyd iterations from the centres in `state.centroids` until no point moves or the centres settle. */
export async function lloyd(pool: KMeansPool, settings: LloydSettings): Promise<LloydOutcome> {
  const { state } = pool;
  const { n, k } = state.layout;
  state.assignments.fill(-1);
  await pool.run({ kind: 'assign' }, n);
  let iterations = 1;
  let update = await updateCentres(pool);
  while (iterations < settings.maxIterations && update.shiftSquared > settings.shiftThreshold) {
    let maxShift = 0;
    let secondShift = 0;
    let maxShiftCentre = -1;
    for (let c = 0; c < k; c++) {
      const moved = state.shift[c];
      if (moved > maxShift) {
        secondShift = maxShift;
        maxShift = moved;
        maxShiftCentre = c;
      } else if (moved > secondShift) {
        secondShift = moved;
      }
    }
    const changes = await pool.run({ kind: 'assignBounded', maxShift, secondShift, maxShiftCentre }, n);
    iterations++;
    if (changes === 0) break;
    update = await updateCentres(pool);
  }
  return { ...update, iterations };
}

export interface MiniBatchSettings {
  batchSize: number;
  maxBatches: number;
  /** Stop when the smoothed batch inertia has not improved for this many batches (as scikit-learn). */
  patience: number;
  onBatch?: (done: number, total: number) => void;
}

/**
 * Sculley's mini-batch k-means (2010) from the centres in `state.centroids`: each batch is assigned
 * to the current centres, then every centre moves towards its points with a per-centre learning
 * rate of 1 / (points it has received). Finishes with a full assignment and a mean update.
 */
export async function miniBatch(pool: KMeansPool, random: () => number, settings: MiniBatchSettings): Promise<LloydOutcome> {
  const { state } = pool;
  const { n, k, dim, stride } = state.layout;
  const { listed, listedAssignments, listedDistance, centroids, centroidNorms, data } = state;
  const received = new Float64Array(k);
  const smoothing = Math.min(1, (2 * settings.batchSize) / (n + 1));
  let smoothed = NaN;
  let bestSmoothed = Infinity;
  let sinceImprovement = 0;
  let batches = 0;
  while (batches < settings.maxBatches && sinceImprovement < settings.patience) {
    for (let p = 0; p < settings.batchSize; p++) listed[p] = Math.floor(random() * n);
    await pool.run({ kind: 'assignListed' }, settings.batchSize);
    batches++;
    let batchInertia = 0;
    for (let p = 0; p < settings.batchSize; p++) {
      const c = listedAssignments[p];
      const rate = 1 / ++received[c];
      for (let j = 0, at = c * stride, from = listed[p] * stride; j < dim; j++) {
        centroids[at + j] += rate * (data[from + j] - centroids[at + j]);
      }
      batchInertia += listedDistance[p];
    }
    for (let c = 0; c < k; c++) {
      let norm = 0;
      for (let j = c * stride, end = j + dim; j < end; j++) norm += centroids[j] * centroids[j];
      centroidNorms[c] = norm;
    }
    batchInertia /= settings.batchSize;
    smoothed = Number.isNaN(smoothed) ? batchInertia : smoothed * (1 - smoothing) + batchInertia * smoothing;
    if (smoothed < bestSmoothed) {
      bestSmoothed = smoothed;
      sinceImprovement = 0;
    } else {
      sinceImprovement++;
    }
    settings.onBatch?.(batches, settings.maxBatches);
  }
  state.assignments.fill(-1);
  await pool.run({ kind: 'assign' }, n);
  const update = await updateCentres(pool);
  return { ...update, iterations: batches };
}
