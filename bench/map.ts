// 2-D map: umap-js fit time at 2k/5k/10k points (512-d), and placing points outside the fitted sample
// by our nearest-sampled-points rule against umap-js `transform` (time and neighbour-label agreement).
import { UMAP } from 'umap-js';
import { projectTo2d } from '../src/map/project.ts';
import { createRandom, standardNormal } from '../src/util/random.ts';

const DIM = 512;

function blobs(n: number, count: number, seed: number) {
  const random = createRandom(seed);
  const gaussian = () => standardNormal(random);
  const centres = Array.from({ length: count }, () => Array.from({ length: DIM }, gaussian));
  const vectors = new Float32Array(n * DIM);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = Math.floor(random() * count);
    for (let d = 0; d < DIM; d++) vectors[i * DIM + d] = centres[labels[i]][d] + 1.2 * gaussian();
  }
  return { vectors, labels };
}

/** Share of `queries` whose nearest 2-D point among `reference` has the same label. */
function agreement(points: Float32Array, labels: Int32Array, queries: number[], reference: number[]): number {
  let agree = 0;
  for (const i of queries) {
    let best = -1;
    let bestDistance = Infinity;
    for (const j of reference) {
      if (j === i) continue;
      const distance = (points[2 * i] - points[2 * j]) ** 2 + (points[2 * i + 1] - points[2 * j + 1]) ** 2;
      if (distance < bestDistance) [best, bestDistance] = [j, distance];
    }
    if (labels[best] === labels[i]) agree++;
  }
  return agree / queries.length;
}

const seconds = (start: number) => ((performance.now() - start) / 1000).toFixed(1);

export async function run(): Promise<void> {
  for (const n of [2000, 5000, 10000]) {
    const { vectors } = blobs(n, 50, 1);
    const start = performance.now();
    await projectTo2d({ vectors, n, dim: DIM, seed: 1, sampleSize: n });
    console.log(`map: umap-js fit ${n} x ${DIM}: ${seconds(start)} s`);
  }
  const n = 6000;
  const fitted = 2000;
  const { vectors, labels } = blobs(n, 50, 2);
  const queries = Array.from({ length: 1000 }, (_, k) => fitted + k);
  const reference = Array.from({ length: fitted }, (_, k) => k);

  let start = performance.now();
  const ours = await projectTo2d({ vectors, n, dim: DIM, seed: 1, sampleSize: fitted });
  const oursSeconds = seconds(start);
  // projectTo2d samples its own fit set; measure agreement of every point against all others' labels.
  const all = Array.from({ length: n }, (_, k) => k);
  console.log(`map: fit ${fitted} + place ${n - fitted} by nearest sampled points: ${oursSeconds} s, nearest-neighbour label agreement ${agreement(ours, labels, queries, all).toFixed(3)}`);

  start = performance.now();
  const rows = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => Array.from(vectors.subarray((from + k) * DIM, (from + k + 1) * DIM)));
  const umap = new UMAP({ nComponents: 2, nNeighbors: 15, minDist: 0, random: createRandom(1) });
  const fit = await umap.fitAsync(rows(0, fitted));
  const fitSeconds = seconds(start);
  start = performance.now();
  const placed = umap.transform(rows(fitted, fitted + 1000));
  const transformSeconds = (performance.now() - start) / 1000;
  const theirs = new Float32Array(2 * (fitted + 1000));
  fit.forEach((p, k) => theirs.set(p, 2 * k));
  placed.forEach((p, k) => theirs.set(p, 2 * (fitted + k)));
  console.log(
    `map: umap-js fit ${fitted} ${fitSeconds} s + transform 1000: ${transformSeconds.toFixed(1)} s (${((transformSeconds * (n - fitted)) / 1000).toFixed(1)} s for ${n - fitted}), label agreement ${agreement(theirs, labels, queries, all.slice(0, fitted + 1000)).toFixed(3)}`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
