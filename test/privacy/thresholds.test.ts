import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { applyPrivacyThresholds, DEFAULT_MIN_CONVERSATIONS, DEFAULT_MIN_USERS } from '../../src/privacy/thresholds.ts';
import { baseClustersUnder, CLUSTERS, createFixtureWorkspace, RUN_ID } from '../report/fixture.ts';

interface Row {
  cluster_id: string;
  level: number;
  size: number;
  distinct_users: number;
  visible: boolean;
}

test('thresholds recompute sizes and users at every level and hide small clusters with all their children', async () => {
  const { ws, dir } = await createFixtureWorkspace({ withUserIds: true });
  try {
    const summary = await applyPrivacyThresholds(ws, RUN_ID, { minUsers: 10, minConversations: 20 });
    const rows = new Map((await ws.all<Row>('SELECT cluster_id, level, size, distinct_users, visible FROM clusters WHERE run_id = $1', [RUN_ID])).map((r) => [r.cluster_id, r]));

    for (const cluster of CLUSTERS) {
      const bases = baseClustersUnder(cluster.id);
      const row = rows.get(cluster.id)!;
      assert.equal(row.size, bases.reduce((sum, b) => sum + (b.conversations ?? 0), 0), `size of ${cluster.id}`);
      assert.equal(row.distinct_users, bases.reduce((sum, b) => sum + (b.users ?? 0), 0), `users of ${cluster.id}`);
    }
    const hidden = [...rows.values()].filter((r) => !r.visible).map((r) => r.cluster_id).sort();
    // b-rare: 3 users; top-tiny (4 users) hides its whole branch; mid-few (8 users) hides b-few.
    assert.deepEqual(hidden, ['b-few', 'b-rare', 'b-tiny', 'mid-few', 'mid-tiny', 'top-tiny']);

    assert.equal(summary.userIdsPresent, true);
    assert.equal(summary.conversations, 198);
    assert.deepEqual(
      summary.levels.map((l) => [l.level, l.clusters, l.hiddenClusters, l.hiddenConversations]),
      [[0, 8, 3, 6 + 12 + 25], [1, 5, 2, 12 + 25], [2, 3, 1, 12]],
    );
    const [stored] = await ws.all<{ min_users: number; summary: string }>('SELECT min_users, summary FROM privacy_filters WHERE run_id = $1', [RUN_ID]);
    assert.equal(stored.min_users, 10);
    assert.deepEqual(JSON.parse(stored.summary), summary);
  } finally {
    ws.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('each level is tested on its own counts, and a cluster cut off from the roots stays hidden', async () => {
  const { ws, dir } = await createFixtureWorkspace({ withUserIds: true });
  try {
    // 31 conversations: mid-baking (61) passes while its children (30, 25, 6) do not.
    await applyPrivacyThresholds(ws, RUN_ID, { minUsers: 1, minConversations: 31 });
    const visible = (await ws.all<{ cluster_id: string }>('SELECT cluster_id FROM clusters WHERE run_id = $1 AND visible ORDER BY 1', [RUN_ID])).map((r) => r.cluster_id);
    assert.deepEqual(visible, ['b-python', 'mid-baking', 'mid-python', 'top-code', 'top-cooking']);
    // Break a parent link by hand: the cluster that cannot be reached from a root stays hidden.
    await ws.run(`UPDATE clusters SET parent_id = 'nowhere' WHERE cluster_id = 'b-python'`);
    await applyPrivacyThresholds(ws, RUN_ID, { minUsers: 1, minConversations: 1 });
    const [orphan] = await ws.all<{ visible: boolean }>(`SELECT visible FROM clusters WHERE cluster_id = 'b-python'`);
    assert.equal(orphan.visible, false);
  } finally {
    ws.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without user ids every conversation counts as its own user, and the summary says so', async () => {
  const { ws, dir } = await createFixtureWorkspace({ withUserIds: false });
  try {
    const summary = await applyPrivacyThresholds(ws, RUN_ID, { minUsers: 10, minConversations: 20 });
    assert.equal(summary.userIdsPresent, false);
    const rows = new Map((await ws.all<Row>('SELECT cluster_id, level, size, distinct_users, visible FROM clusters WHERE run_id = $1', [RUN_ID])).map((r) => [r.cluster_id, r]));
    assert.equal(rows.get('b-few')!.distinct_users, 25);
    assert.equal(rows.get('b-few')!.visible, true, '25 anonymous conversations = 25 users');
    assert.equal(rows.get('b-tiny')!.visible, false, '12 conversations < 20');
  } finally {
    ws.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('defaults are sane and bad thresholds are refused', async () => {
  assert.ok(DEFAULT_MIN_USERS >= 5 && DEFAULT_MIN_CONVERSATIONS >= DEFAULT_MIN_USERS);
  const { ws, dir } = await createFixtureWorkspace({ withUserIds: true });
  try {
    await assert.rejects(applyPrivacyThresholds(ws, RUN_ID, { minUsers: 0, minConversations: 20 }), /minUsers/);
  } finally {
    ws.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
