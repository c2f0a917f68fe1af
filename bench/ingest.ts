// Ingest throughput against a bare read-and-JSON.parse loop over the same generated file, and peak memory
// on a file and on its first half. Each measurement runs in its own child process so that peak RSS is its own.
//   node --import tsx bench/ingest.ts [conversations=200000] [rounds=3]
import { execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { fileURLToPath } from 'node:url';
import { ingestFiles } from '../src/ingest/index.ts';
import { openWorkspace } from '../src/store/workspace.ts';

const SHARED = fileURLToPath(new URL('../../shared/data/', import.meta.url));
const SOURCES = ['oasst1-en/conversations.jsonl', 'oasst1-fr/conversations.jsonl', 'arena-hard-v2/conversations.jsonl', 'clinc150/conversations.jsonl'];
const USERS = 5000;

interface Measurement {
  conversations: number;
  seconds: number;
  /** User + system CPU time of the whole process (all threads). */
  cpuSeconds: number;
  peakRssMb: number;
}

type Turn = { role: string; content: string };

/** Conversations to recombine: the shared common-shape files plus the HH transcripts, or a tiny built-in set. */
function loadPool(): { pools: Turn[][][]; description: string } {
  if (!existsSync(SHARED)) {
    const words = 'how can I plan a trip budget recipe code python error explain write email summary translate'.split(' ');
    const pool = Array.from({ length: 500 }, (_, i) => [
      { role: 'user', content: Array.from({ length: 12 }, (_, j) => words[(i * 7 + j * 3) % words.length]).join(' ') },
      { role: 'assistant', content: Array.from({ length: 60 }, (_, j) => words[(i + j * 5) % words.length]).join(' ') },
    ]);
    return { pools: [pool], description: 'a built-in word list (../shared/data is absent)' };
  }
  const pools: Turn[][][] = [];
  for (const file of SOURCES) {
    pools.push(readFileSync(join(SHARED, file), 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line).messages));
  }
  const pool: Turn[][] = [];
  pools.push(pool);
  for (const line of readFileSync(join(SHARED, 'hh-rlhf-harmless/harmless-base-test.jsonl'), 'utf8').split('\n')) {
    if (!line) continue;
    const turns = (JSON.parse(line).chosen as string).split(/\n\n(?=Human:|Assistant:)/).filter(Boolean);
    pool.push(turns.map((t) => ({ role: t.startsWith('Human:') ? 'user' : 'assistant', content: t.replace(/^(Human|Assistant): ?/, '') })));
  }
  const total = pools.reduce((n, p) => n + p.length, 0);
  return { pools, description: `${total} shared conversations (a data set chosen uniformly among oasst1-en, oasst1-fr, arena-hard-v2, clinc150, hh-rlhf, then a conversation in it)` };
}

/** Each conversation: the first turn of one random source conversation followed by the rest of another, a user from a pool, a time. */
export async function generate(file: string, count: number): Promise<string> {
  const { pools, description } = loadPool();
  let seed = 42;
  const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const pick = () => {
    const pool = pools[Math.floor(random() * pools.length)];
    return pool[Math.floor(random() * pool.length)];
  };
  const out = createWriteStream(file);
  for (let i = 0; i < count; i++) {
    const head = pick();
    const tail = pick();
    const record = {
      id: `bench-${i}`,
      user_id: `user-${Math.floor(random() * USERS)}`,
      created_at: new Date(Date.UTC(2024, 0, 1) + Math.floor(random() * 365 * 86400) * 1000).toISOString(),
      messages: [head[0], ...tail.slice(1)],
    };
    if (!out.write(JSON.stringify(record) + '\n')) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  return `first turn of one and remaining turns of another, drawn at random from ${description}; ${USERS} synthetic user ids`;
}

/** The baseline: read the file in large chunks, split lines, JSON.parse each; nothing else. */
async function bareLoop(file: string): Promise<number> {
  const decoder = new StringDecoder('utf8');
  let carry = '';
  let count = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    const lines = (carry + decoder.write(chunk as Buffer)).split('\n');
    carry = lines.pop()!;
    for (const line of lines) if (line && JSON.parse(line)) count++;
  }
  if (carry && JSON.parse(carry)) count++;
  return count;
}

async function fullIngest(file: string): Promise<number> {
  const dir = join(tmpdir(), `clio-bench-ws-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  const ws = await openWorkspace({ dir });
  try {
    const summary = await ingestFiles(ws, [file], { progress: false });
    if (summary.failedFiles) throw new Error(summary.files[0].error);
    return summary.loaded + summary.duplicates;
  } finally {
    ws.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs one measurement in a fresh process and returns its figures. */
function measure(kind: 'bare' | 'ingest', file: string): Measurement {
  const output = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', kind, file], {
    encoding: 'utf8',
    env: { ...process.env, CLIO_QUIET: '1' },
    maxBuffer: 1 << 20,
  });
  return JSON.parse(output.trim().split('\n').pop()!);
}

async function child(kind: string, file: string): Promise<void> {
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const conversations = kind === 'bare' ? await bareLoop(file) : await fullIngest(file);
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const measurement: Measurement = { conversations, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, peakRssMb: process.resourceUsage().maxRSS / 1024 };
  console.log(JSON.stringify(measurement));
}

/** Wall time is at the mercy of other load on the machine; CPU time (all threads, user + system) much less so. */
export async function run(): Promise<void> {
  const count = Number(process.argv[2] ?? 200_000) || 200_000;
  const rounds = Number(process.argv[3] ?? 3) || 3;
  const dir = join(tmpdir(), 'clio-bench');
  mkdirSync(dir, { recursive: true });
  const full = join(dir, `ingest-${count}.jsonl`);
  const half = join(dir, `ingest-${Math.floor(count / 2)}.jsonl`);
  const how = await generate(full, count);
  await generate(half, Math.floor(count / 2));
  console.log(`ingest bench: ${count} conversations (${mb(full)} MB) and ${Math.floor(count / 2)} (${mb(half)} MB), generated as: ${how}`);
  console.log(`bare loop and ingest alternate, ${rounds} rounds on the full file, each run in its own process; figures are medians`);
  const bare: Measurement[] = [];
  const ingest: Measurement[] = [];
  for (let round = 0; round < rounds; round++) {
    bare.push(measure('bare', full));
    ingest.push(measure('ingest', full));
  }
  const halfIngest = measure('ingest', half);
  const rows: [string, string, Measurement][] = [
    ['bare read+JSON.parse', full, median(bare)],
    ['clio ingest', full, median(ingest)],
    ['clio ingest (half file)', half, halfIngest],
  ];
  console.log(
    `${'run'.padEnd(24)} ${'conv'.padStart(8)} ${'wall s'.padStart(7)} ${'conv/s'.padStart(8)} ${'MB/s'.padStart(6)} ${'CPU s'.padStart(6)} ${'CPU us/conv'.padStart(11)} ${'peak RSS MB'.padStart(11)}`,
  );
  for (const [name, file, m] of rows) {
    console.log(
      `${name.padEnd(24)} ${String(m.conversations).padStart(8)} ${m.seconds.toFixed(2).padStart(7)} ${Math.round(m.conversations / m.seconds).toString().padStart(8)} ${(Number(mb(file)) / m.seconds).toFixed(1).padStart(6)} ${m.cpuSeconds.toFixed(2).padStart(6)} ${((m.cpuSeconds / m.conversations) * 1e6).toFixed(1).padStart(11)} ${m.peakRssMb.toFixed(0).padStart(11)}`,
    );
  }
  console.log(`wall s per round, bare: ${bare.map((m) => m.seconds.toFixed(2)).join(' ')}; ingest: ${ingest.map((m) => m.seconds.toFixed(2)).join(' ')}`);
  const wallRatio = rows[0][2].seconds / rows[1][2].seconds;
  const cpuRatio = rows[0][2].cpuSeconds / rows[1][2].cpuSeconds;
  console.log(`ingest / bare-loop throughput, ratio of medians: wall ${(wallRatio * 100).toFixed(0)}%, CPU time ${(cpuRatio * 100).toFixed(0)}% (target >= 50%)`);
  console.log(`peak RSS of ingest, full vs half file: ${rows[1][2].peakRssMb.toFixed(0)} MB vs ${halfIngest.peakRssMb.toFixed(0)} MB`);
  rmSync(full);
  rmSync(half);
}

/** Per-field medians (each field on its own, so a row may mix runs). */
function median(runs: Measurement[]): Measurement {
  const mid = (pick: (m: Measurement) => number) => {
    const sorted = runs.map(pick).sort((a, b) => a - b);
    const n = sorted.length;
    return n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  };
  return { conversations: runs[0].conversations, seconds: mid((m) => m.seconds), cpuSeconds: mid((m) => m.cpuSeconds), peakRssMb: mid((m) => m.peakRssMb) };
}

function mb(file: string): string {
  return (statSync(file).size / 1e6).toFixed(1);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv[2] === '--child') await child(process.argv[3], process.argv[4]);
  else await run();
}
