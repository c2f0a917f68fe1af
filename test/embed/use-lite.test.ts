import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Embedder } from '../../src/embed/types.ts';
import { createUseLiteEmbedder, truncateForUseLite, USE_LITE_MAX_CHARS, type UseLiteEmbedder } from '../../src/embed/use-lite.ts';

const texts = [
  'how do I reset my password',
  'I forgot my password and cannot log in',
  'what is the weather going to be in Paris tomorrow',
  'write a poem about the sea',
  'how do I reset my password',
  '',
  'word '.repeat(600),
];

let inThread: UseLiteEmbedder;
let twoWorkers: UseLiteEmbedder;
before(async () => {
  [inThread, twoWorkers] = await Promise.all([createUseLiteEmbedder({ workers: 0 }), createUseLiteEmbedder({ workers: 2, batchSize: 2 })]);
});
after(async () => {
  await inThread?.close();
  await twoWorkers?.close();
});

const cosine = (a: Float32Array, b: Float32Array) => a.reduce((sum, x, i) => sum + x * b[i], 0);

test('truncates long texts at a word boundary and leaves short ones alone', () => {
  assert.equal(truncateForUseLite('  short text '), 'short text');
  const long = 'lorem ipsum '.repeat(200);
  const cut = truncateForUseLite(long);
  assert.ok(cut.length <= USE_LITE_MAX_CHARS && cut.length > USE_LITE_MAX_CHARS * 0.8);
  assert.ok(long.startsWith(cut) && !cut.endsWith(' ') && /\s$/.test(long.slice(0, cut.length + 1)));
  const unbroken = 'x'.repeat(5000);
  assert.equal(truncateForUseLite(unbroken).length, USE_LITE_MAX_CHARS);
});


test('gives unit 512-d vectors in input order, the same in-thread and across workers', async () => {
  const [a, b] = await Promise.all([inThread.embed(texts), twoWorkers.embed(texts)]);
  for (const vectors of [a, b]) {
    assert.equal(vectors.length, texts.length);
    for (const v of vectors) {
      assert.equal(v.length, 512);
      assert.ok(Math.abs(cosine(v, v) - 1) < 1e-5);
    }
  }
  for (let i = 0; i < texts.length; i++) assert.ok(cosine(a[i], b[i]) > 0.99999, `text ${i} agrees`);
  assert.ok(cosine(a[0], a[4]) > 0.99999, 'equal texts, equal vectors');
  assert.ok(cosine(a[0], a[1]) > cosine(a[0], a[2]) + 0.1, 'related requests are closer than unrelated ones');
  const [alone] = await inThread.embed([texts[2]]);
  assert.ok(cosine(alone, a[2]) > 0.99999, 'a vector does not depend on its batch');
  assert.deepEqual(await twoWorkers.embed([]), []);
});

test('close() stops the workers, and a forgotten close() does not keep the process alive', async () => {
  const embedder: Embedder = await createUseLiteEmbedder({ workers: 2 });
  assert.equal((await embedder.embed(['started'])).length, 1);
  await embedder.close();
  await assert.rejects(embedder.embed(['after close']), /closed|exited/);
  const neverUsed = await createUseLiteEmbedder({ workers: 2 });
  await neverUsed.close();
  await assert.rejects(neverUsed.embed(['after close']), /closed/);
  const closedWhileLoading = await createUseLiteEmbedder({ workers: 2 });
  const pending = assert.rejects(closedWhileLoading.embed(['loading']), /closed|exited/, 'a batch in flight when close() is called fails');
  await closedWhileLoading.close();
  await pending;

  const script = "import { createUseLiteEmbedder } from './src/embed/use-lite.ts';" +
    "const e = await createUseLiteEmbedder({ workers: 2 }); console.log((await e.embed(['hello there'])).length);";
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: join(import.meta.dirname, '..', '..'),
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(child.signal, null, 'exited by itself before the timeout');
  assert.equal(child.status, 0, child.stderr);
  assert.equal(child.stdout.trim(), '1');
});
