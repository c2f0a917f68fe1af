// Embedding throughput: USE-lite with one and two worker threads on the same ~2,000 real user turns
// (oasst1-en and CLINC150 from ../shared/data), in the same run, and the workspace cache's hit rate.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { embedWithCache } from '../src/embed/cache.ts';
import type { Embedder } from '../src/embed/types.ts';
import { createUseLiteEmbedder, USE_LITE_DIMENSIONS, USE_LITE_ID } from '../src/embed/use-lite.ts';
import { openWorkspace } from '../src/store/workspace.ts';
import { defaultThreadCount } from '../src/util/threads.ts';

const DATA = join(import.meta.dirname, '..', '..', 'shared', 'data');
const SOURCES = ['oasst1-en/conversations.jsonl', 'clinc150/conversations.jsonl'];
const TEXTS_PER_SOURCE = 1000;

export interface EmbedThroughput {
  workers: number;
  loadSeconds: number;
  textsPerSecond: number;
  /** Process CPU time over wall time while embedding: about the number of busy cores. */
  coresBusy: number;
  vectors: Float32Array[];
}

/** USE-lite throughput on `texts`; workers 1 runs the model in the calling thread. */
export async function measureUseLite(texts: string[], workers: number, quantized = false): Promise<EmbedThroughput> {
  const loadStart = performance.now();
  const embedder = await createUseLiteEmbedder({ workers, quantized });
  await embedder.embed(['load the model']); // it loads on the first call
  const loadSeconds = (performance.now() - loadStart) / 1000;
  try {
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    const vectors = await embedder.embed(texts);
    const ms = performance.now() - start;
    const cpu = process.cpuUsage(cpuStart);
    const coresBusy = (cpu.user + cpu.system) / 1000 / ms;
    return { workers, loadSeconds, textsPerSecond: (texts.length / ms) * 1000, coresBusy, vectors };
  } finally {
    await embedder.close();
  }
}

/** The first TEXTS_PER_SOURCE distinct user turns of each source. */
function loadUserTurns(): string[] {
  const texts: string[] = [];
  for (const source of SOURCES) {
    const turns = new Set<string>();
    for (const line of readFileSync(join(DATA, source), 'utf8').split('\n')) {
      if (!line.trim() || turns.size >= TEXTS_PER_SOURCE) continue;
      const { messages } = JSON.parse(line) as { messages: { role: string; content: string }[] };
      for (const m of messages) if (m.role === 'user' && turns.size < TEXTS_PER_SOURCE) turns.add(m.content);
    }
    texts.push(...turns);
  }
  return texts;
}

export async function run(): Promise<void> {
  if (!SOURCES.every((source) => existsSync(join(DATA, source)))) {
    console.log(`embed bench skipped: needs ${SOURCES.join(' and ')} under ../shared/data`);
    return;
  }
  const texts = loadUserTurns();
  console.log(`embed: USE-lite on ${texts.length} user turns (${SOURCES.join(', ')}; cut to 1,000 chars)`);
  const results: EmbedThroughput[] = [];
  // In-thread, two workers, and the default (one per core up to a limit) where that is more than two.
  for (const workers of [...new Set([1, 2, defaultThreadCount()])]) {
    const r = await measureUseLite(texts, workers);
    results.push(r);
    console.log(
      `  ${workers > 1 ? `${workers} worker threads`.padEnd(16) : 'in-thread       '}: ${r.textsPerSecond.toFixed(1)} texts/s, ` +
        `${r.coresBusy.toFixed(2)} cores busy, model load ${r.loadSeconds.toFixed(1)} s`,
    );
  }
  for (const r of results.slice(1)) {
    console.log(`  speed-up ${r.workers} vs 1 workers: ${(r.textsPerSecond / results[0].textsPerSecond).toFixed(2)}x`);
  }
  // use-lite-int8 on the same texts and threads as the 2-worker run.
  const int8 = await measureUseLite(texts, 2, true);
  let cosine = 0;
  int8.vectors.forEach((vector, i) => vector.forEach((value, j) => (cosine += value * results[1].vectors[i][j])));
  console.log(
    `  use-lite-int8, 2 worker threads: ${int8.textsPerSecond.toFixed(1)} texts/s, ${(int8.textsPerSecond / results[1].textsPerSecond).toFixed(2)}x the exact model; ` +
      `mean cosine to its vectors ${(cosine / texts.length).toFixed(4)}`,
  );

  // Cache: the first call stores the vectors computed above (replayed, not recomputed), the second reads them.
  const vectorByText = new Map(texts.map((text, i) => [text, results[1].vectors[i]]));
  const replay: Embedder = {
    id: USE_LITE_ID,
    dimensions: USE_LITE_DIMENSIONS,
    embed: async (batch) => batch.map((text) => vectorByText.get(text)!),
    close: async () => {},
  };
  const dir = mkdtempSync(join(tmpdir(), 'clio-bench-embed-'));
  const ws = await openWorkspace({ dir });
  const quiet = process.env.CLIO_QUIET;
  process.env.CLIO_QUIET = '1';
  try {
    const timed = async () => {
      const start = performance.now();
      await embedWithCache(ws, replay, texts);
      return (texts.length / (performance.now() - start)) * 1000;
    };
    const store = await timed();
    const hit = await timed();
    console.log(`  cache: store ${store.toFixed(0)} texts/s, hits ${hit.toFixed(0)} texts/s`);
  } finally {
    if (quiet === undefined) delete process.env.CLIO_QUIET;
    else process.env.CLIO_QUIET = quiet;
    ws.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
