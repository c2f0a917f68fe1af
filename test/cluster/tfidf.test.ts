// The TF-IDF SVD block of the clustering features: texts that share no character n-grams stay orthogonal,
// texts that share them stay close, and the same text always gets the same row.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tfidfSvd } from '../../src/cluster/tfidf.ts';
import { createRandom } from '../../src/util/random.ts';

const ALPHABETS = ['abcdefg', 'hijklmn', 'opqrstu'];

function groupTexts(perGroup: number): { texts: string[]; group: number[] } {
  const random = createRandom(4);
  const texts: string[] = [];
  const group: number[] = [];
  ALPHABETS.forEach((letters, g) => {
    for (let t = 0; t < perGroup; t++) {
      const words = Array.from({ length: 10 }, () =>
        Array.from({ length: 3 + Math.floor(random() * 4) }, () => letters[Math.floor(random() * letters.length)]).join(''),
      );
      texts.push(words.join(' '));
      group.push(g);
    }
  });
  return { texts, group };
}

function rowDot(data: Float32Array, dim: number, i: number, j: number): number {
  let sum = 0;
  for (let c = 0; c < dim; c++) sum += data[i * dim + c] * data[j * dim + c];
  return sum;
}

test('tfidfSvd keeps texts with disjoint vocabularies orthogonal and similar texts close', () => {
  const { texts, group } = groupTexts(12);
  texts.push(texts[0]); // a repeat of the first text
  group.push(0);
  const { data, dim } = tfidfSvd({ texts, rank: 30, seed: 1 });
  assert.equal(dim, 30);
  let across = 0;
  let within = 0;
  let withinPairs = 0;
  for (let i = 0; i < texts.length; i++) {
    assert.ok(Math.abs(rowDot(data, dim, i, i) - 1) < 1e-5, 'rows are unit length');
    for (let j = 0; j < i; j++) {
      const similarity = rowDot(data, dim, i, j);
      if (group[i] !== group[j]) across = Math.max(across, Math.abs(similarity));
      else (within += similarity), withinPairs++;
    }
  }
  assert.ok(across < 0.02, `largest similarity across vocabularies ${across}`);
  assert.ok(within / withinPairs > 0.3, `mean similarity within a vocabulary ${within / withinPairs}`);
  assert.ok(rowDot(data, dim, 0, texts.length - 1) > 0.9999, 'the same text, the same row');
});

test('tfidfSvd gives a text the same row in every projection chunk (4,096 texts each)', () => {
  const { texts } = groupTexts(40);
  const all = Array.from({ length: 9000 }, (_, i) => texts[i % texts.length]);
  const { data, dim } = tfidfSvd({ texts: all, rank: 20, seed: 2, fitSample: 500 });
  for (let i = 0; i < texts.length; i++) {
    for (const copy of [i + 4080, i + 8160]) assert.ok(rowDot(data, dim, i, copy) > 0.9999, `text ${i} and its copy at ${copy}`);
  }
});
