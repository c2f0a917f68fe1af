import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { applyPrivacyThresholds } from '../../src/privacy/thresholds.ts';
import { latestReportableRun, writeReport } from '../../src/report/index.ts';
import type { ReportCluster, ReportModel } from '../../src/report/model.ts';
import { createFixtureWorkspace, NAME_CANARY, RUN_ID, TEXT_CANARY } from './fixture.ts';

function find(nodes: ReportCluster[], id: string): ReportCluster | undefined {
  for (const node of nodes) {
    if (node.id === id) return node;
    const hit = find(node.children, id);
    if (hit) return hit;
  }
  return undefined;
}

test('the report refuses a run whose privacy thresholds were not applied', async () => {
  const { ws, dir } = await createFixtureWorkspace({ withUserIds: true });
  try {
    await assert.rejects(writeReport(ws, RUN_ID, { outDir: join(dir, 'reports') }), /privacy thresholds have not been applied/);
    await assert.rejects(latestReportableRun(ws), /no finished analysis/);
  } finally {
    ws.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('HTML, Markdown and JSON show only visible clusters, fold the rest into "other", and hold no conversation text', async () => {
  const { ws, dir } = await createFixtureWorkspace({ withUserIds: true });
  try {
    await applyPrivacyThresholds(ws, RUN_ID, { minUsers: 10, minConversations: 20 });
    assert.equal(await latestReportableRun(ws), RUN_ID);
    const { files } = await writeReport(ws, RUN_ID, { outDir: join(dir, 'reports') });
    assert.deepEqual(files.map((f) => f.split('.').pop()), ['html', 'md', 'json']);

    for (const file of files) {
      const content = readFileSync(file, 'utf8');
      assert.ok(!content.toLowerCase().includes(TEXT_CANARY), `conversation text in ${file}`);
      assert.ok(!content.toLowerCase().includes(NAME_CANARY), `hidden cluster name in ${file}`);
      assert.ok(!content.includes('question about'), `request text in ${file}`);
      assert.ok(content.includes('bread · flour · yeast'), `visible cluster missing from ${file}`);
    }
    const html = readFileSync(files[0], 'utf8');
    assert.doesNotMatch(html, /(src|href)\s*=\s*["']?(https?:)?\/\//i, 'external resource in HTML');
    assert.doesNotMatch(html, /https?:\/\//i);
    assert.match(html, /<svg class="map"/);
    assert.match(html, /other \(below privacy threshold\): 6 conversations in 1 cluster</);
    assert.match(html, /no concern/i);

    const model = JSON.parse(readFileSync(files[2], 'utf8')) as ReportModel;
    assert.deepEqual(model.tree.map((n) => n.id).sort(), ['top-code', 'top-cooking']);
    assert.deepEqual(model.other, { clusters: 1, conversations: 12 });
    const baking = find(model.tree, 'mid-baking')!;
    assert.deepEqual(baking.children.map((c) => c.id), ['b-bread', 'b-cake']);
    assert.deepEqual(baking.other, { clusters: 1, conversations: 6 });
    assert.deepEqual(find(model.tree, 'top-code')!.other, { clusters: 1, conversations: 25 });
    assert.equal(find(model.tree, 'b-python')!.shareOfParent, 40 / 70);
    // In b-bread, Icelandic (1 conversation) and Spanish (10 conversations of 5 users) are below the
    // user threshold: merged into "other".
    const bread = find(model.tree, 'b-bread')!;
    assert.deepEqual(bread.languages.map((l) => l.value), ['en', 'other']);
    assert.equal(bread.languages.find((l) => l.value === 'other')?.count, 11);
    assert.equal(bread.languages.reduce((sum, l) => sum + l.count, 0), 30);
    assert.equal(model.privacy.minUsers, 10);
    assert.equal(model.corpus.users, 15 + 12 + 3 + 12 + 4 + 20 + 15 + 8);
  } finally {
    ws.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without user ids the report says every conversation counted as its own user', async () => {
  const { ws, dir } = await createFixtureWorkspace({ withUserIds: false });
  const out = mkdtempSync(join(tmpdir(), 'clio-out-'));
  try {
    await applyPrivacyThresholds(ws, RUN_ID, { minUsers: 10, minConversations: 20 });
    const { files } = await writeReport(ws, RUN_ID, { outDir: out, formats: ['md'] });
    const md = readFileSync(files[0], 'utf8');
    assert.match(md, /no user ids: every conversation was counted as its own user/);
  } finally {
    ws.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
  }
});

test('no report while the privacy stage of the run has started and not finished (LLM mode audits after the thresholds)', async () => {
  const { ws, dir } = await createFixtureWorkspace({ withUserIds: true });
  try {
    await applyPrivacyThresholds(ws, RUN_ID, { minUsers: 10, minConversations: 20 });
    await ws.run(`INSERT INTO runs (run_id, stage, settings_hash, settings, status) VALUES ($1, 'privacy', 'h', '{}', 'running')`, [RUN_ID]);
    await assert.rejects(writeReport(ws, RUN_ID, { outDir: join(dir, 'reports') }), /privacy stage of run .* has not finished/);
    await assert.rejects(latestReportableRun(ws), /no finished analysis/);
    await ws.run(`UPDATE runs SET status = 'done' WHERE run_id = $1 AND stage = 'privacy'`, [RUN_ID]);
    assert.equal(await latestReportableRun(ws), RUN_ID);
    await writeReport(ws, RUN_ID, { outDir: join(dir, 'reports') });
  } finally {
    ws.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
