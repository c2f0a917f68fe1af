// LLM mode end to end: the real `clio analyze` (a child process) against a local server that speaks the
// Anthropic and OpenAI wire protocols (test/llm/server.ts) and answers from the pipeline's script.
// Covers the acceptance runs on ../shared/data/oasst1-en: a full run and its report, a run under
// injected faults, a SIGKILL during facet extraction followed by a rerun that repeats no answered
// request, and --dry-run sending nothing.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openWorkspace } from '../../src/store/workspace.ts';
import { respond } from '../llm/responder.ts';
import { startFakeLlmServer, type FakeLlmServer, type FakeLlmServerOptions, type LoggedRequest } from '../llm/server.ts';

const OASST = join(import.meta.dirname, '..', '..', '..', 'shared', 'data', 'oasst1-en', 'conversations.jsonl');
const CLI = ['--import', 'tsx', 'src/cli/main.ts'];
const K = '24';

let root: string;
/** A workspace with oasst1-en ingested, copied for each test. */
let ingested: string;

interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function startCli(args: string[], env: Record<string, string> = {}): { child: ChildProcess; done: Promise<CliRun> } {
  const child = spawn(process.execPath, [...CLI, ...args], { env: { ...process.env, CLIO_QUIET: '1', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const done = new Promise<CliRun>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

async function withServer<T>(options: FakeLlmServerOptions, work: (server: FakeLlmServer) => Promise<T>): Promise<T> {
  const server = await startFakeLlmServer({ respond, ...options });
  try {
    return await work(server);
  } finally {
    await server.close();
  }
}

function freshWorkspace(name: string): string {
  const dir = join(root, name);
  cpSync(ingested, dir, { recursive: true });
  return dir;
}

const llmArgs = (workspace: string, server: FakeLlmServer, provider: 'anthropic' | 'openai') => [
  'analyze',
  '--workspace',
  workspace,
  '--k',
  K,
  '--provider',
  provider,
  '--base-url',
  provider === 'anthropic' ? server.url : `${server.url}/v1`,
];
const KEY = { CLIO_API_KEY: 'test-key' };

const answered = (requests: LoggedRequest[]) => requests.filter((r) => r.status === 200 && r.method === 'POST');

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'clio-llm-e2e-'));
  ingested = join(root, 'ingested');
  const run = await startCli(['ingest', OASST, '--workspace', ingested]).done;
  assert.equal(run.code, 0, run.stderr);
});
after(() => rmSync(root, { recursive: true, force: true }));

test('a full LLM-mode analysis of oasst1-en: model facets, named clusters at every level, auditor results; a rerun pays for nothing', async () => {
  const workspace = freshWorkspace('full');
  await withServer({}, async (server) => {
    const run = await startCli(llmArgs(workspace, server, 'anthropic'), KEY).done;
    assert.equal(run.code, 0, run.stderr);
    assert.ok(server.requests.some((r) => r.stream), 'the Anthropic client streams (SSE)');
    const calls = answered(server.requests).length;
    assert.ok(calls > 1002, `one facet call per conversation plus naming, hierarchy and audit calls (got ${calls})`);

    const reports = readdirSync(join(workspace, 'reports'));
    const report = JSON.parse(readFileSync(join(workspace, 'reports', reports.find((f) => f.endsWith('.json'))!), 'utf8'));
    assert.equal(report.mode.name, 'llm');
    assert.ok(report.llm.audit.rated > 0, 'the auditor rated the shown names');
    const modelFacets = report.corpus.modelFacets.map((f: { name: string }) => f.name).sort();
    assert.deepEqual(modelFacets, ['concern', 'languages'], 'the report breaks down the model-written category and number facets');
    const stages = report.llm.usage.map((u: { stage: string }) => u.stage);
    for (const stage of ['facets', 'name', 'hierarchy', 'audit']) assert.ok(stages.includes(stage), `usage reported for ${stage}`);

    const ws = await openWorkspace({ dir: workspace, readOnly: true });
    try {
      const facets = await ws.all<{ facet: string; n: number }>(`SELECT facet, count(*) AS n FROM facets WHERE source = 'model' GROUP BY facet ORDER BY facet`);
      assert.deepEqual(facets.map((f) => f.facet), ['concern', 'languages', 'request', 'task']);
      for (const facet of facets) assert.equal(facet.n, 1002, `${facet.facet} for every conversation`);
      const levels = await ws.all<{ level: number; n: number; unnamed: number; unaudited: number }>(
        `SELECT level, count(*) AS n, count(*) FILTER (WHERE coalesce(name, '') = '') AS unnamed,
                count(*) FILTER (WHERE visible AND privacy_score IS NULL) AS unaudited
         FROM clusters GROUP BY level ORDER BY level`,
      );
      assert.ok(levels.length >= 2, 'a base level and at least one level above');
      for (const level of levels) {
        assert.equal(level.unnamed, 0, `every cluster of level ${level.level} is named`);
        assert.equal(level.unaudited, 0, `every shown cluster of level ${level.level} was audited`);
      }
    } finally {
      ws.close();
    }

    const rerun = await startCli([...llmArgs(workspace, server, 'anthropic'), '--from', 'facets'], KEY).done;
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.equal(answered(server.requests).length, calls, 'redoing every stage is answered from the cache: no new requests');
  });
});

test('under 429s (with retry-after), 500s, 30 s stalls and malformed output, every conversation ends done or failed with a reason', async () => {
  const workspace = freshWorkspace('faults');
  writeFileSync(join(workspace, 'clio.config.json'), JSON.stringify({ llm: { timeoutMs: 3000, concurrency: 16 } }));
  const faults = { rate429: 0.3, retryAfterSeconds: 1, rate500: 0.05, stallRate: 0.01, stallMs: 30_000, malformedRate: 0.05 };
  await withServer({ faults, seed: 7 }, async (server) => {
    const run = await startCli(llmArgs(workspace, server, 'openai'), KEY).done;
    assert.equal(run.code, 0, run.stderr);
    const injected = new Set(server.requests.map((r) => r.fault).filter(Boolean));
    for (const fault of ['rate429', 'rate500', 'stall', 'malformed']) assert.ok(injected.has(fault as never), `${fault} was injected`);

    const ws = await openWorkspace({ dir: workspace, readOnly: true });
    try {
      const [counts] = await ws.all<{ total: number; done: number; failed: number; both: number; reasonless: number }>(
        `WITH done AS (SELECT DISTINCT conversation_id FROM facets WHERE source = 'model' AND facet = 'request'),
              failed AS (SELECT item_id AS conversation_id, reason FROM llm_failures WHERE stage = 'facets')
         SELECT (SELECT count(*) FROM conversations) AS total,
                (SELECT count(*) FROM done) AS done,
                (SELECT count(*) FROM failed) AS failed,
                (SELECT count(*) FROM done JOIN failed USING (conversation_id)) AS both,
                (SELECT count(*) FROM failed WHERE coalesce(reason, '') = '') AS reasonless`,
      );
      assert.equal(counts.done + counts.failed, counts.total, `${counts.done} done + ${counts.failed} failed = every conversation`);
      assert.equal(counts.both, 0);
      assert.equal(counts.reasonless, 0, 'every failure has a reason');
      assert.ok(counts.done > counts.total * 0.9, `most conversations got through the faults (${counts.done} of ${counts.total})`);
    } finally {
      ws.close();
    }
  });
});

test('SIGKILL during facet extraction, then a rerun: no request already answered is sent again', async () => {
  const workspace = freshWorkspace('killed');
  // After 150 answers the server stops answering (every new request stalls), and the run is killed two
  // seconds later: by then the client has received and cached every answer that was sent, so "answered"
  // in the server's log means answered to the client. Requests cut by the kill are logged as 499.
  let frozen = false;
  let killRun: (() => void) | undefined;
  let answers = 0;
  await withServer(
    {
      latencyMs: 100,
      faults: { stallMs: 120_000 },
      faultFor: () => (frozen ? 'stall' : null),
      onLog: (entry) => {
        if (entry.status !== 200 || entry.method !== 'POST' || ++answers !== 150) return;
        frozen = true;
        setTimeout(() => killRun?.(), 2000);
      },
    },
    async (server) => {
      const first = startCli([...llmArgs(workspace, server, 'anthropic'), '--concurrency', '4'], KEY);
      killRun = () => first.child.kill('SIGKILL');
      const killed = await first.done;
      assert.equal(killed.signal, 'SIGKILL', 'the first run was killed');
      const beforeRerun = answered(server.requests);
      assert.ok(beforeRerun.length >= 150 && beforeRerun.length < 1002, `killed during facet extraction (${beforeRerun.length} answered)`);

      frozen = false;
      const startIndex = server.requests.length;
      const rerun = await startCli(llmArgs(workspace, server, 'anthropic'), KEY).done;
      assert.equal(rerun.code, 0, rerun.stderr);
      const answeredBodies = new Set(beforeRerun.map((r) => r.bodyHash));
      const repeated = server.requests.slice(startIndex).filter((r) => answeredBodies.has(r.bodyHash));
      assert.equal(repeated.length, 0, 'the rerun repeats no answered request');
      assert.ok(server.requests.length - startIndex > 1002 - beforeRerun.length, 'the rerun did the remaining work');
      const ws = await openWorkspace({ dir: workspace, readOnly: true });
      try {
        const [{ n }] = await ws.all<{ n: number }>(`SELECT count(DISTINCT conversation_id) AS n FROM facets WHERE source = 'model'`);
        assert.equal(n, 1002, 'the rerun finished every conversation');
      } finally {
        ws.close();
      }
    },
  );
});

test('--dry-run estimates calls, tokens and cost per stage and sends nothing', async () => {
  const workspace = freshWorkspace('dry');
  await withServer({}, async (server) => {
    const run = await startCli([...llmArgs(workspace, server, 'anthropic'), '--dry-run'], KEY).done;
    assert.equal(run.code, 0, run.stderr);
    assert.equal(server.requests.length, 0, 'no request reached the server');
    for (const stage of ['facets', 'name', 'hierarchy', 'audit']) assert.match(run.stdout, new RegExp(`^${stage}\\s+claude-\\S+\\s+[\\d,]+\\s+[\\d,]+\\s+[\\d,]+\\s+\\$\\d`, 'm'));
    assert.match(run.stdout, /per 100,000 conversations \(the paper: \$48\.81\)/);

    const wrongFacet = await startCli([...llmArgs(workspace, server, 'anthropic'), '--cluster-facet', 'concern'], KEY).done;
    assert.equal(wrongFacet.code, 1);
    assert.match(wrongFacet.stderr, /cannot cluster on facet 'concern': choose a text facet \(request, task\)/);
    assert.equal(server.requests.length, 0);
  });
});

test('clio eval synthetic writes a corpus from the taxonomy with the model, analyses it and scores the top level', async () => {
  const workspace = join(root, 'synthetic');
  await withServer({}, async (server) => {
    const args = ['eval', 'synthetic', '--workspace', workspace, '--per-leaf', '2', '--languages', 'en,fr', '--k', '8', '--top', '3', '--min-users', '2', '--min-conversations', '2'];
    const run = await startCli([...args, '--provider', 'openai', '--base-url', `${server.url}/v1`], KEY).done;
    assert.equal(run.code, 0, run.stderr);
    const written = /synthetic corpus: (\d+) conversations written \((\d+) failed\) over (\d+) top categories/.exec(run.stdout);
    assert.ok(written, run.stdout);
    assert.ok(Number(written[1]) > 20 && Number(written[2]) === 0, 'every leaf topic got its conversations');
    const accuracy = /top level vs known categories: accuracy ([\d.]+)%/.exec(run.stdout);
    assert.ok(accuracy && Number(accuracy[1]) > 0 && Number(accuracy[1]) <= 100, run.stdout);
    assert.match(run.stdout, /^ {2}fr: accuracy [\d.]+% over \d+ conversations$/m);
  });
});
