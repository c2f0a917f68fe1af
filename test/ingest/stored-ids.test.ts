// The in-memory set of stored conversation ids that replaces a database lookup per batch.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, test } from 'node:test';
import { ingestFiles } from '../../src/ingest/index.ts';
import { loadStoredIds } from '../../src/ingest/stored-ids.ts';
import { chat, jsonl, tempDir, withWorkspace, writeJsonl } from './helpers.ts';

const dir = tempDir('clio-stored-ids-');
after(() => rmSync(dir, { recursive: true, force: true }));
const hexId = (i: number) => createHash('sha256').update(String(i)).digest('hex').slice(0, 32);

test('claim: new ids once, then the source that claimed them, through several table growths; ids that are not hex go to the database', async () => {
  await withWorkspace(async (ws) => {
    const ids = await loadStoredIds(ws);
    const count = 200_000; // the table starts at 65,536 slots
    for (let i = 0; i < count; i++) assert.equal(ids.claim(hexId(i), 1 + (i % 3)), null);
    for (let i = 0; i < count; i += 997) assert.equal(ids.claim(hexId(i), 9), 1 + (i % 3));
    assert.equal(ids.claim(hexId(count), 9), null);
    for (const odd of ['conv-1', 'ABCDEF0123456789abcdef0123456789', `${hexId(1).slice(0, 31)}g`, hexId(2).slice(0, 31)]) {
      assert.equal(ids.claim(odd, 1), undefined, odd);
    }
  });
});

test('loadStoredIds reads what earlier ingests stored, with their sources', async () => {
  const file = writeJsonl(join(dir, 'first.jsonl'), [chat('alpha words'), chat('beta words')]);
  await withWorkspace(async (ws) => {
    await ingestFiles(ws, [file], { progress: false });
    const rows = await ws.all<{ conversation_id: string; source_id: number }>('SELECT conversation_id, source_id FROM conversations');
    assert.equal(rows.length, 2);
    const ids = await loadStoredIds(ws);
    for (const row of rows) assert.equal(ids.claim(row.conversation_id, 99), row.source_id);
  });
});

test('a file whose transaction is rolled back leaves no ids behind: the same records in a later file load', async () => {
  // More records than one append (5,000), fewer than one commit: ids are claimed, then rolled back.
  const records = Array.from({ length: 6000 }, (_, i) => chat(`question number ${i} about rollbacks`));
  // A gzip stream cut short: the records before the cut are read, then the file fails and is rolled back.
  const whole = gzipSync(jsonl(records));
  const cut = join(dir, 'cut.jsonl.gz');
  writeFileSync(cut, whole.subarray(0, whole.length - 20));
  const plain = writeJsonl(join(dir, 'plain.jsonl'), records);
  await withWorkspace(async (ws) => {
    const summary = await ingestFiles(ws, [cut, plain], { progress: false, batchSize: 100_000 });
    assert.ok(summary.files[0].error, 'the cut file fails');
    assert.ok(summary.files[0].conversationsRead > 5000, 'records before the cut were read and appended');
    assert.equal(summary.files[0].loaded, 0);
    assert.equal(summary.files[1].loaded, 6000);
    assert.equal(summary.files[1].duplicates, 0);
    const [{ n }] = await ws.all<{ n: number }>('SELECT count(*) AS n FROM conversations');
    assert.equal(n, 6000);
  });
});
