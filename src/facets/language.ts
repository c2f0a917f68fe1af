// Language of a conversation's user turns, detected with eld (Efficient Language Detector, `eld/large`
// n-gram database, 60 languages, Apache-2.0, pure JS). Codes are ISO 639-1; 'und' when unsure.
//
// Why eld: npm detectors that install on Node 20 were compared on ../shared/data/xsid (short assistant
// commands) and on the user turns of oasst1-fr / oasst1-en (longer texts), in one run on 2 shared cores.
// xsid rows: the 14 standard languages (Norwegian = the Bokmal rows; German and Norwegian dialect
// transcriptions, gsw and nap left out). "own" = accuracy over the languages the detector lists (micro),
// "all 14" = over all 14 with unlisted ones counted wrong. Speed: texts/s on one core, short / long.
//   detector                 xsid own (langs)   xsid all 14   oasst fr  oasst en   short/s  long/s
//   eld large 2.1.0             91.0 (11)          70.8          98.4      99.8     10,400   3,400
//   eld medium 2.1.0            89.5 (11)          69.6          98.0      99.8     16,500   1,900
//   tinyld heavy 1.3.4          86.4 (14)          86.4          96.1      97.7      2,600     800
//   tinyld 1.3.4                84.9 (14)          84.9          96.1      97.9      1,800     670
//   fastText lid.176 (wasm)     75.5 (16)          83.7          98.8      99.5      2,600   1,800
//   cld3-asm 4.0.0              76.1 (14)          76.1          95.7      98.2      3,600     850
//   franc-min 6.2.0 / franc 6.2.0   68.2 / 52.3    53.1 / 56.2   96.5/94.9 97.1/82.3  3,400/1,200
//   lande 1.0.10, languagedetect 2.0.0: 41-64 on xsid, 92-99 on oasst, 500-2,600 short/s
// eld is the most accurate on the languages it lists, on short and long text alike, and 3-4x faster
// than any other. Its gaps: no Indonesian (reads as Malay 'ms') or Kazakh, and its Serbian profile is
// Cyrillic only (Latin-script Serbian reads as Croatian); tinyld heavy covers those (86% on all 14)
// at a quarter of the speed, the alternative if they matter more than speed. Loading the large
// database takes about 2 s and 400 MB, so it is loaded once, lazily, by loadLanguageDetector().
// eld alone, as wired here (unreliable results become 'und'): 90.4% of xsid's supported rows, 90.8%
// mean per language, 4-10k short texts/s; per-language table:
//   `node --import tsx src/eval/language.ts ../shared/data/xsid/utterances.jsonl`.

export const UNDETERMINED = 'und';

/** English names of the languages eld can return (ISO 639-1). */
export const LANGUAGE_NAMES: Readonly<Record<string, string>> = {
  am: 'Amharic', ar: 'Arabic', az: 'Azerbaijani', be: 'Belarusian', bg: 'Bulgarian', bn: 'Bengali',
  ca: 'Catalan', cs: 'Czech', da: 'Danish', de: 'German', el: 'Greek', en: 'English', es: 'Spanish',
  et: 'Estonian', eu: 'Basque', fa: 'Persian', fi: 'Finnish', fr: 'French', gu: 'Gujarati', he: 'Hebrew',
  hi: 'Hindi', hr: 'Croatian', hu: 'Hungarian', hy: 'Armenian', is: 'Icelandic', it: 'Italian',
  ja: 'Japanese', ka: 'Georgian', kn: 'Kannada', ko: 'Korean', ku: 'Kurdish', lo: 'Lao', lt: 'Lithuanian',
  lv: 'Latvian', ml: 'Malayalam', mr: 'Marathi', ms: 'Malay', nl: 'Dutch', no: 'Norwegian', or: 'Odia',
  pa: 'Punjabi', pl: 'Polish', pt: 'Portuguese', ro: 'Romanian', ru: 'Russian', sk: 'Slovak',
  sl: 'Slovenian', sq: 'Albanian', sr: 'Serbian', sv: 'Swedish', ta: 'Tamil', te: 'Telugu', th: 'Thai',
  tl: 'Tagalog', tr: 'Turkish', uk: 'Ukrainian', ur: 'Urdu', vi: 'Vietnamese', yo: 'Yoruba', zh: 'Chinese',
};

/** Languages the detector models only in one script: text in another script is outside its support. */
export const SCRIPT_LIMITED_LANGUAGES: Readonly<Record<string, RegExp>> = {
  sr: /\p{Script=Cyrillic}/u,
};

export function languageName(code: string): string {
  if (code === UNDETERMINED) return 'Undetermined';
  return LANGUAGE_NAMES[code] ?? code;
}

export interface LanguageDetector {
  /** ISO 639-1 code of the text's language, or 'und' when the text is too short or the detector unsure. */
  detect(text: string): string;
}

/** Fewer letters than this and there is nothing to detect. */
const MIN_LETTERS = 2;
/** Characters of one text given to the detector; accuracy no longer grows past a few hundred. */
const MAX_DETECT_CHARS = 600;
/** Characters of user text examined per conversation (first turns first), to bound the cost. */
const MAX_CONVERSATION_CHARS = 2400;
/** A language is listed among a conversation's languages when it holds this share of detected letters. */
const MIN_LANGUAGE_SHARE = 0.15;

let loading: Promise<LanguageDetector> | undefined;

/** The eld-backed detector, loaded once per process. */
export function loadLanguageDetector(): Promise<LanguageDetector> {
  loading ??= import('eld/large')
    .then(({ eld }) => {
      const instance = eld.newInstance();
      return {
        detect(text: string): string {
          const clean = textForDetection(text);
          if (countLetters(clean, MIN_LETTERS) < MIN_LETTERS) return UNDETERMINED;
          const result = instance.detect(clean);
          return result.language && result.isReliable() ? result.language : UNDETERMINED;
        },
      };
    })
    .catch((error: unknown) => {
      loading = undefined;
      throw new Error('cannot load the eld language detector (npm package `eld`)', { cause: error });
    });
  return loading;
}

const CODE_BLOCK = /```[\s\S]*?(?:```|$)|`[^`\n]*`/g;
const URL_OR_EMAIL = /\bhttps?:\/\/\S+|\bwww\.\S+|\S+@\S+\.\w+/g;
const LETTER = /\p{L}/gu;

/** Code, URLs and e-mail addresses say nothing about the human language: drop them, then cap the length. */
function textForDetection(text: string): string {
  const prefix = text.length > MAX_DETECT_CHARS * 4 ? text.slice(0, MAX_DETECT_CHARS * 4) : text;
  const stripped = prefix.replace(CODE_BLOCK, ' ').replace(URL_OR_EMAIL, ' ');
  if (stripped.length <= MAX_DETECT_CHARS) return stripped;
  const cut = stripped.lastIndexOf(' ', MAX_DETECT_CHARS);
  return stripped.slice(0, cut > MAX_DETECT_CHARS / 2 ? cut : MAX_DETECT_CHARS);
}

function countLetters(text: string, atLeast = Infinity): number {
  let count = 0;
  LETTER.lastIndex = 0;
  while (LETTER.exec(text) && ++count < atLeast);
  return count;
}

export interface UserLanguages {
  /** Primary language (most detected letters), or 'und'. */
  language: string;
  /** Every language holding at least 15% of the detected letters, primary first; empty when 'und'. */
  languages: string[];
}

/**
 * Languages of a conversation's user turns: each turn is detected on its own (so a conversation that
 * switches language shows both), weighted by its letters. When no single turn is conclusive (many short
 * turns), the turns are detected together.
 */
export function detectUserLanguages(detector: LanguageDetector, userTurns: readonly string[]): UserLanguages {
  const weights = new Map<string, number>();
  let budget = MAX_CONVERSATION_CHARS;
  for (const turn of userTurns) {
    if (budget <= 0) break;
    const text = turn.length > budget ? turn.slice(0, budget) : turn;
    budget -= text.length;
    const language = detector.detect(text);
    if (language === UNDETERMINED) continue;
    weights.set(language, (weights.get(language) ?? 0) + countLetters(text));
  }
  if (weights.size === 0 && userTurns.length > 1) {
    const joined = detector.detect(userTurns.join('\n').slice(0, MAX_CONVERSATION_CHARS));
    if (joined !== UNDETERMINED) weights.set(joined, 1);
  }
  if (weights.size === 0) return { language: UNDETERMINED, languages: [] };
  const total = [...weights.values()].reduce((sum, weight) => sum + weight, 0);
  const ranked = [...weights.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  return {
    language: ranked[0][0],
    languages: ranked.filter(([, weight], index) => index === 0 || weight / total >= MIN_LANGUAGE_SHARE).map(([code]) => code),
  };
}
