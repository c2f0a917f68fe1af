// The LLM-mode versions of the facets, name, hierarchy and privacy stages (the paper's method). analyze.ts
// calls these instead of the keyword ones when a provider is configured; everything they write lands in
// the same tables, so the privacy filter, map, report and explorer read both modes alike.
import { createEmbedder } from '../embed/create.ts';
import { allModelFacets, type FacetConfig } from '../facets/facet-config.ts';
import { primeFacetsWithBatches } from '../facets/batch.ts';
import { extractModelFacets, type FacetCallMode } from '../facets/model.ts';
import { buildHierarchyWithLlm } from '../hierarchy/llm.ts';
import type { LlmConfig } from '../llm/config.ts';
import { LLM_STAGES, type LlmClient, type LlmStage, type StageUsage } from '../llm/types.ts';
import { nameClustersWithLlm, type ClusterToName } from '../name/contrastive.ts';
import { auditClusterLabels, writeAuditResults, type AuditCounts } from '../privacy/auditor.ts';
import type { Workspace } from '../store/workspace.ts';
import { withProgress } from '../util/progress.ts';
import { settingsHash } from './runs.ts';

/** Facet the base clusters are built on in LLM mode (the paper clusters the request summaries). */
export const DEFAULT_CLUSTER_FACET = 'request';

export interface LlmAnalysis {
  client: LlmClient;
  config: LlmConfig;
  facetConfig: FacetConfig;
  facetMode: FacetCallMode;
  /** The text facet the base clusters are built on and named by (default `request`). */
  clusterFacet: string;
  /** Privacy-auditor threshold: labels rated below it are removed (paper: 3). */
  auditThreshold: number;
  /** Summaries from inside / from the nearest other clusters shown to the namer (paper: 50 + 50). */
  namingInside: number;
  namingOutside: number;
}

/** What shapes the model's answers: part of the run id, so other models or facets make another run. */
export function llmRunSettings(llm: LlmAnalysis) {
  const stageModels = Object.fromEntries(LLM_STAGES.map((stage) => [stage, llm.config.stages[stage]]));
  const facets = allModelFacets(llm.facetConfig).map((facet) => ({ name: facet.name, kind: facet.kind, question: facet.question, format: facet.format }));
  const facetRunKey = `llm-${settingsHash({
    provider: llm.config.provider,
    baseUrl: llm.config.baseUrl ?? null,
    facets: stageModels.facets,
    screen: stageModels.screen,
    mode: llm.facetMode,
    list: facets,
    screener: llm.facetConfig.screener ?? null,
  })}`;
  return {
    provider: llm.config.provider,
    baseUrl: llm.config.baseUrl ?? null,
    models: Object.fromEntries(LLM_STAGES.map((stage) => [stage, llm.config.stages[stage].model])),
    stages: stageModels,
    facetMode: llm.facetMode,
    facets,
    screener: llm.facetConfig.screener ?? null,
    clusterFacet: llm.clusterFacet,
    auditThreshold: llm.auditThreshold,
    naming: { inside: llm.namingInside, outside: llm.namingOutside },
    facetRunKey,
  };
}

export type LlmRunSettings = ReturnType<typeof llmRunSettings>;

/** The model facet to cluster on; only text facets qualify (their answers are what gets embedded). */
export function clusterFacetOf(llm: Pick<LlmAnalysis, 'facetConfig' | 'clusterFacet'>) {
  const facets = allModelFacets(llm.facetConfig);
  const facet = facets.find((f) => f.name === llm.clusterFacet);
  const textFacets = facets.filter((f) => f.kind === 'text').map((f) => f.name);
  if (!facet || facet.kind !== 'text') throw new Error(`cannot cluster on facet '${llm.clusterFacet}': choose a text facet (${textFacets.join(', ')})`);
  return facet;
}

/** Runs `work` and returns its result with the LLM usage it caused (for the stage's stored stats). */
export async function withUsage<T>(client: LlmClient, work: () => Promise<T>): Promise<T & { llmUsage: Partial<Record<LlmStage, StageUsage>> }> {
  const before = client.usage();
  const result = await work();
  const after = client.usage();
  const llmUsage: Partial<Record<LlmStage, StageUsage>> = {};
  for (const stage of LLM_STAGES) {
    const a = after[stage];
    const b = before[stage];
    const delta: StageUsage = {
      calls: a.calls - b.calls,
      cachedCalls: a.cachedCalls - b.cachedCalls,
      failures: a.failures - b.failures,
      inputTokens: a.inputTokens - b.inputTokens,
      outputTokens: a.outputTokens - b.outputTokens,
      costUsd: a.costUsd === null || b.costUsd === null ? null : a.costUsd - b.costUsd,
    };
    if (delta.calls + delta.cachedCalls + delta.failures > 0) llmUsage[stage] = delta;
  }
  return { ...result, llmUsage };
}

export async function modelFacetsStage(ws: Workspace, llm: LlmAnalysis, settings: LlmRunSettings, log: (line: string) => void) {
  // The batch primes the call cache with exactly the requests the extraction then makes.
  const calls = { facets: allModelFacets(llm.facetConfig), mode: llm.facetMode, screener: llm.facetConfig.screener, runKey: settings.facetRunKey };
  if (llm.config.batch) {
    const primed = await withProgress({ label: 'facet batches', unit: 'requests' }, (onProgress) =>
      primeFacetsWithBatches(ws, llm.client, { ...calls, onProgress: (p) => onProgress(p.done, p.total) }),
    );
    log(`facets: ${primed.requests} requests for ${primed.conversations} conversations answered through the provider's batch API`);
  }
  const result = await withProgress({ label: 'model facets', unit: 'conversations' }, (onProgress) =>
    extractModelFacets(ws, llm.client, { ...calls, concurrency: Math.max(16, llm.config.concurrency * 2), onProgress }),
  );
  return { done: result.done, failed: result.failed, skipped: result.skipped, screenedOut: result.screenedOut };
}

export interface NameWithLlmInput {
  texts: string[];
  users: (string | null)[];
  minUsers: number;
  assignments: Int32Array;
  clusterCount: number;
  centroids: Float32Array;
  dim: number;
  seed: number;
}

export async function nameWithLlm(llm: LlmAnalysis, input: NameWithLlmInput, log: (line: string) => void) {
  const members: string[][] = Array.from({ length: input.clusterCount }, () => []);
  const memberUsers: (string | null)[][] = Array.from({ length: input.clusterCount }, () => []);
  input.assignments.forEach((cluster, i) => {
    members[cluster].push(input.texts[i]);
    memberUsers[cluster].push(input.users[i]);
  });
  const clusters: ClusterToName[] = members.map((memberSummaries, index) => ({
    index,
    memberSummaries,
    memberUsers: memberUsers[index],
    centroid: input.centroids.subarray(index * input.dim, (index + 1) * input.dim),
  }));
  let fallbacks = 0;
  const labels = await withProgress({ label: 'name', unit: 'clusters' }, (onProgress) =>
    nameClustersWithLlm(llm.client, {
      clusters,
      dim: input.dim,
      insideSample: llm.namingInside,
      outsideSample: llm.namingOutside,
      criteria: clusterFacetOf(llm).criteria,
      minUsers: input.minUsers,
      seed: input.seed,
      concurrency: llm.config.concurrency,
      onProgress,
      onFallback: (index, reason) => {
        fallbacks++;
        log(`name: cluster ${index} kept a keyword name (${reason})`);
      },
    }),
  );
  return { labels, fallbacks };
}

export interface HierarchyWithLlmInput {
  labels: { name: string; description: string }[];
  /** Per base cluster: whether it meets the privacy thresholds (only those names are quoted in parents'). */
  shareable: boolean[];
  sizes: Int32Array;
  centroids: Float32Array;
  embedder: string;
  workers?: number;
  levels?: number;
  top?: number;
  seed: number;
}

export async function hierarchyWithLlm(llm: LlmAnalysis, input: HierarchyWithLlmInput, log: (line: string) => void) {
  const embedder = await createEmbedder(input.embedder, { workers: input.workers });
  try {
    const result = await withProgress({ label: 'hierarchy', unit: 'calls' }, (onProgress) =>
      buildHierarchyWithLlm(llm.client, {
        clusters: input.labels.map((label, i) => ({ ...label, size: input.sizes[i], shareable: input.shareable[i] })),
        centroids: input.centroids,
        embed: (texts) => embedder.embed(texts),
        levels: input.levels,
        top: input.top,
        seed: input.seed,
        concurrency: llm.config.concurrency,
        onProgress,
        log: (line) => log(`hierarchy: ${line}`),
      }),
    );
    for (const fallback of result.fallbacks) log(`hierarchy: level ${fallback.level} fell back to the deterministic merge: ${fallback.reason}`);
    return result;
  } finally {
    await embedder.close();
  }
}

/** Rates every name and description the thresholds left visible; removed ones are hidden with their descendants. */
export async function auditStage(ws: Workspace, runId: string, llm: LlmAnalysis): Promise<AuditCounts & { threshold: number }> {
  const labels = await ws.all<{ id: string; name: string; description: string }>(
    `SELECT cluster_id AS id, coalesce(name, '') AS name, coalesce(description, '') AS description FROM clusters WHERE run_id = $1 AND visible`,
    [runId],
  );
  const results = await withProgress({ label: 'privacy audit', unit: 'labels' }, (onProgress) =>
    auditClusterLabels(llm.client, { labels, threshold: llm.auditThreshold, concurrency: llm.config.concurrency, onProgress }),
  );
  return { ...(await writeAuditResults(ws, runId, results)), threshold: llm.auditThreshold };
}
