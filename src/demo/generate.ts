// Generates the demo corpus: conversations in OpenAI message JSONL, drawn from the built-in taxonomy,
// in several languages, from many users with a skewed activity distribution, over three months.
// Some messages carry planted personal data (emails, phone numbers) that the pipeline must scrub.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createRandom } from '../util/random.ts';
import { DEMO_TAXONOMY, type DemoLanguage, type DemoTopic } from './taxonomy.ts';

export interface DemoCorpusOptions {
  out: string;
  conversations?: number;
  users?: number;
  seed?: number;
}

export interface DemoCorpusSummary {
  path: string;
  conversations: number;
  users: number;
  topics: number;
  rareTopics: string[];
}

const FOLLOW_UPS: Record<DemoLanguage, string[]> = {
  en: ['Thanks! Can you make it shorter?', 'Can you explain that part again?', 'Great, what about a simpler version?'],
  fr: ['Merci ! Tu peux faire plus court ?', 'Tu peux réexpliquer cette partie ?'],
  es: ['¡Gracias! ¿Puedes hacerlo más corto?', '¿Puedes explicarlo otra vez?'],
  de: ['Danke! Kannst du es kürzer machen?', 'Kannst du das nochmal erklären?'],
};
const REPLIES: Record<DemoLanguage, string> = {
  en: 'Sure, here is a detailed answer with the steps you asked for.',
  fr: 'Bien sûr, voici une réponse détaillée avec les étapes demandées.',
  es: 'Claro, aquí tienes una respuesta detallada con los pasos que pediste.',
  de: 'Gern, hier ist eine ausführliche Antwort mit den gewünschten Schritten.',
};
const LANGUAGE_WEIGHTS: [DemoLanguage, number][] = [['en', 0.62], ['fr', 0.14], ['es', 0.13], ['de', 0.11]];
const MODELS = ['assistant-large', 'assistant-small'];
const START = Date.UTC(2026, 5, 1);
const NINETY_DAYS_MS = 90 * 24 * 3600 * 1000;

export async function generateDemoCorpus(options: DemoCorpusOptions): Promise<DemoCorpusSummary> {
  const total = options.conversations ?? 3000;
  const userCount = options.users ?? 800;
  const random = createRandom(options.seed ?? 7);
  const pick = <T,>(items: readonly T[]): T => items[Math.floor(random() * items.length)];

  const commonTopics = DEMO_TAXONOMY.flatMap((c) => c.topics.filter((t) => !t.rare).map((topic) => ({ category: c.id, topic })));
  const rareTopics = DEMO_TAXONOMY.flatMap((c) => c.topics.filter((t) => t.rare).map((topic) => ({ category: c.id, topic })));
  const users = Array.from({ length: userCount }, (_, i) => ({
    id: `demo-user-${String(i + 1).padStart(5, '0')}`,
    language: weightedLanguage(random()),
    favourites: [pick(commonTopics), pick(commonTopics), pick(commonTopics)],
  }));
  // Zipf-like activity: a few heavy users, a long tail of occasional ones.
  const weights = users.map((_, i) => 1 / Math.pow(i + 1, 0.6));
  const cumulative = prefixSums(weights);

  const stream = createWriteStream(options.out, 'utf8');
  const write = async (line: string) => {
    if (!stream.write(line)) await once(stream, 'drain');
  };
  let written = 0;
  // Each rare topic gets a few conversations from its own handful of tail users.
  for (const [rareIndex, { category, topic }] of rareTopics.entries()) {
    for (let i = 0; i < 6; i++) {
      const user = users[userCount - 1 - rareIndex * 5 - (i % (topic.rare ?? 1))];
      await write(conversationLine(written++, user.id, 'en', category, topic));
    }
  }
  while (written < total) {
    const user = users[sampleIndex(cumulative, random())];
    const chosen = random() < 0.75 ? pick(user.favourites) : pick(commonTopics);
    const language = chosen.topic.templates[user.language] ? user.language : 'en';
    await write(conversationLine(written++, user.id, language, chosen.category, chosen.topic));
  }
  stream.end();
  await once(stream, 'finish');
  return {
    path: options.out,
    conversations: written,
    users: userCount,
    topics: commonTopics.length + rareTopics.length,
    rareTopics: rareTopics.map((r) => r.topic.id),
  };

  function conversationLine(index: number, userId: string, language: DemoLanguage, category: string, topic: DemoTopic): string {
    const template = pick(topic.templates[language] ?? topic.templates.en!);
    let request = template.replace('{a}', pick(topic.a)).replace('{b}', pick(topic.b));
    if (random() < 0.08) request += ` You can reach me at ${userId}@example.com or +1 415 555 01${String(index % 100).padStart(2, '0')}.`;
    const messages = [
      { role: 'user', content: request },
      { role: 'assistant', content: REPLIES[language] },
    ];
    if (random() < 0.3) {
      messages.push({ role: 'user', content: pick(FOLLOW_UPS[language]) }, { role: 'assistant', content: REPLIES[language] });
    }
    const record = {
      id: `demo-${index}`,
      user_id: userId,
      timestamp: new Date(START + Math.floor(random() * NINETY_DAYS_MS)).toISOString(),
      model: pick(MODELS),
      messages,
      labels: { category, topic: topic.id },
    };
    return JSON.stringify(record) + '\n';
  }
}

function weightedLanguage(r: number): DemoLanguage {
  let acc = 0;
  for (const [language, weight] of LANGUAGE_WEIGHTS) {
    acc += weight;
    if (r < acc) return language;
  }
  return 'en';
}

function prefixSums(weights: number[]): Float64Array {
  const sums = new Float64Array(weights.length);
  let acc = 0;
  weights.forEach((w, i) => (sums[i] = acc += w));
  return sums;
}

function sampleIndex(cumulative: Float64Array, r: number): number {
  const target = r * cumulative[cumulative.length - 1];
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cumulative[mid] < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
