// Every conversation file in ../shared/data loads with the counts computed independently (Python over the
// raw files: same trimming, content hash over messages + user). Each file goes into a fresh workspace.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { ingestFiles } from '../../src/ingest/index.ts';
import { ingestFresh, SHARED, withWorkspace } from './helpers.ts';

const skip = existsSync(SHARED) ? false : 'needs ../shared/data';

interface Expected {
  file: string;
  format: string;
  recordsRead: number;
  loaded: number;
  duplicates: number;
  rejected?: number;
  distinctUsers?: number;
}

const EXPECTED: Expected[] = [
  { file: 'hh-rlhf-harmless/harmless-base-test.jsonl', format: 'hh', recordsRead: 2312, loaded: 2312, duplicates: 0 },
  { file: 'arena-hard-v2/question.jsonl', format: 'prompt', recordsRead: 750, loaded: 750, duplicates: 0 },
  { file: 'arena-hard-v2/conversations.jsonl', format: 'openai', recordsRead: 750, loaded: 750, duplicates: 0 },
  // 1,859 utterances repeat an earlier one word for word (mostly among the Norwegian dialect sets).
  { file: 'xsid/utterances.jsonl', format: 'prompt', recordsRead: 14250, loaded: 12391, duplicates: 1859 },
  // 2,022 message rows -> 1,002 root-to-leaf threads from 188 trees; 3 rows whose parent is missing are rejected.
  { file: 'oasst1-en/en-validation.jsonl', format: 'oasst', recordsRead: 2022, loaded: 1002, duplicates: 0, rejected: 3, distinctUsers: 183 },
  { file: 'oasst1-en/conversations.jsonl', format: 'openai', recordsRead: 1002, loaded: 1002, duplicates: 0, distinctUsers: 183 },
  { file: 'oasst1-fr/oasst_20230412_fr_top1.jsonl', format: 'openai', recordsRead: 256, loaded: 256, duplicates: 0 },
  { file: 'oasst1-fr/conversations.jsonl', format: 'openai', recordsRead: 256, loaded: 256, duplicates: 0 },
  // 5 queries occur twice in CLINC150 (identical text, no user key).
  { file: 'clinc150/conversations.jsonl', format: 'openai', recordsRead: 23700, loaded: 23695, duplicates: 5 },
];

for (const expected of EXPECTED) {
  test(`shared data: ${expected.file} loads ${expected.loaded} of ${expected.recordsRead}`, { skip }, async () => {
    const result = await ingestFresh([SHARED + expected.file]);
    const [file] = result.files;
    assert.equal(file.error, undefined);
    assert.equal(file.format, expected.format);
    assert.equal(file.recordsRead, expected.recordsRead);
    assert.equal(file.loaded, expected.loaded);
    assert.equal(file.duplicates, expected.duplicates);
    assert.equal(file.rejected, expected.rejected ?? 0);
    assert.equal(file.empty + file.noUserTurn, 0);
    assert.equal(result.conversations, expected.loaded);
    if (expected.distinctUsers !== undefined) assert.equal(file.distinctUsers, expected.distinctUsers);
  });
}

test('shared data: OpenAssistant threads equal the shared conversations.jsonl (same content and users)', { skip }, async () => {
  await withWorkspace(async (ws) => {
    const [trees] = (await ingestFiles(ws, [SHARED + 'oasst1-en/en-validation.jsonl'], { progress: false })).files;
    assert.equal(trees.loaded, 1002);
    const [common] = (await ingestFiles(ws, [SHARED + 'oasst1-en/conversations.jsonl'], { progress: false })).files;
    assert.equal(common.loaded, 0);
    assert.equal(common.alreadyLoaded, 1002);
    const [{ n }] = await ws.all<{ n: number }>("SELECT count(DISTINCT metadata->>'tree_id') AS n FROM conversations");
    assert.equal(n, 188);
  });
});

test('shared data: declared languages are kept (xSID has 19 language codes)', { skip }, async () => {
  const result = await ingestFresh([SHARED + 'xsid/utterances.jsonl']);
  const languages = result.files[0].languages;
  assert.equal(Object.keys(languages).length, 19);
  assert.equal(Object.values(languages).reduce((a, b) => a + b, 0), 12391);
});
