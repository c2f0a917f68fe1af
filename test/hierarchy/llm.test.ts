import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { buildHierarchyWithLlm, estimateHierarchyCalls, type LlmHierarchyOptions, type LlmHierarchyResult } from '../../src/hierarchy/llm.ts';
import { levelSizes } from '../../src/hierarchy/schedule.ts';
import { createLlmClient } from '../../src/llm/client.ts';
import { resolveLlmConfig } from '../../src/llm/config.ts';
import { HIERARCHY_ASSIGN_SYSTEM, HIERARCHY_PROPOSE_SYSTEM } from '../../src/llm/prompts/hierarchy.ts';
import { firstPrompt, hierarchyResponder, listed } from '../llm/script-hierarchy.ts';
import { answerFromPromptSchema, startFakeLlmServer, type ScriptedRequest } from '../llm/server.ts';

const TOPICS: Record<string, string[]> = {
  food: ['pasta', 'bread', 'soup', 'salad'],
  tech: ['python', 'docker', 'linux', 'database'],
  travel: ['flights', 'hotels', 'visas', 'luggage'],
  music: ['guitar', 'piano', 'drums', 'singing'],
  health: ['sleep', 'diet', 'running', 'yoga'],
  money: ['taxes', 'budget', 'savings', 'loans'],
};

interface Base {
  name: string;
  description: string;
  size: number;
  fine: string;
  coarse: string;
}

function corpus(coarseTopics: string[], variants: number): Base[] {
  return coarseTopics.flatMap((coarse) =>
    TOPICS[coarse].flatMap((fine) =>
      Array.from({ length: variants }, (_, v) => ({ name: `${fine} ${coarse} ${v + 1}`, description: `About ${fine} in ${coarse}, case ${v + 1}.`, size: 10 + v, fine, coarse })),
    ),
  );
}

/** Bag of words hashed into 256 dimensions: texts sharing words are close. */
async function embed(texts: string[]): Promise<Float32Array[]> {
  return texts.map((text) => {
    const vector = new Float32Array(256);
    for (const word of text.toLowerCase().match(/\p{L}{3,}|\p{N}+/gu) ?? []) {
      if (['about', 'case', 'conversations', 'they', 'share', 'these', 'themes', 'across', 'their', 'clusters', 'and'].includes(word)) continue;
      let hash = 2166136261;
      for (const ch of word) hash = Math.imul(hash ^ ch.charCodeAt(0), 16777619);
      vector[(hash >>> 0) % 256] += /\p{N}/u.test(word) ? 0.3 : 1;
    }
    const norm = Math.hypot(...vector) || 1;
    return vector.map((v) => v / norm);
  });
}

type Respond = (request: ScriptedRequest) => string | undefined;

/** The hierarchy built through the real client against the fake server answering with `respond`. */
async function buildAgainst(respond: Respond, options: Omit<LlmHierarchyOptions, 'embed'>): Promise<LlmHierarchyResult & { requests: ScriptedRequest[] }> {
  const requests: ScriptedRequest[] = [];
  const server = await startFakeLlmServer({
    respond: (request) => {
      requests.push(request);
      return respond(request) ?? answerFromPromptSchema(request);
    },
  });
  const config = resolveLlmConfig({ flags: { provider: 'openai', baseUrl: `${server.url}/v1` }, env: {} })!;
  const client = createLlmClient(config);
  try {
    return { ...(await buildHierarchyWithLlm(client, { ...options, embed })), requests };
  } finally {
    await client.close();
    await server.close();
  }
}

function checkComplete(result: LlmHierarchyResult, base: Base[], top: number): void {
  let below = base.length;
  for (const level of result.levels) {
    assert.ok(level.size < below && level.size >= 1, `level ${level.level}: ${level.size} parents for ${below}`);
    assert.equal(level.parentOf.length, below);
    assert.equal(level.labels.length, level.size);
    const children = new Int32Array(level.size);
    for (const p of level.parentOf) children[p]++;
    assert.ok(children.every((c) => c > 0), 'every parent has a child');
    assert.equal(level.sizes.reduce((a, b) => a + b, 0), base.reduce((a, b) => a + b.size, 0));
    assert.ok(level.labels.every((l) => l.name.length > 0), 'every parent is named');
    assert.equal(level.centroids.length % level.size, 0);
    below = level.size;
  }
  assert.ok(result.levels.length > 0 && result.levels.at(-1)!.size <= top, 'ends at the scheduled top size or fewer');
}

/** Base cluster -> its ancestor at `depth` (1 = level 1). */
function ancestors(result: LlmHierarchyResult, base: number, depth: number): number[] {
  return Array.from({ length: base }, (_, i) => result.levels.slice(0, depth).reduce((node, level) => level.parentOf[node], i));
}

test('a sensible model builds levels on the schedule that keep like clusters together', async () => {
  const base = corpus(Object.keys(TOPICS), 5);
  const logs: string[] = [];
  const result = await buildAgainst(hierarchyResponder, { clusters: base, levels: 3, top: 6, seed: 7, log: (m) => logs.push(m) });
  const schedule = levelSizes(base.length, { levels: 3, top: 6 });
  assert.deepEqual(schedule, [120, 27, 6]);
  checkComplete(result, base, 6);
  assert.deepEqual(result.fallbacks, [], logs.join('\n'));
  assert.equal(result.levels.length, 2);
  assert.equal(result.levels[0].size, 24, 'one parent per fine topic');
  assert.equal(result.levels[1].size, 6, 'one top cluster per coarse topic');
  for (const [depth, key] of [[1, 'fine'], [2, 'coarse']] as const) {
    const up = ancestors(result, base.length, depth);
    const parentOfKey = new Map<string, number>();
    const keyOfParent = new Map<number, string>();
    base.forEach((b, i) => {
      assert.equal(parentOfKey.get(b[key]) ?? up[i], up[i], `${b.name} is with the rest of ${b[key]}`);
      assert.equal(keyOfParent.get(up[i]) ?? b[key], b[key], `${b.name} shares a parent with another ${key} topic`);
      parentOfKey.set(b[key], up[i]);
      keyOfParent.set(up[i], b[key]);
    });
  }
  const top = result.levels[1];
  assert.ok(top.labels.every((l, p) => l.name.toLowerCase().includes(base[ancestors(result, base.length, 2).indexOf(p)].coarse)), 'top names come from the children');
  assert.equal(result.calls, result.requests.length);
  const estimate = estimateHierarchyCalls(base.length, schedule);
  assert.ok(Math.abs(estimate - result.calls) <= 0.25 * result.calls, `estimate ${estimate} vs ${result.calls} calls`);
});

test('a level with a few parents too many keeps the model grouping, merged to the target', async () => {
  const base = corpus(Object.keys(TOPICS), 5);
  // Six coarse topics for a top of five; two neighbourhoods at the top each propose their own coarse topics.
  const result = await buildAgainst(hierarchyResponder, { clusters: base, levels: 3, top: 5, neighbourhoodSize: 12, seed: 7 });
  checkComplete(result, base, 5);
  assert.deepEqual(result.levels.map((l) => l.size), [24, 5]);
  assert.equal(result.fallbacks.length, 1);
  assert.equal(result.fallbacks[0].level, 2);
  assert.match(result.fallbacks[0].reason, /\d+ parents, more than 5 .*merged deterministically to 5/);
  const top = ancestors(result, base.length, 2);
  for (const coarse of Object.keys(TOPICS)) {
    assert.equal(new Set(base.flatMap((b, i) => (b.coarse === coarse ? [top[i]] : []))).size, 1, `${coarse} stays together`);
  }
});

test('assignment candidates are shuffled per call', async () => {
  const base = corpus(Object.keys(TOPICS), 5);
  const { requests } = await buildAgainst(hierarchyResponder, { clusters: base, levels: 3, top: 6, seed: 7 });
  const orders = new Map<string, string[]>();
  let compared = 0;
  for (const request of requests.filter((r) => r.system === HIERARCHY_ASSIGN_SYSTEM)) {
    const order = listed(firstPrompt(request), 'categories').map((c) => c.name).join('|');
    const key = order.split('|').sort().join('|');
    orders.set(key, [...(orders.get(key) ?? []), order]);
  }
  for (const seen of orders.values()) if (seen.length > 1) compared++;
  assert.ok(compared > 0, 'some neighbourhoods needed several assignment calls');
  assert.ok([...orders.values()].some((seen) => new Set(seen).size > 1), 'the same candidates came in different orders');
});

test('proposals that repeat the same names still converge, with the fallbacks recorded', async () => {
  const base = corpus(Object.keys(TOPICS), 5);
  const sameNames: Respond = (request) =>
    request.system === HIERARCHY_PROPOSE_SYSTEM
      ? JSON.stringify({ categories: [{ name: 'General assistance', description: 'Help.' }, { name: 'Miscellaneous', description: 'Other.' }] })
      : hierarchyResponder(request);
  const result = await buildAgainst(sameNames, { clusters: base, levels: 3, top: 6, seed: 7 });
  checkComplete(result, base, 6);
  assert.deepEqual(result.levels.map((l) => l.size), [27, 6], 'the fallback groups to the schedule');
  assert.deepEqual(result.fallbacks.map((f) => f.level), [1, 2]);
  assert.match(result.fallbacks[0].reason, /only 2 distinct/);

  // The other way a level fails to shrink: the model hands the children's own names back.
  const echo: Respond = (request) =>
    request.system === HIERARCHY_PROPOSE_SYSTEM
      ? JSON.stringify({ categories: listed(firstPrompt(request), 'clusters').map((c) => ({ name: c.name, description: c.description })) })
      : hierarchyResponder(request);
  const echoed = await buildAgainst(echo, { clusters: base, levels: 3, top: 6, seed: 7 });
  checkComplete(echoed, base, 6);
  assert.ok(echoed.fallbacks.length > 0, 'recorded');
  assert.ok(echoed.fallbacks.every((f) => /only \d+ distinct|more than|did not shrink|repeat/.test(f.reason)), JSON.stringify(echoed.fallbacks));
});

test('unknown parent names are fuzzy-matched and names from another neighbourhood refused', async () => {
  const base = corpus(['food', 'tech'], 5);
  const sloppy: Respond = (request) => {
    if (request.system !== HIERARCHY_ASSIGN_SYSTEM) return hierarchyResponder(request);
    const answer = JSON.parse(hierarchyResponder(request)!) as { assignments: { cluster: number; category: string }[] };
    const clusters = listed(firstPrompt(request), 'clusters');
    for (const entry of answer.assignments) {
      const name = clusters[entry.cluster - 1].name;
      if (name.startsWith('pasta')) entry.category = 'pastta';
      if (name.startsWith('python')) entry.category = 'Pasta';
    }
    return JSON.stringify(answer);
  };
  const logs: string[] = [];
  const result = await buildAgainst(sloppy, {
    clusters: base, levels: 2, top: 8, neighbourhoodSize: 20, seed: 3, log: (m) => logs.push(m),
  });
  checkComplete(result, base, 8);
  assert.deepEqual(result.fallbacks, []);
  const [level] = result.levels;
  const parentsOf = (fine: string) => new Set(base.flatMap((b, i) => (b.fine === fine ? [level.parentOf[i]] : [])));
  const pasta = parentsOf('pasta');
  assert.equal(pasta.size, 1, 'the misspelt name reached the pasta parent');
  assert.ok(base.every((b, i) => pasta.has(level.parentOf[i]) === (b.fine === 'pasta')), 'and only pasta went there');
  const foodParents = new Set(base.flatMap((b, i) => (b.coarse === 'food' ? [level.parentOf[i]] : [])));
  assert.ok([...parentsOf('python')].every((p) => !foodParents.has(p)), 'python stays out of the food neighbourhood');
  const counts = /(\d+) fuzzy, (\d+) refused/.exec(logs.join('\n'));
  assert.deepEqual([Number(counts?.[1]), Number(counts?.[2])], [5, 5], logs.join('\n'));
});

test('failed calls still give a complete hierarchy', async () => {
  const base = corpus(Object.keys(TOPICS), 5);
  // Garbage for a third of the prompts, on every turn, so the client's repairs fail too.
  const flaky: Respond = (request) =>
    createHash('sha256').update(firstPrompt(request)).digest()[0] % 3 === 0 ? 'I am sorry, I cannot do JSON today' : hierarchyResponder(request);
  const logs: string[] = [];
  const result = await buildAgainst(flaky, { clusters: base, levels: 3, top: 6, seed: 7, log: (m) => logs.push(m) });
  assert.ok(logs.some((m) => /call failed \(invalid-output\)/.test(m)), 'some calls failed');
  checkComplete(result, base, 6);

  const broken = await buildAgainst(() => '{"nonsense": true}', { clusters: base, levels: 3, top: 6, seed: 7 });
  checkComplete(broken, base, 6);
  assert.deepEqual(broken.levels.map((l) => l.size), [27, 6]);
  assert.deepEqual(broken.fallbacks.map((f) => f.level), [1, 2]);
  assert.match(broken.fallbacks[0].reason, /proposal calls failed/);
});

test('call estimate follows the formula', () => {
  // Level 1: 25 neighbourhoods + 1 dedupe + 25 * 2 assignment batches + 100 renames; level 2: 3 + 1 + 3 * 2 + 10.
  assert.equal(estimateHierarchyCalls(1000, [1000, 100, 10]), 196);
  assert.equal(estimateHierarchyCalls(1000, [100, 10]), 196, 'the base may be left out');
  assert.equal(estimateHierarchyCalls(30, [30, 5]), 1 + 2 + 5);
});

test('names of clusters below the privacy thresholds never reach a parent: not in rename prompts, not in fallback labels', async () => {
  const CANARY = 'zanzibarquill';
  const base = corpus(['food', 'tech', 'travel'], 2).map((b, i) => (i % 4 === 0 ? { ...b, name: `${b.name} ${CANARY}`, description: `${b.description} ${CANARY}.` } : b));
  const clusters = base.map((b, i) => ({ name: b.name, description: b.description, size: b.size, shareable: i % 4 !== 0 }));
  for (const respond of [hierarchyResponder, () => 'not json'] as Respond[]) {
    const result = await buildAgainst(respond, { clusters, levels: 3, top: 2, seed: 3 });
    for (const level of result.levels) {
      for (const label of level.labels) assert.ok(!`${label.name} ${label.description}`.includes(CANARY), `level ${level.level}: ${label.name}`);
    }
    const renames = result.requests.filter((r) => !r.system.startsWith(HIERARCHY_PROPOSE_SYSTEM.slice(0, 40)) && !r.system.startsWith(HIERARCHY_ASSIGN_SYSTEM.slice(0, 40)));
    assert.ok(renames.length > 0);
  }
});
