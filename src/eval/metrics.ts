// Agreement between a clustering and reference labels: accuracy under the best one-to-one matching
// of clusters to labels (Hungarian algorithm), normalised mutual information and the adjusted Rand
// index, with the same conventions as scikit-learn so that figures compare with published ones.

export interface Contingency {
  /** counts[label * clusters + cluster] */
  counts: Float64Array;
  labels: number;
  clusters: number;
  total: number;
}

/** Cross-tabulates reference labels (any values) against predicted cluster ids. */
export function contingencyTable(labels: ArrayLike<number | string>, predicted: ArrayLike<number>): Contingency {
  if (labels.length !== predicted.length) {
    throw new RangeError(`labels and predictions differ in length: ${labels.length} vs ${predicted.length}`);
  }
  if (labels.length === 0) throw new RangeError('cannot score an empty clustering');
  const labelIds = new Map<number | string, number>();
  const clusterIds = new Map<number, number>();
  const pairs = new Int32Array(2 * labels.length);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    const cluster = predicted[i];
    if (!labelIds.has(label)) labelIds.set(label, labelIds.size);
    if (!clusterIds.has(cluster)) clusterIds.set(cluster, clusterIds.size);
    pairs[2 * i] = labelIds.get(label) as number;
    pairs[2 * i + 1] = clusterIds.get(cluster) as number;
  }
  const counts = new Float64Array(labelIds.size * clusterIds.size);
  for (let i = 0; i < labels.length; i++) counts[pairs[2 * i] * clusterIds.size + pairs[2 * i + 1]]++;
  return { counts, labels: labelIds.size, clusters: clusterIds.size, total: labels.length };
}

/**
 * Share of items whose cluster is matched to their label, under the one-to-one matching of
 * clusters to labels that maximises it. With more clusters than labels the unmatched clusters
 * count as wrong, and vice versa.
 */
export function clusteringAccuracy(labels: ArrayLike<number | string>, predicted: ArrayLike<number>): number {
  const table = contingencyTable(labels, predicted);
  const size = Math.max(table.labels, table.clusters);
  let largest = 0;
  for (const count of table.counts) largest = Math.max(largest, count);
  const cost = new Float64Array(size * size).fill(largest);
  for (let l = 0; l < table.labels; l++) {
    for (let c = 0; c < table.clusters; c++) cost[l * size + c] = largest - table.counts[l * table.clusters + c];
  }
  const match = minimumCostAssignment(cost, size);
  let matched = 0;
  for (let l = 0; l < table.labels; l++) {
    if (match[l] < table.clusters) matched += table.counts[l * table.clusters + match[l]];
  }
  return matched / table.total;
}

/**
 * Hungarian algorithm with potentials (Kuhn-Munkres, O(size^3)) on a square cost matrix.
 * Returns for each row the column assigned to it.
 */
export function minimumCostAssignment(cost: Float64Array, size: number): Int32Array {
  // 1-based arrays as in the classic formulation; column 0 is a sentinel
  const rowPotential = new Float64Array(size + 1);
  const columnPotential = new Float64Array(size + 1);
  const rowOfColumn = new Int32Array(size + 1);
  const previous = new Int32Array(size + 1);
  const slack = new Float64Array(size + 1);
  const used = new Uint8Array(size + 1);
  for (let row = 1; row <= size; row++) {
    rowOfColumn[0] = row;
    let column = 0;
    slack.fill(Infinity);
    used.fill(0);
    do {
      used[column] = 1;
      const currentRow = rowOfColumn[column];
      let delta = Infinity;
      let next = 0;
      for (let j = 1; j <= size; j++) {
        if (used[j]) continue;
        const reduced = cost[(currentRow - 1) * size + (j - 1)] - rowPotential[currentRow] - columnPotential[j];
        if (reduced < slack[j]) {
          slack[j] = reduced;
          previous[j] = column;
        }
        if (slack[j] < delta) {
          delta = slack[j];
          next = j;
        }
      }
      for (let j = 0; j <= size; j++) {
        if (used[j]) {
          rowPotential[rowOfColumn[j]] += delta;
          columnPotential[j] -= delta;
        } else {
          slack[j] -= delta;
        }
      }
      column = next;
    } while (rowOfColumn[column] !== 0);
    do {
      const before = previous[column];
      rowOfColumn[column] = rowOfColumn[before];
      column = before;
    } while (column !== 0);
  }
  const assignment = new Int32Array(size);
  for (let j = 1; j <= size; j++) assignment[rowOfColumn[j] - 1] = j - 1;
  return assignment;
}

function entropy(counts: Float64Array, total: number): number {
  let h = 0;
  for (const count of counts) if (count > 0) h -= (count / total) * Math.log(count / total);
  return h;
}

function marginals(table: Contingency): { labelSums: Float64Array; clusterSums: Float64Array } {
  const labelSums = new Float64Array(table.labels);
  const clusterSums = new Float64Array(table.clusters);
  for (let l = 0; l < table.labels; l++) {
    for (let c = 0; c < table.clusters; c++) {
      const count = table.counts[l * table.clusters + c];
      labelSums[l] += count;
      clusterSums[c] += count;
    }
  }
  return { labelSums, clusterSums };
}

/** Mutual information over the arithmetic mean of the two entropies (scikit-learn's default). */
export function normalizedMutualInfo(labels: ArrayLike<number | string>, predicted: ArrayLike<number>): number {
  const table = contingencyTable(labels, predicted);
  // one class and one cluster: identical partitions (scikit-learn returns 1)
  if (table.labels === 1 && table.clusters === 1) return 1;
  const { labelSums, clusterSums } = marginals(table);
  const n = table.total;
  let mutual = 0;
  for (let l = 0; l < table.labels; l++) {
    for (let c = 0; c < table.clusters; c++) {
      const count = table.counts[l * table.clusters + c];
      if (count > 0) mutual += (count / n) * Math.log((count * n) / (labelSums[l] * clusterSums[c]));
    }
  }
  const mean = (entropy(labelSums, n) + entropy(clusterSums, n)) / 2;
  return mean > 0 ? Math.max(0, mutual) / mean : 0;
}

const pairs = (count: number) => (count * (count - 1)) / 2;

/** Rand index corrected for chance (Hubert & Arabie 1985): 1 for identical partitions, about 0 for independent ones. */
export function adjustedRandIndex(labels: ArrayLike<number | string>, predicted: ArrayLike<number>): number {
  const table = contingencyTable(labels, predicted);
  const n = table.total;
  // scikit-learn's special cases: both trivial, or both all singletons
  if ((table.labels === 1 && table.clusters === 1) || (table.labels === n && table.clusters === n)) return 1;
  const { labelSums, clusterSums } = marginals(table);
  let together = 0;
  for (const count of table.counts) together += pairs(count);
  let labelPairs = 0;
  for (const count of labelSums) labelPairs += pairs(count);
  let clusterPairs = 0;
  for (const count of clusterSums) clusterPairs += pairs(count);
  const expected = (labelPairs * clusterPairs) / pairs(n);
  const maximum = (labelPairs + clusterPairs) / 2;
  return maximum === expected ? 0 : (together - expected) / (maximum - expected);
}
