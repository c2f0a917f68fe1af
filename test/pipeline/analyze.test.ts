// End to end through the CLI on the demo corpus: a clean `clio demo` run, and a run killed with
// SIGKILL in the middle of the embedding stage and then resumed. Checks privacy of every report file,
// that the resumed run re-embeds nothing already stored, and that it gives the same clusters.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { generateDemoCorpus } from '../../src/demo/generate.ts';
import { openWorkspace } from '../../src/store/workspace.ts';

const CLI = ['--import', 'tsx', 'src/cli/main.ts'];
const SEED = '42';
const DEMO = { conversations: 3000, users: 800 };
/** Words only the demo's rare topics use (each written by 2-3 users, below the 10-user threshold). */
const RARE_TOPIC_WORDS = ['zanzibarian', 'quillfeather', 'vicarage', 'marshlands', 'beehives', 'vulliamy', 'tompion', 'harrisonian', 'escapement', 'deadbeat'];

let root: string;
let cleanWorkspace: string;

before(() => {
  root = mkdtempSync(join(tmpdir(), 'clio-pipeline-'));
  cleanWorkspace = join(root, 'clean');
  const demo = runCli(['demo', '--workspace', cleanWorkspace, '--seed', SEED, '--conversations', String(DEMO.conversations), '--users', String(DEMO.users)]);
  assert.equal(demo.status, 0, demo.stderr);
});
after(() => rmSync(root, { recursive: true, force: true }));

function runCli(args: string[]) {
  return spawnSync(process.execPath, [...CLI, ...args], { encoding: 'utf8', env: { ...process.env, CLIO_QUIET: '1' } });
}

function reportFiles(workspace: string): string[] {
  const dir = join(workspace, 'reports');
  return readdirSync(dir).map((f) => join(dir, f));
}

test('the demo writes HTML, Markdown and JSON reports with a multi-level named hierarchy', async () => {
  const files = reportFiles(cleanWorkspace);
  assert.deepEqual(files.map((f) => f.split('.').pop()).sort(), ['html', 'json', 'md']);
  const report = JSON.parse(readFileSync(files.find((f) => f.endsWith('.json'))!, 'utf8'));
  const text = JSON.stringify(report);
  assert.match(text, /"level":1/);
  const ws = await openWorkspace({ dir: cleanWorkspace, readOnly: true });
  try {
    const levels = await ws.all<{ level: number; n: number; unnamed: number }>(
      `SELECT level, count(*) AS n, count(*) FILTER (WHERE name IS NULL OR name = '') AS unnamed FROM clusters GROUP BY level ORDER BY level`,
    );
    assert.ok(levels.length >= 2, 'at least a base level and a top level');
    for (const level of levels) assert.equal(level.unnamed, 0, `every cluster of level ${level.level} has a name`);
    assert.ok(levels[0].n > levels[levels.length - 1].n, 'the top level is smaller than the base');
  } finally {
    ws.close();
  }
});

test('no report file contains a rare topic word, a user id, an e-mail address or conversation text', () => {
  const corpus = readFileSync(join(cleanWorkspace, 'demo-corpus.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  // Sanity: the canaries really are in the corpus, so their absence below means something.
  const corpusText = corpus.map((c) => JSON.stringify(c.messages)).join('\n').toLowerCase();
  for (const word of RARE_TOPIC_WORDS) assert.ok(corpusText.includes(word), `corpus contains ${word}`);
  assert.ok(corpusText.includes('@example.com'));

  const firstTurns = [...new Set(corpus.map((c) => c.messages[0].content as string))];
  for (const file of reportFiles(cleanWorkspace)) {
    const content = readFileSync(file, 'utf8').toLowerCase();
    for (const word of RARE_TOPIC_WORDS) assert.ok(!content.includes(word), `${file} mentions the rare topic word "${word}"`);
    assert.ok(!content.includes('@example.com'), `${file} contains an e-mail address`);
    assert.ok(!content.includes('demo-user-'), `${file} contains a raw user id`);
    const leaked = firstTurns.filter((t) => content.includes(t.toLowerCase()));
    assert.deepEqual(leaked, [], `${file} contains conversation text`);
  }
});

test('SIGKILL during embedding, then rerun: nothing stored is re-embedded and the clusters are the same', async () => {
  const workspace = join(root, 'killed');
  const corpusPath = join(root, 'corpus.jsonl');
  await generateDemoCorpus({ out: corpusPath, ...DEMO, seed: Number(SEED) });
  const ingest = runCli(['ingest', corpusPath, '--workspace', workspace]);
  assert.equal(ingest.status, 0, ingest.stderr);

  // One worker keeps the embedding stage long enough to be caught in the middle.
  const analyzeArgs = ['analyze', '--workspace', workspace, '--seed', SEED, '--no-report'];
  const child = spawn(process.execPath, [...CLI, ...analyzeArgs, '--workers', '1'], { env: { ...process.env, CLIO_QUIET: '0' } });
  let stderr = '';
  const killed = await new Promise<boolean>((resolve) => {
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const progress = /embed: (\d+)\/(\d+) texts/.exec(stderr);
      if (progress && Number(progress[1]) > 0 && Number(progress[1]) < Number(progress[2])) {
        child.kill('SIGKILL');
        resolve(true);
      }
    });
    child.on('exit', () => resolve(false));
  });
  assert.ok(killed, `the embedding stage was interrupted (stderr: ${stderr.slice(-500)})`);
  await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(null) : child.on('exit', resolve)));

  const ws = await openWorkspace({ dir: workspace });
  const [{ stored }] = await ws.all<{ stored: number }>('SELECT count(*) AS stored FROM embeddings');
  const [{ distinct }] = await ws.all<{ distinct: number }>(
    `SELECT count(DISTINCT value_text) AS distinct FROM facets WHERE facet = 'request_text'`,
  );
  ws.close();
  assert.ok(stored > 0 && stored < distinct, `some but not all vectors were stored before the kill (${stored} of ${distinct})`);

  const rerun = runCli(analyzeArgs);
  assert.equal(rerun.status, 0, rerun.stderr);
  const resumed = await openWorkspace({ dir: workspace, readOnly: true });
  const clean = await openWorkspace({ dir: cleanWorkspace, readOnly: true });
  try {
    const [embedStage] = await resumed.all<{ stats: string }>(`SELECT stats FROM runs WHERE stage = 'embed' AND status = 'done'`);
    assert.equal(JSON.parse(embedStage.stats).embedded, distinct - stored, 'the rerun embedded only the missing texts');
    // Conversation ids depend on the workspace salt; the source's own ids do not.
    const membership = async (w: typeof clean) =>
      (await w.all<{ external_id: string; cluster_id: string }>(
        'SELECT c.external_id, m.cluster_id FROM cluster_members m JOIN conversations c USING (conversation_id) ORDER BY c.external_id',
      )).map((r) => `${r.external_id}:${r.cluster_id}`);
    assert.deepEqual(await membership(resumed), await membership(clean), 'same base clusters as the uninterrupted run');
  } finally {
    resumed.close();
    clean.close();
  }
});
