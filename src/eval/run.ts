// `clio eval`: embed -> features -> k-means -> hierarchy on labelled data, scored against the labels
// (base clusters vs fine labels, top level vs coarse labels), next to plain k-means on the embeddings.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clusterConversations } from '../cluster/features.ts';
import { kmeans } from '../cluster/kmeans.ts';
import { createEmbedder } from '../embed/create.ts';
import { assignmentsByLevel, buildHierarchy } from '../hierarchy/hierarchy.ts';
import { clusterTermCounts } from '../hierarchy/terms.ts';
import { sha256 } from '../util/hash.ts';
import { startProgress } from '../util/progress.ts';
import { adjustedRandIndex, clusteringAccuracy, normalizedMutualInfo } from './metrics.ts';
import { readLabelledRows, type DatasetOptions, type LabelledRow } from './dataset.ts';

export interface EvalOptions extends DatasetOptions {
  /** Base clusters; default the number of distinct labels. */
  k?: number;
  /** Top-level clusters; default the number of distinct parents (or the schedule's default). */
  top?: number;
  levels?: number;
  seed: number;
  embedder: string;
  restarts?: number;
  /** Also run plain k-means on the embeddings (k and top) for comparison. Default true. */
  baseline?: boolean;
  /** Folder where embeddings are kept between runs, keyed by embedder and texts. */
  cacheDir?: string;
  onStage?: (stage: string) => void;
}

export interface Scores {
  clusters: number;
  acc: number;
  nmi: number;
  ari: number;
}

export interface EvalResult {
  settings: Record<string, unknown>;
  rows: number;
  labels: number;
  parents: number;
  steps: string[];
  levelSizes: number[];
  timesMs: Record<string, number>;
  base: Scores;
  top: Scores | null;
  baseline?: { base: Scores; top: Scores | null };
}

export async function runEval(options: EvalOptions): Promise<EvalResult> {
  const timesMs: Record<string, number> = {};
  let started = Date.now();
  const lap = (stage: string): void => {
    timesMs[stage] = Date.now() - started;
    started = Date.now();
    options.onStage?.(stage);
  };
  const rows = readLabelledRows(options);
  if (rows.length < 2) throw new Error(`eval needs at least 2 labelled rows, found ${rows.length} in ${options.path}`);
  const labels = rows.map((r) => r.label);
  const hasParents = rows.every((r) => r.parent !== undefined);
  const parents = hasParents ? rows.map((r) => r.parent!) : [];
  const k = Math.min(options.k ?? new Set(labels).size, rows.length);
  const top = options.top ?? (hasParents ? new Set(parents).size : undefined);
  lap('read');

  const { vectors, dim } = await embedRows(rows, options);
  lap('embed');

  const texts = rows.map((r) => r.text);
  const clusters = await clusterConversations({ texts, embeddings: vectors, dim, seed: options.seed, k, restarts: options.restarts });
  lap('cluster');

  const terms = clusterTermCounts(texts, clusters.assignments, k);
  const levels = buildHierarchy({ centroids: clusters.embeddingCentroids, dim, sizes: clusters.sizes, terms, levels: options.levels, top, seed: options.seed });
  const byLevel = assignmentsByLevel(clusters.assignments, levels);
  lap('hierarchy');

  const result: EvalResult = {
    settings: { data: options.path, where: options.where ?? [], excludeLabels: options.excludeLabels ?? [], k, top: top ?? null, levels: options.levels ?? null, seed: options.seed, embedder: options.embedder, restarts: options.restarts ?? null },
    rows: rows.length,
    labels: new Set(labels).size,
    parents: new Set(parents).size,
    steps: clusters.features.steps,
    levelSizes: [k, ...levels.map((l) => l.size)],
    timesMs,
    base: score(labels, clusters.assignments),
    top: hasParents && levels.length > 0 ? score(parents, byLevel[byLevel.length - 1]) : null,
  };
  if (options.baseline !== false) {
    const plain = await kmeans(vectors, rows.length, dim, { k, seed: options.seed, restarts: options.restarts });
    const plainTop = hasParents && top ? await kmeans(vectors, rows.length, dim, { k: top, seed: options.seed, restarts: options.restarts }) : undefined;
    result.baseline = { base: score(labels, plain.assignments), top: plainTop ? score(parents, plainTop.assignments) : null };
    lap('baseline');
  }
  return result;
}

function score(labels: string[], predicted: Int32Array): Scores {
  return {
    clusters: new Set(predicted).size,
    acc: clusteringAccuracy(labels, predicted),
    nmi: normalizedMutualInfo(labels, predicted),
    ari: adjustedRandIndex(labels, predicted),
  };
}

async function embedRows(rows: LabelledRow[], options: EvalOptions): Promise<{ vectors: Float32Array; dim: number }> {
  const texts = rows.map((r) => r.text);
  const key = sha256(`${options.embedder}\n${texts.join('\u0000')}`);
  const cached = options.cacheDir ? join(options.cacheDir, `${key}.f32`) : undefined;
  if (cached && existsSync(cached)) {
    const bytes = readFileSync(cached);
    const vectors = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4).slice();
    return { vectors, dim: vectors.length / rows.length };
  }
  const embedder = await createEmbedder(options.embedder);
  try {
    const dim = embedder.dimensions;
    const vectors = new Float32Array(rows.length * dim);
    const batch = 256;
    const progress = startProgress({ label: 'embed', total: texts.length, unit: 'texts' });
    for (let start = 0; start < texts.length; start += batch) {
      const embedded = await embedder.embed(texts.slice(start, start + batch));
      embedded.forEach((vector, i) => vectors.set(vector, (start + i) * dim));
      progress.tick(embedded.length);
    }
    progress.stop();
    if (cached && options.cacheDir) {
      mkdirSync(options.cacheDir, { recursive: true });
      writeFileSync(cached, Buffer.from(vectors.buffer));
    }
    return { vectors, dim };
  } finally {
    await embedder.close();
  }
}
