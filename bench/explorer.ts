// The explorer's map with 1,000,000 points in headless Chromium (SwiftShader WebGL, no GPU): a synthetic
// three-level hierarchy written as a static export (data/*.json, data/points-L.bin) next to the built
// app, served over loopback. Reports time to first render (navigation to the first frame drawn with
// every point) and frame time while panning (requestAnimationFrame intervals over a scripted drag).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { createRandom, standardNormal } from '../src/util/random.ts';
import { buildWebApp, launchChromium, ROOT } from '../test/explorer/helpers.ts';

const POINTS = 1_000_000;
const FANOUT = [24, 5, 5]; // top clusters, children per top, children per middle cluster: 24 / 120 / 600
const OUT = join(ROOT, 'bench/out/explorer');

interface SyntheticCluster {
  id: string;
  level: number;
  parentId: string | null;
  name: string;
  description: string;
  size: number;
  share: number;
  shareOfParent: number;
  x: number;
  y: number;
  childCount: number;
  stats: Record<string, number>;
}

function writeDataset(dir: string): void {
  const random = createRandom(11);
  const gaussian = () => standardNormal(random);
  const clusters: SyntheticCluster[] = [];
  const add = (level: number, parent: SyntheticCluster | null, x: number, y: number, label: string) => {
    const cluster: SyntheticCluster = { id: `${level}-${clusters.length}`, level, parentId: parent?.id ?? null, name: label, description: `synthetic cluster ${label}`, size: 0, share: 0, shareOfParent: 0, x, y, childCount: 0, stats: {} };
    clusters.push(cluster);
    if (parent) parent.childCount++;
    return cluster;
  };
  const base: SyntheticCluster[] = [];
  const lineage: SyntheticCluster[][] = [];
  for (let t = 0; t < FANOUT[0]; t++) {
    const top = add(2, null, gaussian() * 10, gaussian() * 10, `topic ${t + 1}`);
    for (let m = 0; m < FANOUT[1]; m++) {
      const middle = add(1, top, top.x + gaussian() * 2, top.y + gaussian() * 2, `topic ${t + 1}.${m + 1}`);
      for (let b = 0; b < FANOUT[2]; b++) {
        const leaf = add(0, middle, middle.x + gaussian() * 0.6, middle.y + gaussian() * 0.6, `topic ${t + 1}.${m + 1}.${b + 1}`);
        base.push(leaf);
        lineage.push([leaf, middle, top]);
      }
    }
  }
  const indexOf = new Map(clusters.map((c, i) => [c.id, i]));
  const buffers = [0, 1, 2].map(() => Buffer.alloc(4 + POINTS * 12));
  for (const buffer of buffers) buffer.writeUInt32LE(POINTS, 0);
  const weights = base.map(() => 0.2 + random());
  const total = weights.reduce((a, b) => a + b, 0);
  const cumulative = weights.map(((sum) => (w: number) => (sum += w / total))(0));
  for (let i = 0; i < POINTS; i++) {
    const r = random();
    let b = cumulative.findIndex((c) => c >= r);
    if (b < 0) b = base.length - 1;
    const leaf = base[b];
    const x = leaf.x + gaussian() * 0.25, y = leaf.y + gaussian() * 0.25;
    for (let level = 0; level < 3; level++) {
      const cluster = lineage[b][level];
      if (level === 0) cluster.size++;
      buffers[level].writeFloatLE(x, 4 + i * 8);
      buffers[level].writeFloatLE(y, 4 + i * 8 + 4);
      buffers[level].writeUInt32LE(indexOf.get(cluster.id)!, 4 + POINTS * 8 + i * 4);
    }
  }
  for (const leaf of base) for (const ancestor of lineage[base.indexOf(leaf)].slice(1)) ancestor.size += leaf.size;
  const byId = new Map(clusters.map((c) => [c.id, c]));
  for (const c of clusters) {
    c.share = c.size / POINTS;
    c.shareOfParent = c.parentId ? c.size / byId.get(c.parentId)!.size : 1;
  }
  mkdirSync(dir, { recursive: true });
  buffers.forEach((buffer, level) => writeFileSync(join(dir, `points-${level}.bin`), buffer));
  writeFileSync(join(dir, 'clusters.json'), JSON.stringify({ clusters }));
  writeFileSync(
    join(dir, 'meta.json'),
    JSON.stringify({
      runId: 'synthetic-1m',
      runs: ['synthetic-1m'],
      mode: 'keyword',
      allowTraces: false,
      privacy: { minUsers: 25, minConversations: 50, userIdsPresent: true },
      corpus: { conversations: POINTS, clustered: POINTS, firstDate: null, lastDate: null },
      levels: 3,
      facets: [],
    }),
  );
}

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.json': 'application/json', '.bin': 'application/octet-stream', '.css': 'text/css' };

function serveFolder(root: string): Promise<{ url: string; close: () => void }> {
  const server = createServer((request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname)).replace(/^\/+/, '') || 'index.html';
    if (path.startsWith('..')) return void response.writeHead(400).end();
    try {
      const body = readFileSync(join(root, path));
      response.writeHead(200, { 'Content-Type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, close: () => server.close() })));
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

export async function run(): Promise<void> {
  rmSync(OUT, { recursive: true, force: true });
  let started = performance.now();
  await buildWebApp(OUT);
  writeDataset(join(OUT, 'data'));
  const indexPath = join(OUT, 'index.html');
  writeFileSync(indexPath, readFileSync(indexPath, 'utf8').replace('<head>', `<head><script>window.CLIO_STATIC = 'data/';</script>`));
  console.log(`built the app and ${POINTS.toLocaleString('en-US')} synthetic points in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const server = await serveFolder(OUT);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1500, height: 900 } });
    const renderer = await page.evaluate(() => {
      const gl = document.createElement('canvas').getContext('webgl2');
      const info = gl?.getExtension('WEBGL_debug_renderer_info');
      return gl ? String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER)) : 'no WebGL2';
    });
    const firstRenders: number[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      await page.goto(server.url, { waitUntil: 'commit' });
      await page.waitForFunction(() => performance.getEntriesByName('clio:first-frame').length > 0, undefined, { timeout: 120_000 });
      const mark = await page.evaluate(() => {
        const entry = performance.getEntriesByName('clio:first-frame')[0] as PerformanceMark;
        return { time: entry.startTime, points: entry.detail.points as number };
      });
      if (mark.points !== POINTS) throw new Error(`the first frame drew ${mark.points} points, not ${POINTS}`);
      firstRenders.push(mark.time);
    }
    await page.waitForSelector('body[data-ready=true]');
    await page.waitForTimeout(500);

    // Pan: a scripted drag across the map while every animation frame's timestamp is recorded.
    const box = (await page.locator('#map').boundingBox())!;
    // A string, not a function: tsx would wrap a named inner function in a helper the page lacks.
    await page.evaluate(`(() => {
      const frames = (window.__frames = []);
      const tick = (t) => {
        frames.push(t);
        if (window.__recording !== false) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    })()`);
    started = performance.now();
    const [cx, cy] = [box.x + box.width / 2, box.y + box.height / 2];
    await page.mouse.move(cx, cy);
    await page.mouse.down();
    const steps = 60;
    for (let i = 1; i <= steps; i++) {
      const angle = (i / steps) * Math.PI * 4;
      await page.mouse.move(cx + Math.sin(angle) * 250, cy + Math.sin(angle * 0.5) * 150);
      await page.waitForTimeout(8);
    }
    await page.mouse.up();
    const dragSeconds = (performance.now() - started) / 1000;
    const frames = await page.evaluate(() => {
      (window as unknown as { __recording: boolean }).__recording = false;
      return (window as unknown as { __frames: number[] }).__frames;
    });
    const intervals = frames.slice(2).map((t, i) => t - frames[i + 1]).sort((a, b) => a - b);
    console.log(`renderer: ${renderer}`);
    console.log(`time to first render (${POINTS.toLocaleString('en-US')} points, navigation to first full frame): ${firstRenders.map((t) => `${t.toFixed(0)} ms`).join(', ')} (3 loads)`);
    console.log(
      `frame time while panning: median ${quantile(intervals, 0.5).toFixed(1)} ms, p95 ${quantile(intervals, 0.95).toFixed(1)} ms ` +
        `(${intervals.length} frames over a ${dragSeconds.toFixed(1)} s drag, ${steps} pointer moves)`,
    );
  } finally {
    await browser.close();
    server.close();
  }
}
