// Tokenisation for keyword labels, for any script:
// - words are runs of Unicode letters/marks/digits (apostrophes inside words kept: "don't");
// - Han and kana runs (no spaces between words) become overlapping character bigrams;
// - Thai, Lao, Khmer and Myanmar runs go through the ICU word segmenter;
// - punctuation, numbers and PII placeholders ([EMAIL], <PHONE>...) break phrases and are never tokens;
// - stopwords are removed per document for the language whose stopwords it uses most (plus English,
//   which mixes into most corpora), so "car" stays a word in English and goes as "because" in French.
import stopwordLists from 'stopword';

/** A token, or BREAK where a phrase must not continue (punctuation, placeholder, number, stopword gap across a break). */
export const BREAK = '';

// ISO 639-3 codes of the stopword lists used, in order; English first (it wins ties).
const LANGUAGES = [
  'eng', 'spa', 'fra', 'deu', 'ita', 'por', 'nld', 'swe', 'pol', 'ces', 'tur', 'rus', 'ukr',
  'ara', 'fas', 'hin', 'ind', 'vie', 'zho', 'jpn', 'kor', 'tha',
] as const;

// Words that carry no topic in chat requests but are missing from the English list.
const CHAT_FILLER = `please pls thanks thank thx hi hello hey ok okay yes yeah no sure just also really
  want wanted need needs know let lets let's can't don't doesn't didn't isn't aren't won't i'm i've i'd i'll
  you're it's that's there's what's how's give tell help something anything thing things one ones
  use using used get getting got way ways go going able would could should may maybe will shall
  does done doing am being been much many more most lot lots kind sort etc vs via per`;

const PLACEHOLDER = /\[[A-Z][A-Z0-9_ -]*\]|<[A-Z][A-Z0-9_ -]*>|\{\{[^}]*\}\}/g;
const TOKEN = /[\p{L}\p{M}\p{N}]+(?:['’][\p{L}\p{M}]+)*|[.!?;:,()[\]{}<>"“”«»|/\\\n—–…。、！？；：，（）「」『』]/gu;
const HAN_KANA = /[\p{Script_Extensions=Han}\p{Script_Extensions=Hiragana}\p{Script_Extensions=Katakana}]/u;
const HAN = /\p{Script=Han}/u;
const SEGMENTED_SCRIPT = /[\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;
const LETTER = /\p{L}/u;
const MAX_TOKEN_LENGTH = 30;

let stopwordMasks: Map<string, number> | undefined;

/** word -> bitmask of the LANGUAGES whose stopword list holds it. */
function getStopwordMasks(): Map<string, number> {
  if (stopwordMasks) return stopwordMasks;
  const masks = new Map<string, number>();
  LANGUAGES.forEach((language, index) => {
    const list = stopwordLists[language];
    if (!Array.isArray(list)) throw new Error(`stopword list '${language}' missing from the stopword package`);
    const words = language === 'eng' ? [...list, ...CHAT_FILLER.split(/\s+/)] : list;
    for (const word of words) {
      const key = String(word).toLowerCase().replace(/’/g, "'");
      if (key) masks.set(key, (masks.get(key) ?? 0) | (1 << index));
    }
  });
  stopwordMasks = masks;
  return masks;
}

const ENGLISH_BIT = 1;
let thaiSegmenter: Intl.Segmenter | undefined;

/**
 * Tokens of one text in order, with BREAK between phrases. Stopwords of the text's dominant language
 * (by stopword hits) and of English are dropped without breaking the phrase, as bag-of-words
 * n-gram tools do ("reset my password" gives the phrase "reset password").
 */
export function tokenize(text: string): string[] {
  const masks = getStopwordMasks();
  const cleaned = text.replace(PLACEHOLDER, ' . ').normalize('NFKC').toLowerCase().replace(/’/g, "'");
  const raw: string[] = [];
  for (const match of cleaned.matchAll(TOKEN)) splitToken(match[0], raw);

  const hits = new Int32Array(LANGUAGES.length);
  for (const token of raw) {
    const mask = masks.get(token);
    if (mask === undefined) continue;
    for (let bit = 0; bit < LANGUAGES.length; bit++) if (mask & (1 << bit)) hits[bit]++;
  }
  let dominant = 0;
  for (let bit = 1; bit < LANGUAGES.length; bit++) if (hits[bit] > hits[dominant]) dominant = bit;
  const dropMask = ENGLISH_BIT | (1 << dominant);

  const tokens: string[] = [];
  for (const token of raw) {
    if (token === BREAK) {
      if (tokens.length > 0 && tokens[tokens.length - 1] !== BREAK) tokens.push(BREAK);
      continue;
    }
    const mask = masks.get(token);
    if (mask !== undefined && mask & dropMask) continue;
    tokens.push(token);
  }
  return tokens;
}

/** Turns one regex match into tokens (or a BREAK), appending to `out`. */
function splitToken(token: string, out: string[]): void {
  if (!LETTER.test(token)) {
    out.push(BREAK); // punctuation or a pure number
    return;
  }
  if (HAN_KANA.test(token)) {
    pushCharacterBigrams(token, out);
    return;
  }
  if (SEGMENTED_SCRIPT.test(token)) {
    thaiSegmenter ??= new Intl.Segmenter('th', { granularity: 'word' });
    for (const part of thaiSegmenter.segment(token)) if (part.isWordLike) pushWord(part.segment, out);
    return;
  }
  pushWord(token, out);
}

function pushWord(word: string, out: string[]): void {
  if (word.length > MAX_TOKEN_LENGTH || [...word].length < 2) return;
  out.push(word);
}

/**
 * Han/kana runs: overlapping character bigrams, split first at single-character stopwords
 * (particles such as の, は, 的, 了) so bigrams do not straddle them. Other letters in the run
 * (e.g. Latin in "iphone的") are kept as their own word.
 */
function pushCharacterBigrams(run: string, out: string[]): void {
  const masks = getStopwordMasks();
  const segments: string[][] = [[]];
  let latin = '';
  for (const char of run) {
    if (HAN_KANA.test(char)) {
      if (latin) {
        pushWord(latin, out);
        latin = '';
      }
      if (masks.has(char)) segments.push([]);
      else segments[segments.length - 1].push(char);
    } else {
      latin += char;
    }
  }
  if (latin) pushWord(latin, out);
  for (const chars of segments) {
    if (chars.length === 1 && HAN.test(chars[0])) out.push(chars[0]);
    for (let i = 0; i + 1 < chars.length; i++) out.push(chars[i] + chars[i + 1]);
  }
  out.push(BREAK); // CJK bigrams are not combined into two-term phrases
}
