import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createLlmClient } from '../../src/llm/client.ts';
import { AUDIT_SYSTEM_PROMPT } from '../../src/llm/prompts/index.ts';
import type { LlmClient } from '../../src/llm/types.ts';
import { auditClusterLabels, writeAuditResults } from '../../src/privacy/auditor.ts';
import type { Workspace } from '../../src/store/workspace.ts';
import { baseUrlFor, scratchWorkspace, testConfig } from '../llm/helpers.ts';
import { pipelineResponder } from '../llm/script.ts';
import { startFakeLlmServer, type FakeLlmServer, type ScriptedRequest } from '../llm/server.ts';

let ws: Workspace;
let server: FakeLlmServer;
let client: LlmClient;
const auditRequests: ScriptedRequest[] = [];

before(async () => {
  ws = await scratchWorkspace('auditor');
  server = await startFakeLlmServer({
    respond: (request) => {
      if (request.system === AUDIT_SYSTEM_PROMPT) auditRequests.push(request);
      const prompt = request.messages[0].content;
      if (prompt.includes('<name>Help a rare case</name>')) return JSON.stringify({ score: 2 });
      if (prompt.includes('<name>Unrateable</name>')) return 'score: high';
      return pipelineResponder(request) ?? '{}';
    },
  });
  client = createLlmClient(testConfig('anthropic', baseUrlFor('anthropic', server.url), { maxRetries: 0, repairAttempts: 1 }), { ws });
});
after(async () => {
  await client.close();
  await server.close();
  ws.close();
});

test('labels scored below the threshold or not rated at all are removed; the rest stay', async () => {
  const results = await auditClusterLabels(client, {
    labels: [
      { id: '1-0', name: 'Plan family holidays', description: 'Users planned trips. They compared destinations.' },
      { id: '1-1', name: 'Help a rare case', description: 'Users described an unusual situation. It was specific.' },
      { id: '0-2', name: 'Unrateable', description: 'Something. Something else.' },
      { id: '0-3', name: 'Write to someone', description: 'Users wrote to ana@example.com. Twice.' },
    ],
  });
  assert.deepEqual(results, [
    { id: '1-0', score: 5, removed: false },
    { id: '1-1', score: 2, removed: true, reason: 'privacy score 2 is below 3' },
    { id: '0-2', score: null, removed: true, reason: 'audit call failed (invalid-output); removed to be safe' },
    { id: '0-3', score: 1, removed: true, reason: 'privacy score 1 is below 3' },
  ]);
  assert.ok(auditRequests.every((request) => request.temperature === 0), 'temperature comes from the audit stage config');
  const strict = await auditClusterLabels(client, { labels: [{ id: 'x', name: 'Help a rare case', description: 'Users described an unusual situation. It was specific.' }], threshold: 2 });
  assert.equal(strict[0].removed, false);
});

test('writeAuditResults stores scores and hides removed clusters with all their descendants', async () => {
  // Level 2 root; level 1: 1-0 (kept), 1-1 (removed); level 0: children of both.
  const clusters: [string, number, string | null][] = [
    ['2-0', 2, null],
    ['1-0', 1, '2-0'],
    ['1-1', 1, '2-0'],
    ['0-0', 0, '1-0'],
    ['0-1', 0, '1-1'],
    ['0-2', 0, '1-1'],
    ['0-3', 0, '1-0'],
  ];
  for (const [id, level, parent] of clusters) {
    await ws.run(`INSERT INTO clusters (run_id, level, cluster_id, parent_id, size, distinct_users, visible) VALUES ('r1', $1, $2, $3, 30, 12, true)`, [level, id, parent]);
  }
  const counts = await writeAuditResults(ws, 'r1', [
    { id: '2-0', score: 5, removed: false },
    { id: '1-0', score: 4, removed: false },
    { id: '1-1', score: 2, removed: true, reason: 'privacy score 2 is below 3' },
    { id: '0-0', score: 5, removed: false },
    { id: '0-1', score: 5, removed: false },
    { id: '0-2', score: 3, removed: false },
    { id: '0-3', score: null, removed: true, reason: 'audit call failed (timeout); removed to be safe' },
  ]);
  assert.deepEqual(counts, { audited: 7, removed: 2, removedForScore: 1, removedForFailure: 1, hiddenDescendants: 2, scores: { 1: 0, 2: 1, 3: 1, 4: 1, 5: 3 } });
  const rows = await ws.all<{ cluster_id: string; visible: boolean; privacy_score: number | null; audit_removed: boolean }>(
    `SELECT cluster_id, visible, privacy_score, audit_removed FROM clusters WHERE run_id = 'r1' ORDER BY cluster_id`,
  );
  assert.deepEqual(
    rows.map((row) => [row.cluster_id, row.visible, row.privacy_score, row.audit_removed]),
    [
      ['0-0', true, 5, false],
      ['0-1', false, 5, false],
      ['0-2', false, 3, false],
      ['0-3', false, null, true],
      ['1-0', true, 4, false],
      ['1-1', false, 2, true],
      ['2-0', true, 5, false],
    ],
  );
});
