// Each format reader on small files written here: detection, fields, metadata, containers.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ingestFiles } from '../../src/ingest/index.ts';
import type { IngestOptions } from '../../src/ingest/types.ts';
import { parseTranscript } from '../../src/ingest/formats/hh.ts';
import { tempDir, withWorkspace, writeJsonl, writeWithDuckDB } from './helpers.ts';

const dir = tempDir('clio-formats-');
after(() => rmSync(dir, { recursive: true, force: true }));

interface Row {
  external_id: string | null;
  user_hash: string | null;
  created_at: string | null;
  model: string | null;
  source_language: string | null;
  turns: number;
  metadata: string | null;
  roles: string;
  first: string;
  last: string;
}

async function load(file: string, options: IngestOptions = {}) {
  return withWorkspace(async (ws) => {
    const [summary] = (await ingestFiles(ws, [file], { progress: false, ...options })).files;
    const rows = await ws.all<Row>(
      `SELECT c.external_id, c.user_hash, c.created_at::VARCHAR AS created_at, c.model, c.source_language, c.turns, c.metadata::VARCHAR AS metadata,
              string_agg(m.role, ',' ORDER BY m.position) AS roles, first(m.content ORDER BY m.position) AS first, last(m.content ORDER BY m.position) AS last
       FROM conversations c JOIN messages m USING (conversation_id) GROUP BY ALL ORDER BY c.external_id`,
    );
    return { summary, rows, hash: ws.hashUser };
  });
}

test('openai JSON array with string and list-of-parts content (pretty-printed over many lines)', async () => {
  const file = join(dir, 'openai-array.json');
  const records = [
    { id: 'a', user: 'u1', model: 'gpt-4o', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: [{ type: 'text', text: 'Hi' }, { type: 'image_url', image_url: { url: 'x' } }] }, { role: 'assistant', content: 'Hello' }] },
    { id: 'b', messages: [{ role: 'user', content: 'Second' }] },
  ];
  writeFileSync(file, JSON.stringify(records, null, 2));
  const { summary, rows } = await load(file);
  assert.equal(summary.container, 'json');
  assert.equal(summary.format, 'openai');
  assert.equal(summary.loaded, 2);
  assert.equal(rows[0].roles, 'system,user,assistant');
  assert.equal(rows[0].model, 'gpt-4o');
  assert.equal(rows[0].turns, 3);
});

test('ShareGPT conversations with from/value', async () => {
  const file = writeJsonl(join(dir, 'sharegpt.jsonl'), [
    { id: 's1', conversations: [{ from: 'human', value: 'Write a haiku' }, { from: 'gpt', value: 'Autumn moon...' }] },
  ]);
  const { summary, rows } = await load(file);
  assert.equal(summary.format, 'sharegpt');
  assert.deepEqual([rows[0].external_id, rows[0].roles, rows[0].first], ['s1', 'user,assistant', 'Write a haiku']);
});

test('WildChat / LMSYS JSONL: hash or id, time, language, model, user key hashed, per-turn fields dropped', async () => {
  const file = writeJsonl(join(dir, 'wildchat.jsonl'), [
    { conversation_hash: 'h1', model: 'gpt-4', timestamp: '2023-04-09 00:02:53', language: 'French', hashed_ip: 'ip-123', toxic: false, conversation: [{ role: 'user', content: 'Bonjour', hashed_ip: 'ip-123', country: 'France' }, { role: 'assistant', content: 'Salut' }] },
    { conversation_id: 'l1', model: 'vicuna-13b', language: 'English', conversation: [{ role: 'user', content: 'Hi' }] },
  ]);
  const { summary, rows, hash } = await load(file);
  assert.equal(summary.format, 'wildchat');
  const [h1, l1] = rows;
  assert.deepEqual([h1.external_id, h1.created_at, h1.source_language, h1.model], ['h1', '2023-04-09 00:02:53', 'French', 'gpt-4']);
  assert.equal(h1.user_hash, hash('ip-123'));
  assert.deepEqual(JSON.parse(h1.metadata!), { toxic: false });
  assert.equal(l1.user_hash, null);
  assert.deepEqual(summary.languages, { English: 1, French: 1 });
});

test('Anthropic HH transcripts: chosen by default, --hh-field rejected', async () => {
  assert.deepEqual(parseTranscript('\n\nHuman: hi\n\nAssistant: hello\n\nHuman: bye'), [
    { role: 'user', content: 'hi' },
    { role: 'assistant', content: 'hello' },
    { role: 'user', content: 'bye' },
  ]);
  const file = writeJsonl(join(dir, 'hh.jsonl'), [{ chosen: '\n\nHuman: q\n\nAssistant: good', rejected: '\n\nHuman: q\n\nAssistant: bad' }]);
  const chosen = await load(file);
  assert.equal(chosen.summary.format, 'hh');
  assert.equal(chosen.rows[0].roles, 'user,assistant');
  const rejected = await load(file, { hhField: 'rejected' });
  assert.deepEqual([chosen.rows[0].last, rejected.rows[0].last], ['good', 'bad']);
});

test('Claude.ai export: chat_messages with sender/text, account uuid as the user', async () => {
  const file = join(dir, 'conversations.json');
  writeFileSync(file, JSON.stringify([
    { uuid: 'c1', name: 'Trip', created_at: '2024-05-01T10:00:00Z', account: { uuid: 'acct-9' }, chat_messages: [{ sender: 'human', text: 'Plan a trip' }, { sender: 'assistant', text: '', content: [{ type: 'text', text: 'Sure' }] }] },
  ]));
  const { summary, rows, hash } = await load(file);
  assert.equal(summary.format, 'claude');
  assert.deepEqual([rows[0].external_id, rows[0].roles, rows[0].user_hash], ['c1', 'user,assistant', hash('acct-9')]);
  assert.equal(rows[0].created_at, '2024-05-01 10:00:00');
});

test('one prompt per row: JSONL (arena-hard shape), CSV and Parquet', async () => {
  const jsonlFile = writeJsonl(join(dir, 'question.jsonl'), [{ uid: 'q1', category: 'hard_prompt', subcategory: 'coding', prompt: 'Write zig' }]);
  const fromJsonl = await load(jsonlFile);
  assert.equal(fromJsonl.summary.format, 'prompt');
  assert.deepEqual(JSON.parse(fromJsonl.rows[0].metadata!), { category: 'hard_prompt', subcategory: 'coding' });
  const csv = await writeWithDuckDB(`SELECT * FROM (VALUES ('1', 'set an alarm', 'alarm', 'en'), ('2', 'réveille-moi', 'alarm', 'fr')) t(id, text, label, lang)`, join(dir, 'utterances.csv'), 'csv');
  const fromCsv = await load(csv);
  assert.deepEqual([fromCsv.summary.container, fromCsv.summary.format, fromCsv.summary.loaded], ['csv', 'prompt', 2]);
  assert.equal(fromCsv.rows[1].first, 'réveille-moi');
  const parquet = await writeWithDuckDB(`SELECT * FROM (VALUES ('p1', 'hello there')) t(id, text)`, join(dir, 'prompts.parquet'));
  assert.equal((await load(parquet)).summary.loaded, 1);
});

test('field mapping with dotted paths: messages, id, user, time, meta', async () => {
  const file = writeJsonl(join(dir, 'custom.jsonl'), [
    { data: { turns: [{ sender: 'customer', text: 'x' }] } },
    { key: 'k1', who: { account: 'alice' }, ts: 1700000000, app: { name: 'web' }, data: { turns: [{ from: 'user', value: 'Where is my order?' }, { from: 'bot', value: 'Shipped.' }] } },
  ]);
  const { summary, rows, hash } = await load(file, {
    messagesField: 'data.turns', idField: 'key', userField: 'who.account', timeField: 'ts', metaFields: ['app.name'],
  });
  assert.equal(summary.format, 'mapped');
  assert.equal(summary.rejected, 1); // role "customer" is unknown
  assert.equal(summary.rejectReasons['data.turns.*.role: unknown role "customer"'], 1);
  assert.deepEqual([rows[0].external_id, rows[0].user_hash, rows[0].created_at], ['k1', hash('alice'), '2023-11-14 22:13:20']);
  assert.deepEqual(JSON.parse(rows[0].metadata!), { 'app.name': 'web' });
  const text = await load(writeJsonl(join(dir, 'text.jsonl'), [{ q: { body: 'just a prompt' } }]), { textField: 'q.body' });
  assert.equal(text.rows[0].first, 'just a prompt');
});

test('--format overrides detection; gzip is undone by magic bytes whatever the name', async () => {
  const plain = writeJsonl(join(dir, 'plain.jsonl'), [{ text: 'one' }, { text: 'two' }]);
  const gz = join(dir, 'compressed.data');
  writeFileSync(gz, gzipSync(Buffer.from('{"text":"one"}\n{"text":"two"}\n')));
  const fromGzip = await load(gz);
  assert.equal(fromGzip.summary.loaded, 2);
  const forced = await load(plain, { format: 'openai' });
  assert.equal(forced.summary.format, 'openai');
  assert.equal(forced.summary.rejected, 2);
});
