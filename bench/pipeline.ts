// Time and peak memory per pipeline stage on generated corpora (default 10,000 and 100,000 conversations).
// Each corpus size runs in its own child process, so peak memory is its own.
//   node --import tsx bench/pipeline.ts [sizes=10000,100000]
// Corpus: every conversation pairs a user prompt from one shared data set with a follow-up prompt from
// another (CLINC150, xSID, OpenAssistant, Arena-Hard, HH-RLHF first turns), so almost every text is
// distinct and the embedding cache does not flatter the figures; users drawn Zipf-like from n/20 users.
import { execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ingestFiles } from '../src/ingest/index.ts';
import { analyze } from '../src/pipeline/analyze.ts';
import type { Stage } from '../src/pipeline/runs.ts';
import { DEFAULT_MIN_CONVERSATIONS, DEFAULT_MIN_USERS } from '../src/privacy/thresholds.ts';
import { openWorkspace } from '../src/store/workspace.ts';
import { createRandom } from '../src/util/random.ts';

const SHARED = fileURLToPath(new URL('../../shared/data/', import.meta.url));

function loadPrompts(): string[] {
  const prompts: string[] = [];
  const firstUserTurns = (file: string) => {
    for (const line of readFileSync(join(SHARED, file), 'utf8').split('\n')) {
      if (line) prompts.push(JSON.parse(line).messages.find((m: { role: string }) => m.role === 'user').content);
    }
  };
  firstUserTurns('clinc150/conversations.jsonl');
  firstUserTurns('oasst1-en/conversations.jsonl');
  firstUserTurns('arena-hard-v2/conversations.jsonl');
  for (const line of readFileSync(join(SHARED, 'xsid/utterances.jsonl'), 'utf8').split('\n')) if (line) prompts.push(JSON.parse(line).text);
  for (const line of readFileSync(join(SHARED, 'hh-rlhf-harmless/harmless-base-test.jsonl'), 'utf8').split('\n')) {
    if (line) prompts.push((JSON.parse(line).chosen as string).split('\n\nAssistant:')[0].replace(/^\s*Human: ?/, ''));
  }
  return [...new Set(prompts)];
}

async function generateCorpus(path: string, n: number): Promise<void> {
  const prompts = loadPrompts();
  const random = createRandom(11);
  const users = Math.max(50, Math.round(n / 20));
  const out = createWriteStream(path);
  for (let i = 0; i < n; i++) {
    const user = Math.floor(users * Math.pow(random(), 2));
    const messages = [
      { role: 'user', content: prompts[Math.floor(random() * prompts.length)] },
      { role: 'assistant', content: 'Here is what I found.' },
      { role: 'user', content: prompts[Math.floor(random() * prompts.length)] },
    ];
    if (!out.write(JSON.stringify({ id: `bench-${i}`, user_id: `user-${user}`, messages }) + '\n')) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** Runs in the child: ingest + analyze one corpus, sampling RSS to find each stage's peak. */
async function measure(n: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'clio-bench-pipeline-'));
  try {
    const corpus = join(dir, 'corpus.jsonl');
    await generateCorpus(corpus, n);
    const ws = await openWorkspace({ dir: join(dir, 'ws') });
    const rows: { stage: string; seconds: number; peakMb: number }[] = [];
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    let started = performance.now();
    const begin = () => {
      peak = process.memoryUsage().rss;
      started = performance.now();
    };
    const end = (stage: string) => rows.push({ stage, seconds: (performance.now() - started) / 1000, peakMb: Math.max(peak, process.memoryUsage().rss) / 2 ** 20 });
    process.env.CLIO_QUIET = '1';
    begin();
    await ingestFiles(ws, [corpus], {});
    end('ingest');
    await analyze(ws, {
      embedder: 'use-lite',
      minUsers: DEFAULT_MIN_USERS,
      minConversations: DEFAULT_MIN_CONVERSATIONS,
      seed: 42,
      onStage: (stage: Stage, phase) => (phase === 'start' ? begin() : end(stage)),
    });
    clearInterval(sampler);
    const [{ k }] = await ws.all<{ k: number }>('SELECT count(*) AS k FROM clusters WHERE level = 0');
    ws.close();
    process.stdout.write(JSON.stringify({ n, k, rows }) + '\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(sizes = [10_000, 100_000]): Promise<void> {
  if (!existsSync(SHARED)) {
    console.log('pipeline bench: skipped (needs ../shared/data to build its corpora)');
    return;
  }
  console.log('Pipeline stages: time and peak RSS per stage (embedded default, USE-lite, 2 workers)');
  console.log('corpus: pairs of distinct prompts from the shared data sets as two-turn conversations, n/20 users (Zipf-like)');
  for (const n of sizes) {
    const output = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', String(n)], {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    });
    const result = JSON.parse(output.trim().split('\n').pop()!) as { n: number; k: number; rows: { stage: string; seconds: number; peakMb: number }[] };
    console.log(`\n${result.n.toLocaleString('en')} conversations, k = ${result.k}`);
    console.log('stage        seconds   peak RSS MB   conversations/s');
    for (const row of result.rows) {
      console.log(`${row.stage.padEnd(12)} ${row.seconds.toFixed(1).padStart(8)} ${row.peakMb.toFixed(0).padStart(12)} ${(result.n / row.seconds).toFixed(0).padStart(16)}`);
    }
    const total = result.rows.reduce((s, r) => s + r.seconds, 0);
    console.log(`${'total'.padEnd(12)} ${total.toFixed(1).padStart(8)}`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv[2] === '--child') await measure(Number(process.argv[3]));
  else await run(process.argv[2] ? process.argv[2].split(',').map(Number) : undefined);
}
