// The four model steps of one hierarchy level (see llm.ts): propose parents per neighbourhood,
// deduplicate them across neighbourhoods, assign every child to a parent of its own neighbourhood,
// rename each parent from the children it received. A failed call never stops a step: each has a
// deterministic stand-in (no proposals from that neighbourhood, unmerged candidates, the nearest
// allowed parent by embedding, the current name), and the caller counts failures to judge the level.
import type { z } from 'zod';
import { kmeans } from '../cluster/kmeans.ts';
import {
  assignAnswer,
  assignPrompt,
  dedupeAnswer,
  dedupePrompt,
  HIERARCHY_ASSIGN_SYSTEM,
  HIERARCHY_DEDUPE_SYSTEM,
  HIERARCHY_PROPOSE_SYSTEM,
  HIERARCHY_RENAME_SYSTEM,
  proposeAnswer,
  proposePrompt,
  renameAnswer,
  renamePrompt,
  type LabelText,
} from '../llm/prompts/hierarchy.ts';
import { createRandom, deriveSeed } from '../util/random.ts';
import { mapConcurrent } from '../util/concurrency.ts';
import { dot, nameSimilarity, nearest, normaliseName, shuffled, wordsLabel } from './llm-text.ts';

/** A cluster of the level below. */
export interface LevelNode extends LabelText {
  size: number;
  /**
   * Whether this cluster's own name may be quoted to name its parent: it meets the privacy thresholds (a
   * parent is shareable when any child is). Names below the thresholds never reach a parent's name.
   */
  shareable: boolean;
  /** Embedding of "name: description", unit length. */
  text: Float32Array;
  /** What neighbourhoods and the fallback grouping use: `text`, joined with the base centroid when given; unit length. */
  signal: Float32Array;
}

export interface StepContext {
  /** One model call; undefined when it failed (counted by the caller). */
  ask<T>(system: string, prompt: string, schema: z.ZodType<T>, maxOutputTokens?: number): Promise<T | undefined>;
  embed(texts: string[]): Promise<Float32Array[]>;
  concurrency: number;
  outsideContext: number;
  assignBatchSize: number;
}

export interface Candidate extends LabelText {
  /** Neighbourhoods whose proposals it stands for. */
  hoods: Set<number>;
  text: Float32Array;
}

/** Cosine above which two proposed names count as the same category without asking the model. */
export const SAME_NAME_COSINE = 0.9;
/** Most candidates in one deduplication call; more are split into groups of similar candidates. */
export const DEDUPE_CHUNK = 200;
/** Answered names at least this similar (character bigrams) to an allowed parent's name match it. */
const FUZZY_NAME = 0.6;
/** Children shown when renaming a parent (the largest). */
const RENAME_CHILDREN = 50;

export const labelString = (label: LabelText): string => `${label.name}: ${label.description}`;

/** Names asked of one neighbourhood: 0.5x to 1.5x its share of the target, at most `cap` (the level's most parents). */
export function proposalRange(target: number, members: number, total: number, cap: number): { min: number; max: number } {
  const share = (target * members) / total;
  const max = Math.max(1, Math.min(members, cap, Math.ceil(1.5 * share)));
  return { min: Math.min(max, Math.max(1, Math.floor(0.5 * share))), max };
}

export async function propose(ctx: StepContext, nodes: LevelNode[], hoods: number[][], target: number, cap: number): Promise<{ proposals: { label: LabelText; hood: number }[]; failed: number }> {
  const answers = await mapConcurrent(hoods, ctx.concurrency, async (members) => {
    const inside = new Set(members);
    const centre = new Float32Array(nodes[0].signal.length);
    for (const i of members) for (let j = 0; j < centre.length; j++) centre[j] += nodes[i].signal[j];
    const context = nodes
      .map((node, i) => ({ i, score: inside.has(i) ? -Infinity : dot(centre, node.signal) }))
      .filter((c) => c.score > -Infinity)
      .sort((a, b) => b.score - a.score || a.i - b.i)
      .slice(0, ctx.outsideContext)
      .map((c) => nodes[c.i]);
    const range = proposalRange(target, members.length, nodes.length, cap);
    const prompt = proposePrompt({ clusters: members.map((i) => nodes[i]), context, ...range });
    const answer = await ctx.ask(HIERARCHY_PROPOSE_SYSTEM, prompt, proposeAnswer);
    // More names than asked for is how levels fail to shrink; keep the first ones the model gave.
    return answer?.categories.slice(0, range.max);
  });
  const proposals = answers.flatMap((labels, hood) => (labels ?? []).map((label) => ({ label, hood })));
  return { proposals, failed: answers.filter((a) => a === undefined).length };
}

export async function dedupe(
  ctx: StepContext,
  proposals: { label: LabelText; hood: number }[],
  options: { target: number; hoodCount: number; seed: number },
): Promise<{ candidates: Candidate[]; failed: number }> {
  if (proposals.length === 0) return { candidates: [], failed: 0 };
  // Exact (normalised) names and near-identical names are merged without the model.
  const nameVectors = await ctx.embed(proposals.map((p) => p.label.name));
  const root = proposals.map((_, i) => i);
  const find = (i: number): number => (root[i] === i ? i : (root[i] = find(root[i])));
  for (let a = 0; a < proposals.length; a++) {
    for (let b = 0; b < a; b++) {
      if (normaliseName(proposals[a].label.name) === normaliseName(proposals[b].label.name) || dot(nameVectors[a], nameVectors[b]) > SAME_NAME_COSINE) {
        root[find(a)] = find(b);
      }
    }
  }
  const byRoot = new Map<number, { label: LabelText; hoods: Set<number> }>();
  proposals.forEach((p, i) => {
    const entry = byRoot.get(find(i));
    if (entry) entry.hoods.add(p.hood);
    else byRoot.set(find(i), { label: p.label, hoods: new Set([p.hood]) });
  });
  const unique = [...byRoot.values()];
  const texts = await ctx.embed(unique.map((u) => labelString(u.label)));
  const merged: Candidate[] = unique.map((u, i) => ({ ...u.label, hoods: u.hoods, text: texts[i] }));
  if (options.hoodCount <= 1 || merged.length <= 1) return { candidates: merged, failed: 0 };

  const chunks = await splitCandidates(merged, options.seed);
  let failed = 0;
  const results = await mapConcurrent(chunks, ctx.concurrency, async (chunk) => {
    const members = chunk.map((i) => merged[i]);
    const target = Math.max(1, Math.round((options.target * chunk.length) / merged.length));
    // Every candidate comes back inside some category: the answer grows with the list.
    const answer = await ctx.ask(HIERARCHY_DEDUPE_SYSTEM, dedupePrompt({ candidates: members, target }), dedupeAnswer, Math.max(1024, 48 * members.length));
    if (!answer) {
      failed++;
      return members;
    }
    const categories = answer.categories.map((c) => ({ label: { name: c.name, description: c.description }, hoods: new Set<number>(), used: false }));
    const owner = new Int32Array(members.length).fill(-1);
    answer.categories.forEach((c, ci) => {
      for (const number of c.members) if (number >= 1 && number <= members.length && owner[number - 1] < 0) owner[number - 1] = ci;
    });
    const vectors = await ctx.embed(categories.map((c) => labelString(c.label)));
    const all = categories.map((_, ci) => ci);
    members.forEach((candidate, i) => {
      const ci = owner[i] >= 0 ? owner[i] : nearest(candidate.text, vectors, all);
      for (const hood of candidate.hoods) categories[ci].hoods.add(hood);
      categories[ci].used = true;
    });
    return categories.flatMap((c, ci) => (c.used ? [{ ...c.label, hoods: c.hoods, text: vectors[ci] }] : []));
  });
  return { candidates: results.flat(), failed };
}

/** Candidate indices in groups of at most about DEDUPE_CHUNK similar candidates. */
async function splitCandidates(candidates: Candidate[], seed: number): Promise<number[][]> {
  const count = Math.ceil(candidates.length / DEDUPE_CHUNK);
  if (count <= 1) return [candidates.map((_, i) => i)];
  const dim = candidates[0].text.length;
  const data = new Float32Array(candidates.length * dim);
  candidates.forEach((c, i) => data.set(c.text, i * dim));
  const { assignments } = await kmeans(data, candidates.length, dim, { k: count, seed, workers: 1 });
  const groups: number[][] = Array.from({ length: count }, () => []);
  assignments.forEach((g, i) => groups[g].push(i));
  return groups.filter((g) => g.length > 0);
}

export interface AssignStats {
  /** Answers naming an allowed parent. */
  exact: number;
  /** Answers naming no listed parent, matched to an allowed one by spelling or embedding. */
  fuzzy: number;
  /** Answers naming a parent of another neighbourhood: refused, the child goes to its nearest allowed parent. */
  refused: number;
  /** Children without an answer (failed call or left out): nearest allowed parent. */
  missing: number;
  calls: number;
  failed: number;
}

export async function assign(
  ctx: StepContext,
  nodes: LevelNode[],
  hoods: number[][],
  candidates: Candidate[],
  seed: number,
): Promise<{ parentOf: Int32Array; stats: AssignStats }> {
  const parentOf = new Int32Array(nodes.length).fill(-1);
  const stats: AssignStats = { exact: 0, fuzzy: 0, refused: 0, missing: 0, calls: 0, failed: 0 };
  const all = candidates.map((_, i) => i);
  const candidateVectors = candidates.map((c) => c.text);
  const batches: { members: number[]; allowed: number[] }[] = [];
  hoods.forEach((members, hood) => {
    const own = all.filter((c) => candidates[c].hoods.has(hood));
    // A neighbourhood whose proposal call failed has no parents of its own: it may use any.
    const allowed = own.length > 0 ? own : all;
    if (allowed.length === 1) {
      for (const i of members) parentOf[i] = allowed[0];
      return;
    }
    for (let start = 0; start < members.length; start += ctx.assignBatchSize) batches.push({ members: members.slice(start, start + ctx.assignBatchSize), allowed });
  });
  const byName = new Map(candidates.map((c, i) => [normaliseName(c.name), i]));
  stats.calls = batches.length;
  await mapConcurrent(batches, ctx.concurrency, async ({ members, allowed }, b) => {
    const order = shuffled(allowed, createRandom(deriveSeed(seed, b)));
    const prompt = assignPrompt({ clusters: members.map((i) => nodes[i]), categories: order.map((c) => candidates[c]) });
    const answer = await ctx.ask(HIERARCHY_ASSIGN_SYSTEM, prompt, assignAnswer);
    if (!answer) stats.failed++;
    const allowedSet = new Set(allowed);
    const unmatched: { child: number; name: string }[] = [];
    for (const entry of answer?.assignments ?? []) {
      const child = members[entry.cluster - 1];
      if (child === undefined || parentOf[child] >= 0) continue;
      const named = byName.get(normaliseName(entry.category));
      if (named !== undefined && allowedSet.has(named)) {
        parentOf[child] = named;
        stats.exact++;
      } else if (named !== undefined) {
        parentOf[child] = nearest(nodes[child].text, candidateVectors, allowed);
        stats.refused++;
      } else {
        const scored = allowed.map((c) => ({ c, score: nameSimilarity(entry.category, candidates[c].name) })).sort((x, y) => y.score - x.score || x.c - y.c);
        if (scored[0].score >= FUZZY_NAME) {
          parentOf[child] = scored[0].c;
          stats.fuzzy++;
        } else if (normaliseName(entry.category) !== '') unmatched.push({ child, name: entry.category });
      }
    }
    if (unmatched.length > 0) {
      const vectors = await ctx.embed(unmatched.map((u) => u.name));
      unmatched.forEach((u, i) => (parentOf[u.child] = nearest(vectors[i], candidateVectors, allowed)));
      stats.fuzzy += unmatched.length;
    }
    for (const child of members) {
      if (parentOf[child] >= 0) continue;
      parentOf[child] = nearest(nodes[child].text, candidateVectors, allowed);
      stats.missing++;
    }
  });
  return { parentOf, stats };
}

/** A name and two-sentence description per parent from the children it holds; `fallback(p)` where the call fails. */
export async function rename(
  ctx: StepContext,
  nodes: LevelNode[],
  parentOf: Int32Array,
  parentCount: number,
  fallback: (parent: number, children: LevelNode[]) => LabelText,
  current?: (parent: number) => LabelText,
): Promise<{ labels: LabelText[]; failed: number }> {
  const children: LevelNode[][] = Array.from({ length: parentCount }, () => []);
  parentOf.forEach((p, i) => children[p].push(nodes[i]));
  let failed = 0;
  const labels = await mapConcurrent(children, ctx.concurrency, async (members, p) => {
    const quotable = members.filter((member) => member.shareable);
    // Without a child above the thresholds the parent gets a label built from none of their names.
    if (quotable.length === 0) return wordsLabel([]);
    // The proposed name came from a neighbourhood that may hold clusters below the thresholds: it is only
    // kept or offered as the current name when every child may be quoted.
    const allQuotable = quotable.length === members.length;
    const fallbackLabel = allQuotable ? fallback(p, members) : wordsLabel(quotable);
    const currentLabel = allQuotable ? (current?.(p) ?? fallbackLabel) : fallbackLabel;
    const shown = [...quotable].sort((a, b) => b.size - a.size).slice(0, RENAME_CHILDREN);
    const answer = await ctx.ask(HIERARCHY_RENAME_SYSTEM, renamePrompt({ clusters: shown, current: currentLabel }), renameAnswer);
    if (!answer) failed++;
    return answer ?? fallbackLabel;
  });
  return { labels, failed };
}
