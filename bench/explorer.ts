// The explorer on a generated workspace of 1,000,000 conversations (bench/explorer-workspace.ts), served by
// the real server (startExplorerServer, src/server) and drawn by headless Chromium (SwiftShader WebGL, no
// GPU). Reports: how long the workspace took to write; server time per API request on a fresh server
// (first: the run's aggregates are loaded and the point buffer built; again: cached); time to first
// render (navigation to the first frame drawn with every point, from the app's `clio:first-frame` mark),
// on a fresh server and then with the server's caches warm; and frame time while panning: for each frame
// the map drew during a short scripted drag, the time from that animation frame to the next one (which
// waits for the drawn frame to be done), so idle frames do not count.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { startExplorerServer, type RunningServer } from '../src/server/index.ts';
import { buildWebApp, launchChromium, ROOT } from '../test/explorer/helpers.ts';
import { generateWorkspace } from './explorer-workspace.ts';

const POINTS = 1_000_000;
const USERS = 50_000;
const APP = join(ROOT, 'bench/out/explorer/app');
const WORKSPACE = join(ROOT, 'bench/out/explorer/workspace');

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

/** Wall time of one request, body read in full. */
async function timedGet(base: string, path: string): Promise<{ ms: number; bytes: number }> {
  const started = performance.now();
  const response = await fetch(new URL(path, base));
  const body = new Uint8Array(await response.arrayBuffer());
  if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${new TextDecoder().decode(body).slice(0, 300)}`);
  return { ms: performance.now() - started, bytes: body.length };
}

export async function run(): Promise<void> {
  rmSync(join(ROOT, 'bench/out/explorer'), { recursive: true, force: true });
  await buildWebApp(APP);
  const generated = await generateWorkspace({ dir: WORKSPACE, conversations: POINTS, users: USERS, fanout: [24, 5, 5], minUsers: 10, minConversations: 20 });
  const { ws, runId, privacy } = generated;
  const hidden = privacy.levels.map((l) => l.hiddenClusters).reduce((a, b) => a + b, 0);
  console.log(
    `generated workspace: ${POINTS.toLocaleString('en-US')} conversations of ${USERS.toLocaleString('en-US')} users, 24 / 120 / 600 clusters (${hidden} hidden), ` +
      `4 facets: tables ${generated.seconds.tables.toFixed(1)} s, privacy filter ${generated.seconds.privacy.toFixed(1)} s`,
  );

  let server: RunningServer | undefined;
  const browser = await launchChromium();
  try {
    // Server time per request on a fresh server: the first API call loads the run's aggregates.
    server = await startExplorerServer({ ws, runId, allowTraces: false, staticDir: APP, port: 0 });
    const paths = ['/api/meta', '/api/clusters', '/api/points?level=2', '/api/points?level=1', '/api/points?level=0'];
    const first: { ms: number; bytes: number }[] = [];
    for (const path of paths) first.push(await timedGet(server.url, path));
    const again: { ms: number; bytes: number }[] = [];
    for (const path of paths) again.push(await timedGet(server.url, path));
    const [{ id: topCluster }] = ((await (await fetch(new URL('/api/clusters', server.url))).json()) as { clusters: { id: string }[] }).clusters;
    const detail = await timedGet(server.url, `/api/clusters/${topCluster}`);
    const overlay = await timedGet(server.url, '/api/overlay?facet=language&value=en');
    console.log('server, first request on a fresh server / again:');
    paths.forEach((path, i) => console.log(`  GET ${path}: ${seconds(first[i].ms)} / ${seconds(again[i].ms)} (${(first[i].bytes / 1e6).toFixed(1)} MB)`));
    console.log(`  GET /api/clusters/${topCluster} (a top cluster's breakdowns): ${seconds(detail.ms)}; GET /api/overlay?facet=language&value=en: ${seconds(overlay.ms)}`);
    await server.close();

    // The browser: the first load on a fresh server (nothing cached), then two with the server warm.
    server = await startExplorerServer({ ws, runId, allowTraces: false, staticDir: APP, port: 0 });
    const page = await browser.newPage({ viewport: { width: 1500, height: 900 } });
    const renderer = await page.evaluate(() => {
      const gl = document.createElement('canvas').getContext('webgl2');
      const info = gl?.getExtension('WEBGL_debug_renderer_info');
      return gl ? String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER)) : 'no WebGL2';
    });
    const firstRenders: number[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      await page.goto(server.url, { waitUntil: 'commit' });
      await page.waitForFunction(() => performance.getEntriesByName('clio:first-frame').length > 0, undefined, { timeout: 300_000 });
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
    const dragStarted = performance.now();
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
    const dragSeconds = (performance.now() - dragStarted) / 1000;
    // Wait for the frame after the last drawn one, then stop recording.
    await page.waitForFunction(`(() => { const d = window.CLIO_FRAME_LOG; return d.length > 0 && window.__ticks.some((t) => t > d[d.length - 1].time); })()`, undefined, { timeout: 120_000 });
    const { ticks, draws } = (await page.evaluate(`(() => { window.__recording = false; return { ticks: window.__ticks, draws: window.CLIO_FRAME_LOG }; })()`)) as { ticks: number[]; draws: { time: number; points: number }[] };
    const frameTime = (time: number) => ticks.find((t) => t > time)! - time;
    const panning = draws.filter((d) => d.time <= dragEnd);
    const durations = panning.map((d) => frameTime(d.time)).sort((a, b) => a - b);
    const settle = draws.filter((d) => d.time > dragEnd);
    console.log(`renderer: ${renderer}`);
    console.log(
      `time to first render (${POINTS.toLocaleString('en-US')} points, navigation to first full frame): ${firstRenders[0].toFixed(0)} ms on a fresh server, ` +
        `then ${firstRenders.slice(1).map((t) => `${t.toFixed(0)} ms`).join(', ')} with its caches warm`,
    );
    console.log(
      `frame time while panning: median ${quantile(durations, 0.5).toFixed(1)} ms, p95 ${quantile(durations, 0.95).toFixed(1)} ms ` +
        `(${durations.length} drawn frames of ${[...new Set(panning.map((d) => d.points))].map((n) => n.toLocaleString('en-US')).join(' / ')} points over a ${dragSeconds.toFixed(1)} s drag of ${steps} pointer moves)`,
    );
    if (settle.length) console.log(`after the drag: ${settle.length} frame(s) of ${settle.map((d) => `${d.points.toLocaleString('en-US')} points, ${frameTime(d.time).toFixed(0)} ms`).join('; ')}`);
  } finally {
    await browser.close();
    await server?.close().catch(() => undefined);
    ws.close();
  }
}
