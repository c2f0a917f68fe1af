// Accuracy of the language detector on labelled utterances (xSID format: JSONL rows with `text` and `lang`,
// and for Norwegian an `id` ending in /B for Bokmal and /1../10 for dialect transcriptions).
// Usage: node --import tsx src/eval/language.ts ../shared/data/xsid/utterances.jsonl
//
// Rows fall in three groups:
//   supported  standard written language the detector models (in the script it models): counted in overall;
//   dialect    dialect transcriptions (de-ba, de-muc, de-st, Norwegian dialects): scored against the parent
//              language and shown apart, since no detector models them;
//   unsupported languages or scripts the detector does not model (e.g. id, kk, Latin-script sr): shown only.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { LANGUAGE_NAMES, SCRIPT_LIMITED_LANGUAGES, loadLanguageDetector, type LanguageDetector } from '../facets/language.ts';

const LabelledRow = z.object({ text: z.string(), lang: z.string(), id: z.string().nullish() });
type LabelledRow = z.infer<typeof LabelledRow>;

const DIALECT_PARENTS: Record<string, string> = { 'de-ba': 'de', 'de-muc': 'de', 'de-st': 'de', 'no-dialects': 'no' };

export interface LanguageScore {
  group: string;
  expected: string;
  kind: 'supported' | 'dialect' | 'unsupported';
  total: number;
  correct: number;
  undetermined: number;
  confusions: Record<string, number>;
}

export interface LanguageEvaluation {
  scores: LanguageScore[];
  /** Over supported rows: share of all rows detected right (micro) and mean of per-language accuracies (macro). */
  micro: number;
  macro: number;
  textsPerSecond: number;
}

export function readLabelledRows(path: string): LabelledRow[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, index) => {
      try {
        return LabelledRow.parse(JSON.parse(line));
      } catch (error) {
        throw new Error(`${path}:${index + 1}: not a labelled row ({text, lang})`, { cause: error });
      }
    });
}

function groupOf(row: LabelledRow): { group: string; expected: string; kind: LanguageScore['kind'] } {
  const group = row.lang === 'no' && row.id != null && !row.id.endsWith('/B') ? 'no-dialects' : row.lang;
  const parent = DIALECT_PARENTS[group];
  if (parent) return { group, expected: parent, kind: 'dialect' };
  const script = SCRIPT_LIMITED_LANGUAGES[row.lang];
  const supported = row.lang in LANGUAGE_NAMES && (!script || script.test(row.text));
  return { group: supported || !script ? group : `${group} (other script)`, expected: row.lang, kind: supported ? 'supported' : 'unsupported' };
}

export function evaluateLanguageDetection(detector: LanguageDetector, rows: readonly LabelledRow[]): LanguageEvaluation {
  const scores = new Map<string, LanguageScore>();
  const started = performance.now();
  for (const row of rows) {
    const { group, expected, kind } = groupOf(row);
    let score = scores.get(group);
    if (!score) scores.set(group, (score = { group, expected, kind, total: 0, correct: 0, undetermined: 0, confusions: {} }));
    const detected = detector.detect(row.text);
    score.total++;
    if (detected === expected) score.correct++;
    else {
      if (detected === 'und') score.undetermined++;
      score.confusions[detected] = (score.confusions[detected] ?? 0) + 1;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const supported = [...scores.values()].filter((score) => score.kind === 'supported');
  const total = supported.reduce((sum, score) => sum + score.total, 0);
  const correct = supported.reduce((sum, score) => sum + score.correct, 0);
  return {
    scores: [...scores.values()].sort((a, b) => a.kind.localeCompare(b.kind) || a.group.localeCompare(b.group)),
    micro: total ? correct / total : 0,
    macro: supported.length ? supported.reduce((sum, score) => sum + score.correct / score.total, 0) / supported.length : 0,
    textsPerSecond: rows.length / seconds,
  };
}

export function formatLanguageEvaluation(evaluation: LanguageEvaluation): string {
  const percent = (value: number) => (100 * value).toFixed(1).padStart(5);
  const lines = ['group               kind         rows  accuracy  und  most frequent errors'];
  for (const score of evaluation.scores) {
    const errors = Object.entries(score.confusions)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([code, count]) => `${code}:${count}`)
      .join(' ');
    const name = `${score.group} ${score.kind === 'dialect' ? `(as ${score.expected})` : ''}`.padEnd(19);
    lines.push(`${name} ${score.kind.padEnd(11)} ${String(score.total).padStart(5)}  ${percent(score.correct / score.total)}%  ${String(score.undetermined).padStart(4)}  ${errors}`);
  }
  lines.push(`overall on supported languages: ${percent(evaluation.micro)}% of rows, ${percent(evaluation.macro)}% mean per language`);
  lines.push(`speed: ${Math.round(evaluation.textsPerSecond)} texts/s (one thread)`);
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const path = process.argv[2];
  if (!path) {
    console.error('usage: node --import tsx src/eval/language.ts UTTERANCES.jsonl   (rows {text, lang, id?})');
    process.exit(2);
  }
  const detector = await loadLanguageDetector();
  console.log(formatLanguageEvaluation(evaluateLanguageDetection(detector, readLabelledRows(path))));
}
