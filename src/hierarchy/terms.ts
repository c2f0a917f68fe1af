// Word signals for grouping clusters. Each cluster is read as one document (all its members' texts):
// words and two-word phrases, counted by how many members use them, weighted by sublinear tf and an idf
// over the clusters of the level. Domain words ("account", "card", "flight", "recipe") are shared by the
// clusters of one domain even when their sentence embeddings sit apart. Tokens come from the naming
// tokenizer (any script, stopwords removed), so the signal works beyond English.
import { BREAK, tokenize } from '../name/tokenize.ts';

/** Per cluster: term -> number of member texts that use it. */
export type TermCounts = Map<string, number>[];

/** Terms kept per cluster (highest TF-IDF), bounding the cost of comparing every pair of clusters. */
export const TERMS_PER_CLUSTER = 200;

export function clusterTermCounts(texts: string[], assignments: Int32Array, k: number): TermCounts {
  if (texts.length !== assignments.length) throw new Error(`clusterTermCounts: ${texts.length} texts for ${assignments.length} assignments`);
  const counts: TermCounts = Array.from({ length: k }, () => new Map());
  texts.forEach((text, i) => {
    const tokens = tokenize(text);
    const terms = new Set<string>();
    for (let j = 0; j < tokens.length; j++) {
      if (tokens[j] === BREAK) continue;
      terms.add(tokens[j]);
      if (j + 1 < tokens.length && tokens[j + 1] !== BREAK) terms.add(`${tokens[j]} ${tokens[j + 1]}`);
    }
    const row = counts[assignments[i]];
    for (const term of terms) row.set(term, (row.get(term) ?? 0) + 1);
  });
  return counts;
}

/** The counts of each parent: the sums over its children. */
export function mergeTermCounts(counts: TermCounts, parentOf: Int32Array, size: number): TermCounts {
  const merged: TermCounts = Array.from({ length: size }, () => new Map());
  counts.forEach((row, child) => {
    const target = merged[parentOf[child]];
    for (const [term, count] of row) target.set(term, (target.get(term) ?? 0) + count);
  });
  return merged;
}

/** m x m cosine similarities of the clusters' TF-IDF vectors (1 on the diagonal, 0 for empty clusters). */
export function termSimilarity(counts: TermCounts): Float64Array {
  const m = counts.length;
  const documentFrequency = new Map<string, number>();
  for (const row of counts) for (const term of row.keys()) documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1);
  // Inverted index of the kept terms: the pair sums then cost Σ over terms of (clusters using it)².
  const postings = new Map<string, { cluster: number; weight: number }[]>();
  counts.forEach((row, cluster) => {
    const weighted = [...row]
      .map(([term, count]) => ({ term, weight: (1 + Math.log(count)) * Math.log((1 + m) / (1 + documentFrequency.get(term)!)) }))
      .filter((t) => t.weight > 0)
      .sort((a, b) => b.weight - a.weight || (a.term < b.term ? -1 : 1))
      .slice(0, TERMS_PER_CLUSTER);
    const norm = Math.sqrt(weighted.reduce((sum, t) => sum + t.weight ** 2, 0));
    for (const { term, weight } of weighted) {
      let list = postings.get(term);
      if (!list) postings.set(term, (list = []));
      list.push({ cluster, weight: weight / norm });
    }
  });
  const similarity = new Float64Array(m * m);
  for (const list of postings.values()) {
    for (let a = 0; a < list.length; a++) {
      for (let b = a + 1; b < list.length; b++) {
        const product = list[a].weight * list[b].weight;
        similarity[list[a].cluster * m + list[b].cluster] += product;
        similarity[list[b].cluster * m + list[a].cluster] += product;
      }
    }
  }
  for (let i = 0; i < m; i++) similarity[i * m + i] = 1;
  return similarity;
}
