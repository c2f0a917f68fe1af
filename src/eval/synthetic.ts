// The paper's synthetic evaluation (appendix C): a model writes conversations from a known two-level
// taxonomy in several languages; after the pipeline has run, the top level of the hierarchy is scored
// against the known top categories (assignment accuracy, as the paper reports it).
import { z } from 'zod';
import type { DemoCategory } from '../demo/taxonomy.ts';
import { LANGUAGE_CODES } from '../facets/facet-config.ts';
import { fillTemplate } from '../llm/prompts/index.ts';
import { SYNTHETIC_PERSONAS, SYNTHETIC_PROMPT, SYNTHETIC_SYSTEM_PROMPT } from '../llm/prompts/synthetic.ts';
import { isLlmCallError, type LlmClient } from '../llm/types.ts';
import type { Conversation } from '../types.ts';
import { forEachConcurrent } from '../util/concurrency.ts';
import { createRandom } from '../util/random.ts';
import { minimumCostAssignment } from './metrics.ts';

export interface GenerateSyntheticOptions {
  taxonomy: readonly DemoCategory[];
  /** ISO 639-1 codes; each leaf's conversations cycle through them. */
  languages: readonly string[];
  /** Conversations per leaf topic. */
  perLeaf: number;
  seed: number;
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface SyntheticLabel {
  top: string;
  leaf: string;
  language: string;
}

export interface SyntheticCorpus {
  /** In taxonomy order; a conversation whose generation failed is left out (see `failed`). */
  conversations: Conversation[];
  /** labels[i] belongs to conversations[i]. */
  labels: SyntheticLabel[];
  failed: number;
}

/** Messages per synthetic conversation: a single exchange or a short follow-up. */
const TURN_CHOICES = [2, 4] as const;

export const SYNTHETIC_CONVERSATION_SCHEMA = z.object({
  messages: z
    .array(z.object({ role: z.enum(['user', 'assistant']), content: z.string().trim().min(1).max(4000) }))
    .min(2)
    .max(12)
    .refine((messages) => messages[0]?.role === 'user', 'the first message must be the user\'s'),
});

const languageNames = new Intl.DisplayNames(['en'], { type: 'language' });

export async function generateSyntheticCorpus(client: LlmClient, options: GenerateSyntheticOptions): Promise<SyntheticCorpus> {
  const known = new Set(LANGUAGE_CODES);
  if (options.languages.length === 0) throw new Error('synthetic corpus: give at least one language');
  for (const code of options.languages) if (!known.has(code)) throw new Error(`synthetic corpus: '${code}' is not an ISO 639-1 language code`);
  if (!Number.isInteger(options.perLeaf) || options.perLeaf < 1) throw new Error(`synthetic corpus: perLeaf must be a positive integer, got ${options.perLeaf}`);

  const random = createRandom(options.seed);
  const jobs: { label: SyntheticLabel; prompt: string }[] = [];
  for (const category of options.taxonomy) {
    for (const topic of category.topics) {
      const languageOffset = Math.floor(random() * options.languages.length);
      for (let example = 0; example < options.perLeaf; example++) {
        const language = options.languages[(example + languageOffset) % options.languages.length];
        const prompt = fillTemplate(SYNTHETIC_PROMPT, {
          category: category.id,
          topic: topic.id,
          language: languageNames.of(language) ?? language,
          persona: SYNTHETIC_PERSONAS[Math.floor(random() * SYNTHETIC_PERSONAS.length)],
          turns: String(TURN_CHOICES[Math.floor(random() * TURN_CHOICES.length)]),
          example: String(example + 1),
        });
        jobs.push({ label: { top: category.id, leaf: topic.id, language }, prompt });
      }
    }
  }

  const answers: (z.infer<typeof SYNTHETIC_CONVERSATION_SCHEMA> | null)[] = new Array(jobs.length).fill(null);
  let done = 0;
  options.onProgress?.(0, jobs.length);
  await forEachConcurrent(jobs.keys(), options.concurrency ?? 8, async (index) => {
    try {
      const { value } = await client.generate({ stage: 'synthetic', system: SYNTHETIC_SYSTEM_PROMPT, prompt: jobs[index].prompt, schema: SYNTHETIC_CONVERSATION_SCHEMA });
      answers[index] = value;
    } catch (error) {
      if (!isLlmCallError(error)) throw error;
    }
    options.onProgress?.(++done, jobs.length);
  });

  const corpus: SyntheticCorpus = { conversations: [], labels: [], failed: 0 };
  answers.forEach((answer, index) => {
    if (!answer) {
      corpus.failed++;
      return;
    }
    corpus.conversations.push({
      externalId: `synthetic-${index}`,
      // One user per conversation, so the privacy thresholds count every conversation as its own user.
      userKey: `synthetic-user-${index}`,
      language: jobs[index].label.language,
      messages: answer.messages,
      metadata: {},
    });
    corpus.labels.push(jobs[index].label);
  });
  return corpus;
}

export interface TopLevelScoreOptions {
  /** The known top category of each conversation. */
  truth: readonly string[];
  /** The top-level cluster each conversation ended in (null: in none, e.g. hidden). */
  predicted: readonly (string | null)[];
  /** Optional grouping (e.g. language) to break accuracy down by, under the same mapping. */
  groups?: readonly string[];
}

export interface TopLevelScore {
  conversations: number;
  categories: number;
  clusters: number;
  /** Share assigned to the category its cluster is matched to, one cluster per category (Hungarian). */
  accuracy: number;
  /** Share assigned to its cluster's most common category (clusters may share a category). */
  majorityAccuracy: number;
  /** Accuracy of guessing a category at random. */
  chance: number;
  /** The one-to-one matching: cluster id -> category (null: left unmatched). */
  matching: Record<string, string | null>;
  byGroup?: Record<string, { conversations: number; accuracy: number; majorityAccuracy: number }>;
}

export function scoreTopLevel(options: TopLevelScoreOptions): TopLevelScore {
  const { truth, predicted, groups } = options;
  if (truth.length !== predicted.length || (groups && groups.length !== truth.length)) {
    throw new RangeError(`scoreTopLevel: truth (${truth.length}), predicted (${predicted.length}) and groups (${groups?.length ?? '-'}) differ in length`);
  }
  if (truth.length === 0) throw new RangeError('scoreTopLevel: nothing to score');
  const categories = [...new Set(truth)];
  const clusters = [...new Set(predicted.filter((cluster): cluster is string => cluster !== null))];
  const categoryIndex = new Map(categories.map((category, i) => [category, i]));
  const clusterIndex = new Map(clusters.map((cluster, j) => [cluster, j]));
  const counts = new Float64Array(categories.length * clusters.length);
  predicted.forEach((cluster, i) => {
    if (cluster !== null) counts[(categoryIndex.get(truth[i]) as number) * clusters.length + (clusterIndex.get(cluster) as number)]++;
  });

  // Hungarian matching on a square matrix padded with zero-count rows or columns.
  const size = Math.max(categories.length, clusters.length);
  const largest = counts.reduce((max, count) => Math.max(max, count), 0);
  const cost = new Float64Array(size * size).fill(largest);
  for (let l = 0; l < categories.length; l++) {
    for (let c = 0; c < clusters.length; c++) cost[l * size + c] = largest - counts[l * clusters.length + c];
  }
  const match = minimumCostAssignment(cost, size);
  const matching: Record<string, string | null> = Object.fromEntries(clusters.map((cluster) => [cluster, null]));
  for (let l = 0; l < categories.length; l++) if (match[l] < clusters.length) matching[clusters[match[l]]] = categories[l];

  const majority: Record<string, string> = {};
  clusters.forEach((cluster, c) => {
    let best = 0;
    for (let l = 1; l < categories.length; l++) if (counts[l * clusters.length + c] > counts[best * clusters.length + c]) best = l;
    majority[cluster] = categories[best];
  });

  const score = (indices: number[]) => {
    let matched = 0;
    let byMajority = 0;
    for (const i of indices) {
      const cluster = predicted[i];
      if (cluster === null) continue;
      if (matching[cluster] === truth[i]) matched++;
      if (majority[cluster] === truth[i]) byMajority++;
    }
    return { conversations: indices.length, accuracy: matched / indices.length, majorityAccuracy: byMajority / indices.length };
  };
  const overall = score([...truth.keys()]);
  const result: TopLevelScore = {
    conversations: truth.length,
    categories: categories.length,
    clusters: clusters.length,
    accuracy: overall.accuracy,
    majorityAccuracy: overall.majorityAccuracy,
    chance: 1 / categories.length,
    matching,
  };
  if (groups) {
    const members = new Map<string, number[]>();
    groups.forEach((group, i) => {
      let list = members.get(group);
      if (!list) members.set(group, (list = []));
      list.push(i);
    });
    result.byGroup = Object.fromEntries([...members].sort(([a], [b]) => a.localeCompare(b)).map(([group, indices]) => [group, score(indices)]));
  }
  return result;
}
