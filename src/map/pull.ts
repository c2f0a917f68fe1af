// Hierarchy-guided map input: each conversation's embedding pulled toward the mean embedding of its
// cluster at every level, so that UMAP keeps each cluster together and each topic in one region, while
// the embedding still orders the points within them.
import { meanByCluster } from '../cluster/features.ts';
import { normaliseRows } from '../cluster/linalg.ts';

export interface PullOptions {
  /** n x dim, row-major. */
  vectors: Float32Array;
  n: number;
  dim: number;
  /** Per level (base first), each conversation's cluster at that level. */
  memberships: Int32Array[];
  /** Weight of each level's (unit) centroid against the conversation's own (unit) vector, base first. */
  weights: number[];
}

/**
 * Weights for pullTowardClusters, base level first. Measured with the map's own figures (the nearest
 * cluster on the map in the same topic; the share of each point's 10 nearest on the map among its 30
 * nearest in the embedding), with neither this pull nor the principal-plane start / the start alone /
 * both: on the demo corpus (30 clusters under 5 topics) 23 / 57 / 93% of clusters and 87 / 87 / 86% of
 * neighbours; on a 10,000-conversation corpus (100 clusters under 8 topics) 72 / 70 / 100% and
 * 18 / 18 / 20%.
 */
export function hierarchyPullWeights(levels: number): number[] {
  return Array.from({ length: levels }, (_, level) => (level === 0 ? BASE_PULL : PARENTS_PULL / (levels - 1)));
}

const BASE_PULL = 0.3;
/** Shared by the parent levels, so a deep hierarchy does not drown the conversation's own embedding. */
const PARENTS_PULL = 1;

/** Rows normalise(x + sum over levels of weight * unit centroid of x's cluster at that level). */
export function pullTowardClusters(options: PullOptions): Float32Array {
  const { n, dim } = options;
  const out = Float32Array.from(options.vectors);
  normaliseRows(out, dim);
  const unit = Float32Array.from(out);
  options.memberships.forEach((memberOf, level) => {
    const weight = options.weights[level] ?? 0;
    if (weight === 0) return;
    if (memberOf.length !== n) throw new Error(`pullTowardClusters: level ${level} has ${memberOf.length} memberships for ${n} points`);
    let count = 0;
    for (const cluster of memberOf) count = Math.max(count, cluster + 1);
    const centroids = meanByCluster(unit, dim, memberOf, count);
    for (let i = 0; i < n; i++) {
      const c = memberOf[i];
      for (let j = 0; j < dim; j++) out[i * dim + j] += weight * centroids[c * dim + j];
    }
  });
  normaliseRows(out, dim);
  return out;
}
