import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { embedWithCache } from '../../src/embed/cache.ts';
import { openWorkspace } from '../../src/store/workspace.ts';
import { sha256 } from '../../src/util/hash.ts';
import { createFakeEmbedder, fakeVector, sampleTexts } from './fixtures/fake-embedder.ts';

process.env.CLIO_QUIET = '1';
const root = mkdtempSync(join(tmpdir(), 'clio-embed-cache-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('embeds each distinct missing text once, then serves repeats from the table', async () => {
  const ws = await openWorkspace({ dir: join(root, 'repeat') });
  try {
    const embedder = createFakeEmbedder();
    const texts = ['alpha', 'beta', 'alpha', 'gamma', 'beta'];
    const first = await embedWithCache(ws, embedder, texts, { batchSize: 2 });
    assert.deepEqual(embedder.calls, [['alpha', 'beta'], ['gamma']]);
    assert.deepEqual(first.map((v) => Array.from(v)), texts.map((t) => Array.from(fakeVector(t, 16))));

    const second = await embedWithCache(ws, embedder, ['gamma', 'delta', 'alpha']);
    assert.deepEqual(embedder.calls.slice(2), [['delta']], 'only the new text is embedded');
    assert.deepEqual(Array.from(second[0]), Array.from(first[3]), 'cached vector reads back bit for bit');
    const rows = await ws.all<{ n: number }>('SELECT count(*) AS n FROM embeddings WHERE model = $1', [embedder.id]);
    assert.equal(rows[0].n, 4);
  } finally {
    ws.close();
  }
});

test('the cache is per embedder id: another model does not reuse the vectors', async () => {
  const ws = await openWorkspace({ dir: join(root, 'models') });
  try {
    await embedWithCache(ws, createFakeEmbedder({ dimensions: 16 }), ['same text']);
    const other = createFakeEmbedder({ dimensions: 8 });
    const [vector] = await embedWithCache(ws, other, ['same text']);
    assert.equal(other.calls.length, 1);
    assert.equal(vector.length, 8);
  } finally {
    ws.close();
  }
});

test('rejects an embedder that returns vectors of the wrong size, keeping earlier batches', async () => {
  const ws = await openWorkspace({ dir: join(root, 'bad-dims') });
  try {
    const embedder = createFakeEmbedder();
    let calls = 0;
    const flaky = { ...embedder, embed: async (texts: string[]) => (++calls === 2 ? texts.map(() => new Float32Array(3)) : embedder.embed(texts)) };
    await assert.rejects(embedWithCache(ws, flaky, ['a', 'b', 'c', 'd'], { batchSize: 2 }), (error: Error) => {
      assert.match(String((error.cause as Error).message), /3 dimensions where 16/);
      return true;
    });
    const rows = await ws.all<{ n: number }>('SELECT count(*) AS n FROM embeddings');
    assert.equal(rows[0].n, 2, 'the first batch was stored before the failure');
  } finally {
    ws.close();
  }
});

test('after SIGKILL mid-run, the rerun embeds only what was missing and equals a clean run', async () => {
  const dir = join(root, 'killed');
  const texts = sampleTexts(400);
  const distinct = new Set(texts).size;
  const storedBeforeKill = await runChildUntilKilled(dir, { count: 400, batchSize: 20, delayMs: 100, killAfterStored: 100 });
  assert.ok(storedBeforeKill >= 100 && storedBeforeKill < distinct, `killed mid-run (had stored ${storedBeforeKill})`);

  const ws = await openWorkspace({ dir });
  let resumed: Float32Array[];
  const embedder = createFakeEmbedder();
  try {
    const stored = await ws.all<{ text_hash: string }>('SELECT text_hash FROM embeddings');
    assert.ok(stored.length >= storedBeforeKill && stored.length < distinct);
    resumed = await embedWithCache(ws, embedder, texts, { batchSize: 50 });
    const embeddedOnRerun = embedder.calls.flat();
    assert.equal(embeddedOnRerun.length, distinct - stored.length, 'embeds exactly the missing texts');
    const storedHashes = new Set(stored.map((row) => row.text_hash));
    assert.ok(embeddedOnRerun.every((text) => !storedHashes.has(sha256(text))), 'nothing stored is embedded again');
  } finally {
    ws.close();
  }

  const clean = await openWorkspace({ dir: join(root, 'clean') });
  try {
    const expected = await embedWithCache(clean, createFakeEmbedder(), texts);
    assert.deepEqual(resumed.map((v) => Array.from(v)), expected.map((v) => Array.from(v)));
  } finally {
    clean.close();
  }
});

/** Runs the child embedder and SIGKILLs it once it reports `killAfterStored` texts stored; resolves when it has exited. */
function runChildUntilKilled(
  dir: string,
  options: { count: number; batchSize: number; delayMs: number; killAfterStored: number },
): Promise<number> {
  const script = join(import.meta.dirname, 'fixtures', 'embed-child.ts');
  const args = ['--import', 'tsx', script, dir, String(options.count), String(options.batchSize), String(options.delayMs)];
  const child = spawn(process.execPath, args, { env: { ...process.env, CLIO_QUIET: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stored = 0;
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    for (const match of chunk.matchAll(/stored (\d+)/g)) stored = Math.max(stored, Number(match[1]));
    if (stored >= options.killAfterStored) child.kill('SIGKILL');
  });
  return new Promise((resolve, reject) => {
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(stored);
      else reject(new Error(`child exited with ${code} before it was killed: ${stderr}`));
    });
  });
}
