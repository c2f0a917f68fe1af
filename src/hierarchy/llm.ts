// The hierarchy the paper's way, with a model: level by level along the geometric schedule
// (schedule.ts), embed every cluster's name and description, k-means them into neighbourhoods of about
// `neighbourhoodSize`, let the model propose parents per neighbourhood (seeing the nearest clusters
// outside it as context), deduplicate the proposals across neighbourhoods, assign each child to a parent
// proposed from its own neighbourhood (candidates shuffled per call), and rename each parent from the
// children it received (llm-steps.ts).
// Convergence is not left to the model. A level is accepted only if it is non-empty, strictly smaller
// than the level below and within [0.5x, 1.5x] of its target (at most the target for the top level),
// its proposals do not mostly repeat the names of the level below, and at most half of its calls failed.
// Too many parents (but fewer than the children) are merged deterministically to the target, keeping the
// model's grouping; in every other failure the level is grouped deterministically (groupClusters, the
// no-LLM path) to exactly its target and the parents are named by the model or, failing that, by their
// children's common words. Both are recorded as fallbacks. So the loop always ends with a top level of at
// most the scheduled size.
import type { z } from 'zod';
import { kmeans } from '../cluster/kmeans.ts';
import type { LabelText } from '../llm/prompts/hierarchy.ts';
import { isLlmCallError, type LlmClient } from '../llm/types.ts';
import { deriveSeed } from '../util/random.ts';
import { groupClusters } from './group.ts';
import type { HierarchyLevel } from './hierarchy.ts';
import { assign, dedupe, DEDUPE_CHUNK, labelString, propose, rename, type LevelNode, type StepContext } from './llm-steps.ts';
import { groupMeans, normalise, normaliseName, wordsLabel } from './llm-text.ts';
import { levelSizes } from './schedule.ts';

export interface LlmHierarchyOptions {
  /** The base clusters, already named. */
  /** `shareable`: meets the privacy thresholds, so its name may be quoted in its parent's (default true). */
  clusters: { name: string; description: string; size: number; shareable?: boolean }[];
  /** Base centroids, k x dim, row-major: joined with the name embeddings for grouping, and the space of the levels' centroids. */
  centroids?: Float32Array;
  /** Unit-length embeddings of texts ("name: description"). */
  embed: (texts: string[]) => Promise<Float32Array[]>;
  levels?: number;
  top?: number;
  /** Clusters per neighbourhood the model proposes parents for (paper: 40). */
  neighbourhoodSize?: number;
  /** Nearest clusters outside a neighbourhood shown as context when proposing. */
  outsideContext?: number;
  /** Children per assignment call (the paper uses one; batching cuts the calls of this step about 20-fold). */
  assignBatchSize?: number;
  seed: number;
  /** Model calls in flight at once (the client applies its own limits too). */
  concurrency?: number;
  /** Calls made so far and the expected total (grows if more calls are needed). */
  onProgress?: (done: number, total: number) => void;
  log?: (message: string) => void;
}

export interface LlmHierarchyLevel extends HierarchyLevel {
  /** Name and description per parent. */
  labels: LabelText[];
}

export interface LlmHierarchyResult {
  /** Bottom-up, as buildHierarchy; empty when there is a single base cluster. */
  levels: LlmHierarchyLevel[];
  fallbacks: { level: number; reason: string }[];
  /** Model calls made, failed ones included (cached answers count as calls here). */
  calls: number;
}

const DEFAULTS = { neighbourhoodSize: 40, outsideContext: 10, assignBatchSize: 20, concurrency: 8 };

/**
 * Expected model calls for a schedule (as levelSizes returns it, base first; a schedule without the base
 * also works). Per level with m clusters below and target t, N = max(1, round(m / neighbourhoodSize)):
 * N proposal calls + (N > 1 ? ceil(1.5t / 200) : 0) deduplication calls
 * + N * ceil(ceil(m / N) / assignBatchSize) assignment calls + t renaming calls.
 * A level that falls back costs its proposal calls plus t renaming calls instead.
 */
export function estimateHierarchyCalls(k: number, schedule: number[], neighbourhoodSize = DEFAULTS.neighbourhoodSize, assignBatchSize = DEFAULTS.assignBatchSize): number {
  const targets = schedule[0] === k ? schedule.slice(1) : schedule;
  let below = k;
  let calls = 0;
  for (const target of targets) {
    const hoods = Math.max(1, Math.round(below / neighbourhoodSize));
    calls += hoods + (hoods > 1 ? Math.ceil((1.5 * target) / DEDUPE_CHUNK) : 0) + hoods * Math.ceil(Math.ceil(below / hoods) / assignBatchSize) + target;
    below = target;
  }
  return calls;
}

export async function buildHierarchyWithLlm(client: LlmClient, options: LlmHierarchyOptions): Promise<LlmHierarchyResult> {
  const k = options.clusters.length;
  if (k <= 1) return { levels: [], fallbacks: [], calls: 0 };
  const settings = {
    neighbourhoodSize: options.neighbourhoodSize ?? DEFAULTS.neighbourhoodSize,
    outsideContext: options.outsideContext ?? DEFAULTS.outsideContext,
    assignBatchSize: options.assignBatchSize ?? DEFAULTS.assignBatchSize,
    concurrency: options.concurrency ?? DEFAULTS.concurrency,
  };
  const schedule = levelSizes(k, { levels: options.levels, top: options.top });
  const log = options.log ?? (() => {});
  let calls = 0;
  let expected = estimateHierarchyCalls(k, schedule, settings.neighbourhoodSize, settings.assignBatchSize);
  const ctx: StepContext = {
    async ask<T>(system: string, prompt: string, schema: z.ZodType<T>, maxOutputTokens?: number): Promise<T | undefined> {
      try {
        return (await client.generate({ stage: 'hierarchy', system, prompt, schema, ...(maxOutputTokens ? { maxOutputTokens } : {}) })).value;
      } catch (error) {
        // A misconfigured provider fails every call: stop rather than build a hierarchy of fallbacks.
        if (!isLlmCallError(error) || error.llmErrorKind === 'config') throw error;
        log(`hierarchy: a call failed (${error.llmErrorKind}): ${error.message}`);
        return undefined;
      } finally {
        calls++;
        expected = Math.max(expected, calls);
        options.onProgress?.(calls, expected);
      }
    },
    embed: options.embed,
    concurrency: settings.concurrency,
    outsideContext: settings.outsideContext,
    assignBatchSize: settings.assignBatchSize,
  };

  // Level centroids live in the base centroids' space when given (as buildHierarchy's), else in the
  // space of the base clusters' name embeddings.
  const baseTexts = await options.embed(options.clusters.map(labelString));
  const baseRows = options.centroids ? centroidRows(options.centroids, k) : undefined;
  let spaceRows = baseRows ?? baseTexts;
  let nodes: LevelNode[] = options.clusters.map((c, i) => ({ ...c, shareable: c.shareable ?? true, text: baseTexts[i], signal: joined(baseTexts[i], baseRows?.[i]) }));
  const levels: LlmHierarchyLevel[] = [];
  const fallbacks: { level: number; reason: string }[] = [];
  for (let l = 1; l < schedule.length; l++) {
    const target = Math.min(schedule[l], nodes.length - 1);
    if (target < 1) break;
    const isTop = l === schedule.length - 1;
    const seed = deriveSeed(options.seed, l);
    let outcome = await modelLevel(ctx, nodes, { target, isTop, seed, neighbourhoodSize: settings.neighbourhoodSize, log: (m) => log(`hierarchy level ${l}: ${m}`) });
    if ('reason' in outcome) {
      log(`hierarchy level ${l}: falling back to deterministic grouping into ${target} (${outcome.reason})`);
      fallbacks.push({ level: l, reason: outcome.reason });
      outcome = await fallbackLevel(ctx, nodes, target, seed);
    }
    if (outcome.merged) {
      log(`hierarchy level ${l}: ${outcome.merged}`);
      fallbacks.push({ level: l, reason: outcome.merged });
    }
    const { parentOf, labels } = outcome;
    const size = labels.length;
    const sizes = new Int32Array(size);
    parentOf.forEach((p, i) => (sizes[p] += nodes[i].size));
    const centroids = groupMeans(spaceRows, nodes.map((n) => n.size), parentOf, size);
    levels.push({ level: l, size, parentOf, sizes, centroids, labels });
    spaceRows = centroidRows(centroids, size);
    const texts = await options.embed(labels.map(labelString));
    const shareable = new Array<boolean>(size).fill(false);
    parentOf.forEach((p, i) => (shareable[p] ||= nodes[i].shareable));
    nodes = labels.map((label, p) => ({ ...label, size: sizes[p], shareable: shareable[p], text: texts[p], signal: joined(texts[p], baseRows && spaceRows[p]) }));
  }
  return { levels, fallbacks, calls };
}

type LevelOutcome = { parentOf: Int32Array; labels: LabelText[]; /** Why the model's parents were merged further. */ merged?: string };

async function modelLevel(
  ctx: StepContext,
  nodes: LevelNode[],
  options: { target: number; isTop: boolean; seed: number; neighbourhoodSize: number; log: (message: string) => void },
): Promise<LevelOutcome | { reason: string }> {
  const { target } = options;
  const m = nodes.length;
  const lowest = Math.max(1, Math.ceil(0.5 * target));
  const highest = Math.min(m - 1, options.isTop ? target : Math.floor(1.5 * target));
  const hoods = await neighbourhoods(nodes, options.neighbourhoodSize, deriveSeed(options.seed, 0));

  const proposed = await propose(ctx, nodes, hoods, target, highest);
  if (proposed.failed > hoods.length / 2) return { reason: `${proposed.failed} of ${hoods.length} proposal calls failed` };
  const { candidates, failed: dedupeFailed } = await dedupe(ctx, proposed.proposals, { target, hoodCount: hoods.length, seed: deriveSeed(options.seed, 1) });
  if (candidates.length < lowest) {
    return { reason: `the proposals name only ${candidates.length} distinct categor${candidates.length === 1 ? 'y' : 'ies'}, fewer than ${lowest}` };
  }
  // A model that hands the children's names back never gets to the top (the non-convergence users of
  // other implementations report).
  const childNames = new Set(nodes.map((n) => normaliseName(n.name)));
  const repeated = candidates.filter((c) => childNames.has(normaliseName(c.name))).length;
  if (repeated > candidates.length / 2) return { reason: `${repeated} of ${candidates.length} proposed parents repeat names of the level below` };
  const { parentOf: candidateOf, stats } = await assign(ctx, nodes, hoods, candidates, deriveSeed(options.seed, 2));
  options.log(
    `${hoods.length} neighbourhoods, ${proposed.proposals.length} proposals, ${candidates.length} after deduplication` +
      `${dedupeFailed > 0 ? ' (deduplication call failed)' : ''}; assignments ${stats.exact} exact, ${stats.fuzzy} fuzzy, ` +
      `${stats.refused} refused (other neighbourhood), ${stats.missing} unanswered`,
  );
  if (stats.failed > stats.calls / 2) return { reason: `${stats.failed} of ${stats.calls} assignment calls failed` };

  // Parents that received no child are dropped.
  const used = [...new Set(candidateOf)].sort((a, b) => a - b);
  const index = new Map(used.map((c, i) => [c, i]));
  let parentOf = candidateOf.map((c) => index.get(c)!);
  let current = (p: number): LabelText => candidates[used[p]];
  let size = used.length;
  let merged: string | undefined;
  if (size >= m) return { reason: `the level did not shrink (${size} parents for ${m} clusters)` };
  if (size < lowest) return { reason: `collapsed to ${size} parents, fewer than ${lowest} for a target of ${target}` };
  if (size > highest) {
    // Too many parents: keep the model's grouping and merge its parents deterministically to the target.
    const mergeOf = mergeParents(nodes, parentOf, size, target, deriveSeed(options.seed, 4));
    const first = new Map<number, number>();
    mergeOf.forEach((to, from) => first.has(to) || first.set(to, from));
    const labelled = current;
    current = (p) => labelled(first.get(p)!);
    merged = `${size} parents, more than ${highest} for a target of ${target}: merged deterministically to ${target}`;
    parentOf = parentOf.map((p) => mergeOf[p]);
    size = target;
  }

  const renamed = await rename(ctx, nodes, parentOf, size, current, current);
  return { parentOf, labels: renamed.labels, merged };
}

/** For each of `count` parents, its group among `target` (groupClusters on the parents' mean signals). */
function mergeParents(nodes: LevelNode[], parentOf: Int32Array, count: number, target: number, seed: number): Int32Array {
  const weights = new Float64Array(count);
  parentOf.forEach((p, i) => (weights[p] += Math.max(nodes[i].size, 1)));
  const centroids = groupMeans(nodes.map((n) => n.signal), nodes.map((n) => n.size), parentOf, count);
  return groupClusters({ centroids, dim: nodes[0].signal.length, weights, target, seed });
}

async function fallbackLevel(ctx: StepContext, nodes: LevelNode[], target: number, seed: number): Promise<LevelOutcome> {
  const dim = nodes[0].signal.length;
  const centroids = new Float32Array(nodes.length * dim);
  nodes.forEach((n, i) => centroids.set(n.signal, i * dim));
  const parentOf = groupClusters({ centroids, dim, weights: nodes.map((n) => Math.max(n.size, 1)), target, seed: deriveSeed(seed, 3) });
  const { labels } = await rename(ctx, nodes, parentOf, target, (_, children) => wordsLabel(children));
  return { parentOf, labels };
}

/** Member indices per neighbourhood: k-means of the signals into about m / size groups (empty ones dropped). */
async function neighbourhoods(nodes: LevelNode[], size: number, seed: number): Promise<number[][]> {
  const count = Math.max(1, Math.round(nodes.length / size));
  if (count === 1) return [nodes.map((_, i) => i)];
  const dim = nodes[0].signal.length;
  const data = new Float32Array(nodes.length * dim);
  nodes.forEach((n, i) => data.set(n.signal, i * dim));
  const { assignments } = await kmeans(data, nodes.length, dim, { k: count, seed, workers: 1 });
  const groups: number[][] = Array.from({ length: count }, () => []);
  assignments.forEach((g, i) => groups[g].push(i));
  return groups.filter((g) => g.length > 0);
}

function centroidRows(flat: Float32Array, count: number): Float32Array[] {
  if (flat.length % count !== 0) throw new Error(`buildHierarchyWithLlm: ${flat.length} centroid values for ${count} clusters`);
  const dim = flat.length / count;
  return Array.from({ length: count }, (_, i) => normalise(flat.subarray(i * dim, (i + 1) * dim)));
}

/** The name embedding alone, or joined with the centroid (each half scaled so the whole stays unit length). */
function joined(text: Float32Array, centroid: Float32Array | undefined): Float32Array {
  if (!centroid) return text;
  const out = new Float32Array(text.length + centroid.length);
  out.set(text.map((v) => v * Math.SQRT1_2));
  out.set(centroid.map((v) => v * Math.SQRT1_2), text.length);
  return out;
}

