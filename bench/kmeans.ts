// Our k-means against ml-kmeans on the same vectors and k, in the same run: 10,000 x 512 with k = 100
// (time and inertia ratios, ours with one and two threads), then 100,000 x 512 in mini-batch mode
// (ours only: ml-kmeans took about two minutes at 10,000 points, and its cost grows with n x k).
// Vectors are synthetic sentence-embedding-like data: unit-length noisy copies of random topic directions.
import { kmeans as mlKmeans } from 'ml-kmeans';
import { chooseK, kmeans, type KMeansOptions } from '../src/cluster/kmeans.ts';
import { createRandom, standardNormal } from '../src/util/random.ts';

const DIM = 512;

/** n unit vectors around `topics` random directions, noise comparable to the signal. */
export function topicVectors(n: number, dim: number, topics: number, seed: number): Float32Array {
  const random = createRandom(seed);
  const gauss = () => standardNormal(random);
  const directions = Array.from({ length: topics }, () => Float64Array.from({ length: dim }, gauss));
  const data = new Float32Array(n * dim);
  const row = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    const topic = directions[Math.floor(random() * topics)];
    let norm = 0;
    for (let j = 0; j < dim; j++) {
      row[j] = topic[j] + 1.5 * gauss();
      norm += row[j] * row[j];
    }
    norm = Math.sqrt(norm);
    for (let j = 0; j < dim; j++) data[i * dim + j] = row[j] / norm;
  }
  return data;
}

/** Sum over points of the squared distance to the nearest centroid, in double precision: one yardstick for both. */
export function nearestCentroidInertia(data: Float32Array, n: number, dim: number, centroids: ArrayLike<number>[]): number {
  let total = 0;
  for (let i = 0; i < n; i++) {
    let best = Infinity;
    for (const centroid of centroids) {
      let squared = 0;
      for (let j = 0; j < dim && squared < best; j++) squared += (data[i * dim + j] - centroid[j]) ** 2;
      if (squared < best) best = squared;
    }
    total += best;
  }
  return total;
}

function rows(flat: Float32Array, count: number, dim: number): Float32Array[] {
  return Array.from({ length: count }, (_, c) => flat.subarray(c * dim, (c + 1) * dim));
}

async function timeOurs(data: Float32Array, n: number, options: KMeansOptions) {
  const started = performance.now();
  const result = await kmeans(data, n, DIM, options);
  const seconds = (performance.now() - started) / 1000;
  return { seconds, inertia: nearestCentroidInertia(data, n, DIM, rows(result.centroids, options.k, DIM)), result };
}

const format = (value: number, digits = 2) => value.toFixed(digits);

export async function run(): Promise<void> {
  const n = 10_000;
  const k = 100;
  const data = topicVectors(n, DIM, 100, 1);
  console.log(`k-means, ${n} x ${DIM}, k = ${k} (same vectors, same k, same run)`);

  const arrays = Array.from({ length: n }, (_, i) => Array.from(data.subarray(i * DIM, (i + 1) * DIM)));
  let started = performance.now();
  const theirs = mlKmeans(arrays, k, { seed: 1, initialization: 'kmeans++' });
  const theirSeconds = (performance.now() - started) / 1000;
  const theirInertia = nearestCentroidInertia(data, n, DIM, theirs.centroids);
  console.log(`  ml-kmeans 7 (kmeans++, 1 run)          ${format(theirSeconds, 1).padStart(7)} s  inertia ${format(theirInertia)}`);

  const runs: Array<[string, KMeansOptions]> = [
    ['ours, default (3 restarts), 1 thread ', { k, seed: 1, workers: 1 }],
    ['ours, default (3 restarts), 2 threads', { k, seed: 1, workers: 2 }],
    ['ours, 1 restart (equal work), 1 thread', { k, seed: 1, restarts: 1, workers: 1 }],
    ['ours, 10 restarts, 2 threads          ', { k, seed: 1, restarts: 10, workers: 2 }],
  ];
  for (const [label, options] of runs) {
    const ours = await timeOurs(data, n, options);
    console.log(
      `  ${label} ${format(ours.seconds, 1).padStart(7)} s  inertia ${format(ours.inertia)}` +
        `  speed-up x${format(theirSeconds / ours.seconds, 1)}  inertia ratio ${format(ours.inertia / theirInertia, 4)}`,
    );
  }

  const large = 100_000;
  const largeK = chooseK(large);
  const largeData = topicVectors(large, DIM, 1000, 2);
  started = performance.now();
  const mini = await kmeans(largeData, large, DIM, { k: largeK, seed: 1 });
  const miniSeconds = (performance.now() - started) / 1000;
  console.log(`k-means, ${large} x ${DIM}, k = ${largeK} (chooseK), mini-batch, 2 threads (ml-kmeans skipped: far too slow)`);
  console.log(`  ours: ${format(miniSeconds, 1)} s, ${mini.iterations} batches, inertia ${format(mini.inertia)}, smallest cluster ${Math.min(...mini.sizes)}`);
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
