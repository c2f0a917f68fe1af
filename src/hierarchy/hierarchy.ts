// The hierarchy above the base clusters, without an LLM: level after level, clusters are grouped into
// parents (see group.ts) following the geometric schedule (schedule.ts). A parent's centroid is the
// size-weighted mean of its children's, its term counts the sum of theirs, so every level is grouped
// with the same signals. Always converges: every level is strictly smaller than the one below and every
// parent has at least one child.
import { deriveSeed } from '../util/random.ts';
import { groupClusters } from './group.ts';
import { levelSizes } from './schedule.ts';
import { mergeTermCounts, type TermCounts } from './terms.ts';

export interface HierarchyLevel {
  /** 1 for the parents of the base clusters, upwards. */
  level: number;
  size: number;
  /** For each cluster of the level below, its parent here. */
  parentOf: Int32Array;
  /** Conversations per cluster of this level. */
  sizes: Int32Array;
  /** size x dim, size-weighted means of the children's centroids, L2-normalised. */
  centroids: Float32Array;
}

export interface HierarchyOptions {
  /** Base clusters' centroids, k x dim, row-major (any space; they are normalised here). */
  centroids: Float32Array;
  dim: number;
  /** Conversations per base cluster. */
  sizes: Int32Array;
  /** Per base cluster, term -> members using it (clusterTermCounts); grouping uses centroids alone without it. */
  terms?: TermCounts;
  levels?: number;
  top?: number;
  seed: number;
}

/** Levels above the base, bottom-up; empty when there is a single base cluster. */
export function buildHierarchy(options: HierarchyOptions): HierarchyLevel[] {
  const base = options.sizes.length;
  if (options.centroids.length !== base * options.dim) {
    throw new Error(`buildHierarchy: ${options.centroids.length} centroid values for ${base} clusters of ${options.dim} dims`);
  }
  if (base <= 1) return [];
  const schedule = levelSizes(base, { levels: options.levels, top: options.top });
  const levels: HierarchyLevel[] = [];
  let centroids = normalised(options.centroids, options.dim);
  let sizes = options.sizes;
  let terms = options.terms;
  for (let l = 1; l < schedule.length; l++) {
    const target = schedule[l];
    const weights = Array.from(sizes, (s) => Math.max(s, 1));
    const parentOf = groupClusters({ centroids, dim: options.dim, weights, terms, target, seed: deriveSeed(options.seed, l) });
    const parentSizes = new Int32Array(target);
    parentOf.forEach((p, child) => (parentSizes[p] += sizes[child]));
    const parentCentroids = new Float32Array(target * options.dim);
    parentOf.forEach((p, child) => {
      for (let j = 0; j < options.dim; j++) parentCentroids[p * options.dim + j] += weights[child] * centroids[child * options.dim + j];
    });
    levels.push({ level: l, size: target, parentOf, sizes: parentSizes, centroids: normalised(parentCentroids, options.dim) });
    terms = terms && mergeTermCounts(terms, parentOf, target);
    centroids = levels[levels.length - 1].centroids;
    sizes = parentSizes;
  }
  return levels;
}

/** Each conversation's cluster at every level: index 0 = base, then one array per hierarchy level. */
export function assignmentsByLevel(baseAssignments: Int32Array, levels: HierarchyLevel[]): Int32Array[] {
  const out = [baseAssignments];
  for (const level of levels) out.push(out[out.length - 1].map((c) => level.parentOf[c]));
  return out;
}

function normalised(data: Float32Array, dim: number): Float32Array {
  const out = Float32Array.from(data);
  for (let offset = 0; offset < out.length; offset += dim) {
    let sum = 0;
    for (let j = 0; j < dim; j++) sum += out[offset + j] ** 2;
    const scale = sum > 0 ? 1 / Math.sqrt(sum) : 0;
    for (let j = 0; j < dim; j++) out[offset + j] *= scale;
  }
  return out;
}
