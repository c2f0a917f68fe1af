// The explorer's map with 1,000,000 points in headless Chromium (SwiftShader WebGL, no GPU): a synthetic
// three-level hierarchy written in the static export's layout (data/files.json mapping API paths to
// data/*.json and data/points-L.bin; src/server/export.ts) next to the built app, served over loopback.
// Reports time to first render (navigation to the first frame drawn with every point) and frame time
// while panning: for each frame the map drew during a short scripted drag, the time from that animation
// frame to the next one (which waits for the drawn frame to be done), so idle frames do not count.
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
  const files: Record<string, string> = { '/api/meta': 'meta.json', '/api/clusters': 'clusters.json' };
  for (const level of [0, 1, 2]) files[`/api/points?level=${level}`] = `points-${level}.bin`;
  writeFileSync(join(dir, 'files.json'), JSON.stringify(files));
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
  writeFileSync(indexPath, readFileSync(indexPath, 'utf8').replace('<head>', `<head><script>window.CLIO_STATIC = { data: 'data/' };</script>`));
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

    // Pan: a short scripted drag while every animation frame's timestamp and every drawn frame are logged.
    const box = (await page.locator('#map').boundingBox())!;
    // A string, not a function: tsx would wrap a named inner function in a helper the page lacks.
    await page.evaluate(`(() => {
      window.CLIO_FRAME_LOG = [];
      const ticks = (window.__ticks = []);
      const tick = (t) => {
        ticks.push(t);
        if (window.__recording !== false) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    })()`);
    started = performance.now();
    const [cx, cy] = [box.x + box.width / 2, box.y + box.height / 2];
    await page.mouse.move(cx, cy);
    await page.mouse.down();
    const steps = 24;
    for (let i = 1; i <= steps; i++) {
      const angle = (i / steps) * Math.PI * 2;
      await page.mouse.move(cx + Math.sin(angle) * 250, cy + Math.sin(angle * 0.5) * 150);
      await page.waitForTimeout(16);
    }
    const dragEnd = await page.evaluate(() => performance.now());
    await page.mouse.up();
    const dragSeconds = (performance.now() - started) / 1000;
    // Wait for the frame after the last drawn one, then stop recording.
    await page.waitForFunction(`(() => { const d = window.CLIO_FRAME_LOG; return d.length > 0 && window.__ticks.some((t) => t > d[d.length - 1].time); })()`, undefined, { timeout: 120_000 });
    const { ticks, draws } = await page.evaluate(`(() => { window.__recording = false; return { ticks: window.__ticks, draws: window.CLIO_FRAME_LOG }; })()`) as { ticks: number[]; draws: { time: number; points: number }[] };
    const frameTime = (time: number) => ticks.find((t) => t > time)! - time;
    const panning = draws.filter((d) => d.time <= dragEnd);
    const durations = panning.map((d) => frameTime(d.time)).sort((a, b) => a - b);
    const settle = draws.filter((d) => d.time > dragEnd);
    console.log(`renderer: ${renderer}`);
    console.log(`time to first render (${POINTS.toLocaleString('en-US')} points, navigation to first full frame): ${firstRenders.map((t) => `${t.toFixed(0)} ms`).join(', ')} (3 loads)`);
    console.log(
      `frame time while panning: median ${quantile(durations, 0.5).toFixed(1)} ms, p95 ${quantile(durations, 0.95).toFixed(1)} ms ` +
        `(${durations.length} drawn frames of ${[...new Set(panning.map((d) => d.points))].map((n) => n.toLocaleString('en-US')).join(' / ')} points over a ${dragSeconds.toFixed(1)} s drag of ${steps} pointer moves)`,
    );
    if (settle.length) console.log(`after the drag: ${settle.length} frame(s) of ${settle.map((d) => `${d.points.toLocaleString('en-US')} points, ${frameTime(d.time).toFixed(0)} ms`).join('; ')}`);
  } finally {
    await browser.close();
    server.close();
  }
}
