import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { buildRequestText, computeFacets, REQUEST_FIRST_TURN_MAX_CHARS, REQUEST_TEXT_MAX_CHARS } from '../../src/facets/compute.ts';
import { extractFacets } from '../../src/facets/extract.ts';
import { languageName, loadLanguageDetector, type LanguageDetector } from '../../src/facets/language.ts';
import { COMPUTED_FACETS, facetDefinition } from '../../src/facets/registry.ts';
import { openWorkspace, type Workspace } from '../../src/store/workspace.ts';
import type { FacetValue } from '../../src/types.ts';

let detector: LanguageDetector;
before(async () => {
  detector = await loadLanguageDetector();
});

const byName = (values: FacetValue[]) => new Map(values.map((value) => [value.facet, value.text ?? value.number]));

const FRENCH = 'Bonjour, pouvez-vous m’aider à écrire une lettre de motivation pour un poste de boulanger à Lyon ?';
const ENGLISH = 'Thanks! Now please translate the whole letter into English and make it a little shorter.';

test('computeFacets: counts, time, model, language and scrubbed request text', () => {
  const values = computeFacets(
    {
      conversationId: 'c1',
      createdAt: new Date('2024-05-01T13:45:00Z'),
      model: ' gpt-4o ',
      messages: [
        { role: 'system', content: 'You are helpful.' },
        { role: 'user', content: `${FRENCH} Écrivez-moi à marie.curie@example.fr ou au 06 12 34 56 78.` },
        { role: 'assistant', content: 'Bien sûr !' },
        { role: 'user', content: 'Merci beaucoup, et ajoutez une formule de politesse à la fin de la lettre.' },
      ],
    },
    detector,
  );
  const facets = byName(values);
  assert.equal(facets.get('turns'), 3);
  assert.equal(facets.get('user_turns'), 2);
  assert.equal(facets.get('assistant_chars'), 'Bien sûr !'.length);
  assert.equal(facets.get('mean_user_chars'), (facets.get('user_chars') as number) / 2);
  assert.equal(facets.get('created_hour'), 13);
  assert.equal(facets.get('created_date'), '2024-05-01');
  assert.equal(facets.get('created_weekday'), 'Wednesday');
  assert.equal(facets.get('model'), 'gpt-4o');
  assert.equal(facets.get('language'), 'fr');
  assert.equal(facets.get('languages'), 'fr');
  const request = facets.get('request_text') as string;
  assert.match(request, /\[EMAIL\] ou au \[PHONE\]\.\nMerci beaucoup/);
  assert.doesNotMatch(request, /curie|06 12/);
  for (const value of values) assert.ok(COMPUTED_FACETS.some((facet) => facet.name === value.facet), value.facet);
});

test('computeFacets: no time or model facets when the source has none; mixed languages are listed', () => {
  const facets = byName(
    computeFacets(
      { conversationId: 'c2', messages: [{ role: 'user', content: FRENCH }, { role: 'user', content: ENGLISH }] },
      detector,
    ),
  );
  assert.equal(facets.has('created_hour'), false);
  assert.equal(facets.has('model'), false);
  assert.equal(facets.get('language'), 'fr');
  assert.equal(facets.get('languages'), 'fr,en');
  assert.equal(facets.get('assistant_chars'), 0);
});

test('language: und for text with nothing to detect; English names', () => {
  for (const text of ['', '   ', '12345 678', '???', 'ok']) assert.equal(detector.detect(text), 'und', JSON.stringify(text));
  const facets = byName(computeFacets({ conversationId: 'c3', messages: [{ role: 'user', content: '42' }] }, detector));
  assert.equal(facets.get('language'), 'und');
  assert.equal(facets.has('languages'), false);
  assert.equal(languageName('fr'), 'French');
  assert.equal(languageName('zh'), 'Chinese');
  assert.equal(languageName('und'), 'Undetermined');
  assert.equal(detector.detect('Wie spät ist es heute Abend in Berlin, und regnet es morgen?'), 'de');
  assert.equal(detector.detect('```\nconst x = 1;\nreturn x;\n```\n¿Por qué este código no funciona en mi navegador?'), 'es');
});

test('buildRequestText: bounded, first turn favoured, later turns fill the rest, whitespace collapsed', () => {
  const long = (word: string, n: number) => Array.from({ length: n }, () => word).join(' ');
  const text = buildRequestText([long('alpha', 1000), long('beta', 1000), long('gamma', 1000)]);
  assert.ok(text.length <= REQUEST_TEXT_MAX_CHARS, String(text.length));
  const [first, second] = text.split('\n');
  assert.ok(first.startsWith('alpha') && first.length <= REQUEST_FIRST_TURN_MAX_CHARS && first.length > REQUEST_FIRST_TURN_MAX_CHARS - 10);
  assert.ok(second.startsWith('beta') && second.length > 700);
  assert.equal(buildRequestText([long('solo', 1000)]).length > REQUEST_FIRST_TURN_MAX_CHARS, true, 'a single turn gets the whole budget');
  assert.equal(buildRequestText(['  hello\n\n  world  ', '', 'again']), 'hello world\nagain');
  // PII right at the cut is scrubbed before cutting, so no fragment of it survives.
  const cutInside = buildRequestText([`${'x'.repeat(REQUEST_TEXT_MAX_CHARS - 10)} jean.dupont@example.com`]);
  assert.doesNotMatch(cutInside, /jean|dupont|@/);
});

test('registry: every computed facet is typed', () => {
  assert.deepEqual(facetDefinition('request_text'), { ...facetDefinition('request_text'), kind: 'text', source: 'computed' });
  assert.equal(facetDefinition('language').kind, 'category');
  assert.throws(() => facetDefinition('nope'), /unknown facet 'nope'/);
});

let dir: string;
let ws: Workspace;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'clio-facets-'));
  ws = await openWorkspace({ dir });
});
after(() => {
  ws?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function insertConversation(id: string, createdAt: string | null, model: string | null, messages: [string, string][]) {
  const users = messages.filter(([role]) => role === 'user');
  await ws.run(
    `INSERT INTO conversations (conversation_id, source_id, created_at, model, turns, user_turns, user_chars, assistant_chars)
     VALUES ($1, 1, $2::TIMESTAMP, $3, $4, $5, 0, 0)`,
    [id, createdAt, model, messages.length, users.length],
  );
  for (const [position, [role, content]] of messages.entries()) {
    await ws.run('INSERT INTO messages VALUES ($1, $2, $3, $4)', [id, position, role, content]);
  }
}

const CANARIES = ['canary.person@example.org', '+44 20 7946 0958', '4111 1111 1111 1111', '203.0.113.77', 'https://secret.example.net/u/canary', '99887766554433'];

test('extractFacets: writes typed values, resumes, never lets PII into request_text', async () => {
  await insertConversation('b', '2024-01-02 03:04:05', 'claude-3-haiku', [
    ['user', `Write to me at ${CANARIES[0]} or call ${CANARIES[1]}; my card is ${CANARIES[2]}.`],
    ['assistant', 'I will not store that.'],
  ]);
  await insertConversation('a', null, null, [
    ['user', `Mon serveur ${CANARIES[3]} ne répond plus, voir ${CANARIES[4]} et le ticket ${CANARIES[5]}.`],
  ]);
  await insertConversation('c', null, null, [['user', 'Erkläre mir bitte, wie die Photosynthese in Pflanzen funktioniert.']]);

  const progress: number[] = [];
  const first = await extractFacets(ws, { batchSize: 2, onProgress: (done) => progress.push(done) });
  assert.equal(first.conversations, 3);
  assert.equal(first.alreadyDone, 0);
  assert.deepEqual(progress, [0, 2, 3]);

  const rows = await ws.all<{ conversation_id: string; facet: string; kind: string; source: string; value_text: string | null; value_number: number | null }>(
    "SELECT conversation_id, facet, kind, source, value_text, value_number FROM facets WHERE run_key = '' ORDER BY conversation_id, facet",
  );
  assert.equal(rows.length, first.values);
  const get = (id: string, facet: string) => rows.find((row) => row.conversation_id === id && row.facet === facet);
  assert.equal(get('b', 'created_hour')?.value_number, 3);
  assert.equal(get('b', 'created_hour')?.kind, 'number');
  assert.equal(get('b', 'model')?.value_text, 'claude-3-haiku');
  assert.equal(get('b', 'model')?.kind, 'category');
  assert.equal(get('b', 'turns')?.value_number, 2);
  assert.equal(get('a', 'created_hour'), undefined);
  assert.equal(get('a', 'language')?.value_text, 'fr');
  assert.equal(get('c', 'language')?.value_text, 'de');
  assert.equal(get('a', 'request_text')?.source, 'computed');
  assert.match(get('b', 'request_text')?.value_text ?? '', /\[EMAIL\] or call \[PHONE\]; my card is \[CARD\]/);
  assert.match(get('a', 'request_text')?.value_text ?? '', /\[IP\] ne répond plus, voir \[URL\] et le ticket \[NUMBER\]/);
  const everything = JSON.stringify(rows);
  for (const canary of CANARIES) assert.ok(!everything.includes(canary), `canary ${canary} leaked`);

  const rerun = await extractFacets(ws);
  assert.equal(rerun.conversations, 0);
  assert.equal(rerun.alreadyDone, 3);
  const [{ n }] = await ws.all<{ n: number }>('SELECT count(*) AS n FROM facets');
  assert.equal(n, rows.length);

  await insertConversation('aa', null, null, [['user', 'How do I sort a list of tuples by the second element in Python?']]);
  const resumed = await extractFacets(ws);
  assert.equal(resumed.conversations, 1);
  const [{ m }] = await ws.all<{ m: number }>("SELECT count(DISTINCT conversation_id) AS m FROM facets WHERE facet = 'request_text'");
  assert.equal(m, 4);
});
