// Contrastive cluster names (paper, section 2.2, "name clusters"): the model sees a random sample of a
// cluster's summaries and, as contrast, summaries from the clusters whose centroids are nearest, and
// writes a short name and a two-sentence description of what sets the cluster apart.
//
// Outside sample: the other clusters are ranked by centroid cosine similarity and each, nearest first,
// gives a seeded sample of up to OUTSIDE_PER_NEIGHBOUR summaries until `outsideSample` are collected; so
// the default 50 come from the five nearest clusters (more when those are small). With fewer neighbours
// than that, the nearest ones give more, nearest first.
//
// A cluster whose call fails for good gets a keyword label built from its own summaries, its name
// prefixed with FALLBACK_NAME_PREFIX so that it is never mistaken for a model-written one.
import { z } from 'zod';
import { fillTemplate } from '../llm/prompts/index.ts';
import { DEFAULT_NAMING_CRITERIA, NAMING_PROMPT, NAMING_SYSTEM_PROMPT } from '../llm/prompts/naming.ts';
import { isLlmCallError, type LlmClient } from '../llm/types.ts';
import { forEachConcurrent } from '../util/concurrency.ts';
import { createRandom, deriveSeed } from '../util/random.ts';
import { nameClusters, type ClusterLabel } from './keywords.ts';

export interface ClusterToName {
  index: number;
  /** The clustered facet's value (e.g. the request summary) of each member conversation. */
  memberSummaries: string[];
  /** Salted user hash of each member (null: no user id, the conversation counts as its own user). */
  memberUsers: (string | null)[];
  centroid: Float32Array;
}

export interface NameClustersWithLlmOptions {
  clusters: readonly ClusterToName[];
  /** Length of every centroid. */
  dim: number;
  /** Summaries shown from inside the cluster (default 50, as in the paper). */
  insideSample?: number;
  /** Summaries shown from the nearest other clusters (default 50, as in the paper). */
  outsideSample?: number;
  /** How names should read (the facet's naming criteria); default: imperative requests. */
  criteria?: string;
  /** Keyword fallback names use only words written by at least this many distinct users (the privacy threshold). */
  minUsers: number;
  seed: number;
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
  /** Called for each cluster that got the keyword fallback instead of a model-written label. */
  onFallback?: (index: number, reason: string) => void;
}

/** Most summaries taken from any one neighbouring cluster. */
export const OUTSIDE_PER_NEIGHBOUR = 10;
/** Longest summary shown, in characters (summaries are two sentences; this only guards against outliers). */
const SUMMARY_MAX_CHARS = 400;
export const NAME_MAX_WORDS = 10;
export const FALLBACK_NAME_PREFIX = '[keywords]';

export const CLUSTER_NAME_SCHEMA = z.object({
  name: z
    .string()
    .trim()
    .min(1)
    .max(120)
    .refine((name) => name.split(/\s+/).length <= NAME_MAX_WORDS, { message: `the name must have at most ${NAME_MAX_WORDS} words` }),
  description: z.string().trim().min(1).max(800),
});

/** Labels in the order of `options.clusters` (terms are empty for model-written labels). */
export async function nameClustersWithLlm(client: LlmClient, options: NameClustersWithLlmOptions): Promise<ClusterLabel[]> {
  const { clusters, dim } = options;
  const insideSample = options.insideSample ?? 50;
  const outsideSample = options.outsideSample ?? 50;
  for (const cluster of clusters) {
    if (cluster.centroid.length !== dim) throw new Error(`cluster ${cluster.index}: centroid has ${cluster.centroid.length} values, expected ${dim}`);
  }
  const norms = clusters.map((cluster) => Math.sqrt(dot(cluster.centroid, cluster.centroid)) || 1);
  const labels: ClusterLabel[] = new Array(clusters.length);
  let done = 0;
  let keywordLabels: ClusterLabel[] | undefined;
  options.onProgress?.(0, clusters.length);

  await forEachConcurrent(clusters.keys(), options.concurrency ?? 8, async (position) => {
    const cluster = clusters[position];
    const random = createRandom(deriveSeed(options.seed, cluster.index));
    const inside = sample(cluster.memberSummaries, insideSample, random);
    const neighbours = clusters
      .map((other, j) => ({ j, similarity: j === position ? -Infinity : dot(cluster.centroid, other.centroid) / (norms[position] * norms[j]) }))
      .filter((entry) => entry.j !== position)
      .sort((a, b) => b.similarity - a.similarity || a.j - b.j);
    const outside: string[] = [];
    const shuffled: string[][] = [];
    for (const { j } of neighbours) {
      if (outside.length >= outsideSample) break;
      shuffled.push(sample(clusters[j].memberSummaries, outsideSample, random));
      outside.push(...shuffled[shuffled.length - 1].slice(0, Math.min(OUTSIDE_PER_NEIGHBOUR, outsideSample - outside.length)));
    }
    // Too few neighbours for the sample at OUTSIDE_PER_NEIGHBOUR each: top up from the nearest first.
    for (const rest of shuffled) {
      if (outside.length >= outsideSample) break;
      outside.push(...rest.slice(OUTSIDE_PER_NEIGHBOUR, OUTSIDE_PER_NEIGHBOUR + outsideSample - outside.length));
    }
    const prompt = fillTemplate(NAMING_PROMPT, {
      inside: bulletList(inside),
      outside: outside.length > 0 ? bulletList(outside) : '(no other groups)',
      criteria: options.criteria ?? DEFAULT_NAMING_CRITERIA,
    });
    try {
      const { value } = await client.generate({ stage: 'name', system: NAMING_SYSTEM_PROMPT, prompt, schema: CLUSTER_NAME_SCHEMA, maxOutputTokens: 400 });
      labels[position] = { name: value.name, description: value.description, terms: [] };
    } catch (error) {
      if (!isLlmCallError(error)) throw error;
      keywordLabels ??= keywordLabelsOf(clusters, options.minUsers);
      labels[position] = fallbackLabel(keywordLabels[position], error.llmErrorKind);
      options.onFallback?.(cluster.index, `${error.llmErrorKind}: ${error.message}`);
    }
    options.onProgress?.(++done, clusters.length);
  });
  return labels;
}

/** Up to `count` distinct positions of `items`, drawn without replacement (partial Fisher-Yates). */
function sample(items: readonly string[], count: number, random: () => number): string[] {
  const order = [...items.keys()];
  const take = Math.min(count, order.length);
  for (let i = 0; i < take; i++) {
    const j = i + Math.floor(random() * (order.length - i));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order.slice(0, take).map((index) => items[index]);
}

function bulletList(summaries: readonly string[]): string {
  return summaries.map((summary) => `- ${truncate(summary.replace(/\s+/g, ' ').trim(), SUMMARY_MAX_CHARS)}`).join('\n');
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

/**
 * The keyword namer over every cluster's summaries (each summary counted as its own user): a term must
 * occur in at least two summaries of the cluster, so a detail from a single conversation cannot become
 * the name.
 */
function keywordLabelsOf(clusters: readonly ClusterToName[], minUsers: number): ClusterLabel[] {
  const texts: string[] = [];
  const users: (string | null)[] = [];
  const assignments: number[] = [];
  clusters.forEach((cluster, position) => {
    cluster.memberSummaries.forEach((summary, i) => {
      texts.push(summary);
      users.push(cluster.memberUsers[i] ?? null);
      assignments.push(position);
    });
  });
  return nameClusters({ texts, users, assignments: Int32Array.from(assignments), clusterCount: clusters.length, minUsers });
}

function fallbackLabel(keywords: ClusterLabel | undefined, reason: string): ClusterLabel {
  const terms = keywords?.terms ?? [];
  return {
    name: `${FALLBACK_NAME_PREFIX} ${terms.length > 0 ? terms.slice(0, 3).join(', ') : 'unnamed cluster'}`,
    description: `The model could not name this cluster (${reason}); the name lists the words that set its summaries apart.`,
    terms,
  };
}
