// The space conversations are clustered in. Plain k-means on sentence embeddings misses rare domain
// words and splits groups that are chained rather than compact, so (measured on labelled intent sets,
// see ../../../shared/METHOD.md "Offline clustering"):
//   1. sentence embedding and character n-gram TF-IDF (SVD-reduced), each block L2-normalised, weighted;
//   2. each vector averaged with its nearest neighbours (denoises short texts);
//   3. a spectral embedding of the neighbour graph of the smoothed vectors, for k-means to run in, only
//      from SPECTRAL_MIN_CLUSTERS clusters up. With few, large clusters the graph's leading eigenvectors
//      pick out small tight pockets (templated prompts, near-duplicates) instead of the big groups:
//      measured against k-means on the smoothed vectors, ACC with spectral at k=3 (Arena-Hard) 46 vs
//      63, at k=9 (xSID domains) 65 vs 75, at k=10 (CLINC domains) 40 vs 57; at k=15 (xSID intents)
//      71 vs 68 and k=150 (CLINC intents) 76 vs 70 it helps. More dimensions than k (16, 32) or a
//      denser graph did not fix small k.
// Costs and switches (n conversations, d = embedding dims + SVD rank):
//   TF-IDF/SVD: fitted on at most 10,000 texts, then every text projected: O(n·nnz·rank).
//   neighbours: exact O(n²·d) up to EXACT_NEIGHBOURS_LIMIT, above it bucketed (O(n·√n·probes·d)).
//   spectral: O(rounds·(n·k·b + n·b²)), b ≈ 1.2 x dimensions (the base k); only while n·b² stays within
//   SPECTRAL_BUDGET (k=150: up to ~7,700 conversations; k=100: ~17,000), since k grows with n.
import { kmeans, type KMeansResult } from './kmeans.ts';
import { approximateNeighbours, exactNeighbours, smoothWithNeighbours, type Neighbours } from './knn.ts';
import { normaliseRows } from './linalg.ts';
import { spectralEmbedding } from './spectral.ts';
import { tfidfSvd } from './tfidf.ts';

export const EXACT_NEIGHBOURS_LIMIT = 20_000;
/**
 * Largest n·b² (b = spectral block width) spent on the spectral step. Set when it took about a minute
 * on one core; since its products run in the SIMD kernel, 10,000 conversations at k = 100
 * (n·b² = 1.7e8) take about 9 s of it, so it could grow once larger corpora are checked for quality.
 */
export const SPECTRAL_BUDGET = 250_000_000;
export const SPECTRAL_MAX_DIMENSIONS = 256;
/** Fewest clusters for which the spectral step runs (see the header). */
export const SPECTRAL_MIN_CLUSTERS = 12;

export interface ClusterFeatureOptions {
  texts: string[];
  /** n x dim, row-major (sentence embeddings of the same texts). */
  embeddings: Float32Array;
  dim: number;
  seed: number;
  /** Share of the squared norm given to the TF-IDF block (0 turns it off). Default 0.5. */
  tfidfWeight?: number;
  /** SVD rank of the TF-IDF block. Default 300. */
  tfidfRank?: number;
  /** Neighbours averaged into each vector (0 turns smoothing off). Default 5. */
  smoothNeighbours?: number;
  /** Neighbours per node of the spectral graph. Default 20. */
  graphNeighbours?: number;
  /** Spectral embedding dimensions, usually the base k; 0 or absent turns it off. */
  spectralDimensions?: number;
  onStep?: (step: string) => void;
}

export interface ClusterFeatures {
  /** n x dim, row-major, rows L2-normalised. */
  data: Float32Array;
  dim: number;
  /** What was done, in order, with settings, e.g. `tfidf-svd(rank=300,weight=0.5)`. */
  steps: string[];
  /** The neighbour graph of the last smoothed space (before any spectral step), when one was built. */
  neighbours?: Neighbours;
}

export async function buildClusterFeatures(options: ClusterFeatureOptions): Promise<ClusterFeatures> {
  const n = options.texts.length;
  if (options.embeddings.length !== n * options.dim) {
    throw new Error(`buildClusterFeatures: ${options.embeddings.length} embedding values for ${n} texts of ${options.dim} dims`);
  }
  const steps: string[] = [];
  const note = (step: string): void => {
    steps.push(step);
    options.onStep?.(step);
  };
  let data: Float32Array = Float32Array.from(options.embeddings);
  normaliseRows(data, options.dim);
  let dim = options.dim;
  note(`embedding(dim=${dim})`);
  if (n < 3) return { data, dim, steps };

  const tfidfWeight = options.tfidfWeight ?? 0.5;
  if (tfidfWeight > 0) {
    const tfidf = tfidfSvd({ texts: options.texts, rank: options.tfidfRank ?? 300, seed: options.seed });
    data = concatenateBlocks(data, dim, 1 - tfidfWeight, tfidf.data, tfidf.dim, tfidfWeight, n);
    dim += tfidf.dim;
    note(`tfidf-svd(char 2-4 grams, rank=${tfidf.dim}, weight=${tfidfWeight})`);
  }

  const graphK = Math.min(options.graphNeighbours ?? 20, n - 1);
  const smoothK = Math.min(options.smoothNeighbours ?? 5, n - 1);
  const exact = n <= EXACT_NEIGHBOURS_LIMIT;
  const findNeighbours = async (rows: Float32Array, k: number): Promise<Neighbours> =>
    exact ? exactNeighbours(rows, n, dim, k) : approximateNeighbours(rows, n, dim, k, { seed: options.seed });
  if (smoothK > 0) {
    data = smoothWithNeighbours(data, n, dim, await findNeighbours(data, smoothK), smoothK);
    note(`smooth(${smoothK} ${exact ? 'exact' : 'approximate'} neighbours)`);
  }

  const spectralDimensions = Math.min(options.spectralDimensions ?? 0, SPECTRAL_MAX_DIMENSIONS, n - 1);
  const spectralCost = n * (spectralDimensions * 1.2 + 10) ** 2;
  if (spectralDimensions > 0 && spectralCost <= SPECTRAL_BUDGET) {
    const neighbours = await findNeighbours(data, graphK);
    const spectral = spectralEmbedding(neighbours, n, { dimensions: spectralDimensions, seed: options.seed });
    note(`spectral(${graphK}-NN graph, dims=${spectral.dim})`);
    return { data: spectral.data, dim: spectral.dim, steps, neighbours };
  }
  if (spectralDimensions > 0) note(`spectral skipped (n·b²=${spectralCost.toExponential(1)} > ${SPECTRAL_BUDGET.toExponential(1)})`);
  return { data, dim, steps };
}

/** [a·√wa, b·√wb] with each block L2-normalised first, so the rows stay unit length. */
function concatenateBlocks(a: Float32Array, aDim: number, aWeight: number, b: Float32Array, bDim: number, bWeight: number, n: number): Float32Array {
  const dim = aDim + bDim;
  const out = new Float32Array(n * dim);
  const aScale = Math.sqrt(aWeight);
  const bScale = Math.sqrt(bWeight);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < aDim; j++) out[i * dim + j] = a[i * aDim + j] * aScale;
    for (let j = 0; j < bDim; j++) out[i * dim + aDim + j] = b[i * bDim + j] * bScale;
  }
  return out;
}

export interface ClusterConversationsOptions extends Omit<ClusterFeatureOptions, 'spectralDimensions'> {
  k: number;
  restarts?: number;
  /** Spectral embedding on (default) when k >= SPECTRAL_MIN_CLUSTERS and the corpus is small enough; false turns it off. */
  spectral?: boolean;
  workers?: number;
  /** k-means progress (restarts, or mini-batches). */
  onProgress?: (done: number, total: number) => void;
}

export interface ConversationClusters extends KMeansResult {
  /** The space k-means ran in. */
  features: ClusterFeatures;
  /** k x embedding dim: each cluster's mean sentence embedding, L2-normalised (for naming and placing). */
  embeddingCentroids: Float32Array;
}

export async function clusterConversations(options: ClusterConversationsOptions): Promise<ConversationClusters> {
  const n = options.texts.length;
  const k = Math.max(1, Math.min(options.k, n));
  const spectral = options.spectral !== false && k >= SPECTRAL_MIN_CLUSTERS;
  const features = await buildClusterFeatures({ ...options, spectralDimensions: spectral ? k : 0 });
  if (options.spectral !== false && !spectral) features.steps.push(`spectral skipped (k=${k} < ${SPECTRAL_MIN_CLUSTERS})`);
  const result = await kmeans(features.data, n, features.dim, {
    k,
    seed: options.seed,
    restarts: options.restarts,
    workers: options.workers,
    onProgress: options.onProgress,
  });
  features.steps.push(`kmeans(k=${k}, restarts=${options.restarts ?? 'default'})`);
  return { ...result, features, embeddingCentroids: meanByCluster(options.embeddings, options.dim, result.assignments, k) };
}

/** Per-cluster mean of the rows, L2-normalised; k x dim. */
export function meanByCluster(data: Float32Array, dim: number, assignments: Int32Array, k: number): Float32Array {
  const out = new Float32Array(k * dim);
  for (let i = 0; i < assignments.length; i++) {
    const c = assignments[i];
    for (let j = 0; j < dim; j++) out[c * dim + j] += data[i * dim + j];
  }
  normaliseRows(out, dim);
  return out;
}
