import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { readLabelledRows } from '../../src/eval/dataset.ts';
import { runEval } from '../../src/eval/run.ts';

const tmp = 'test/.tmp/eval-test';
const clinc = '../shared/data/clinc150/conversations.jsonl';
const arena = '../shared/data/arena-hard-v2/conversations.jsonl';

test('reads plain rows and conversations with dotted fields, filters and exclusions', () => {
  mkdirSync(tmp, { recursive: true });
  writeFileSync(`${tmp}/plain.jsonl`, ['{"text":"a","label":"x","parent":"p"}', '', '{"text":"b","label":"y"}'].join('\n'));
  assert.deepEqual(readLabelledRows({ path: `${tmp}/plain.jsonl` }), [
    { text: 'a', label: 'x', parent: 'p' },
    { text: 'b', label: 'y', parent: undefined },
  ]);
  const conversation = (id: number, intent: string, split: string) =>
    JSON.stringify({ id, messages: [{ role: 'user', content: `hi ${id}` }, { role: 'assistant', content: 'hello' }, { role: 'user', content: 'more' }], labels: { intent, domain: 'd', split } });
  writeFileSync(`${tmp}/conversations.jsonl`, [conversation(1, 'a', 'test'), conversation(2, 'oos', 'test'), conversation(3, 'b', 'train')].join('\n'));
  const rows = readLabelledRows({ path: tmp, labelField: 'labels.intent', parentField: 'labels.domain', where: ['labels.split=test'], excludeLabels: ['oos'] });
  assert.deepEqual(rows, [{ text: 'hi 1\nmore', label: 'a', parent: 'd' }]);
  assert.throws(() => readLabelledRows({ path: `${tmp}/plain.jsonl`, labelField: 'labels.intent' }), /no label/);
  assert.throws(() => readLabelledRows({ path: `${tmp}/plain.jsonl`, where: ['nonsense'] }), /field=value/);
});

// The full acceptance run (4,500 rows, k=150) takes minutes on two shared cores; this is 4 of its 10
// domains (1,800 rows, 60 intents, 30 each as in the full set). Measured: base 84.8/89.1, top 83.9
// (plain k-means 71.6/84.4, top 76.2).
test('CLINC test, 4 domains: the pipeline beats plain k-means and clears the quality bars', { skip: existsSync(clinc) ? false : 'needs ../shared/data', timeout: 600_000 }, async () => {
  process.env.CLIO_QUIET = '1';
  const result = await runEval({
    path: clinc, labelField: 'labels.intent', parentField: 'labels.domain', where: ['labels.split=test', 'labels.domain=banking|travel|kitchen_and_dining|auto_and_commute'],
    k: 60, top: 4, seed: 1, embedder: 'use-lite', cacheDir: 'test/.tmp/evalcache',
  });
  assert.equal(result.rows, 1800);
  assert.ok(result.base.acc > result.baseline!.base.acc, `base ACC ${result.base.acc} vs plain ${result.baseline!.base.acc}`);
  assert.ok(result.base.nmi > result.baseline!.base.nmi);
  assert.ok(result.base.acc >= 0.78 && result.base.nmi >= 0.86, JSON.stringify(result.base));
  assert.ok(result.top!.acc >= 0.8 && result.top!.acc > result.baseline!.top!.acc, JSON.stringify(result.top));
});

// Few, large clusters: the spectral step is skipped (it scored 46 ACC here against 62 for plain k-means).
// Measured: base 62.4 (plain 61.7), top 84.0 (plain 65.3).
test('Arena-Hard, k=3: small k does not fall below plain k-means', { skip: existsSync(arena) ? false : 'needs ../shared/data', timeout: 600_000 }, async () => {
  process.env.CLIO_QUIET = '1';
  const result = await runEval({
    path: arena, labelField: 'labels.subcategory', parentField: 'labels.category', k: 3, top: 2, seed: 1, embedder: 'use-lite', cacheDir: 'test/.tmp/evalcache',
  });
  assert.ok(result.steps.some((step) => step.startsWith('spectral skipped')), result.steps.join(' -> '));
  assert.ok(result.base.acc >= 0.58 && result.base.acc >= result.baseline!.base.acc - 0.02, JSON.stringify(result.base));
  assert.ok(result.top!.acc >= 0.75, JSON.stringify(result.top));
});
