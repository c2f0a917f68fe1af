import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { evaluateLanguageDetection, formatLanguageEvaluation, readLabelledRows } from '../../src/eval/language.ts';
import { detectUserLanguages, loadLanguageDetector } from '../../src/facets/language.ts';

const XSID = '../shared/data/xsid/utterances.jsonl';
const OASST = { fr: '../shared/data/oasst1-fr/conversations.jsonl', en: '../shared/data/oasst1-en/conversations.jsonl' };

test('language detection: at least 90% on the xsid languages the detector supports', { skip: existsSync(XSID) ? false : 'needs ../shared/data' }, async () => {
  const evaluation = evaluateLanguageDetection(await loadLanguageDetector(), readLabelledRows(XSID));
  const report = formatLanguageEvaluation(evaluation);
  assert.ok(evaluation.micro >= 0.9, report);
  assert.ok(evaluation.macro >= 0.9, report);
  const supported = evaluation.scores.filter((score) => score.kind === 'supported').map((score) => score.group);
  assert.ok(supported.length >= 10, `only ${supported.join(',')} supported`);
  for (const score of evaluation.scores.filter((s) => s.kind === 'supported')) {
    assert.ok(score.correct / score.total >= 0.75, `${score.group}: ${score.correct}/${score.total}`);
  }
});

for (const [language, path] of Object.entries(OASST)) {
  test(`language detection: oasst1-${language} conversations are ${language}`, { skip: existsSync(path) ? false : 'needs ../shared/data' }, async () => {
    const detector = await loadLanguageDetector();
    const conversations = readFileSync(path, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { messages: { role: string; content: string }[] });
    let right = 0;
    for (const conversation of conversations) {
      const turns = conversation.messages.filter((message) => message.role === 'user').map((message) => message.content);
      if (detectUserLanguages(detector, turns).language === language) right++;
    }
    assert.ok(right / conversations.length >= 0.97, `${right}/${conversations.length}`);
  });
}
