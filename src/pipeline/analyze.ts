// The analysis pipeline, top to bottom: facets -> embed -> cluster -> name -> hierarchy -> privacy -> map.
// Every stage stores its output in the workspace with the settings that produced it; a rerun with the
// same settings skips finished stages, and the facet and embedding caches make even an interrupted stage
// resume where it stopped. `from` forgets a stage and everything after it. With `llm` set, the facets,
// name, hierarchy and privacy stages run the paper's LLM method (llm-mode.ts); the others are shared.
import { COMPUTED_RUN_KEY, extractFacets } from '../facets/extract.ts';
import { createEmbedder } from '../embed/create.ts';
import { embedWithCache } from '../embed/cache.ts';
import { clusterConversations, meanByCluster } from '../cluster/features.ts';
import { chooseK } from '../cluster/kmeans.ts';
import { nameClusters } from '../name/index.ts';
import { assignmentsByLevel, buildHierarchy } from '../hierarchy/hierarchy.ts';
import { clusterTermCounts } from '../hierarchy/terms.ts';
import { withProgress } from '../util/progress.ts';
import { applyPrivacyThresholds, type PrivacySummary } from '../privacy/thresholds.ts';
import { hierarchyPullWeights, projectTo2d, pullTowardClusters } from '../map/index.ts';
import type { Workspace } from '../store/workspace.ts';
import { isStageDone, markStageDone, markStageStarted, resetStagesFrom, settingsHash, type Stage } from './runs.ts';
import { clearParentLevels, KEYWORD_DOCUMENTS, loadBaseAssignments, loadDocuments, loadLabels, loadMemberships, storedLevelSizes, storedPrivacy, writeBaseClusters, writeLabels, writeMap, writeParentLevel } from './tables.ts';
import { auditStage, clusterFacetOf, hierarchyWithLlm, llmRunSettings, modelFacetsStage, nameWithLlm, withUsage, type LlmAnalysis } from './llm-mode.ts';

export interface AnalyzeOptions {
  /** `use-lite` (default, packaged) or `hf:<model or folder>`. */
  embedder: string;
  /** Base clusters; chosen from the corpus size when absent. */
  k?: number;
  levels?: number;
  top?: number;
  minUsers: number;
  minConversations: number;
  seed: number;
  from?: Stage;
  workers?: number;
  /** LLM mode: model facets, contrastive names, the LLM hierarchy and the privacy auditor. Absent: keyword mode. */
  llm?: LlmAnalysis;
  log?: (line: string) => void;
  /** Called when a stage starts computing and when it finishes (not for skipped stages). */
  onStage?: (stage: Stage, phase: 'start' | 'end') => void;
}

export interface AnalyzeResult {
  runId: string;
  conversations: number;
  baseClusters: number;
  levelSizes: number[];
  privacy: PrivacySummary;
  stageSeconds: Partial<Record<Stage, number>>;
  skipped: Stage[];
}

export async function analyze(ws: Workspace, options: AnalyzeOptions): Promise<AnalyzeResult> {
  const log = options.log ?? (() => {});
  const corpus = await corpusFingerprint(ws);
  if (corpus.conversations === 0) throw new Error(`workspace ${ws.dir} has no conversations; run \`clio ingest FILE\` first`);
  if (options.k !== undefined && options.k > corpus.conversations) {
    throw new Error(`--k ${options.k} asks for more clusters than the ${corpus.conversations} conversations in the workspace`);
  }
  const k = options.k ?? chooseK(corpus.conversations);
  const llm = options.llm;
  if (llm) clusterFacetOf(llm);
  const llmSettings = llm && llmRunSettings(llm);
  const settings = {
    corpus: corpus.hash,
    embedder: options.embedder,
    k,
    levels: options.levels ?? null,
    top: options.top ?? null,
    minUsers: options.minUsers,
    minConversations: options.minConversations,
    seed: options.seed,
    ...(llm ? { mode: 'llm', llm: llmSettings } : {}),
  };
  const runId = settingsHash(settings).slice(0, 12);
  if (options.from) await resetStagesFrom(ws, runId, options.from);
  if (options.from === 'facets') {
    // Model answers stay in the LLM call cache, so redoing model facets costs nothing.
    await ws.run(`DELETE FROM facets WHERE run_key IN ($1, $2)`, [COMPUTED_RUN_KEY, llmSettings?.facetRunKey ?? COMPUTED_RUN_KEY]);
  }
  const stageSeconds: AnalyzeResult['stageSeconds'] = {};
  const skipped: Stage[] = [];

  /** Runs `compute` unless the stage already finished for these settings. */
  const stage = async (name: Stage, compute: () => Promise<unknown>): Promise<void> => {
    const hash = settingsHash(settings);
    if (await isStageDone(ws, runId, name, hash)) {
      skipped.push(name);
      log(`${name}: already done for these settings, skipped`);
      return;
    }
    const started = performance.now();
    options.onStage?.(name, 'start');
    await markStageStarted(ws, runId, name, settings);
    const stats = await compute();
    await markStageDone(ws, runId, name, stats);
    options.onStage?.(name, 'end');
    stageSeconds[name] = (performance.now() - started) / 1000;
    log(`${name}: done in ${stageSeconds[name]!.toFixed(1)} s`);
  };

  await stage('facets', async () => {
    const stats = await withProgress({ label: 'facets', unit: 'conversations' }, (onProgress) => extractFacets(ws, { onProgress }));
    if (!llm || !llmSettings) return stats;
    const { llmUsage, ...model } = await withUsage(llm.client, () => modelFacetsStage(ws, llm, llmSettings, log));
    return { ...stats, model, llmUsage };
  });
  const docs = await loadDocuments(ws, llmSettings ? { facet: llmSettings.clusterFacet, runKey: llmSettings.facetRunKey } : KEYWORD_DOCUMENTS);
  if (docs.ids.length === 0) throw new Error('no conversation has a text to cluster on (in LLM mode: every facet call failed or the screener kept none)');
  if (k > docs.ids.length) throw new Error(`k = ${k} clusters for ${docs.ids.length} conversations with a text to cluster on; give a smaller --k`);

  let vectors: Float32Array | undefined;
  let dim = 0;
  const embedAll = async () => {
    const embedder = await createEmbedder(options.embedder, { workers: options.workers });
    let embedded = 0;
    try {
      const rows = await embedWithCache(ws, embedder, docs.texts, { label: 'embed', onProgress: (done) => (embedded = done) });
      dim = embedder.dimensions;
      vectors = flatten(rows, dim);
    } finally {
      await embedder.close();
    }
    return { texts: docs.texts.length, embedded, model: options.embedder };
  };
  await stage('embed', embedAll);
  const ensureVectors = async (): Promise<Float32Array> => {
    if (!vectors) await embedAll();
    return vectors!;
  };

  let computed: Int32Array | undefined;
  await stage('cluster', async () => {
    const embeddings = await ensureVectors();
    const result = await withProgress({ label: 'cluster', unit: 'k-means passes' }, (onProgress) =>
      clusterConversations({
        texts: docs.texts,
        embeddings,
        dim,
        k,
        seed: options.seed,
        workers: options.workers,
        onStep: (step) => log(`cluster: ${step}`),
        onProgress,
      }),
    );
    computed = result.assignments;
    await writeBaseClusters(ws, runId, docs, result.assignments, k);
    return { k, inertia: result.inertia, steps: result.features.steps };
  });
  const assignments = computed ?? (await loadBaseAssignments(ws, runId, docs));

  await stage('name', async () => {
    if (llm) {
      const centroids = meanByCluster(await ensureVectors(), dim, assignments, k);
      return withUsage(llm.client, async () => {
        const { labels, fallbacks } = await nameWithLlm(llm, { texts: docs.texts, users: docs.users, minUsers: options.minUsers, assignments, clusterCount: k, centroids, dim, seed: options.seed }, log);
        await writeLabels(ws, runId, 0, labels);
        return { named: labels.length, fallbacks };
      });
    }
    const labels = nameClusters({ texts: docs.texts, users: docs.users, assignments, clusterCount: k, minUsers: options.minUsers });
    await writeLabels(ws, runId, 0, labels);
    return { named: labels.length };
  });

  await stage('hierarchy', async () => {
    // Everything the grouping needs follows from the stored base assignments, so a resumed run does not
    // redo k-means.
    const sizes = new Int32Array(k);
    for (const cluster of assignments) sizes[cluster]++;
    const centroids = meanByCluster(await ensureVectors(), dim, assignments, k);
    await clearParentLevels(ws, runId);
    if (llm) {
      return withUsage(llm.client, async () => {
        const labels = await loadLabels(ws, runId, 0, k);
        const users = Array.from({ length: k }, () => new Set<string>());
        assignments.forEach((cluster, i) => users[cluster].add(docs.users[i] ?? `conversation:${docs.ids[i]}`));
        const shareable = users.map((set, c) => set.size >= options.minUsers && sizes[c] >= options.minConversations);
        const input = { labels, shareable, sizes, centroids, embedder: options.embedder, workers: options.workers, levels: options.levels, top: options.top, seed: options.seed };
        const result = await hierarchyWithLlm(llm, input, log);
        const memberships = assignmentsByLevel(assignments, result.levels);
        for (const level of result.levels) {
          const levelLabels = level.labels.map((label) => ({ ...label, terms: [] }));
          await writeParentLevel(ws, runId, level.level, level.parentOf, level.size, levelLabels, docs, memberships[level.level]);
        }
        return { levelSizes: [k, ...result.levels.map((l) => l.size)], calls: result.calls, fallbacks: result.fallbacks };
      });
    }
    const terms = clusterTermCounts(docs.texts, assignments, k);
    const levels = buildHierarchy({ centroids, dim, sizes, terms, levels: options.levels, top: options.top, seed: options.seed });
    const memberships = assignmentsByLevel(assignments, levels);
    for (const level of levels) {
      const memberOf = memberships[level.level];
      const labels = nameClusters({ texts: docs.texts, users: docs.users, assignments: memberOf, clusterCount: level.size, minUsers: options.minUsers });
      await writeParentLevel(ws, runId, level.level, level.parentOf, level.size, labels, docs, memberOf);
    }
    return { levelSizes: [k, ...levels.map((l) => l.size)] };
  });

  let privacy: PrivacySummary | undefined;
  await stage('privacy', async () => {
    privacy = await applyPrivacyThresholds(ws, runId, { minUsers: options.minUsers, minConversations: options.minConversations });
    if (!llm) return privacy;
    return withUsage(llm.client, async () => {
      const audit = await auditStage(ws, runId, llm);
      log(`privacy audit: ${audit.audited} names rated, ${audit.removed} removed (below ${audit.threshold} or not rated), ${audit.hiddenDescendants} clusters under them hidden`);
      return { ...privacy!, audit: { threshold: audit.threshold, rated: audit.audited, removed: audit.removed, failed: audit.removedForFailure, hiddenDescendants: audit.hiddenDescendants, scores: audit.scores } };
    });
  });

  await stage('map', async () => {
    // Each conversation is pulled toward its cluster's and its parents' mean embeddings, so the map keeps
    // every cluster together and every topic in one region.
    const memberships = await loadMemberships(ws, runId, assignments);
    const weights = hierarchyPullWeights(memberships.length);
    const data = pullTowardClusters({ vectors: await ensureVectors(), n: docs.ids.length, dim, memberships, weights });
    const points = await withProgress({ label: 'map', unit: 'steps' }, (onProgress) =>
      projectTo2d({ vectors: data, n: docs.ids.length, dim, seed: options.seed, onProgress }),
    );
    await writeMap(ws, runId, docs, points);
    return { points: docs.ids.length };
  });

  return {
    runId,
    conversations: docs.ids.length,
    baseClusters: k,
    levelSizes: await storedLevelSizes(ws, runId),
    privacy: privacy ?? (await storedPrivacy(ws, runId)),
    stageSeconds,
    skipped,
  };
}

async function corpusFingerprint(ws: Workspace): Promise<{ conversations: number; hash: string }> {
  const [row] = await ws.all<{ n: number; h: string }>(
    `SELECT count(*) AS n, coalesce(md5(string_agg(conversation_id, ',' ORDER BY conversation_id)), '') AS h FROM conversations`,
  );
  return { conversations: row.n, hash: `${row.n}:${row.h}` };
}

function flatten(rows: Float32Array[], dim: number): Float32Array {
  const out = new Float32Array(rows.length * dim);
  rows.forEach((row, i) => out.set(row, i * dim));
  return out;
}
