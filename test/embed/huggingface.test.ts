import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createEmbedder } from '../../src/embed/create.ts';
import { createHuggingFaceEmbedder } from '../../src/embed/huggingface.ts';
import type { Embedder } from '../../src/embed/types.ts';
import { TINY_BERT_HIDDEN, writeTinyBertModel } from './fixtures/tiny-bert.ts';

const root = mkdtempSync(join(tmpdir(), 'clio-hf-'));
const modelDir = join(root, 'tiny-bert');
let embedder: Embedder;
before(async () => {
  writeTinyBertModel(modelDir);
  embedder = await createEmbedder(`hf:${modelDir}`, { allowRemote: false, batchSize: 2 });
});
after(async () => {
  await embedder?.close();
  rmSync(root, { recursive: true, force: true });
});

const cosine = (a: Float32Array, b: Float32Array) => a.reduce((sum, x, i) => sum + x * b[i], 0);

test('loads a local model folder offline through the hf: spec', () => {
  assert.equal(embedder.id, `hf:${modelDir}`);
  assert.equal(embedder.dimensions, TINY_BERT_HIDDEN);
});

test('mean-pooled unit vectors: same tokens give the same vector, different texts differ', async () => {
  const texts = ['The cat sat on the mat', 'the  CAT sat on the mat', 'a bird flew over the red house', 'cats', 'dogs', ''];
  const vectors = await embedder.embed(texts);
  assert.equal(vectors.length, texts.length);
  for (const v of vectors) {
    assert.equal(v.length, TINY_BERT_HIDDEN);
    assert.ok(Math.abs(cosine(v, v) - 1) < 1e-5, 'unit length');
  }
  assert.deepEqual(Array.from(vectors[0]), Array.from(vectors[1]), 'normalised to the same tokens');
  assert.ok(cosine(vectors[0], vectors[2]) < 0.99, 'different texts differ');
  assert.ok(cosine(vectors[3], vectors[4]) < 0.99, 'word pieces count (cat ##s vs dog ##s)');
  const [alone] = await embedder.embed([texts[2]]);
  assert.ok(cosine(alone, vectors[2]) > 0.99999, 'padding in a batch does not change a vector');
});

test('cls pooling gives other vectors and another cache id', async () => {
  const cls = await createHuggingFaceEmbedder({ model: modelDir, allowRemote: false, pooling: 'cls' });
  try {
    assert.equal(cls.id, `hf:${modelDir};pooling=cls`);
    const [[a], [b]] = [await cls.embed(['the cat sat']), await cls.embed(['a bird flew'])];
    assert.ok(cosine(a, b) > 0.99999, 'the first token is [CLS] for every text');
    const [mean] = await embedder.embed(['the cat sat']);
    assert.ok(cosine(a, mean) < 0.99);
  } finally {
    await cls.close();
  }
});

test('a model that is not there fails with a clear error and no download when remote is off', async () => {
  await assert.rejects(createEmbedder('hf:nobody/no-such-model', { allowRemote: false }), (error: Error) => {
    assert.match(error.message, /could not load Hugging Face model "nobody\/no-such-model" from a local folder \(downloads are off\)/);
    return true;
  });
});

test('unknown embedder specs are refused with the accepted forms', async () => {
  for (const spec of ['word2vec', 'hf:', '']) {
    await assert.rejects(createEmbedder(spec), /unknown embedder .*use-lite.*hf:<model id or folder>/);
  }
});
