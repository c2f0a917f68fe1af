// The explorer over the report fixture (hidden clusters named with a canary, a canary in one
// conversation, timestamps) and its static export.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { applyPrivacyThresholds } from '../../src/privacy/thresholds.ts';
import { createExplorerApp } from '../../src/server/app.ts';
import type { ClusterDetail, ExplorerCluster, ExplorerMeta } from '../../src/server/data.ts';
import { exportExplorer, STATIC_MARKER } from '../../src/server/export.ts';
import { openWorkspace, type Workspace } from '../../src/store/workspace.ts';
import { createFixtureWorkspace, NAME_CANARY, RUN_ID, TEXT_CANARY } from '../report/fixture.ts';
import { fakeWebApp } from './helpers.ts';

let dir: string;
let ws: Workspace;
let site: { staticDir: string; root: string };

before(async () => {
  const fixture = await createFixtureWorkspace({ withUserIds: true });
  await applyPrivacyThresholds(fixture.ws, RUN_ID, { minUsers: 10, minConversations: 20 });
  fixture.ws.close();
  dir = fixture.dir;
  ws = await openWorkspace({ dir, readOnly: true });
  site = fakeWebApp();
});
after(() => {
  ws.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(site.root, { recursive: true, force: true });
});

test('hidden clusters never appear; a rare language is folded into other; the timeline keeps only busy days', async () => {
  const app = createExplorerApp({ ws, allowTraces: false, staticDir: site.staticDir });
  const { clusters } = (await (await app.request('/api/clusters')).json()) as { clusters: ExplorerCluster[] };
  assert.deepEqual(clusters.map((c) => c.id).sort(), ['b-bread', 'b-cake', 'b-grill', 'b-js', 'b-python', 'mid-baking', 'mid-grill', 'mid-python', 'top-code', 'top-cooking']);
  const bodies: string[] = [JSON.stringify(clusters)];
  for (const cluster of clusters) bodies.push(await (await app.request(`/api/clusters/${cluster.id}`)).text());
  bodies.push(await (await app.request('/api/meta')).text(), await (await app.request(`/api/search?q=${NAME_CANARY}`)).text());
  const all = bodies.join('\n');
  assert.ok(!all.includes(NAME_CANARY), 'a hidden cluster name was served');
  assert.ok(!all.includes(TEXT_CANARY), 'conversation text was served');
  assert.equal((await app.request('/api/clusters/b-rare')).status, 404);

  const bread = (await (await app.request('/api/clusters/b-bread')).json()) as ClusterDetail;
  const languages = bread.facets.find((f) => f.name === 'language')!.categories!;
  assert.ok(!languages.some((c) => c.value === 'is'), 'one Icelandic conversation is not shown by name');
  assert.deepEqual(bread.path.map((p) => p.id), ['top-cooking', 'mid-baking']);
  const baking = (await (await app.request('/api/clusters/mid-baking')).json()) as ClusterDetail;
  assert.deepEqual(baking.other, { clusters: 1, conversations: 6 });
  // Fixture days hold at most 4 conversations each (below 20): every day is withheld.
  assert.deepEqual(bread.timeline, []);
  const meta = (await (await app.request('/api/meta')).json()) as ExplorerMeta;
  assert.equal(meta.corpus.firstDate, '2024-03-01');
  assert.equal(meta.mode, 'keyword');
  assert.match(meta.modeNote.summary, /no language model was used/);
  assert.ok(meta.modeNote.cannot.length > 0, 'keyword mode says what it cannot do');
});

test('the static export writes the app, every API answer and a file index; never traces', async () => {
  const out = join(site.root, 'export');
  const result = await exportExplorer({ ws, outDir: out, staticDir: site.staticDir });
  assert.ok(result.files > 10);
  const html = readFileSync(join(out, 'index.html'), 'utf8');
  assert.ok(html.includes(STATIC_MARKER), 'index.html marks the static mode');
  assert.ok(existsSync(join(out, 'assets', 'app.js')));
  const files = JSON.parse(readFileSync(join(out, 'data', 'files.json'), 'utf8')) as Record<string, string>;
  const app = createExplorerApp({ ws, allowTraces: false, staticDir: site.staticDir });
  const meta = JSON.parse(readFileSync(join(out, 'data', 'meta.json'), 'utf8')) as ExplorerMeta;
  assert.equal(meta.allowTraces, false);
  for (const [apiPath, file] of Object.entries(files)) {
    const live = await app.request(apiPath);
    assert.equal(live.status, 200, apiPath);
    const written = readFileSync(join(out, 'data', file));
    if (file.endsWith('.bin')) assert.deepEqual(new Uint8Array(written), new Uint8Array(await live.arrayBuffer()), apiPath);
    else assert.deepEqual(JSON.parse(written.toString('utf8')), await live.json(), apiPath);
  }
  assert.equal(files['/api/clusters/b-bread'] !== undefined, true);
  assert.ok(Object.keys(files).some((k) => k.startsWith('/api/overlay?facet=language&value=en')));
  assert.ok(Object.keys(files).some((k) => k.startsWith('/api/compare?facet=turns&min=')));
  assert.ok(!Object.keys(files).some((k) => k.includes('traces')));
  const script = readFileSync(join(out, 'data', 'static.js'), 'utf8');
  assert.match(script, /^window\.CLIO_STATIC_FILES=/);
  // From disk the app reads only data/static.js: it must hold the file index and every file it names.
  const embedded = JSON.parse(script.replace(/^window\.CLIO_STATIC_FILES=/, '').replace(/;\s*$/, '')) as Record<string, unknown>;
  assert.deepEqual(embedded['files.json'], files);
  for (const file of Object.values(files)) {
    const written = readFileSync(join(out, 'data', file));
    assert.deepEqual(embedded[file], file.endsWith('.bin') ? written.toString('base64') : JSON.parse(written.toString('utf8')), file);
  }
  // Every suggested range of a number facet that enough users fall in has its overlay and comparison.
  const turns = meta.facets.find((f) => f.name === 'turns')!;
  assert.ok(turns.bands!.some((band) => files[`/api/compare?${new URLSearchParams({ facet: 'turns', ...(band.min === undefined ? {} : { min: String(band.min) }), ...(band.max === undefined ? {} : { max: String(band.max) }) })}`]));
  const everything = walk(out).map((f) => readFileSync(f, 'utf8')).join('\n');
  assert.ok(!everything.includes(NAME_CANARY) && !everything.includes(TEXT_CANARY), 'the export holds hidden names or raw text');
});

function walk(path: string): string[] {
  return statSync(path).isDirectory() ? readdirSync(path).flatMap((name) => walk(join(path, name))) : [path];
}
