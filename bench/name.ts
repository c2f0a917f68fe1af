// Keyword naming speed: 100,000 generated conversations in 1,000 clusters (and 10,000 in 100).
import { createRandom } from '../src/util/random.ts';
import { nameClusters } from '../src/name/keywords.ts';

/** Texts of about 40 words: Zipf-distributed shared vocabulary plus words of the conversation's cluster. */
function generate(n: number, clusters: number, seed: number) {
  const random = createRandom(seed);
  const word = (i: number) => `w${i.toString(36)}x`;
  const texts: string[] = [];
  const users: string[] = [];
  const assignments = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const cluster = Math.floor(random() * clusters);
    const parts: string[] = [];
    for (let j = 0; j < 40; j++) {
      parts.push(random() < 0.3 ? word(50_000 + cluster * 20 + Math.floor(random() * 20)) : word(Math.floor(1 / Math.max(random(), 1e-5))));
    }
    texts.push(parts.join(' '));
    users.push(`u${Math.floor(random() * n / 5)}`);
    assignments[i] = cluster;
  }
  return { texts, users, assignments };
}

export async function run(): Promise<void> {
  for (const [n, clusters] of [[10_000, 100], [100_000, 1_000]] as const) {
    const data = generate(n, clusters, 1);
    const started = performance.now();
    const labels = nameClusters({ ...data, clusterCount: clusters, minUsers: 10 });
    const seconds = (performance.now() - started) / 1000;
    const heapMb = process.memoryUsage().rss / 2 ** 20;
    console.log(`name: ${n} conversations, ${clusters} clusters: ${seconds.toFixed(1)} s (${Math.round(n / seconds)} conv/s), rss ${heapMb.toFixed(0)} MB; e.g. "${labels[0].name}"`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
