// Prompts and answer schemas of the hierarchy stage (src/hierarchy/llm.ts): propose parent categories for
// a neighbourhood of clusters, merge the proposals of all neighbourhoods, assign clusters to parents,
// and rename each parent from the clusters it received. Lists are rendered one item per line as
// `id. name — description` (ids are what the answers refer to, so no answer depends on copying a name
// exactly, except the assignment, whose names are matched fuzzily). The client appends the answer's JSON
// Schema to every prompt, so the prompts only say what the fields mean.
import { z } from 'zod';

export interface LabelText {
  name: string;
  description: string;
}

const PRIVACY_RULE =
  'Never include anything that could identify a person or an organisation (names, places tied to someone, ' +
  'contact details, account numbers): categories describe kinds of requests, not who made them.';

export const HIERARCHY_PROPOSE_SYSTEM = `You organise clusters of AI-assistant conversations into a taxonomy.
You are shown a group of related clusters, each with a short name and a description, and some nearby
clusters from outside the group for context only. Propose broader parent categories that together cover
every cluster of the group. Each category must be more general than the clusters it covers, yet specific
enough to tell it apart from its neighbours: prefer "Debugging and fixing web application code" to
"Technology". Do not create categories just for the context clusters: they belong to other groups and
are shown only so that you can draw the boundaries. ${PRIVACY_RULE}
Give each category a name of at most ten words and a one-sentence description.`;

export const HIERARCHY_DEDUPE_SYSTEM = `You maintain the category list of a taxonomy of AI-assistant conversations.
Several teams proposed categories independently, so the numbered list you receive contains duplicates and
near-duplicates: categories that mean the same thing in different words, or that differ only in a detail.
Merge them into a list of distinct categories of about the requested size. Every numbered category must go
into exactly one merged category; keep a category on its own when nothing else means the same. Give each
merged category a clear name (at most ten words), a one-sentence description, and as members the
numbers of the listed categories it replaces. ${PRIVACY_RULE}`;

export const HIERARCHY_ASSIGN_SYSTEM = `You sort clusters of AI-assistant conversations into categories.
For every numbered cluster, choose the one category from the given list that fits it best. The list is in
no particular order. Answer one entry per cluster: its number, and the category name exactly as written in
the list; never invent a new category.`;

export const HIERARCHY_RENAME_SYSTEM = `You name categories in a taxonomy of AI-assistant conversations.
You receive the clusters that were placed in one category. Write a name that covers all of them (at most
ten words, as specific as the clusters allow) and a description of exactly two sentences saying what
the conversations in this category are about. ${PRIVACY_RULE}`;

const labelText = z.object({ name: z.string().trim().min(1).max(200), description: z.string().trim().max(1000).default('') });

export const proposeAnswer = z.object({ categories: z.array(labelText).min(1) });
export const dedupeAnswer = z.object({
  categories: z.array(labelText.extend({ members: z.array(z.number().int()).default([]) })).min(1),
});
export const assignAnswer = z.object({
  assignments: z.array(z.object({ cluster: z.number().int(), category: z.string().trim() })),
});
export const renameAnswer = z.object({ name: z.string().trim().min(1).max(200), description: z.string().trim().max(1000) });

/** One line per item; names and descriptions flattened to one line so the list stays unambiguous. */
function numbered(items: LabelText[]): string {
  return items.map((item, i) => `${i + 1}. ${oneLine(item.name)} — ${oneLine(item.description)}`).join('\n');
}

function bulleted(items: LabelText[]): string {
  return items.map((item) => `- ${oneLine(item.name)} — ${oneLine(item.description)}`).join('\n');
}

export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/ — /g, ' - ').trim();
}

export function proposePrompt(options: { clusters: LabelText[]; context: LabelText[]; min: number; max: number }): string {
  const count = options.min === options.max ? `${options.min}` : `between ${options.min} and ${options.max}`;
  const context = options.context.length > 0 ? `\n\n<context_clusters>\n${bulleted(options.context)}\n</context_clusters>` : '';
  return (
    `<clusters>\n${numbered(options.clusters)}\n</clusters>${context}\n\n` +
    `Propose ${count} parent categories for the ${options.clusters.length} clusters above.`
  );
}

export function dedupePrompt(options: { candidates: LabelText[]; target: number }): string {
  return (
    `<categories>\n${numbered(options.candidates)}\n</categories>\n\n` +
    `Merge these ${options.candidates.length} categories into about ${options.target} distinct categories.`
  );
}

export function assignPrompt(options: { clusters: LabelText[]; categories: LabelText[] }): string {
  return (
    `<categories>\n${bulleted(options.categories)}\n</categories>\n\n<clusters>\n${numbered(options.clusters)}\n</clusters>\n\n` +
    `Choose the best category for each of the ${options.clusters.length} clusters.`
  );
}

export function renamePrompt(options: { clusters: LabelText[]; current: LabelText }): string {
  return (
    `<clusters>\n${numbered(options.clusters)}\n</clusters>\n\n` +
    `These clusters were placed in the category "${oneLine(options.current.name)}". Name the category from what they actually contain.`
  );
}
