// Parse workers must load exactly what the main thread loads: same counts, ids, rows and rejects.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ingestFiles } from '../../src/ingest/index.ts';
import { openWorkspace } from '../../src/store/workspace.ts';
import { chat, jsonl, SHARED, tempDir } from './helpers.ts';

/** A fresh workspace with a fixed salt, so that user hashes (and so ids) compare across workspaces. */
async function load(file: string, threads: number, maxRecordBytes?: number) {
  const dir = join(tempDir(), 'ws');
  mkdirSync(dir);
  writeFileSync(join(dir, 'secret.key'), '07'.repeat(32) + '\n');
  const ws = await openWorkspace({ dir });
  try {
    const summary = await ingestFiles(ws, [file], { progress: false, threads, batchSize: 3000, maxRecordBytes });
    const rows = await ws.all<{ digest: string; n: number }>(
      `SELECT md5(string_agg(conversation_id || coalesce(user_hash, '') || coalesce(CAST(created_at AS VARCHAR), '') || turns || user_chars || assistant_chars || coalesce(metadata::VARCHAR, ''), ',' ORDER BY conversation_id)) AS digest, count(*) AS n FROM conversations`,
    );
    const messages = await ws.all<{ digest: string }>(`SELECT md5(string_agg(conversation_id || position || role || content, ',' ORDER BY conversation_id, position)) AS digest FROM messages`);
    const rejectText = summary.files[0].rejectFile ? readFileSync(summary.files[0].rejectFile, 'utf8') : '';
    const { seconds: _seconds, rejectFile: _rejectFile, ...figures } = summary.files[0];
    return { figures, conversations: rows[0], messages: messages[0].digest, rejectText };
  } finally {
    ws.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('2 parse workers load what the main thread loads, with rejects, notes, duplicates and line numbers', async () => {
  const file = join(tempDir(), 'mixed.jsonl');
  const good = Array.from({ length: 4500 }, (_, i) => ({ ...chat(`question ${i % 4000}\r\n`, `answer ${i % 4000}`), user_id: `u${(i % 4000) % 7}`, created_at: 1_700_000_000 + i, tag: i % 3 }));
  const lines = jsonl(good).split('\n');
  lines.splice(1200, 0, '{"messages": 5}', 'not json', '', JSON.stringify({ messages: [{ role: 'user', content: '  ' }] }));
  lines.splice(3100, 0, JSON.stringify({ messages: [{ role: 'assistant', content: 'hi' }] }), JSON.stringify({ messages: [{ role: 'robot', content: 'x' }] }));
  writeFileSync(file, lines.join('\n') + '{"messages": [');
  const serial = await load(file, 0);
  const parallel = await load(file, 2);
  assert.equal(serial.figures.loaded, 4000);
  assert.equal(serial.figures.duplicates, 500);
  assert.equal(serial.figures.rejected, 4);
  assert.equal(serial.figures.noUserTurn + serial.figures.empty, 2);
  assert.deepEqual(parallel, serial);
});

test('blocks of raw lines: lines across read chunks, CRLF, blank lines, bad UTF-8, records over the limit inside and across chunks', async () => {
  const file = join(tempDir(), 'awkward.jsonl');
  // About 6 MB, so several 1 MB read chunks; long records make lines straddle chunk boundaries.
  const parts: Buffer[] = [];
  for (let i = 0; i < 3000; i++) {
    const long = i % 97 === 0 ? 'x'.repeat(20_000 + i) : 'word '.repeat(i % 50);
    let line = Buffer.from(JSON.stringify({ ...chat(`question ${i} ${long}`, `answer ${i} é ü 字`), user_id: `u${i % 11}` }));
    if (i % 500 === 7) line = Buffer.concat([line.subarray(0, 30), Buffer.from([0xff, 0xfe]), line.subarray(30)]); // invalid UTF-8
    if (i === 1500) line = Buffer.from(JSON.stringify(chat('y'.repeat(1_500_000)))); // over the limit, across chunks
    if (i === 1700) line = Buffer.from(JSON.stringify(chat('z'.repeat(400_000)))); // over the limit, inside a chunk
    parts.push(line, Buffer.from(i % 3 === 0 ? '\r\n' : i % 7 === 0 ? '\n  \n\n' : '\n'));
  }
  parts.push(Buffer.from(JSON.stringify(chat('the last line has no newline'))));
  writeFileSync(file, Buffer.concat(parts));
  const serial = await load(file, 0, 300_000);
  const parallel = await load(file, 2, 300_000);
  assert.equal(serial.figures.rejected, 2 + 6);
  assert.equal(serial.figures.loaded, 3000 - 2 - 6 + 1);
  assert.match(serial.rejectText, /record too large/);
  assert.match(serial.rejectText, /invalid UTF-8/);
  assert.deepEqual(parallel, serial);
});

const clinc = join(SHARED, 'clinc150/conversations.jsonl');
test('shared data: clinc150 through parse workers matches the main thread', { skip: existsSync(clinc) ? false : 'needs ../shared/data' }, async () => {
  const serial = await load(clinc, 0);
  const parallel = await load(clinc, 1);
  assert.equal(parallel.figures.loaded, 23695);
  assert.deepEqual(parallel, serial);
});
