// Greedy k-means++ seeding (Arthur & Vassilvitskii 2007, with the several-candidates-per-step
// variant scikit-learn uses): each new centre is the best of a few candidates drawn with probability
// proportional to the squared distance to the closest centre chosen so far.
import type { KMeansPool } from './kmeans-pool.ts';

/** Candidates tried per centre, as in scikit-learn. */
export function seedingTrials(k: number): number {
  return 2 + Math.floor(Math.log(k));
}

export function copyRow(target: Float32Array, targetRow: number, source: Float32Array, sourceRow: number, stride: number): void {
  target.set(source.subarray(sourceRow * stride, (sourceRow + 1) * stride), targetRow * stride);
}

/**
 * Seeds all k centres from the first `count` seeding rows, writing `state.centroids`
 * and `state.centroidNorms`. Returns the seeds' inertia on those points.
 */
export async function seedCentres(pool: KMeansPool, random: () => number, count: number): Promise<number> {
  const { state } = pool;
  const { k, stride, capacity, trials } = state.layout;
  const { seedRows, seedNorms, seedDistance, candidateDistance } = state;
  const cumulative = new Float64Array(count);

  const chooseCentre = async (centre: number, candidates: number[]): Promise<number> => {
    candidates.forEach((p, t) => {
      copyRow(state.candidates, t, seedRows, p, stride);
      state.candidateNorms[t] = seedNorms[p];
    });
    await pool.run({ kind: 'seed', count: candidates.length }, count);
    let best = 0;
    let bestPotential = Infinity;
    for (let t = 0; t < candidates.length; t++) {
      let potential = 0;
      for (let p = t * capacity, end = p + count; p < end; p++) potential += candidateDistance[p];
      if (potential < bestPotential) {
        bestPotential = potential;
        best = t;
      }
    }
    seedDistance.set(candidateDistance.subarray(best * capacity, best * capacity + count));
    copyRow(state.centroids, centre, state.candidates, best, stride);
    state.centroidNorms[centre] = state.candidateNorms[best];
    return bestPotential;
  };

  seedDistance.fill(Infinity, 0, count);
  let potential = await chooseCentre(0, [Math.floor(random() * count)]);
  for (let centre = 1; centre < k; centre++) {
    let sum = 0;
    for (let p = 0; p < count; p++) cumulative[p] = sum += seedDistance[p];
    const candidates: number[] = [];
    for (let t = 0; t < trials; t++) {
      // all points already coincide with a centre (duplicates): any point will do
      candidates.push(potential > 0 ? searchCumulative(cumulative, random() * sum) : Math.floor(random() * count));
    }
    potential = await chooseCentre(centre, candidates);
  }
  return potential;
}

/** The first position whose cumulative weight exceeds `target`. */
function searchCumulative(cumulative: Float64Array, target: number): number {
  let low = 0;
  let high = cumulative.length - 1;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (cumulative[middle] > target) high = middle;
    else low = middle + 1;
  }
  return low;
}
