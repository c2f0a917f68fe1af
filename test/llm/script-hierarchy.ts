// A scripted model for the hierarchy prompts (src/llm/prompts/hierarchy.ts): deterministic, plausible
// answers computed from the words of the cluster names in the prompt, so that a whole run against the
// fake server builds a sensible hierarchy.
//   propose: words chosen greedily, each covering about (clusters / wanted categories) uncovered names,
//            the more specific word on ties;
//   dedupe:  candidates with the same first word merged;
//   assign:  the category sharing most words with the cluster, the first listed on ties;
//   rename:  the two most common words of the children's names.
import {
  HIERARCHY_ASSIGN_SYSTEM,
  HIERARCHY_DEDUPE_SYSTEM,
  HIERARCHY_PROPOSE_SYSTEM,
  HIERARCHY_RENAME_SYSTEM,
} from '../../src/llm/prompts/hierarchy.ts';
import type { ScriptedRequest } from './server.ts';

export interface ListedLabel {
  id: number;
  name: string;
  description: string;
}

const FILLER = new Set(['and', 'the', 'for', 'with', 'about', 'from', 'into', 'other', 'topics', 'conversations', 'requests', 'related', 'clusters', 'cluster']);

/**
 * The answer (JSON text) to a hierarchy prompt, or undefined when the request is not one (chain it:
 * `respond: (r) => hierarchyResponder(r) ?? otherResponder(r)`). Repair turns get the same answer again.
 */
export function hierarchyResponder(request: Pick<ScriptedRequest, 'system' | 'messages'>): string | undefined {
  const prompt = firstPrompt(request);
  switch (request.system) {
    case HIERARCHY_PROPOSE_SYSTEM:
      return JSON.stringify(answerPropose(prompt));
    case HIERARCHY_DEDUPE_SYSTEM:
      return JSON.stringify(answerDedupe(prompt));
    case HIERARCHY_ASSIGN_SYSTEM:
      return JSON.stringify(answerAssign(prompt));
    case HIERARCHY_RENAME_SYSTEM:
      return JSON.stringify(answerRename(prompt));
    default:
      return undefined;
  }
}

/** The stage's prompt: the first user turn (later turns are the client's repair requests). */
export function firstPrompt(request: Pick<ScriptedRequest, 'messages'>): string {
  return request.messages.find((m) => m.role === 'user')?.content ?? '';
}

/** The items of a `<tag>` block: numbered (`3. name — description`) or bulleted (`- name — description`, ids from 1). */
export function listed(prompt: string, tag: string): ListedLabel[] {
  const block = new RegExp(`<${tag}>\\n([\\s\\S]*?)\\n</${tag}>`).exec(prompt);
  if (!block) return [];
  return block[1].split('\n').map((line, index) => {
    const match = /^(?:(\d+)\.|-) (.*?)(?: — (.*))?$/.exec(line);
    return { id: match?.[1] ? Number(match[1]) : index + 1, name: match?.[2] ?? line, description: match?.[3] ?? '' };
  });
}

export function words(text: string): string[] {
  return (text.toLowerCase().match(/\p{L}{3,}/gu) ?? []).filter((w) => !FILLER.has(w));
}

const capitalised = (word: string): string => word.charAt(0).toUpperCase() + word.slice(1);

function answerPropose(prompt: string): { categories: { name: string; description: string }[] } {
  const clusters = listed(prompt, 'clusters');
  const range = /Propose (?:between (\d+) and (\d+)|(\d+)) parent/.exec(prompt);
  const min = Number(range?.[1] ?? range?.[3] ?? 1);
  const max = Number(range?.[2] ?? range?.[3] ?? 1);
  const wanted = Math.round((min + max) / 2);
  const ideal = clusters.length / wanted;
  const uncovered = new Set(clusters.map((_, i) => i));
  const chosen: string[] = [];
  const wordSets = clusters.map((c) => new Set(words(c.name)));
  const overall = new Map<string, number>();
  for (const set of wordSets) for (const w of set) overall.set(w, (overall.get(w) ?? 0) + 1);
  while (uncovered.size > 0 && chosen.length < max) {
    const coverage = new Map<string, number>();
    for (const i of uncovered) for (const w of wordSets[i]) coverage.set(w, (coverage.get(w) ?? 0) + 1);
    // Closest to the ideal group size first, then the more specific word (fewer clusters overall).
    const best = [...coverage].sort(
      (a, b) => Math.abs(a[1] - ideal) - Math.abs(b[1] - ideal) || overall.get(a[0])! - overall.get(b[0])! || (a[0] < b[0] ? -1 : 1),
    )[0];
    if (!best) break;
    chosen.push(best[0]);
    for (const i of [...uncovered]) if (wordSets[i].has(best[0])) uncovered.delete(i);
  }
  if (chosen.length === 0) chosen.push('general');
  return { categories: chosen.map((w) => ({ name: capitalised(w), description: `Conversations about ${w}.` })) };
}

function answerDedupe(prompt: string): { categories: { name: string; description: string; members: number[] }[] } {
  const byWord = new Map<string, { name: string; description: string; members: number[] }>();
  for (const candidate of listed(prompt, 'categories')) {
    const key = words(candidate.name)[0] ?? candidate.name.toLowerCase();
    const entry = byWord.get(key);
    if (entry) entry.members.push(candidate.id);
    else byWord.set(key, { name: candidate.name, description: candidate.description, members: [candidate.id] });
  }
  return { categories: [...byWord.values()] };
}

function answerAssign(prompt: string): { assignments: { cluster: number; category: string }[] } {
  const categories = listed(prompt, 'categories');
  return {
    assignments: listed(prompt, 'clusters').map((cluster) => {
      const own = new Set(words(`${cluster.name} ${cluster.description}`));
      let best = categories[0];
      let bestScore = -1;
      for (const category of categories) {
        const score = words(category.name).filter((w) => own.has(w)).length;
        if (score > bestScore) [best, bestScore] = [category, score];
      }
      return { cluster: cluster.id, category: best?.name ?? '' };
    }),
  };
}

function answerRename(prompt: string): { name: string; description: string } {
  const counts = new Map<string, number>();
  for (const cluster of listed(prompt, 'clusters')) for (const w of new Set(words(cluster.name))) counts.set(w, (counts.get(w) ?? 0) + 1);
  const top = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 2).map(([w]) => w);
  const subject = top.length > 0 ? top.join(' and ') : 'general help';
  return { name: capitalised(subject), description: `Conversations about ${subject}. They share these themes across their clusters.` };
}
