// A corpus of broken files built here: each bad record is skipped and reported with its location, the
// valid records of the same file load, and nothing crashes.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ingestFiles } from '../../src/ingest/index.ts';
import type { FileSummary } from '../../src/ingest/types.ts';
import { chat, jsonl, tempDir, withWorkspace, writeJsonl, writeWithDuckDB } from './helpers.ts';

const dir = tempDir('clio-malformed-');
const files: Record<string, string> = {};

before(async () => {
  const good = (i: number) => chat(`good question ${i}`);
  files.truncated = join(dir, 'truncated.jsonl');
  writeFileSync(files.truncated, jsonl([good(1), good(2), good(3)]) + JSON.stringify(good(4)).slice(0, 30));
  files.utf8 = join(dir, 'invalid-utf8.jsonl');
  writeFileSync(files.utf8, Buffer.concat([Buffer.from(jsonl([good(1)])), Buffer.from('{"messages":[{"role":"user","content":"bad \xff\xfe"}]}\n', 'latin1'), Buffer.from(jsonl([good(2)]))]));
  files.huge = join(dir, 'huge-line.jsonl');
  const hugeLine = JSON.stringify(chat('x'.repeat(50 * 1024 * 1024)));
  writeFileSync(files.huge, jsonl([good(1)]) + hugeLine + '\n' + jsonl([good(2)]));
  files.types = writeJsonl(join(dir, 'wrong-types.jsonl'), [
    { messages: 'hello' },
    { messages: [{ role: 'user', content: 42 }] },
    { messages: [{ role: 'wizard', content: 'abracadabra' }] },
    good(1),
    { messages: [{ role: 'user', content: 'ok' }, { role: 7, content: 'x' }] },
  ]);
  files.missing = writeJsonl(join(dir, 'missing-messages.jsonl'), [good(1), { id: 'no messages here' }, good(2), { messages: null }]);
  files.notLoaded = writeJsonl(join(dir, 'empty-and-assistant-only.jsonl'), [
    good(1),
    { messages: [] },
    { messages: [{ role: 'user', content: '   ' }] },
    { messages: [{ role: 'assistant', content: 'hello?' }] },
    good(1),
  ]);
  files.badParquet = await writeWithDuckDB(`SELECT * FROM (VALUES (1, 'not a list'), (2, 'also not')) t(id, messages)`, join(dir, 'schema.parquet'));
  files.alienParquet = await writeWithDuckDB(`SELECT 42 AS foo, 'bar' AS baz`, join(dir, 'alien.parquet'));
  files.empty = join(dir, 'empty.jsonl');
  writeFileSync(files.empty, '');
});

after(() => rmSync(dir, { recursive: true, force: true }));

async function ingestOne(file: string): Promise<{ summary: FileSummary; rejects: Record<string, unknown>[] }> {
  return withWorkspace(async (ws) => {
    const [summary] = (await ingestFiles(ws, [file], { progress: false })).files;
    const rejects = summary.rejectFile
      ? readFileSync(summary.rejectFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
      : [];
    return { summary, rejects };
  });
}

test('truncated last line: the complete lines load, the last is reported at its line', async () => {
  const { summary, rejects } = await ingestOne(files.truncated);
  assert.equal(summary.loaded, 3);
  assert.equal(summary.rejected, 1);
  assert.deepEqual(rejects.map((r) => [r.line, r.reason]), [[4, 'truncated last record (invalid JSON)']]);
});

test('invalid UTF-8 is rejected at its line; the lines around it load', async () => {
  const { summary, rejects } = await ingestOne(files.utf8);
  assert.equal(summary.loaded, 2);
  assert.deepEqual(rejects.map((r) => [r.line, r.reason]), [[2, 'invalid UTF-8']]);
});

test('a 50 MB single line is rejected as too large without stopping the file', async () => {
  const { summary, rejects } = await ingestOne(files.huge);
  assert.equal(summary.loaded, 2);
  assert.equal(rejects[0].line, 2);
  assert.equal(rejects[0].reason, 'record too large');
  assert.match(String(rejects[0].detail), /52\.4 MB/);
});

test('wrong types and unknown roles are rejected with line and field', async () => {
  const { summary, rejects } = await ingestOne(files.types);
  assert.equal(summary.loaded, 1);
  assert.deepEqual(
    rejects.map((r) => [r.line, r.field]),
    [[1, 'messages'], [2, 'messages.0.content'], [3, 'messages.0.role'], [5, 'messages.1.role']],
  );
  assert.match(String(rejects[2].reason), /unknown role "wizard"/);
  assert.equal(summary.rejectReasons['messages.*.role: Invalid input: expected string, received number'], 1);
});

test('records without messages are rejected, the others load', async () => {
  const { summary, rejects } = await ingestOne(files.missing);
  assert.equal(summary.loaded, 2);
  assert.deepEqual(rejects.map((r) => [r.line, r.field]), [[2, 'messages'], [4, 'messages']]);
});

test('empty conversations, assistant-only ones and duplicates are counted, not silently dropped', async () => {
  const { summary, rejects } = await ingestOne(files.notLoaded);
  assert.equal(summary.loaded, 1);
  assert.equal(summary.empty, 2);
  assert.equal(summary.noUserTurn, 1);
  assert.equal(summary.duplicates, 1);
  assert.equal(summary.rejected, 0);
  assert.deepEqual(rejects.map((r) => r.line), [2, 3, 4]);
});

test('a Parquet file with an unexpected schema: rows rejected by row number, or the file reported', async () => {
  const wrong = await ingestOne(files.badParquet);
  assert.equal(wrong.summary.container, 'parquet');
  assert.equal(wrong.summary.loaded, 0);
  assert.deepEqual(wrong.rejects.map((r) => [r.row, r.field]), [[1, 'messages'], [2, 'messages']]);
  const alien = await ingestOne(files.alienParquet);
  assert.match(String(alien.summary.error), /cannot detect the format.*fields: foo, baz/);
});

test('an empty file reads zero records without failing', async () => {
  const { summary } = await ingestOne(files.empty);
  assert.equal(summary.recordsRead, 0);
  assert.equal(summary.error, undefined);
});

test('the whole corpus in one run: valid records load, every file is reported, no crash', async () => {
  await withWorkspace(async (ws) => {
    const summary = await ingestFiles(ws, Object.values(files), { progress: false });
    assert.equal(summary.files.length, Object.keys(files).length);
    assert.equal(summary.failedFiles, 1); // alien.parquet
    assert.equal(summary.rejected, 1 + 1 + 1 + 4 + 2 + 2);
    const [{ n }] = await ws.all<{ n: number }>('SELECT count(*) AS n FROM conversations');
    // good 1..4 across files overlap by content: distinct texts are "good question 1", "2", "3".
    assert.equal(n, 3);
  });
});

test('reject reports never quote the bad record: invalid JSON and bad CSV values stay out of rejects and errors', async () => {
  const canary = 'canary-alice@example.com';
  const json = join(dir, 'quoted.jsonl');
  writeFileSync(json, jsonl([chat('fine')]) + `{"user_id": ${canary}, "messages": []}\n`);
  const csv = join(dir, 'quoted.csv');
  writeFileSync(csv, `text,user_id\n"a normal prompt",u1\n"another prompt",u2,${canary},extra\n`);
  await withWorkspace(async (ws) => {
    const summary = await ingestFiles(ws, [json, csv], { progress: false });
    const rejected = summary.files.reduce((n, f) => n + f.rejected, 0);
    assert.ok(rejected >= 2, `both bad records rejected (${rejected})`);
    for (const file of summary.files) {
      assert.ok(!JSON.stringify(file).includes('canary'), `summary of ${file.file} quotes the record`);
      if (file.rejectFile) assert.ok(!readFileSync(file.rejectFile, 'utf8').includes('canary'), `${file.rejectFile} quotes the record`);
    }
  });
  const strict = await withWorkspace((ws) => ingestFiles(ws, [json], { progress: false, strict: true }).then(
    () => '',
    (error: Error) => `${error.message} ${String((error.cause as Error | undefined)?.message ?? '')}`,
  ));
  assert.ok(!strict.includes('canary'), `--strict error quotes the record: ${strict}`);
});
