// Re-ingesting, --strict, gzip, privacy of user keys, and the CLI through a child process.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { after, test } from 'node:test';
import { exportConversations } from '../../src/cli/commands/ingest.ts';
import { ingestFiles } from '../../src/ingest/index.ts';
import { openWorkspace } from '../../src/store/workspace.ts';
import { chat, jsonl, tempDir, withWorkspace, writeJsonl, writeWithDuckDB } from './helpers.ts';

const dir = tempDir('clio-behaviour-');
after(() => rmSync(dir, { recursive: true, force: true }));
const run = promisify(execFile);
const ROOT = new URL('../../', import.meta.url).pathname;

const count = async (ws: { all: <T>(sql: string) => Promise<T[]> }, table: string) =>
  (await ws.all<{ n: number }>(`SELECT count(*) AS n FROM ${table}`))[0].n;

test('loading the same file twice adds nothing; the same text from two users stays two conversations', async () => {
  const file = writeJsonl(join(dir, 'twice.jsonl'), [
    { ...chat('same words'), user_id: 'alice' },
    { ...chat('same words'), user_id: 'bob' },
    chat('same words'),
  ]);
  await withWorkspace(async (ws) => {
    const first = await ingestFiles(ws, [file], { progress: false });
    assert.equal(first.loaded, 3);
    const [conversations, messages] = [await count(ws, 'conversations'), await count(ws, 'messages')];
    const second = await ingestFiles(ws, [file], { progress: false });
    assert.equal(second.loaded, 0);
    assert.equal(second.files[0].alreadyLoaded, 3);
    assert.deepEqual([await count(ws, 'conversations'), await count(ws, 'messages')], [conversations, messages]);
    assert.equal(await count(ws, 'sources'), 2);
  });
});

test('a gzipped file loads the same conversations as the plain one', async () => {
  const records = Array.from({ length: 3000 }, (_, i) => chat(`question number ${i}`, `answer ${i}`));
  const plain = writeJsonl(join(dir, 'many.jsonl'), records);
  const gz = join(dir, 'many.jsonl.gz');
  writeFileSync(gz, gzipSync(readFileSync(plain)));
  await withWorkspace(async (ws) => {
    const [fromGzip] = (await ingestFiles(ws, [gz], { progress: false, batchSize: 1000 })).files;
    assert.equal(fromGzip.loaded, 3000);
    const [fromPlain] = (await ingestFiles(ws, [plain], { progress: false })).files;
    assert.equal(fromPlain.alreadyLoaded, 3000);
  });
});

test('--strict stops at the first bad record with its location; earlier files stay, the failing file leaves nothing', async () => {
  const good = writeJsonl(join(dir, 'strict-good.jsonl'), [chat('fine 1'), chat('fine 2')]);
  const bad = join(dir, 'strict-bad.jsonl');
  writeFileSync(bad, jsonl([chat('kept only without strict')]) + jsonl(Array.from({ length: 20 }, (_, i) => chat(`filler ${i}`))) + '{"messages": 5}\n' + jsonl([chat('after')]));
  await withWorkspace(async (ws) => {
    await assert.rejects(ingestFiles(ws, [good, bad], { progress: false, strict: true, batchSize: 5 }), /strict-bad\.jsonl:22 \(field messages\)/);
    assert.equal(await count(ws, 'conversations'), 2);
    const sources = await ws.all<{ status: string }>('SELECT status FROM sources ORDER BY source_id');
    assert.deepEqual(sources.map((s) => s.status), ['done', 'failed']);
    const lenient = await ingestFiles(ws, [bad], { progress: false });
    assert.equal(lenient.files[0].loaded, 22);
    assert.equal(lenient.rejected, 1);
  });
});

test('a missing file fails before anything is loaded', async () => {
  await withWorkspace(async (ws) => {
    await assert.rejects(ingestFiles(ws, [join(dir, 'nope.jsonl')]), /file not found: .*nope\.jsonl/);
  });
});

test('WildChat-shaped Parquet: users hashed; the raw user id is nowhere in the database, exports or rejects', async () => {
  const rawUser = 'raw-user-7f3a9c-ip-198.51.100.23';
  const source = writeJsonl(join(dir, 'wildchat-src.jsonl'), [
    { conversation_hash: 'w1', model: 'gpt-4', timestamp: '2023-05-01T12:00:00', language: 'English', hashed_ip: rawUser, conversation: [{ role: 'user', content: 'How do I bake bread?', hashed_ip: rawUser }, { role: 'assistant', content: 'Start with flour.' }] },
    { conversation_hash: 'w2', model: 'gpt-4', timestamp: '2023-05-02T12:00:00', language: 'English', hashed_ip: rawUser, conversation: [{ role: 'user', content: 'And pizza?', hashed_ip: rawUser }] },
    { conversation_hash: 'w3', model: 'gpt-4', timestamp: '2023-05-02T12:00:00', language: 'English', hashed_ip: rawUser, conversation: [{ role: 'wizard', content: 'bad role', hashed_ip: rawUser }] },
  ]);
  const parquet = await writeWithDuckDB(`SELECT * FROM read_json('${source}')`, join(dir, 'wildchat.parquet'));
  const wsDir = join(dir, 'ws-privacy');
  const ws = await openWorkspace({ dir: wsDir });
  const [summary] = (await ingestFiles(ws, [parquet], { progress: false })).files;
  assert.deepEqual([summary.format, summary.container, summary.loaded, summary.rejected, summary.distinctUsers], ['wildchat', 'parquet', 2, 1, 1]);
  const [row] = await ws.all<{ user_hash: string; created_at: string }>("SELECT user_hash, created_at::VARCHAR AS created_at FROM conversations WHERE external_id = 'w1'");
  assert.equal(row.user_hash, ws.hashUser(rawUser));
  assert.equal(row.created_at, '2023-05-01 12:00:00');
  await exportConversations(ws, join(dir, 'export.parquet'), 'parquet');
  await exportConversations(ws, join(dir, 'export.jsonl'), 'jsonl');
  await ws.run('CHECKPOINT');
  ws.close();
  const files = [join(dir, 'export.parquet'), join(dir, 'export.jsonl'), ...readdirSync(wsDir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name !== 'secret.key').map((e) => join(e.parentPath, e.name))];
  const database = files.find((f) => f.endsWith('clio.duckdb'))!;
  // Control: a message text of similar length is found by the same byte search.
  assert.ok(readFileSync(database).includes('How do I bake bread?'));
  for (const file of files) assert.equal(readFileSync(file).includes(rawUser), false, `${file} contains the raw user id`);
  assert.match(readFileSync(join(dir, 'export.jsonl'), 'utf8'), new RegExp(row.user_hash));
});

test('CLI: ingest, info, export through a child process; exit codes and one-line errors', async () => {
  const file = writeJsonl(join(dir, 'cli.jsonl'), [chat('cli question'), { messages: 3 }]);
  const wsDir = join(dir, 'ws-cli');
  const clio = (...args: string[]) => run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, env: { ...process.env, CLIO_QUIET: '1' } });
  const ingest = await clio('ingest', file, '--workspace', wsDir);
  assert.match(ingest.stdout, /loaded 1, duplicates 0.*rejected 1/);
  assert.match(ingest.stdout, /skipped 1: messages: Invalid input: expected array/);
  const info = await clio('info', '--workspace', wsDir);
  assert.match(info.stdout, /conversations 1, messages 2/);
  const out = join(dir, 'cli-export.parquet');
  assert.match((await clio('export', '--workspace', wsDir, '--out', out)).stdout, /exported 1 conversations/);
  const missing = await clio('ingest', join(dir, 'missing.jsonl'), '--workspace', wsDir).then(() => undefined, (error) => error);
  assert.ok(missing, 'a missing file must fail');
  assert.notEqual(missing.code, 0);
  assert.equal(missing.stderr.trim().split('\n').length, 1);
  assert.match(missing.stderr, /^clio: file not found: .*missing\.jsonl/);
  const help = await clio('ingest', '--help');
  for (const option of ['--workspace', '--format', '--strict', '--id-field', '--user-field', '--time-field', '--messages-field', '--text-field', '--meta', '--hh-field', '--max-record-mb']) {
    assert.ok(help.stdout.includes(option), `ingest --help lists ${option}`);
  }
  assert.match(help.stdout, /Examples:\n\s+\$ clio ingest/);
});

test('ingest gives the workspace its own DuckDB memory limit back, also when a file fails under --strict', async () => {
  const file = writeJsonl(join(dir, 'limit.jsonl'), [chat('memory limit words')]);
  const limit = async (ws: { all: <T>(sql: string) => Promise<T[]> }) => (await ws.all<{ v: string }>("SELECT current_setting('memory_limit') AS v"))[0].v;
  await withWorkspace(async (ws) => {
    const before = await limit(ws);
    assert.equal(before, '244.1 MiB'); // the workspace's 256MB
    await ingestFiles(ws, [file], { progress: false });
    assert.equal(await limit(ws), before);
    writeFileSync(join(dir, 'limit-bad.jsonl'), 'not json\n');
    await assert.rejects(ingestFiles(ws, [join(dir, 'limit-bad.jsonl')], { progress: false, strict: true }), /no readable record/);
    assert.equal(await limit(ws), before);
  });
});
