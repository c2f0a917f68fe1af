// Throughput of the computed-facets stage's hot parts: language detection (short and long texts),
// PII scrubbing (MB/s) and computeFacets (conversations/s), on one thread. Uses ../shared/data when
// present (xsid utterances, oasst1 conversations), else a built-in multilingual sample.
// Run: node --import tsx bench/language.ts
import { existsSync, readFileSync } from 'node:fs';
import { computeFacets } from '../src/facets/compute.ts';
import { loadLanguageDetector } from '../src/facets/language.ts';
import { scrubPii } from '../src/privacy/scrub.ts';
import type { Message } from '../src/types.ts';

const DATA = '../shared/data';
const SAMPLE: Message[][] = [
  [{ role: 'user', content: 'Can you help me write a cover letter for a bakery job? Reach me at sam@example.com or +1 555 123 4567.' }],
  [{ role: 'user', content: 'Pouvez-vous m’expliquer la différence entre un disque dur HDD et un SSD ?' }, { role: 'assistant', content: 'Bien sûr.' }],
  [{ role: 'user', content: 'Wie funktioniert die Photosynthese genau, und warum sind Blätter grün?' }],
  [{ role: 'user', content: '¿Cuál es la mejor manera de aprender a programar en Python desde cero? Mi servidor es 10.0.0.12.' }],
];

function loadConversations(): Message[][] {
  const path = `${DATA}/oasst1-en/conversations.jsonl`;
  const fr = `${DATA}/oasst1-fr/conversations.jsonl`;
  if (!existsSync(path) || !existsSync(fr)) return Array.from({ length: 500 }, (_, i) => SAMPLE[i % SAMPLE.length]);
  return [path, fr].flatMap((file) =>
    readFileSync(file, 'utf8').trim().split('\n').map((line) => (JSON.parse(line) as { messages: Message[] }).messages),
  );
}

function timed<T>(run: () => T): { result: T; seconds: number } {
  const started = performance.now();
  const result = run();
  return { result, seconds: (performance.now() - started) / 1000 };
}

export async function run(): Promise<void> {
  const load = await (async () => {
    const started = performance.now();
    const detector = await loadLanguageDetector();
    return { detector, seconds: (performance.now() - started) / 1000 };
  })();
  const { detector } = load;
  const conversations = loadConversations();
  const userTurns = conversations.flatMap((messages) => messages.filter((m) => m.role === 'user').map((m) => m.content));
  const shortTexts = existsSync(`${DATA}/xsid/utterances.jsonl`)
    ? readFileSync(`${DATA}/xsid/utterances.jsonl`, 'utf8').trim().split('\n').map((line) => (JSON.parse(line) as { text: string }).text)
    : userTurns.map((text) => text.slice(0, 40));
  const allText = conversations.flatMap((messages) => messages.map((m) => m.content));
  const megabytes = allText.reduce((sum, text) => sum + text.length, 0) / 1e6;

  for (const text of shortTexts.slice(0, 2000)) detector.detect(text); // warm up the JIT
  const short = timed(() => shortTexts.forEach((text) => detector.detect(text)));
  const long = timed(() => userTurns.forEach((text) => detector.detect(text)));
  const scrub = timed(() => allText.reduce((sum, text) => sum + scrubPii(text).text.length, 0));
  const facets = timed(() =>
    conversations.reduce((sum, messages, index) => sum + computeFacets({ conversationId: String(index), messages, createdAt: new Date() }, detector).length, 0),
  );
  const source = existsSync(`${DATA}/oasst1-en`) ? 'oasst1-en + oasst1-fr, xsid' : 'built-in sample';
  console.log(`facets hot paths (one thread, ${source}):`);
  console.log(`  eld large load        ${load.seconds.toFixed(2)} s, rss ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`);
  console.log(`  detect short texts    ${Math.round(shortTexts.length / short.seconds)} texts/s (${shortTexts.length}, mean ${Math.round(shortTexts.join('').length / shortTexts.length)} chars)`);
  console.log(`  detect user turns     ${Math.round(userTurns.length / long.seconds)} texts/s (${userTurns.length}, mean ${Math.round(userTurns.join('').length / userTurns.length)} chars)`);
  console.log(`  scrubPii              ${(megabytes / scrub.seconds).toFixed(1)} MB/s (${allText.length} messages, ${megabytes.toFixed(2)} MB)`);
  console.log(`  computeFacets         ${Math.round(conversations.length / facets.seconds)} conversations/s (${conversations.length})`);
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
