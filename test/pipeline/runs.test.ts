// --from STAGE forgets that stage and the later ones, and the privacy record only when privacy is redone.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { markStageDone, markStageStarted, resetStagesFrom, STAGES } from '../../src/pipeline/runs.ts';
import { openWorkspace } from '../../src/store/workspace.ts';

test('--from map keeps the privacy record; --from privacy (or earlier) drops it with the later stages', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'clio-runs-'));
  const ws = await openWorkspace({ dir });
  try {
    const setUp = async () => {
      for (const stage of STAGES) {
        await markStageStarted(ws, 'r1', stage, { k: 1 });
        await markStageDone(ws, 'r1', stage, {});
      }
      await ws.run(`INSERT OR REPLACE INTO privacy_filters (run_id, min_users, min_conversations, summary) VALUES ('r1', 10, 20, '{}')`);
    };
    const stagesLeft = async () => (await ws.all<{ stage: string }>(`SELECT stage FROM runs WHERE run_id = 'r1' ORDER BY stage`)).map((r) => r.stage);
    const privacyRecords = async () => (await ws.all(`SELECT 1 FROM privacy_filters WHERE run_id = 'r1'`)).length;

    await setUp();
    await resetStagesFrom(ws, 'r1', 'map');
    assert.deepEqual(await stagesLeft(), ['cluster', 'embed', 'facets', 'hierarchy', 'name', 'privacy']);
    assert.equal(await privacyRecords(), 1);

    await setUp();
    await resetStagesFrom(ws, 'r1', 'privacy');
    assert.deepEqual(await stagesLeft(), ['cluster', 'embed', 'facets', 'hierarchy', 'name']);
    assert.equal(await privacyRecords(), 0);

    await setUp();
    await resetStagesFrom(ws, 'r1', 'name');
    assert.deepEqual(await stagesLeft(), ['cluster', 'embed', 'facets']);
    assert.equal(await privacyRecords(), 0);
  } finally {
    ws.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
