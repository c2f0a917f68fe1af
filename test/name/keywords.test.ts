import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRandom } from '../../src/util/random.ts';
import { nameClusters } from '../../src/name/keywords.ts';
import { tokenize } from '../../src/name/tokenize.ts';

// A small seeded corpus: each topic has its own words, every text also has generic filler words.
const TOPICS = [
  ['password', 'reset', 'account', 'login', 'locked'],
  ['recipe', 'chicken', 'oven', 'dinner', 'garlic'],
  ['python', 'function', 'error', 'list', 'loop'],
  ['contraseña', 'cuenta', 'correo', 'restablecer', 'acceso'],
  ['密码', '重置', '账户', '登录', '邮箱'],
];
const GENERIC = ['question', 'today', 'example', 'simple', 'problem'];

function corpus(options: { perTopic: number; users: number; seed: number }) {
  const random = createRandom(options.seed);
  const pick = <T,>(items: T[]) => items[Math.floor(random() * items.length)];
  const texts: string[] = [];
  const users: (string | null)[] = [];
  const assignments: number[] = [];
  TOPICS.forEach((words, topic) => {
    for (let i = 0; i < options.perTopic; i++) {
      const body = topic === 4 ? `我想${pick(words)}${pick(words)}，${pick(words)}怎么办` : `${pick(GENERIC)} ${pick(words)} ${pick(words)} ${pick(GENERIC)}, ${pick(words)}`;
      texts.push(topic === 0 && i % 3 === 0 ? `how do I reset my password ${body}` : body);
      users.push(`user-${Math.floor(random() * options.users)}`);
      assignments.push(topic);
    }
  });
  return { texts, users, assignments: Int32Array.from(assignments) };
}

test('tokenize drops placeholders, numbers and stopwords, keeps phrases, and splits CJK into bigrams', () => {
  assert.deepEqual(tokenize('How do I reset my password? Mail [EMAIL] or call 555-1234'), ['reset', 'password', '', 'mail', '', 'call', '']);
  assert.deepEqual(tokenize('我的密码'), ['密码', '']);
  assert.ok(!tokenize('Le chat est sur la table').includes('est'));
});

test('each cluster is named by its own distinctive words, not by words every cluster shares', () => {
  const data = corpus({ perTopic: 120, users: 80, seed: 1 });
  const labels = nameClusters({ ...data, users: data.users, clusterCount: TOPICS.length, minUsers: 5 });
  assert.equal(labels.length, TOPICS.length);
  labels.forEach((label, topic) => {
    const topicWords = new Set(TOPICS[topic]);
    const hits = label.terms.filter((term) => term.split(' ').some((w) => topicWords.has(w)));
    assert.ok(hits.length >= 3, `cluster ${topic} terms ${label.terms.join(', ')}`);
    for (const generic of GENERIC) assert.ok(!label.terms.includes(generic), `generic '${generic}' in ${label.terms.join(', ')}`);
    assert.ok(label.name.includes(' · '), label.name);
    assert.match(label.description, /keyword/i);
  });
  const nameWords = labels[0].name.split(/ · | /);
  assert.equal(new Set(nameWords).size, nameWords.length, `repeated word in name '${labels[0].name}'`);
  assert.ok(labels[0].terms.includes('reset password'), `phrase missing: ${labels[0].terms.join(', ')}`);
});

test('a word used by fewer distinct users than minUsers never becomes a term, however often it is used', () => {
  const data = corpus({ perTopic: 200, users: 100, seed: 2 });
  // One user writes about their canary in 60 conversations of cluster 1: the most distinctive word there.
  for (let i = 0; i < 60; i++) {
    data.texts.push('question zorblax recipe zorblax oven');
    data.users.push('the-one-user');
  }
  const assignments = Int32Array.from([...data.assignments, ...new Array(60).fill(1)]);
  const input = { texts: data.texts, users: data.users, assignments, clusterCount: TOPICS.length };

  const open = nameClusters({ ...input, minUsers: 1 });
  assert.ok(open[1].terms.some((t) => t.includes('zorblax')), 'control: without the threshold the canary wins');

  const labels = nameClusters({ ...input, minUsers: 5 });
  for (const label of labels) {
    assert.ok(!JSON.stringify(label).includes('zorblax'), `canary leaked: ${JSON.stringify(label)}`);
  }
});

test('conversations without a user id count as one user each', () => {
  const texts = Array.from({ length: 40 }, (_, i) => (i < 20 ? `gardening tomato soil ${i % 2 ? 'seeds' : 'water'}` : 'invoice tax refund deadline'));
  const assignments = Int32Array.from(texts.map((_, i) => (i < 20 ? 0 : 1)));
  const anonymous = nameClusters({ texts, users: texts.map(() => null), assignments, clusterCount: 2, minUsers: 10 });
  assert.ok(anonymous[0].terms.includes('tomato'));
  const oneUser = nameClusters({ texts, users: texts.map(() => 'same'), assignments, clusterCount: 2, minUsers: 10 });
  assert.deepEqual(oneUser[0].terms, []);
  assert.match(oneUser[0].name, /no shared keywords/);
});

test('rejects inputs of different lengths', () => {
  assert.throws(() => nameClusters({ texts: ['a'], users: [], assignments: new Int32Array(1), clusterCount: 1, minUsers: 1 }), /differ in length/);
});
