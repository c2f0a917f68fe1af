// The explorer in a real browser against the real server (src/server) on a workspace analysed from the
// shared OpenAssistant sample: tree, cluster panel (checked against the workspace tables), overlay,
// comparison, a shared URL restoring the view, screenshots, and a canary search for raw text.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { ExplorerMeta } from '../../src/server/data.ts';
import { exportExplorer } from '../../src/server/export.ts';
import { startExplorerServer, type RunningServer } from '../../src/server/index.ts';
import type { Workspace } from '../../src/store/workspace.ts';
import { analysedWorkspace, buildWebApp, CORPUS, launchChromium, ROOT, screenshotPath } from './helpers.ts';

declare global {
  interface Window {
    /** Set by web/src/main.ts for these tests. */
    CLIO_EXPLORER?: { viewBounds: () => [number, number, number, number] | null; isFlying: () => boolean };
  }
}

let ws: Workspace;
let workspaceDir: string | null;
let runId: string;
let server: RunningServer;
let browser: Browser;
let staticDir: string;
/** The view built up by the tests below, as a URL to share. */
let sharedUrl = '';

before(async () => {
  const [analysed, built] = await Promise.all([analysedWorkspace(), buildWebApp(join(ROOT, 'test/.tmp/explorer-web'))]);
  ({ ws, dir: workspaceDir, runId } = analysed);
  staticDir = built;
  server = await startExplorerServer({ ws, runId, allowTraces: false, staticDir, port: 0 });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
  ws?.close();
  if (workspaceDir) rmSync(workspaceDir, { recursive: true, force: true });
});

async function openApp(url: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1500, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(url);
  await page.waitForSelector('body[data-ready=true]', { timeout: 60_000 });
  assert.deepEqual(errors, [], 'no script errors');
  return page;
}

const number = (text: string | null) => Number((text ?? '').replace(/[^\d.]/g, ''));

interface ClusterRow {
  cluster_id: string;
  level: number;
  parent_id: string | null;
  name: string;
  size: number;
}

async function visibleClusters(): Promise<ClusterRow[]> {
  return ws.all<ClusterRow>('SELECT cluster_id, level, parent_id, name, size FROM clusters WHERE run_id = $1 AND visible ORDER BY level DESC, size DESC', [runId]);
}

/** Waits for the map to stop flying, then: how many of the cluster's points (from the workspace tables) lie in the view. */
async function clusterPointsInView(page: Page, clusterId: string): Promise<{ inside: number; total: number; bounds: [number, number, number, number]; points: { x: number; y: number }[] }> {
  await page.waitForFunction(() => window.CLIO_EXPLORER !== undefined && !window.CLIO_EXPLORER.isFlying());
  const bounds = (await page.evaluate(() => window.CLIO_EXPLORER!.viewBounds()))!;
  const points = await ws.all<{ x: number; y: number }>(
    `WITH RECURSIVE sub(cluster_id) AS (
       SELECT cluster_id FROM clusters WHERE run_id = $1 AND cluster_id = $2
       UNION ALL SELECT c.cluster_id FROM clusters c JOIN sub ON c.parent_id = sub.cluster_id WHERE c.run_id = $1)
     SELECT DISTINCT p.conversation_id, p.x, p.y FROM map_points p JOIN cluster_members m ON m.run_id = p.run_id AND m.conversation_id = p.conversation_id
     WHERE p.run_id = $1 AND m.cluster_id IN (SELECT cluster_id FROM sub)`,
    [runId, clusterId],
  );
  const [x0, y0, x1, y1] = bounds;
  const inside = points.filter((p) => p.x >= x0 && p.x <= x1 && p.y >= y0 && p.y <= y1).length;
  return { inside, total: points.length, bounds, points };
}

/** Header and toolbar parts that overlap, leave their bar, or broke onto two lines. */
async function layoutProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    // No named helper functions in here: tsx's name-keeping wrapper does not exist in the page.
    const bars: [string, string][] = [
      ['.top', '.top > .brand, .run > *, .top > .search'],
      ['.map-toolbar', '.map-toolbar > .label, .map-toolbar select, .map-toolbar .free-range, #clear-selection'],
      ['.tree-pane .pane-head', '.tree-pane .pane-head > h2, .tree-pane .pane-head > label'],
    ];
    for (const [barSelector, partsSelector] of bars) {
      const bar = document.querySelector(barSelector)!.getBoundingClientRect();
      const parts = [...document.querySelectorAll(partsSelector)]
        .map((el) => ({ name: `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''} "${(el.textContent ?? '').trim().slice(0, 30)}"`, box: el.getBoundingClientRect() }))
        .filter(({ box }) => box.width > 0);
      for (const { name, box } of parts) {
        if (box.left < bar.left - 0.5 || box.right > bar.right + 0.5 || box.bottom > bar.bottom + 0.5) problems.push(`${name} leaves ${barSelector}`);
        if (box.height > 34) problems.push(`${name} broke onto two lines (${box.height}px)`);
      }
      for (let i = 0; i < parts.length; i++)
        for (let j = i + 1; j < parts.length; j++) {
          const [a, b] = [parts[i].box, parts[j].box];
          if (a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5) problems.push(`${parts[i].name} overlaps ${parts[j].name}`);
        }
      if (bar.height > 100) problems.push(`${barSelector} is ${bar.height}px tall`);
    }
    if (document.documentElement.scrollWidth > document.documentElement.clientWidth) problems.push('the page scrolls sideways');
    return problems;
  });
}

const SCREENS = [
  { width: 1500, height: 900 },
  { width: 1280, height: 800 },
];

test('the map, tree and panel show the workspace, and the numbers match its tables', async () => {
  const page = await openApp(server.url);
  const clusters = await visibleClusters();
  const topLevel = clusters[0].level;
  const tops = clusters.filter((c) => c.level === topLevel);

  // The map drew every point: a first frame was marked with the corpus's map point count.
  const [{ points }] = await ws.all<{ points: number }>('SELECT count(*) AS points FROM map_points WHERE run_id = $1', [runId]);
  await page.waitForFunction(() => performance.getEntriesByName('clio:first-frame').length > 0);
  const drawn = await page.evaluate(() => (performance.getEntriesByName('clio:first-frame')[0] as PerformanceMark).detail.points as number);
  assert.equal(drawn, points);
  const labels = await page.locator('.map-label:not([hidden])').allTextContents();
  assert.ok(labels.length >= Math.min(3, tops.length), `top-level labels on the map (${labels.join(' | ')})`);

  // Tree: the top level, largest first, then a node expanded to its visible children.
  const topRows = await page.locator('.tree-row[style*="--depth:0"]').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.id));
  assert.deepEqual(topRows, tops.map((c) => c.cluster_id));
  await page.screenshot({ path: screenshotPath('01-overview') });

  const parent = tops[0];
  const children = clusters.filter((c) => c.parent_id === parent.cluster_id);
  assert.ok(children.length > 0, 'the largest top-level cluster has visible children');
  await page.locator(`.tree-row[data-id="${parent.cluster_id}"] .caret`).click();
  const childRows = await page.locator('.tree-row[style*="--depth:1"]').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.id));
  assert.deepEqual(childRows.sort(), children.map((c) => c.cluster_id).sort());

  // Select a child: the panel's numbers are the workspace's.
  const child = children[0];
  await page.locator(`.tree-row[data-id="${child.cluster_id}"] .name`).click();
  await page.waitForSelector('#cluster-panel [data-field="size"]');
  const panel = page.locator('#cluster-panel');
  assert.equal(await panel.locator('[data-field="name"]').textContent(), child.name);
  assert.equal(number(await panel.locator('[data-field="size"]').textContent()), child.size);
  assert.equal(number(await panel.locator('[data-field="level"]').textContent()), child.level);
  const [{ clustered }] = await ws.all<{ clustered: number }>('SELECT count(*) AS clustered FROM cluster_members WHERE run_id = $1', [runId]);
  const shownShare = number(await panel.locator('[data-field="share"]').textContent());
  assert.ok(Math.abs(shownShare - (child.size / clustered) * 100) < 0.51, `share of corpus ${shownShare}% for ${child.size}/${clustered}`);
  const shownOfParent = number(await panel.locator('[data-field="shareOfParent"]').textContent());
  assert.ok(Math.abs(shownOfParent - (child.size / parent.size) * 100) < 0.51, `share of parent ${shownOfParent}%`);
  const grandchildren = clusters.filter((c) => c.parent_id === child.cluster_id);
  assert.equal(await panel.locator('.children li:not(.other)').count(), grandchildren.length);
  const [{ hidden, hiddenSize }] = await ws.all<{ hidden: number; hiddenSize: number }>(
    'SELECT count(*) AS hidden, coalesce(sum(size), 0) AS hiddenSize FROM clusters WHERE run_id = $1 AND parent_id = $2 AND NOT visible',
    [runId, child.cluster_id],
  );
  if (hidden > 0) assert.match(await panel.locator('[data-field="other"]').textContent() ?? '', new RegExp(`${hidden} hidden clusters?, ${Number(hiddenSize).toLocaleString('en-US')} conversations`));
  assert.ok((await panel.locator('section.facet svg').count()) > 0, 'facet charts are drawn');
  assert.equal(await page.locator('.tree-row.selected').getAttribute('data-id'), child.cluster_id);

  // The map flew to where the selected cluster's points are (not to its centroid, which may be empty).
  const view = await clusterPointsInView(page, child.cluster_id);
  assert.equal(view.total, child.size);
  assert.ok(view.inside >= 0.6 * view.total, `${view.inside} of ${view.total} points of the selected cluster in view`);
  await page.screenshot({ path: screenshotPath('02-cluster-selected') });

  // Zooming the map in (about a point of the selected cluster near its median) reveals finer levels' labels.
  const box = (await page.locator('#map').boundingBox())!;
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const [mx, my] = [median(view.points.map((p) => p.x)), median(view.points.map((p) => p.y))];
  const anchor = view.points.reduce((best, p) => (Math.hypot(p.x - mx, p.y - my) < Math.hypot(best.x - mx, best.y - my) ? p : best));
  const [x0, y0, x1, y1] = view.bounds;
  await page.mouse.move(box.x + ((anchor.x - x0) / (x1 - x0)) * box.width, box.y + ((y1 - anchor.y) / (y1 - y0)) * box.height);
  for (let i = 0; i < 5; i++) await page.mouse.wheel(0, -300);
  await page.waitForTimeout(300);
  assert.ok((await page.locator('.map-label.level-fine:not([hidden])').count()) > 0, 'finer labels after zooming in');
  await page.screenshot({ path: screenshotPath('03-map-zoomed') });
  // Back out to the view of the selected cluster for the overlay.
  for (let i = 0; i < 5; i++) await page.mouse.wheel(0, 300);

  // Overlay: a number-facet range colours the tree by share per cluster.
  await page.selectOption('#overlay-facet', 'turns');
  await page.locator('#overlay-value input').first().fill('3');
  await page.locator('#overlay-value input').last().fill('7');
  await page.locator('#overlay-value button').click();
  await page.waitForFunction(() => document.querySelector<HTMLElement>('#legend')?.dataset.overlay === '3 ≤ turns < 7');
  const [{ matching }] = await ws.all<{ matching: number }>(
    `SELECT count(DISTINCT f.conversation_id) AS matching FROM facets f JOIN cluster_members m ON m.conversation_id = f.conversation_id AND m.run_id = $1
     WHERE f.facet = 'turns' AND f.value_number >= 3 AND f.value_number < 7`,
    [runId],
  );
  assert.match((await page.locator('#legend').textContent()) ?? '', new RegExp(`${Number(matching).toLocaleString('en-US')} conversations`));
  await page.selectOption('#sort', 'overlay');
  const metrics = await page.locator('.tree-row[style*="--depth:0"] .metric').allTextContents();
  assert.ok(metrics.every((m) => /%$|few/.test(m)), `tree shows overlay shares (${metrics.join(', ')})`);
  await page.screenshot({ path: screenshotPath('04-overlay-turns') });

  // With the free range fields shown, the header and toolbar wrap without overlapping or overflowing.
  for (const screen of SCREENS) {
    await page.setViewportSize(screen);
    assert.deepEqual(await layoutProblems(page), [], `layout at ${screen.width}x${screen.height}`);
  }
  await page.screenshot({ path: screenshotPath('04b-overlay-1280x800') });
  await page.setViewportSize(SCREENS[0]);

  // Compare: the subset "turns 3-7" ranked by over-representation.
  await page.locator('.tabs button[data-tab="compare"]').click();
  await page.selectOption('#compare-facet', 'turns');
  await page.locator('#compare-value input').first().fill('3');
  await page.locator('#compare-value input').last().fill('7');
  await page.locator('#compare-value button').click();
  await page.waitForSelector('#compare-result [data-field="hidden"]');
  const ratios = (await page.locator('table.compare td.ratio').allTextContents()).map((t) => Number.parseFloat(t));
  assert.ok(ratios.length > 0, 'some clusters are ranked');
  assert.deepEqual(ratios, [...ratios].sort((a, b) => b - a), 'ranked by ratio, highest first');
  // Each group of conversations is listed once: a parent whose only visible child has the same members
  // is shown as that child, with the child's (equal) exact counts.
  const rowIds = await page.locator('table.compare tbody tr').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.id!));
  assert.equal(new Set(rowIds).size, rowIds.length);
  const byId = new Map(clusters.map((c) => [c.cluster_id, c]));
  for (const id of rowIds) {
    const kids = clusters.filter((c) => c.parent_id === id);
    assert.ok(!(kids.length === 1 && kids[0].size === byId.get(id)!.size && rowIds.includes(kids[0].cluster_id)), `${byId.get(id)!.name} (L${byId.get(id)!.level}) is listed with its same-members child`);
  }
  const sizes = (await page.locator('table.compare tbody tr td:nth-child(4)').allTextContents()).map(number);
  assert.deepEqual(sizes, rowIds.map((id) => byId.get(id)!.size), 'sizes are the workspace clusters\' sizes');
  const merged = await page.locator('table.compare tbody tr[data-also]').count();
  assert.equal(/listed once/.test((await page.locator('#compare-result [data-field="hidden"]').textContent()) ?? ''), merged > 0, 'the table says when it merged rows');
  await page.screenshot({ path: screenshotPath('05-compare-turns') });

  sharedUrl = page.url();
  await page.close();
});

test('reloading a shared URL brings back the same view', async () => {
  assert.ok(sharedUrl.includes('#'), `the URL holds the view (${sharedUrl})`);
  const hash = new URLSearchParams(new URL(sharedUrl).hash.slice(1));
  for (const key of ['c', 'open', 'overlay', 'compare', 'sort', 'cam']) assert.ok(hash.has(key), `URL holds ${key}`);
  const page = await openApp(sharedUrl);
  await page.waitForSelector('#compare-result table.compare');
  assert.equal(await page.locator('.tree-row.selected').getAttribute('data-id'), hash.get('c'));
  assert.equal(await page.locator('#legend').getAttribute('data-overlay'), '3 ≤ turns < 7');
  assert.equal(await page.locator('#sort').inputValue(), 'overlay');
  assert.ok((await page.locator('table.compare tbody tr').count()) > 0);
  for (const id of hash.get('open')!.split(',')) assert.equal(await page.locator(`.tree-row[data-id="${id}"]`).getAttribute('aria-expanded'), 'true');
  assert.equal(new URL(page.url()).hash, new URL(sharedUrl).hash, 'the view state survives unchanged');
  await page.locator('.tabs button[data-tab="cluster"]').click();
  await page.waitForSelector('#cluster-panel [data-field="size"]');
  await page.screenshot({ path: screenshotPath('06-shared-url-restored') });
  await page.close();
});

test('search finds clusters by name and selects them', async () => {
  const page = await openApp(server.url);
  const [target] = (await visibleClusters()).filter((c) => c.level === 0);
  const word = target.name.split(' · ')[0];
  await page.fill('#search-input', word);
  await page.waitForSelector('#search-results:not([hidden]) a');
  await page.screenshot({ path: screenshotPath('07-search') });
  await page.locator(`#search-results a[data-select="${target.cluster_id}"]`).click();
  await page.waitForSelector('#cluster-panel [data-field="size"]');
  assert.equal(await page.locator('#cluster-panel [data-field="name"]').textContent(), target.name);
  assert.match(page.url(), new RegExp(`c=${target.cluster_id}`));
  const view = await clusterPointsInView(page, target.cluster_id);
  assert.ok(view.total > 0 && view.inside >= 0.6 * view.total, `${view.inside} of ${view.total} points of the found cluster in view`);
  await page.screenshot({ path: screenshotPath('07b-search-selected') });
  await page.close();
});

/** The first 40 characters of every message of the corpus long enough to be specific, lower-cased. */
function messageCanaries(): string[] {
  const corpus = readFileSync(CORPUS, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as { messages: { content: string }[] });
  const canaries = [...new Set(corpus.flatMap((c) => c.messages.map((m) => m.content.trim().slice(0, 40).toLowerCase())).filter((t) => t.length >= 40))];
  assert.ok(canaries.length > 500);
  return canaries;
}

test('with traces off, no page or response holds any conversation text', async () => {
  const canaries = messageCanaries();

  const page = await browser.newPage({ viewport: { width: 1500, height: 900 } });
  const bodies: string[] = [];
  page.on('response', async (response) => {
    if (!response.url().includes('/api/points')) bodies.push(await response.text().catch(() => ''));
  });
  await page.goto(server.url);
  await page.waitForSelector('body[data-ready=true]');
  // Visit every cluster's panel so every detail response passes through the page.
  for (const cluster of await visibleClusters()) {
    await page.evaluate((id) => {
      location.hash = `c=${encodeURIComponent(id)}`;
    }, cluster.cluster_id);
    await page.waitForFunction((id) => document.querySelector('#cluster-panel h2[data-field="name"]') && document.querySelector('.tree-row.selected')?.getAttribute('data-id') === id, cluster.cluster_id);
    bodies.push(await page.content(), await page.locator('body').innerText());
  }
  assert.equal(await page.locator('#traces-banner').isHidden(), true);
  assert.equal(await page.locator('[data-traces]').count(), 0, 'no trace button without --allow-traces');
  const everything = bodies.join('\n').toLowerCase();
  const leaked = canaries.filter((canary) => everything.includes(canary));
  assert.deepEqual(leaked, []);
  await page.close();
});

/** The canary check above would catch text if it were there: with traces on, the examples hold some. */
async function canariesOnPage(page: Page): Promise<number> {
  const corpus = readFileSync(CORPUS, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as { messages: { content: string }[] });
  const canaries = corpus.map((c) => c.messages[0].content.trim().slice(0, 40).toLowerCase()).filter((t) => t.length >= 40);
  const content = (await page.content()).toLowerCase();
  return canaries.filter((canary) => content.includes(canary)).length;
}

test('with --allow-traces the page says so in a red banner', async () => {
  const tracing = await startExplorerServer({ ws, runId, allowTraces: true, staticDir, port: 0 });
  try {
    const page = await openApp(tracing.url);
    const banner = page.locator('#traces-banner');
    assert.equal(await banner.isVisible(), true);
    assert.match((await banner.textContent()) ?? '', /Traces are ON/);
    assert.equal(await banner.evaluate((el) => getComputedStyle(el).backgroundColor), 'rgb(180, 35, 24)');
    const [top] = (await visibleClusters()).filter((c) => c.level === 0);
    await page.evaluate((id) => {
      location.hash = `c=${encodeURIComponent(id)}`;
    }, top.cluster_id);
    await page.locator('[data-traces]').click();
    await page.waitForSelector('#traces .trace');
    assert.ok((await canariesOnPage(page)) > 0, 'trace examples show conversation text, which the canary search finds');
    await page.screenshot({ path: screenshotPath('08-traces-on-banner') });
    await page.close();
  } finally {
    await tracing.close();
  }
});

test('the static export works from disk: tree, panel, overlay, comparison and search, with no network', async () => {
  const out = join(ROOT, 'test/.tmp/explorer-export');
  rmSync(out, { recursive: true, force: true });
  await exportExplorer({ ws, runId, outDir: out, staticDir });
  const meta = JSON.parse(readFileSync(join(out, 'data/meta.json'), 'utf8')) as ExplorerMeta;
  const files = JSON.parse(readFileSync(join(out, 'data/files.json'), 'utf8')) as Record<string, string>;

  const page = await browser.newPage({ viewport: { width: 1500, height: 900 } });
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(pathToFileURL(join(out, 'index.html')).href);
  await page.waitForSelector('body[data-ready=true]', { timeout: 60_000 });
  assert.deepEqual(errors, [], 'no script errors');
  assert.ok(await page.locator('.run .pill', { hasText: 'static export' }).isVisible());
  await page.waitForFunction(() => performance.getEntriesByName('clio:first-frame').length > 0);

  // Tree and cluster panel, from the exported files.
  const clusters = await visibleClusters();
  const tops = clusters.filter((c) => c.level === clusters[0].level);
  const topRows = await page.locator('.tree-row[style*="--depth:0"]').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.id));
  assert.deepEqual(topRows, tops.map((c) => c.cluster_id));
  const child = clusters.find((c) => c.parent_id === tops[0].cluster_id)!;
  await page.locator(`.tree-row[data-id="${tops[0].cluster_id}"] .caret`).click();
  await page.locator(`.tree-row[data-id="${child.cluster_id}"] .name`).click();
  await page.waitForSelector('#cluster-panel [data-field="size"]');
  assert.equal(await page.locator('#cluster-panel [data-field="name"]').textContent(), child.name);
  assert.equal(number(await page.locator('#cluster-panel [data-field="size"]').textContent()), child.size);

  // Overlay: a suggested range of a number facet (the export holds only those), checked against the tables.
  const turns = meta.facets.find((f) => f.name === 'turns')!;
  const band = turns.bands!.find((b) => files[`/api/overlay?${new URLSearchParams({ facet: 'turns', ...(b.min === undefined ? {} : { min: String(b.min) }), ...(b.max === undefined ? {} : { max: String(b.max) }) })}`])!;
  assert.ok(band, 'the export holds an overlay for some turns range');
  await page.selectOption('#overlay-facet', 'turns');
  assert.equal(await page.locator('#overlay-value input').count(), 0, 'no free range without a server');
  await page.selectOption('#overlay-value select', { index: 1 });
  await page.waitForFunction(() => Boolean(document.querySelector<HTMLElement>('#legend')?.dataset.overlay));
  const [{ matching }] = await ws.all<{ matching: number }>(
    `SELECT count(DISTINCT f.conversation_id) AS matching FROM facets f JOIN cluster_members m ON m.conversation_id = f.conversation_id AND m.run_id = $1
     WHERE f.facet = 'turns' AND f.value_number >= $2 AND ($3::DOUBLE IS NULL OR f.value_number < $3::DOUBLE)`,
    [runId, band.min ?? -1e9, band.max ?? null],
  );
  assert.match((await page.locator('#legend').textContent()) ?? '', new RegExp(`${Number(matching).toLocaleString('en-US')} conversations`));
  // A category value too.
  await page.selectOption('#overlay-facet', 'language');
  await page.selectOption('#overlay-value select', 'en');
  await page.waitForFunction(() => document.querySelector<HTMLElement>('#legend')?.dataset.overlay === 'language = en');
  await page.screenshot({ path: screenshotPath('09-static-export-overlay') });
  for (const screen of SCREENS) {
    await page.setViewportSize(screen);
    assert.deepEqual(await layoutProblems(page), [], `static export layout at ${screen.width}x${screen.height}`);
  }
  await page.screenshot({ path: screenshotPath('09b-static-export-1280x800') });
  await page.setViewportSize(SCREENS[0]);

  // Comparison from the exported files.
  await page.locator('.tabs button[data-tab="compare"]').click();
  await page.selectOption('#compare-facet', 'turns');
  await page.selectOption('#compare-value select', { index: 1 });
  await page.waitForSelector('#compare-result [data-field="hidden"]');
  assert.ok((await page.locator('table.compare tbody tr').count()) > 0, 'some clusters are ranked');

  // Search runs in the page.
  const [target] = clusters.filter((c) => c.level === 0);
  await page.fill('#search-input', target.name.split(' · ')[0]);
  await page.waitForSelector(`#search-results:not([hidden]) a[data-select="${target.cluster_id}"]`);
  await page.screenshot({ path: screenshotPath('10-static-export-search') });
  await page.locator(`#search-results a[data-select="${target.cluster_id}"]`).click();
  await page.waitForFunction((name) => document.querySelector('#cluster-panel [data-field="name"]')?.textContent === name, target.name);

  const remote = requests.filter((url) => !/^(file|data|blob):/.test(url));
  assert.deepEqual(remote, [], 'every request stays on disk');
  assert.ok(requests.some((url) => url.endsWith('/data/static.js')), 'the data came from data/static.js');
  const canaries = messageCanaries();
  const seen = [await page.content(), await page.locator('body').innerText(), ...walk(out).filter((file) => !file.endsWith('.bin')).map((file) => readFileSync(file, 'utf8'))].join('\n').toLowerCase();
  assert.deepEqual(canaries.filter((canary) => seen.includes(canary)), [], 'no conversation text in the page or the export');
  await page.close();
});

function walk(path: string): string[] {
  return statSync(path).isDirectory() ? readdirSync(path).flatMap((name) => walk(join(path, name))) : [path];
}
