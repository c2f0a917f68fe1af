// The explorer API on a workspace analysed from oasst1-en: numbers against the tables, 4xx answers,
// the access token, path traversal, and a crawl of every endpoint for raw conversation text.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Hono } from 'hono';
import { createExplorerApp, TOKEN_COOKIE, TRACES_OFF } from '../../src/server/app.ts';
import type { ClusterDetail, ExplorerCluster, ExplorerMeta } from '../../src/server/data.ts';
import { startExplorerServer } from '../../src/server/index.ts';
import type { Workspace } from '../../src/store/workspace.ts';
import { analysedOasstWorkspace, fakeWebApp, leakedProbes, rawTextProbes, SECRET, stringsOf } from './helpers.ts';

let root: string;
let ws: Workspace;
let runId: string;
let staticDir: string;
let app: Hono;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'clio-server-'));
  ({ ws, runId } = await analysedOasstWorkspace(root));
  ({ staticDir } = fakeWebApp(join(root, 'site')));
  app = createExplorerApp({ ws, allowTraces: false, staticDir });
});
after(() => {
  ws.close();
  rmSync(root, { recursive: true, force: true });
});

async function json<T>(path: string, target: Hono = app): Promise<T> {
  const response = await target.request(path);
  assert.equal(response.status, 200, `${path}: ${response.status} ${await response.clone().text()}`);
  assert.equal(response.headers.get('cache-control'), 'no-store');
  return (await response.json()) as T;
}

/** Conversations and distinct users per cluster (all levels) matching a facet condition, straight from the tables. */
async function countsInTables(condition: string): Promise<Map<string, { n: number; users: number }>> {
  const rows = await ws.all<{ cluster_id: string; n: number; users: number }>(
    `WITH RECURSIVE hit AS (
       SELECT m.conversation_id, m.cluster_id FROM cluster_members m
       WHERE m.run_id = $1 AND m.conversation_id IN (SELECT conversation_id FROM facets f WHERE ${condition})
     ), up(conversation_id, cluster_id) AS (
       SELECT * FROM hit UNION ALL
       SELECT up.conversation_id, k.parent_id FROM up JOIN clusters k ON k.run_id = $1 AND k.cluster_id = up.cluster_id WHERE k.parent_id IS NOT NULL
     )
     SELECT cluster_id, count(*) AS n, count(DISTINCT coalesce(c.user_hash, c.conversation_id)) AS users
     FROM up JOIN conversations c USING (conversation_id) GROUP BY cluster_id`,
    [runId],
  );
  return new Map(rows.map((r) => [r.cluster_id, { n: r.n, users: r.users }]));
}

test('meta names the run, the thresholds and the facets; traces are off', async () => {
  const meta = await json<ExplorerMeta>('/api/meta');
  assert.equal(meta.runId, runId);
  assert.deepEqual(meta.runs, [runId]);
  assert.equal(meta.mode, 'keyword');
  assert.equal(meta.allowTraces, false);
  assert.deepEqual(meta.privacy, { minUsers: 10, minConversations: 20, userIdsPresent: true });
  assert.equal(meta.corpus.conversations, 1002);
  assert.equal(meta.corpus.clustered, 1002);
  assert.equal(meta.corpus.firstDate, null, 'oasst1-en has no timestamps');
  const [{ levels }] = await ws.all<{ levels: number }>('SELECT count(DISTINCT level) AS levels FROM clusters WHERE run_id = $1', [runId]);
  assert.equal(meta.levels, levels);
  const language = meta.facets.find((f) => f.name === 'language');
  assert.equal(language?.kind, 'category');
  assert.equal(language!.values!.reduce((sum, v) => sum + v.count, 0), 1002);
  const turns = meta.facets.find((f) => f.name === 'turns')!;
  assert.equal(turns.kind, 'number');
  const [range] = await ws.all<{ min: number; max: number }>(`SELECT min(value_number) AS min, max(value_number) AS max FROM facets WHERE facet = 'turns'`);
  assert.deepEqual([turns.min, turns.max], [range.min, range.max]);
  const text = meta.facets.find((f) => f.name === 'request_text')!;
  assert.deepEqual(text, { name: 'request_text', kind: 'text', source: 'computed' }, 'text facets are listed, never broken down');
});

test('/api/clusters serves exactly the visible clusters with the sizes and parents of the tables', async () => {
  const { clusters } = await json<{ clusters: ExplorerCluster[] }>('/api/clusters');
  const rows = await ws.all<{ cluster_id: string; level: number; parent_id: string | null; size: number; visible: boolean }>(
    'SELECT cluster_id, level, parent_id, size, visible FROM clusters WHERE run_id = $1',
    [runId],
  );
  const visible = rows.filter((r) => r.visible);
  assert.ok(rows.length > visible.length, 'the run has hidden clusters, so the filter is tested');
  assert.deepEqual(clusters.map((c) => c.id).sort(), visible.map((r) => r.cluster_id).sort());
  const [{ clustered }] = await ws.all<{ clustered: number }>('SELECT count(*) AS clustered FROM cluster_members WHERE run_id = $1', [runId]);
  for (const cluster of clusters) {
    const row = visible.find((r) => r.cluster_id === cluster.id)!;
    assert.equal(cluster.size, row.size);
    assert.equal(cluster.level, row.level);
    assert.equal(cluster.parentId, row.parent_id);
    assert.equal(cluster.share, row.size / clustered);
    const parentSize = row.parent_id === null ? clustered : visible.find((r) => r.cluster_id === row.parent_id)!.size;
    assert.equal(cluster.shareOfParent, row.size / parentSize);
    assert.equal(cluster.childCount, visible.filter((r) => r.parent_id === cluster.id).length);
  }
  const top = clusters.find((c) => c.parentId === null)!;
  const [mean] = await ws.all<{ mean: number }>(
    `WITH RECURSIVE sub(cluster_id) AS (SELECT $2 UNION ALL SELECT k.cluster_id FROM clusters k JOIN sub ON k.parent_id = sub.cluster_id WHERE k.run_id = $1)
     SELECT avg(f.value_number) AS mean FROM cluster_members m JOIN sub USING (cluster_id) JOIN facets f USING (conversation_id)
     WHERE m.run_id = $1 AND f.facet = 'user_chars'`,
    [runId, top.id],
  );
  assert.ok(Math.abs(top.stats.user_chars - mean.mean) < 1e-9, 'stats hold the mean of each number facet');
});

test('a cluster detail has its children, folded hidden children, facet breakdowns and path', async () => {
  const { clusters } = await json<{ clusters: ExplorerCluster[] }>('/api/clusters');
  const hiddenBase = await ws.all<{ parent_id: string; n: number; size: number }>(
    'SELECT parent_id, count(*) AS n, sum(size) AS size FROM clusters WHERE run_id = $1 AND level = 0 AND NOT visible GROUP BY parent_id',
    [runId],
  );
  for (const parent of clusters.filter((c) => c.level === 1)) {
    const detail = await json<ClusterDetail>(`/api/clusters/${parent.id}`);
    assert.deepEqual(detail.children.map((c) => c.id).sort(), clusters.filter((c) => c.parentId === parent.id).map((c) => c.id).sort());
    const hidden = hiddenBase.find((h) => h.parent_id === parent.id);
    assert.deepEqual(detail.other, { clusters: hidden?.n ?? 0, conversations: Number(hidden?.size ?? 0) });
    const language = detail.facets.find((f) => f.name === 'language')!;
    assert.equal(language.categories!.reduce((sum, c) => sum + c.count, 0), parent.size);
    assert.equal(detail.path.length, parent.level === Math.max(...clusters.map((c) => c.level)) ? 0 : 1);
  }
  const base = clusters.find((c) => c.level === 0)!;
  const detail = await json<ClusterDetail>(`/api/clusters/${base.id}`);
  assert.deepEqual(detail.path.map((p) => p.id), [base.parentId]);
  const turns = detail.facets.find((f) => f.name === 'turns')!;
  assert.ok(turns.histogram!.length > 0 && turns.histogram!.reduce((sum, b) => sum + b.count, 0) <= base.size);
  assert.deepEqual(detail.timeline, [], 'no timestamps, no timeline');
});

test('unknown clusters, unknown endpoints and bad parameters get 4xx JSON answers', async () => {
  const hidden = await ws.all<{ cluster_id: string }>('SELECT cluster_id FROM clusters WHERE run_id = $1 AND NOT visible', [runId]);
  for (const path of ['/api/clusters/no-such-cluster', `/api/clusters/${hidden[0].cluster_id}`, `/api/traces/${hidden[0].cluster_id}`, '/api/nothing', '/api/clusters/1-0/extra']) {
    const response = await app.request(path);
    assert.ok(response.status === 404 || (path.startsWith('/api/traces') && response.status === 403), `${path} -> ${response.status}`);
    assert.equal(typeof ((await response.json()) as { error: string }).error, 'string');
  }
  const bad: [string, RegExp][] = [
    ['/api/points?level=abc', /level/],
    ['/api/points?level=99', /level/],
    ['/api/overlay', /facet/],
    ['/api/overlay?facet=language', /value/],
    ['/api/overlay?facet=language&value=en&min=1', /either value/],
    ['/api/overlay?facet=nope&value=x', /unknown facet/],
    ['/api/overlay?facet=turns&value=2', /number facet/],
    ['/api/overlay?facet=language&min=1', /category facet/],
    ['/api/overlay?facet=turns&min=abc', /min/],
    ['/api/compare?facet=turns&min=5&max=2', /below max/],
    ['/api/compare?facet=language&value=xx', /not shown/],
    ['/api/search', /q/],
    ['/api/search?q=', /empty/],
    ['/api/overlay?facet=user_chars&min=10000', /fewer than 10 users/],
  ];
  for (const [path, message] of bad) {
    const response = await app.request(path);
    assert.equal(response.status, 400, path);
    assert.match(((await response.json()) as { error: string }).error, message, path);
  }
});

test('points decode: n matches the run, each index points at the lowest visible cluster', async () => {
  const { clusters } = await json<{ clusters: ExplorerCluster[] }>('/api/clusters');
  const [{ n }] = await ws.all<{ n: number }>(
    'SELECT count(*) AS n FROM map_points p JOIN cluster_members m USING (run_id, conversation_id) WHERE p.run_id = $1',
    [runId],
  );
  const meta = await json<ExplorerMeta>('/api/meta');
  for (let level = 0; level < meta.levels; level++) {
    const response = await app.request(`/api/points?level=${level}`);
    assert.equal(response.headers.get('content-type'), 'application/octet-stream');
    const buffer = await response.arrayBuffer();
    const count = new Uint32Array(buffer, 0, 1)[0];
    assert.equal(count, n);
    assert.equal(buffer.byteLength, 4 + count * 12);
    const xy = new Float32Array(buffer, 4, count * 2);
    assert.ok(xy.every(Number.isFinite));
    const indices = new Uint32Array(buffer, 4 + count * 8, count);
    const perCluster = new Map<number, number>();
    for (const index of indices) perCluster.set(index, (perCluster.get(index) ?? 0) + 1);
    for (const [index, points] of perCluster) {
      if (index === 0xffffffff) continue;
      const cluster = clusters[index];
      assert.ok(cluster.level >= level, `level ${level}: points map to clusters at or above it`);
      // A cluster of this level gets all its points; a higher one gets those of its hidden descendants.
      if (cluster.level === level) assert.equal(points, cluster.size);
      else assert.ok(points <= cluster.size);
    }
  }
});

test('overlay and compare counts match direct SQL counts', async () => {
  const { clusters } = await json<{ clusters: ExplorerCluster[] }>('/api/clusters');
  const clustered = clusters.filter((c) => c.parentId === null).reduce((sum, c) => sum + c.size, 0);
  const overlay = await json<{ facet: string; matching: number; share: number; clusters: { id: string; count?: number; share: number | null; few?: true }[] }>(
    '/api/overlay?facet=turns&min=4',
  );
  const expected = await countsInTables(`f.facet = 'turns' AND f.value_number >= 4`);
  const [{ total }] = await ws.all<{ total: number }>(
    `SELECT count(*) AS total FROM cluster_members m JOIN facets f USING (conversation_id) WHERE m.run_id = $1 AND f.facet = 'turns' AND f.value_number >= 4`,
    [runId],
  );
  assert.equal(overlay.matching, total);
  assert.equal(overlay.share, total / 1002);
  assert.equal(overlay.clusters.length, clusters.length);
  for (const entry of overlay.clusters) {
    const cluster = clusters.find((c) => c.id === entry.id)!;
    const { n: count, users } = expected.get(entry.id) ?? { n: 0, users: 0 };
    // Withheld when the matching conversations, or their distinct users, are below the thresholds (20 / 10).
    assert.equal(Boolean(entry.few), count > 0 && (count < 20 || users < 10), `${entry.id}: ${count} conversations, ${users} users`);
    if (entry.few) {
      assert.equal(entry.share, null);
      assert.equal(entry.count, undefined);
    } else {
      assert.equal(entry.count, count, entry.id);
      assert.equal(entry.share, count / cluster.size);
    }
  }

  const compare = await json<{ subset: { size: number; share: number }; clusters: { id: string; subsetCount: number; size: number; ratio: number }[]; hidden: number }>(
    '/api/compare?facet=turns&min=4',
  );
  assert.deepEqual(compare.subset, { size: total, share: total / clustered });
  assert.equal(compare.clusters.length + compare.hidden, clusters.length);
  for (const [i, entry] of compare.clusters.entries()) {
    assert.equal(entry.subsetCount, expected.get(entry.id)?.n);
    assert.ok(entry.subsetCount >= 20);
    assert.ok(Math.abs(entry.ratio - entry.subsetCount / entry.size / (total / clustered)) < 1e-12);
    if (i > 0) assert.ok(compare.clusters[i - 1].ratio >= entry.ratio, 'sorted by ratio, highest first');
  }
  const english = await json<{ matching: number }>('/api/overlay?facet=language&value=en');
  const [{ en }] = await ws.all<{ en: number }>(`SELECT count(*) AS en FROM facets WHERE facet = 'language' AND value_text = 'en'`);
  assert.equal(english.matching, en);
});

test('search matches names and descriptions case-insensitively, visible clusters only', async () => {
  const { clusters } = await json<{ clusters: ExplorerCluster[] }>('/api/clusters');
  const word = clusters[0].name.split(' · ')[0];
  const found = await json<{ clusters: { id: string; name: string }[] }>(`/api/search?q=${encodeURIComponent(word.toUpperCase())}`);
  assert.ok(found.clusters.some((c) => c.id === clusters[0].id));
  const ids = new Set(clusters.map((c) => c.id));
  assert.ok(found.clusters.every((c) => ids.has(c.id)));
  const hiddenNames = await ws.all<{ name: string }>('SELECT name FROM clusters WHERE run_id = $1 AND NOT visible', [runId]);
  for (const { name } of hiddenNames) {
    const result = await json<{ clusters: { id: string }[] }>(`/api/search?q=${encodeURIComponent(name)}`);
    assert.ok(result.clusters.every((c) => ids.has(c.id)), 'hidden clusters are never found');
  }
});

test('with traces off, no API answer or page holds raw conversation text, user hashes or conversation ids', async () => {
  const meta = await json<ExplorerMeta>('/api/meta');
  const { clusters } = await json<{ clusters: ExplorerCluster[] }>('/api/clusters');
  const paths = ['/api/meta', '/api/clusters', '/', '/index.html', '/assets/app.js', '/api/nope', '/api/clusters/none'];
  for (const cluster of clusters) paths.push(`/api/clusters/${cluster.id}`, `/api/traces/${cluster.id}`, `/api/search?q=${encodeURIComponent(cluster.name.split(' · ')[0])}`);
  for (const facet of meta.facets) {
    for (const value of facet.values ?? []) for (const kind of ['overlay', 'compare']) paths.push(`/api/${kind}?facet=${facet.name}&value=${encodeURIComponent(value.value)}`);
    for (const band of facet.bands ?? []) {
      for (const kind of ['overlay', 'compare']) paths.push(`/api/${kind}?facet=${facet.name}&min=${band.min}${band.max === undefined ? '' : `&max=${band.max}`}`);
    }
  }
  const served: string[] = [];
  for (const path of paths) {
    const response = await app.request(path);
    const body = await response.text();
    if (path.startsWith('/api/traces/')) {
      assert.equal(response.status, 403);
      assert.deepEqual(JSON.parse(body), { error: TRACES_OFF });
    }
    served.push(response.headers.get('content-type')?.includes('json') ? stringsOf(JSON.parse(body)).join('\n') : body.toLowerCase());
    served.push(body.toLowerCase());
  }
  const text = served.join('\n');
  const messages = await ws.all<{ content: string }>('SELECT content FROM messages');
  const probes = rawTextProbes(messages.map((m) => m.content));
  assert.ok(probes.size > 5000, `enough raw text to look for (${probes.size} probes)`);
  assert.deepEqual(leakedProbes(text, probes).slice(0, 5), [], 'raw conversation text was served');
  const ids = await ws.all<{ conversation_id: string; user_hash: string | null; external_id: string | null }>('SELECT conversation_id, user_hash, external_id FROM conversations');
  for (const row of ids) {
    for (const secret of [row.conversation_id, row.user_hash, row.external_id]) if (secret) assert.ok(!text.includes(secret.toLowerCase()), `served ${secret}`);
  }
});

test('with --allow-traces, meta says so and traces serve scrubbed first messages without ids', async () => {
  const traced = createExplorerApp({ ws, allowTraces: true, staticDir });
  assert.equal((await json<ExplorerMeta>('/api/meta', traced)).allowTraces, true);
  const { clusters } = await json<{ clusters: ExplorerCluster[] }>('/api/clusters', traced);
  const { traces } = await json<{ traces: { firstUserMessage: string; turns: number }[] }>(`/api/traces/${clusters[0].id}`, traced);
  assert.equal(traces.length, 10);
  const firstMessages = new Set((await ws.all<{ content: string }>(`SELECT content FROM messages WHERE position = 0`)).map((m) => m.content));
  assert.ok(traces.some((t) => firstMessages.has(t.firstUserMessage)), 'traces are real first messages');
  assert.deepEqual(Object.keys(traces[0]).sort(), ['firstUserMessage', 'turns']);
  // The leak detector of the crawl above finds this text: its silence there means something.
  const probes = rawTextProbes(traces.map((t) => t.firstUserMessage));
  assert.ok(leakedProbes(stringsOf(traces).join('\n'), probes).length > 0);
});

test('a token is required when set: 401 without, Bearer or ?token cookie flow with it', async () => {
  const token = 'test-token-0123456789abcdef';
  const guarded = createExplorerApp({ ws, allowTraces: false, staticDir, token });
  for (const path of ['/api/meta', '/', '/assets/app.js', '/api/clusters/none']) {
    const response = await guarded.request(path);
    assert.equal(response.status, 401, path);
    assert.match(((await response.json()) as { error: string }).error, /token/);
  }
  assert.equal((await guarded.request('/api/meta', { headers: { Authorization: 'Bearer wrong-token-0123456789' } })).status, 401);
  assert.equal((await guarded.request('/api/meta?token=wrong')).status, 401);
  assert.equal((await guarded.request('/api/meta', { headers: { Authorization: `Bearer ${token}` } })).status, 200);

  const first = await guarded.request(`/?token=${token}&view=map`);
  assert.equal(first.status, 302);
  assert.equal(first.headers.get('location'), '/?view=map', 'the token leaves the address bar');
  const cookie = first.headers.get('set-cookie')!;
  assert.match(cookie, new RegExp(`^${TOKEN_COOKIE}=`));
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Strict/);
  const page = await guarded.request('/?view=map', { headers: { Cookie: cookie.split(';')[0] } });
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type')!, /text\/html/);
  assert.equal((await guarded.request('/api/clusters', { headers: { Cookie: cookie.split(';')[0] } })).status, 200);
  assert.equal((await guarded.request('/api/clusters', { headers: { Cookie: `${TOKEN_COOKIE}=nope` } })).status, 401);
});

test('static files: content types and security headers; paths outside the app are refused', async () => {
  const index = await app.request('/');
  assert.equal(index.status, 200);
  assert.match(index.headers.get('content-type')!, /^text\/html/);
  assert.equal(index.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(index.headers.get('referrer-policy'), 'no-referrer');
  assert.match(index.headers.get('content-security-policy')!, /default-src 'self'.*worker-src 'self' blob:/);
  assert.match((await app.request('/assets/app.js')).headers.get('content-type')!, /^text\/javascript/);
  const attempts = [
    '/../secret.txt', '/%2e%2e/secret.txt', '/%2e%2e%2fsecret.txt', '/..%2fsecret.txt', '/assets/..%2f..%2fsecret.txt',
    '/%252e%252e%252fsecret.txt', '/..%5csecret.txt', '/%5c..%5csecret.txt', '/assets%5c..%5c..%5csecret.txt', '/secret.txt%00.js',
    '/%00', '//secret.txt', '/%2fetc%2fpasswd', '/C:/secret.txt', '/%c0%ae%c0%ae/secret.txt', '/assets/../../secret.txt', '/etc/passwd',
  ];
  for (const path of attempts) {
    const response = await app.request(path);
    const body = await response.text();
    assert.ok(response.status === 400 || response.status === 404, `${path} -> ${response.status}`);
    assert.ok(!body.includes(SECRET), `${path} served the file outside the app`);
  }
  const server = await startExplorerServer({ ws, allowTraces: false, staticDir, host: '127.0.0.1', port: 0 });
  try {
    for (const path of attempts) {
      const { status, body } = await rawGet(server.port, path);
      assert.ok(status === 400 || status === 404, `over HTTP ${path} -> ${status}`);
      assert.ok(!body.includes(SECRET));
    }
  } finally {
    await server.close();
  }
});

test('a real server on an ephemeral port answers over HTTP; a non-loopback host generates a token', async () => {
  const server = await startExplorerServer({ ws, allowTraces: false, staticDir, host: '127.0.0.1', port: 0 });
  try {
    assert.equal(server.token, undefined);
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const meta = (await (await fetch(`${server.url}api/meta`)).json()) as ExplorerMeta;
    assert.equal(meta.runId, runId);
    const points = await fetch(`${server.url}api/points?level=0`);
    assert.equal(new Uint32Array(await points.arrayBuffer(), 0, 1)[0], 1002);
  } finally {
    await server.close();
  }
  const open = await startExplorerServer({ ws, allowTraces: false, staticDir, host: '0.0.0.0', port: 0 });
  try {
    assert.ok(open.token && open.token.length >= 24, 'a token is generated for a non-loopback host');
    assert.ok(open.url.endsWith(`?token=${open.token}`));
    assert.equal((await fetch(`http://127.0.0.1:${open.port}/api/meta`)).status, 401);
    const ok = await fetch(`http://127.0.0.1:${open.port}/api/meta`, { headers: { Authorization: `Bearer ${open.token}` } });
    assert.equal(ok.status, 200);
  } finally {
    await open.close();
  }
});

/** GET with the path sent exactly as written (fetch would normalise it). */
function rawGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'GET', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
