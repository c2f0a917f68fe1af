// How well a stored map shows the analysis: whether each base cluster's nearest cluster on the map lies in
// the same top-level topic, the topics' silhouette over cluster centres, and how many of each point's 10
// nearest on the map are among its 30 nearest in the embedding (local structure kept).
// Usage: node --import tsx src/eval/map-quality.ts WORKSPACE   (the latest keyword-mode run with a map)
import { z } from 'zod';
import { exactNeighbours } from '../cluster/knn.ts';
import { embedWithCache } from '../embed/cache.ts';
import { createEmbedder } from '../embed/create.ts';
import { clusterCentres } from '../map/index.ts';
import { loadBaseAssignments, loadDocuments, loadMemberships } from '../pipeline/tables.ts';
import { openWorkspace } from '../store/workspace.ts';

export interface MapQualityInput {
  /** [x0, y0, x1, y1, ...] of the n points. */
  points: Float32Array;
  /** n x dim embeddings, rows unit length. */
  vectors: Float32Array;
  dim: number;
  base: Int32Array;
  top: Int32Array;
}

export interface MapQuality {
  /** Share of base clusters whose nearest cluster centre on the map has the same topic. */
  nearestClusterSameTopic: number;
  /** Mean silhouette of the topics over the base clusters' centres on the map. */
  topicSilhouette: number;
  /** Share of each point's MAP_NEIGHBOURS nearest on the map among its EMBEDDING_NEIGHBOURS nearest in the embedding. */
  neighboursKept: number;
}

const MAP_NEIGHBOURS = 10;
const EMBEDDING_NEIGHBOURS = 30;
/** Points whose map neighbours are checked (every point up to this many, then a regular subset). */
const PROBES = 2000;

export async function measureMapQuality(input: MapQualityInput): Promise<MapQuality> {
  const { points, base, top } = input;
  const n = base.length;
  let clusters = 0;
  for (const cluster of base) clusters = Math.max(clusters, cluster + 1);
  const centres = clusterCentres(points, base, clusters);
  const topicOf = new Int32Array(clusters).fill(-1);
  base.forEach((cluster, i) => (topicOf[cluster] = top[i]));
  const present = Array.from({ length: clusters }, (_, c) => c).filter((c) => topicOf[c] >= 0);
  const distance = (a: number, b: number) => Math.hypot(centres[2 * a] - centres[2 * b], centres[2 * a + 1] - centres[2 * b + 1]);
  let sameTopic = 0;
  let silhouette = 0;
  for (const a of present) {
    const others = present.filter((b) => b !== a);
    if (others.length === 0) continue;
    const nearest = others.reduce((best, b) => (distance(a, b) < distance(a, best) ? b : best));
    if (topicOf[nearest] === topicOf[a]) sameTopic++;
    const meanDistance = new Map<number, { sum: number; count: number }>();
    for (const b of others) {
      const entry = meanDistance.get(topicOf[b]) ?? { sum: 0, count: 0 };
      meanDistance.set(topicOf[b], { sum: entry.sum + distance(a, b), count: entry.count + 1 });
    }
    const own = meanDistance.get(topicOf[a]);
    const otherTopics = [...meanDistance].filter(([topic]) => topic !== topicOf[a]).map(([, { sum, count }]) => sum / count);
    if (own && otherTopics.length > 0) {
      const within = own.sum / own.count;
      const across = Math.min(...otherTopics);
      silhouette += (across - within) / Math.max(within, across);
    }
  }
  const embeddingNeighbours = await exactNeighbours(input.vectors, n, input.dim, Math.min(EMBEDDING_NEIGHBOURS, n - 1));
  const k = embeddingNeighbours.k;
  const stride = Math.max(1, Math.floor(n / PROBES));
  let kept = 0;
  let probed = 0;
  for (let i = 0; i < n; i += stride) {
    const similar = new Set(embeddingNeighbours.indices.subarray(i * k, (i + 1) * k));
    const byDistance = Array.from({ length: n }, (_, j) => j)
      .filter((j) => j !== i)
      .map((j) => ({ j, d: (points[2 * i] - points[2 * j]) ** 2 + (points[2 * i + 1] - points[2 * j + 1]) ** 2 }))
      .sort((a, b) => a.d - b.d || a.j - b.j)
      .slice(0, MAP_NEIGHBOURS);
    kept += byDistance.filter(({ j }) => similar.has(j)).length / byDistance.length;
    probed++;
  }
  return { nearestClusterSameTopic: sameTopic / present.length, topicSilhouette: silhouette / present.length, neighboursKept: kept / probed };
}

const MapSettings = z.object({ embedder: z.string() });

async function main(dir: string): Promise<void> {
  const ws = await openWorkspace({ dir, readOnly: true });
  try {
    const [run] = await ws.all<{ run_id: string; settings: string }>(
      `SELECT run_id, settings::VARCHAR AS settings FROM runs WHERE stage = 'map' AND status = 'done' ORDER BY finished_at DESC LIMIT 1`,
    );
    if (!run) throw new Error(`${dir}: no finished map; run clio analyze first`);
    const settings = JSON.parse(run.settings) as Record<string, unknown>;
    if (settings.mode === 'llm') throw new Error(`${dir}: the latest map comes from an LLM-mode run; this check reads keyword-mode runs`);
    const { embedder: spec } = MapSettings.parse(settings);
    const docs = await loadDocuments(ws);
    const base = await loadBaseAssignments(ws, run.run_id, docs);
    const memberships = await loadMemberships(ws, run.run_id, base);
    const stored = await ws.all<{ conversation_id: string; x: number; y: number }>('SELECT conversation_id, x, y FROM map_points WHERE run_id = $1', [run.run_id]);
    const position = new Map(stored.map((row) => [row.conversation_id, row]));
    const points = new Float32Array(2 * docs.ids.length);
    docs.ids.forEach((id, i) => {
      const row = position.get(id);
      if (!row) throw new Error(`${dir}: conversation ${id} has no map position in run ${run.run_id}`);
      [points[2 * i], points[2 * i + 1]] = [row.x, row.y];
    });
    const embedder = await createEmbedder(spec);
    let rows: Float32Array[];
    try {
      rows = await embedWithCache(ws, embedder, docs.texts);
    } finally {
      await embedder.close();
    }
    const vectors = new Float32Array(rows.length * embedder.dimensions);
    rows.forEach((row, i) => vectors.set(row, i * embedder.dimensions));
    const quality = await measureMapQuality({ points, vectors, dim: embedder.dimensions, base, top: memberships[memberships.length - 1] });
    const percent = (value: number) => `${(100 * value).toFixed(0)}%`;
    console.log(`run ${run.run_id}: ${docs.ids.length} conversations, ${memberships.length} levels`);
    console.log(`base clusters whose nearest cluster on the map shares their top-level topic: ${percent(quality.nearestClusterSameTopic)}`);
    console.log(`topic silhouette of the cluster centres on the map: ${quality.topicSilhouette.toFixed(2)}`);
    console.log(`each point's ${MAP_NEIGHBOURS} nearest on the map among its ${EMBEDDING_NEIGHBOURS} nearest in the embedding: ${percent(quality.neighboursKept)}`);
  } finally {
    ws.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (!process.argv[2]) {
    console.error('usage: node --import tsx src/eval/map-quality.ts WORKSPACE');
    process.exit(2);
  }
  await main(process.argv[2]);
}
