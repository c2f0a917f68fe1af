// Small helpers of the LLM hierarchy: name matching (a model rarely copies a name exactly), labels made
// from words when no model answer is usable, and vector arithmetic.
import { BREAK, tokenize } from '../name/tokenize.ts';
import type { LabelText } from '../llm/prompts/hierarchy.ts';

/** Lower case, NFKC, letters and digits only, single spaces: "Coding & Debugging!" -> "coding debugging". */
export function normaliseName(name: string): string {
  return name
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}]+/gu, ' ')
    .trim();
}

/** Dice coefficient of the character bigrams of the normalised names, in [0, 1]. */
export function nameSimilarity(a: string, b: string): number {
  const left = bigrams(normaliseName(a));
  const right = bigrams(normaliseName(b));
  if (left.size === 0 || right.size === 0) return normaliseName(a) === normaliseName(b) ? 1 : 0;
  let shared = 0;
  for (const [gram, count] of left) shared += Math.min(count, right.get(gram) ?? 0);
  const total = [...left.values(), ...right.values()].reduce((sum, c) => sum + c, 0);
  return (2 * shared) / total;
}

function bigrams(text: string): Map<string, number> {
  const out = new Map<string, number>();
  const chars = [...text];
  for (let i = 0; i + 1 < chars.length; i++) {
    const gram = chars[i] + chars[i + 1];
    out.set(gram, (out.get(gram) ?? 0) + 1);
  }
  return out;
}

/**
 * A label from the children's most common words (weighted by size), for when no model answer is usable.
 * Callers pass only the children whose names may be quoted (see LevelNode.shareable).
 */
export function wordsLabel(children: (LabelText & { size: number })[]): LabelText {
  if (children.length === 0) return { name: 'Other related requests', description: 'Smaller groups of related requests, each below the privacy thresholds on its own.' };
  const weights = new Map<string, number>();
  for (const child of children) {
    for (const token of new Set(tokenize(child.name))) {
      if (token !== BREAK) weights.set(token, (weights.get(token) ?? 0) + Math.max(child.size, 1));
    }
  }
  const words = [...weights].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 3).map(([word]) => word);
  const largest = [...children].sort((a, b) => b.size - a.size).slice(0, 3).map((c) => c.name);
  const name = words.length > 0 ? words.join(', ') : (largest[0] ?? 'Other');
  return {
    name: name.charAt(0).toUpperCase() + name.slice(1),
    description: `${children.length} related cluster${children.length === 1 ? '' : 's'}, the largest being ${largest.join('; ')}.`,
  };
}

export function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let j = 0; j < a.length; j++) sum += a[j] * b[j];
  return sum;
}

/** Index of the row in `rows` (restricted to `among`) most similar to `vector`; lowest index on ties. */
export function nearest(vector: Float32Array, rows: Float32Array[], among: number[]): number {
  let best = among[0];
  let bestScore = -Infinity;
  for (const i of among) {
    const score = dot(vector, rows[i]);
    if (score > bestScore + 1e-12) [best, bestScore] = [i, score];
  }
  return best;
}

export function normalise(vector: Float32Array | Float64Array): Float32Array {
  let sum = 0;
  for (const v of vector) sum += v * v;
  const scale = sum > 0 ? 1 / Math.sqrt(sum) : 0;
  return Float32Array.from(vector, (v) => v * scale);
}

/** Size-weighted mean of the rows of each group, L2-normalised: groups x dim, row-major. */
export function groupMeans(rows: Float32Array[], weights: ArrayLike<number>, groupOf: Int32Array, groups: number): Float32Array {
  const dim = rows[0]?.length ?? 0;
  const out = new Float32Array(groups * dim);
  const sums = new Float64Array(groups * dim);
  groupOf.forEach((g, i) => {
    for (let j = 0; j < dim; j++) sums[g * dim + j] += Math.max(weights[i], 1) * rows[i][j];
  });
  for (let g = 0; g < groups; g++) out.set(normalise(sums.subarray(g * dim, (g + 1) * dim)), g * dim);
  return out;
}

export function shuffled<T>(items: T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
