// Keyword names for clusters without an LLM: each cluster's most distinctive words and two-word phrases
// against the rest of the corpus.
//
// Score of term t in cluster c (a class-based TF-IDF variant that resists generic words):
//   coverage = share of c's conversations that contain t        (document frequency, so one verbose
//                                                                user cannot carry a term)
//   lift     = coverage / share of the other conversations containing t  (smoothed)
//   score    = coverage * ln(lift), only where lift >= 2 and score >= 10% of the cluster's best
// A generic word has lift near 1 and scores near 0 however common it is. The top candidates are then
// picked by maximal marginal relevance, so "password" is not listed next to "reset password".
//
// Privacy: a term is considered at all only if conversations of at least `minUsers` distinct users
// contain it (corpus-wide; a null user counts as a user of its own), and it can label a cluster only if
// at least two distinct users in that cluster used it. A rare, identifying word can never be a label.
import { BREAK, tokenize } from './tokenize.ts';

export interface ClusterLabel {
  name: string;
  description: string;
  terms: string[];
}

export interface NameClustersOptions {
  /** One text per conversation (the scrubbed user turns). */
  texts: string[];
  /** Hashed user id per conversation; null = unknown, counted as a user of its own. */
  users: (string | null)[];
  /** Cluster index per conversation, 0..clusterCount-1 (negative = in no cluster). */
  assignments: Int32Array;
  clusterCount: number;
  /** Privacy threshold: a term must occur in conversations of at least this many distinct users. */
  minUsers: number;
  /** Terms kept per cluster (default 8). */
  maxTerms?: number;
  /** Terms joined into the name (default 3). */
  nameTerms?: number;
  /** Extra words never to use (lowercase). */
  stopwords?: Iterable<string>;
}

const CANDIDATES = 40;
const MMR_RELEVANCE = 0.7;
const MIN_USERS_IN_CLUSTER = 2;
/** A label term must be at least this many times more common inside the cluster than outside it. */
const MIN_LIFT = 2;
/** ...and score at least this share of the cluster's best term, so weak terms do not fill the list. */
const MIN_RELATIVE_SCORE = 0.1;

export function nameClusters(options: NameClustersOptions): ClusterLabel[] {
  const { texts, users, assignments, clusterCount } = options;
  const n = texts.length;
  if (users.length !== n || assignments.length !== n) {
    throw new Error(`nameClusters: texts (${n}), users (${users.length}) and assignments (${assignments.length}) differ in length`);
  }
  const maxTerms = options.maxTerms ?? 8;
  const minUsers = Math.max(1, options.minUsers);
  const extraStopwords = new Set([...(options.stopwords ?? [])].map((w) => w.toLowerCase()));

  const userIndex = indexUsers(users);
  const docs = buildDocumentTerms(texts, extraStopwords);
  const termUsers = countDistinct(docs, userIndex, sortedBy(n, (i) => userIndex[i]), docs.termCount);
  const termDocs = new Int32Array(docs.termCount);
  for (const term of docs.terms) termDocs[term]++;
  const eligible = new Uint8Array(docs.termCount);
  for (let t = 0; t < docs.termCount; t++) eligible[t] = termUsers[t] >= minUsers ? 1 : 0;

  // Conversations ordered by (cluster, user) so per-cluster distinct users count in one pass.
  const order = sortedBy(n, (i) => assignments[i] * (userIndex.length + 1) + userIndex[i]);
  const clusterDf = new Int32Array(docs.termCount);
  const clusterUsers = new Int32Array(docs.termCount);
  const lastUser = new Int32Array(docs.termCount).fill(-1);
  const clusterSizes = new Int32Array(clusterCount);
  for (let i = 0; i < n; i++) if (assignments[i] >= 0 && assignments[i] < clusterCount) clusterSizes[assignments[i]]++;

  const labels: ClusterLabel[] = Array.from({ length: clusterCount }, () => emptyLabel());
  let cursor = 0;
  while (cursor < n && assignments[order[cursor]] < 0) cursor++;
  while (cursor < n) {
    const cluster = assignments[order[cursor]];
    if (cluster >= clusterCount) throw new Error(`nameClusters: assignment ${cluster} >= clusterCount ${clusterCount}`);
    const touched: number[] = [];
    for (; cursor < n && assignments[order[cursor]] === cluster; cursor++) {
      const doc = order[cursor];
      const user = userIndex[doc];
      for (let k = docs.offsets[doc]; k < docs.offsets[doc + 1]; k++) {
        const term = docs.terms[k];
        if (!eligible[term]) continue;
        if (clusterDf[term] === 0) touched.push(term);
        clusterDf[term]++;
        if (lastUser[term] !== user) {
          lastUser[term] = user;
          clusterUsers[term]++;
        }
      }
    }
    const size = clusterSizes[cluster];
    const candidates: { term: number; score: number }[] = [];
    for (const term of touched) {
      if (clusterUsers[term] >= Math.min(MIN_USERS_IN_CLUSTER, minUsers)) {
        const coverage = clusterDf[term] / size;
        const outside = (termDocs[term] - clusterDf[term] + 0.5) / (n - size + 1);
        const lift = coverage / outside;
        if (lift >= MIN_LIFT) candidates.push({ term, score: coverage * Math.log(lift) });
      }
      clusterDf[term] = 0;
      clusterUsers[term] = 0;
      lastUser[term] = -1;
    }
    candidates.sort((a, b) => b.score - a.score || a.term - b.term);
    const strong = candidates.slice(0, CANDIDATES).filter((c) => c.score >= MIN_RELATIVE_SCORE * candidates[0].score);
    const picked = pickDiverse(strong, maxTerms, docs.termText);
    labels[cluster] = makeLabel(picked, options.nameTerms ?? 3);
  }
  return labels;
}

interface DocumentTerms {
  /** CSR: the distinct term ids of document i are terms[offsets[i] .. offsets[i+1]). */
  offsets: Int32Array;
  terms: Int32Array;
  termCount: number;
  termText: (term: number) => string;
}

/** Unigrams and adjacent-word bigrams (not across a BREAK), deduplicated within each document. */
function buildDocumentTerms(texts: string[], extraStopwords: Set<string>): DocumentTerms {
  const vocabulary = new Map<string, number>();
  const words: string[] = [];
  const bigramIds = new Map<number, number>();
  const bigramParts: number[] = [];
  const BIGRAM_BASE = 1 << 24;
  const wordId = (word: string): number => {
    let id = vocabulary.get(word);
    if (id === undefined) {
      id = words.length;
      vocabulary.set(word, id);
      words.push(word);
    }
    return id;
  };
  const offsets = new Int32Array(texts.length + 1);
  let terms = new Int32Array(Math.max(1024, texts.length * 16));
  let length = 0;
  const seen = new Set<number>();
  for (let doc = 0; doc < texts.length; doc++) {
    seen.clear();
    let previous = -1;
    for (const token of tokenize(texts[doc] ?? '')) {
      if (token === BREAK || extraStopwords.has(token)) {
        previous = -1;
        continue;
      }
      const id = wordId(token);
      seen.add(id);
      if (previous >= 0 && previous !== id && isPhraseWord(words[previous]) && isPhraseWord(token)) {
        const key = previous * BIGRAM_BASE + id;
        let bigram = bigramIds.get(key);
        if (bigram === undefined) {
          bigram = bigramParts.length / 2;
          bigramIds.set(key, bigram);
          bigramParts.push(previous, id);
        }
        seen.add(-1 - bigram); // bigrams are negative until word count is final
      }
      previous = isPhraseWord(token) ? id : -1;
    }
    if (length + seen.size > terms.length) {
      const grown = new Int32Array(Math.max(terms.length * 2, length + seen.size));
      grown.set(terms.subarray(0, length));
      terms = grown;
    }
    for (const id of seen) terms[length++] = id;
    offsets[doc + 1] = length;
  }
  const wordCount = words.length;
  for (let k = 0; k < length; k++) if (terms[k] < 0) terms[k] = wordCount + (-1 - terms[k]);
  return {
    offsets,
    terms: terms.subarray(0, length),
    termCount: wordCount + bigramParts.length / 2,
    termText: (term) =>
      term < wordCount ? words[term] : `${words[bigramParts[(term - wordCount) * 2]]} ${words[bigramParts[(term - wordCount) * 2 + 1]]}`,
  };
}

/** CJK character bigrams are already two-character units; they do not combine into phrases. */
function isPhraseWord(word: string): boolean {
  return !/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u.test(word);
}

/** Dense user index per conversation; each null user gets an index of its own. */
function indexUsers(users: (string | null)[]): Int32Array {
  const ids = new Map<string, number>();
  const index = new Int32Array(users.length);
  let next = 0;
  for (let i = 0; i < users.length; i++) {
    const user = users[i];
    if (user === null || user === undefined) index[i] = next++;
    else {
      let id = ids.get(user);
      if (id === undefined) ids.set(user, (id = next++));
      index[i] = id;
    }
  }
  return index;
}

function sortedBy(n: number, key: (i: number) => number): Int32Array {
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) keys[i] = key(i);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  return order.sort((a, b) => keys[a] - keys[b] || a - b);
}

/** Per term, how many distinct groups (group[doc]) contain it; docs visited in `order` (sorted by group). */
function countDistinct(docs: DocumentTerms, group: Int32Array, order: Int32Array, termCount: number): Int32Array {
  const counts = new Int32Array(termCount);
  const last = new Int32Array(termCount).fill(-1);
  for (const doc of order) {
    const g = group[doc];
    for (let k = docs.offsets[doc]; k < docs.offsets[doc + 1]; k++) {
      const term = docs.terms[k];
      if (last[term] !== g) {
        last[term] = g;
        counts[term]++;
      }
    }
  }
  return counts;
}

/** Maximal marginal relevance over word overlap: a term sharing words with a picked one is penalised. */
function pickDiverse(candidates: { term: number; score: number }[], maxTerms: number, termText: (t: number) => string): string[] {
  if (candidates.length === 0) return [];
  const top = candidates[0].score;
  const pool = candidates.map((c) => ({ text: termText(c.term), words: termText(c.term).split(' '), relevance: c.score / top }));
  const picked: typeof pool = [];
  while (picked.length < maxTerms && pool.length > 0) {
    let best = -1;
    let bestValue = -Infinity;
    for (let i = 0; i < pool.length; i++) {
      let overlap = 0;
      for (const chosen of picked) overlap = Math.max(overlap, wordOverlap(pool[i].words, chosen.words));
      const value = MMR_RELEVANCE * pool[i].relevance - (1 - MMR_RELEVANCE) * overlap;
      if (value > bestValue) {
        bestValue = value;
        best = i;
      }
    }
    picked.push(pool.splice(best, 1)[0]);
  }
  return picked.map((p) => p.text);
}

/** Shared words over the shorter term's word count: 1 when one term contains the other. */
function wordOverlap(a: string[], b: string[]): number {
  let shared = 0;
  for (const word of a) if (b.includes(word)) shared++;
  return shared / Math.min(a.length, b.length);
}

function makeLabel(terms: string[], nameTerms: number): ClusterLabel {
  if (terms.length === 0) return emptyLabel();
  const nameParts: string[] = [];
  const used = new Set<string>();
  for (const term of terms) {
    if (nameParts.length >= nameTerms) break;
    const words = term.split(' ');
    if (words.every((w) => used.has(w))) continue;
    nameParts.push(term);
    for (const word of words) used.add(word);
  }
  const listed = terms.length > 1 ? `${terms.slice(0, -1).join(', ')} and ${terms[terms.length - 1]}` : terms[0];
  return {
    name: nameParts.join(' · '),
    description: `Keyword summary (not model-written): conversations here mention ${listed} more often than the rest of the corpus.`,
    terms,
  };
}

function emptyLabel(): ClusterLabel {
  return {
    name: '(no shared keywords)',
    description: 'Keyword summary (not model-written): no word or phrase is both used by enough distinct users and distinctive for this cluster.',
    terms: [],
  };
}
