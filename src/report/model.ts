// What a report shows, read from the workspace tables only: visible clusters, aggregate counts and the
// privacy settings. Never conversation text, request_text, or anything about hidden clusters beyond
// the number of conversations folded into their parent's "other". Breakdown categories (a language,
// a turn-count band) reached by fewer users than the threshold are folded into "other" too.
import type { StageUsage } from '../llm/types.ts';
import type { Count, Folded } from '../types.ts';
import type { Workspace } from '../store/workspace.ts';
import type { PrivacySummary } from '../privacy/thresholds.ts';

export type { Count, Folded };

export interface ReportCluster {
  id: string;
  level: number;
  name: string;
  description: string;
  terms: string[];
  size: number;
  distinctUsers: number;
  shareOfCorpus: number;
  shareOfParent: number;
  x: number | null;
  y: number | null;
  languages: Count[];
  turns: Count[];
  /** Mean model-rated concern (1-5) of its conversations; null without an LLM facet run. */
  concern: number | null;
  /** The privacy auditor's rating of its name and description (1-5); null when no auditor ran. */
  privacyScore: number | null;
  other: Folded;
  children: ReportCluster[];
}

export interface ModelFacetBreakdown {
  name: string;
  kind: 'category' | 'number';
  /** Values reached by fewer distinct users than the threshold are folded into 'other'; numbers are rounded to whole values. */
  counts: Count[];
  mean: number | null;
}

export interface StageUsageRow extends StageUsage {
  stage: string;
}

/** What the language model did in an LLM-mode run: models, calls, cost, failures and the auditor. */
export interface ReportLlm {
  provider: string;
  /** The model facet the clusters were built on. */
  clusterFacet: string;
  models: Record<string, string>;
  usage: StageUsageRow[];
  totalCostUsd: number | null;
  /** Work items the model could not do after retries, per stage, with reasons (never content). */
  failures: { stage: string; count: number; reasons: Count[] }[];
  audit: { threshold: number; rated: number; removed: number; failed: number } | null;
}

export interface ReportModel {
  runId: string;
  generatedAt: string;
  mode: { name: 'keyword' | 'llm'; summary: string; cannot: string[] };
  llm: ReportLlm | null;
  privacy: PrivacySummary;
  corpus: {
    conversations: number;
    clusteredConversations: number;
    /** Distinct users; null when the data has no user ids. */
    users: number | null;
    firstDate: string | null;
    lastDate: string | null;
    languages: Count[];
    turns: Count[];
    /** LLM mode: the model-written category and number facets over the clustered corpus (text facets are not broken down). */
    modelFacets: ModelFacetBreakdown[];
  };
  levels: number;
  tree: ReportCluster[];
  /** Top-level clusters below the thresholds (conversations that are clustered but in no shown top cluster). */
  other: Folded;
  stages: { stage: string; status: string; startedAt: string | null; finishedAt: string | null }[];
}

const KEYWORD_MODE: ReportModel['mode'] = {
  name: 'keyword',
  summary:
    'Embedded default: no language model was used. Clusters come from sentence embeddings and k-means; names are the most distinctive keywords of each cluster, taken only from words used by at least the threshold number of distinct users.',
  cannot: [
    'no model-written cluster names or summaries (names are keyword lists, not sentences)',
    'no model-extracted facets such as the request or task (clusters are built on the scrubbed user turns)',
    'no concern (harm) score per conversation or cluster',
    'no privacy auditor reviewing cluster names (privacy rests on the thresholds and the keyword rule)',
  ],
};

const LLM_MODE = (llm: ReportLlm): ReportModel['mode'] => ({
  name: 'llm',
  summary:
    `LLM mode (${llm.provider}): a language model wrote each conversation's facets (request, task, language, concern), ` +
    `clusters were built on the "${llm.clusterFacet}" answers, named and described by the model against contrasting clusters, ` +
    'grouped into the hierarchy by the model, and every shown name and description was rated by a privacy auditor.',
  cannot: [],
});

/** Rows when the run's privacy stage started and has not finished (none when it finished, or never ran through `analyze`). */
export const UNFINISHED_PRIVACY = `SELECT 1 FROM runs WHERE run_id = $1 AND stage = 'privacy' AND status <> 'done'`;

const TURN_BANDS = `CASE WHEN t < 2 THEN '1' WHEN t < 3 THEN '2' WHEN t < 5 THEN '3-4' WHEN t < 10 THEN '5-9' WHEN t < 20 THEN '10-19' ELSE '20+' END`;
const TURN_ORDER = ['1', '2', '3-4', '5-9', '10-19', '20+'];

export async function loadReportModel(ws: Workspace, runId: string): Promise<ReportModel> {
  const [filter] = await ws.all<{ summary: string }>('SELECT summary FROM privacy_filters WHERE run_id = $1', [runId]);
  if (!filter) throw new Error(`privacy thresholds have not been applied to run ${runId}; a report is only written after them`);
  // In LLM mode the auditor runs after the thresholds: until the privacy stage is done, names it has not
  // rated (or has removed, on a rerun) may still be marked visible.
  if ((await ws.all(UNFINISHED_PRIVACY, [runId])).length > 0) {
    throw new Error(`the privacy stage of run ${runId} has not finished (interrupted during the audit?); rerun \`clio analyze\``);
  }
  const privacy = JSON.parse(String(filter.summary)) as PrivacySummary;
  const minUsers = privacy.minUsers;

  const clusters = await ws.all<{
    cluster_id: string; level: number; parent_id: string | null; name: string | null; description: string | null;
    terms: string | null; size: number; distinct_users: number; visible: boolean; x: number | null; y: number | null; privacy_score: number | null;
  }>('SELECT cluster_id, level, parent_id, name, description, terms, size, distinct_users, visible, x, y, privacy_score FROM clusters WHERE run_id = $1 ORDER BY size DESC, cluster_id', [runId]);
  const { llm, facetRunKey } = await loadLlmSection(ws, runId);
  const breakdowns = await loadBreakdowns(ws, runId, minUsers);
  const concern = facetRunKey ? await meanConcern(ws, runId, facetRunKey) : new Map<string, number>();
  const [corpusRow] = await ws.all<{ conversations: number; users: number; first: string | null; last: string | null }>(
    `SELECT count(*) AS conversations, count(DISTINCT user_hash) AS users,
            strftime(min(created_at), '%Y-%m-%d') AS first, strftime(max(created_at), '%Y-%m-%d') AS last
     FROM conversations`,
  );
  const clusteredConversations = privacy.conversations;

  const nodes = new Map<string, ReportCluster>();
  for (const row of clusters) {
    if (!row.visible) continue;
    const breakdown = breakdowns.get(row.cluster_id);
    nodes.set(row.cluster_id, {
      id: row.cluster_id,
      level: row.level,
      name: row.name ?? '(unnamed)',
      description: row.description ?? '',
      terms: parseTerms(row.terms),
      size: row.size,
      distinctUsers: row.distinct_users,
      shareOfCorpus: row.size / Math.max(1, corpusRow.conversations),
      shareOfParent: 0,
      x: row.x,
      y: row.y,
      languages: breakdown?.languages ?? [],
      turns: breakdown?.turns ?? [],
      concern: concern.get(row.cluster_id) ?? null,
      privacyScore: row.privacy_score,
      other: { clusters: 0, conversations: 0 },
      children: [],
    });
  }
  const tree: ReportCluster[] = [];
  const other: Folded = { clusters: 0, conversations: 0 };
  for (const row of clusters) {
    const parent = row.parent_id === null ? undefined : nodes.get(row.parent_id);
    if (row.parent_id !== null && !parent) continue; // under a hidden parent: already folded with it
    const folded = parent ? parent.other : other;
    const node = nodes.get(row.cluster_id);
    if (!node) {
      folded.clusters++;
      folded.conversations += row.size;
      continue;
    }
    node.shareOfParent = row.size / Math.max(1, parent ? parent.size : clusteredConversations);
    (parent ? parent.children : tree).push(node);
  }
  const stages = await ws.all<ReportModel['stages'][number]>(
    `SELECT stage, status, strftime(started_at, '%Y-%m-%d %H:%M:%S') AS startedAt, strftime(finished_at, '%Y-%m-%d %H:%M:%S') AS finishedAt
     FROM runs WHERE run_id = $1 ORDER BY started_at`,
    [runId],
  );
  const corpusBreakdown = breakdowns.get('') ?? { languages: [], turns: [] };
  return {
    runId,
    generatedAt: new Date().toISOString(),
    mode: llm ? LLM_MODE(llm) : KEYWORD_MODE,
    llm,
    privacy,
    corpus: {
      conversations: corpusRow.conversations,
      clusteredConversations,
      users: privacy.userIdsPresent ? corpusRow.users : null,
      firstDate: corpusRow.first,
      lastDate: corpusRow.last,
      languages: corpusBreakdown.languages,
      turns: corpusBreakdown.turns,
      modelFacets: facetRunKey ? await modelFacetBreakdowns(ws, runId, facetRunKey, minUsers) : [],
    },
    levels: new Set(clusters.map((c) => c.level)).size,
    tree,
    other,
    stages,
  };
}

/**
 * Language and turn-band counts per visible cluster (key '' = the whole corpus). A category with fewer
 * distinct users than the threshold inside its cluster goes to 'other', so a rare language cannot
 * single out the few people who wrote in it.
 */
async function loadBreakdowns(ws: Workspace, runId: string, minUsers: number): Promise<Map<string, { languages: Count[]; turns: Count[] }>> {
  const rows = await ws.all<{ cluster_id: string; facet: string; value: string; n: number; users: number }>(
    // Each conversation is enriched once and then expanded to its clusters through the (small) cluster
    // lineage: walking the parent links per conversation joined every level's rows to the facets again.
    `WITH RECURSIVE lineage(member_cluster_id, cluster_id) AS (
       SELECT cluster_id, cluster_id FROM clusters WHERE run_id = $1
       UNION ALL
       SELECT l.member_cluster_id, k.parent_id FROM lineage l JOIN clusters k ON k.run_id = $1 AND k.cluster_id = l.cluster_id
       WHERE k.parent_id IS NOT NULL
     ),
     language AS (SELECT conversation_id, any_value(value_text) AS value FROM facets WHERE facet = 'language' AND run_key = '' GROUP BY conversation_id),
     turns AS (SELECT conversation_id, any_value(value_number) AS value FROM facets WHERE facet = 'turns' AND run_key = '' GROUP BY conversation_id),
     corpus AS (
       SELECT c.conversation_id, coalesce(c.user_hash, 'conversation:' || c.conversation_id) AS user_key,
              coalesce(l.value, 'und') AS language, coalesce(t.value, c.turns) AS t
       FROM conversations c LEFT JOIN language l USING (conversation_id) LEFT JOIN turns t USING (conversation_id)
     ),
     enriched AS (
       SELECT l.cluster_id, e.user_key, e.language, e.t
       FROM cluster_members m JOIN corpus e USING (conversation_id)
       JOIN lineage l ON l.member_cluster_id = m.cluster_id
       JOIN clusters k ON k.run_id = $1 AND k.cluster_id = l.cluster_id AND k.visible
       WHERE m.run_id = $1
       UNION ALL SELECT '', user_key, language, t FROM corpus
     )
     SELECT cluster_id, 'language' AS facet, language AS value, count(*) AS n, count(DISTINCT user_key) AS users FROM enriched GROUP BY ALL
     UNION ALL
     SELECT cluster_id, 'turns' AS facet, ${TURN_BANDS} AS value, count(*) AS n, count(DISTINCT user_key) AS users FROM enriched GROUP BY ALL`,
    [runId],
  );
  const byCluster = new Map<string, { languages: Count[]; turns: Count[] }>();
  for (const row of rows) {
    let entry = byCluster.get(row.cluster_id);
    if (!entry) byCluster.set(row.cluster_id, (entry = { languages: [], turns: [] }));
    const list = row.facet === 'language' ? entry.languages : entry.turns;
    const value = row.users >= minUsers ? row.value : 'other';
    const existing = list.find((c) => c.value === value);
    if (existing) existing.count += row.n;
    else list.push({ value, count: row.n });
  }
  for (const entry of byCluster.values()) {
    entry.languages.sort((a, b) => Number(a.value === 'other') - Number(b.value === 'other') || b.count - a.count);
    entry.turns.sort((a, b) => rank(a.value) - rank(b.value));
  }
  return byCluster;
}

/** The LLM section of an LLM-mode run, and the run key of its model facets; nulls in keyword mode. */
async function loadLlmSection(ws: Workspace, runId: string): Promise<{ llm: ReportLlm | null; facetRunKey: string | null }> {
  const rows = await ws.all<{ stage: string; settings: string; stats: string | null }>('SELECT stage, settings, stats FROM runs WHERE run_id = $1 ORDER BY started_at', [runId]);
  const settings = rows.length ? (JSON.parse(String(rows[0].settings)) as { llm?: { provider: string; models: Record<string, string>; facetRunKey: string; clusterFacet?: string } }) : {};
  if (!settings.llm) return { llm: null, facetRunKey: null };
  const usage = new Map<string, StageUsageRow>();
  let audit: ReportLlm['audit'] = null;
  for (const row of rows) {
    const stats = row.stats ? (JSON.parse(String(row.stats)) as { llmUsage?: Record<string, Omit<StageUsageRow, 'stage'>>; audit?: ReportLlm['audit'] }) : {};
    for (const [stage, u] of Object.entries(stats.llmUsage ?? {})) {
      if (u.calls + u.cachedCalls + u.failures === 0) continue;
      const total = usage.get(stage) ?? { stage, calls: 0, cachedCalls: 0, failures: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 };
      total.calls += u.calls;
      total.cachedCalls += u.cachedCalls;
      total.failures += u.failures;
      total.inputTokens += u.inputTokens;
      total.outputTokens += u.outputTokens;
      total.costUsd = total.costUsd === null || u.costUsd === null ? null : total.costUsd + u.costUsd;
      usage.set(stage, total);
    }
    if (stats.audit) audit = stats.audit;
  }
  const failureRows = await ws.all<{ stage: string; reason: string; n: number }>(
    `SELECT stage, reason, count(*) AS n FROM llm_failures WHERE run_key IN ($1, $2) GROUP BY stage, reason ORDER BY stage, n DESC`,
    [runId, settings.llm.facetRunKey],
  );
  const failures = new Map<string, { stage: string; count: number; reasons: Count[] }>();
  for (const row of failureRows) {
    const entry = failures.get(row.stage) ?? { stage: row.stage, count: 0, reasons: [] };
    entry.count += row.n;
    entry.reasons.push({ value: row.reason, count: row.n });
    failures.set(row.stage, entry);
  }
  const list = [...usage.values()];
  const llm: ReportLlm = {
    provider: settings.llm.provider,
    clusterFacet: settings.llm.clusterFacet ?? 'request',
    models: settings.llm.models,
    usage: list,
    totalCostUsd: list.some((u) => u.costUsd === null) ? null : list.reduce((sum, u) => sum + (u.costUsd ?? 0), 0),
    failures: [...failures.values()],
    audit,
  };
  return { llm, facetRunKey: settings.llm.facetRunKey };
}

/** Category and number model facets over the run's clustered conversations, folded by the user threshold. */
async function modelFacetBreakdowns(ws: Workspace, runId: string, facetRunKey: string, minUsers: number): Promise<ModelFacetBreakdown[]> {
  const rows = await ws.all<{ facet: string; kind: 'category' | 'number'; value: string; n: number; users: number; mean: number | null }>(
    `WITH members AS (SELECT DISTINCT conversation_id FROM cluster_members WHERE run_id = $1),
     valued AS (
       SELECT f.facet, f.kind, coalesce(f.value_text, CAST(round(f.value_number) AS BIGINT)::VARCHAR) AS value, f.value_number,
              coalesce(c.user_hash, 'conversation:' || c.conversation_id) AS user_key
       FROM facets f JOIN members USING (conversation_id) JOIN conversations c USING (conversation_id)
       WHERE f.run_key = $2 AND f.source = 'model' AND f.kind IN ('category', 'number')
     )
     SELECT facet, any_value(kind) AS kind, value, count(*) AS n, count(DISTINCT user_key) AS users,
            sum(sum(value_number)) OVER (PARTITION BY facet) / sum(count(*)) OVER (PARTITION BY facet) AS mean
     FROM valued GROUP BY facet, value ORDER BY facet, n DESC, value`,
    [runId, facetRunKey],
  );
  const byFacet = new Map<string, ModelFacetBreakdown>();
  for (const row of rows) {
    const entry = byFacet.get(row.facet) ?? { name: row.facet, kind: row.kind, counts: [], mean: row.kind === 'number' ? row.mean : null };
    byFacet.set(row.facet, entry);
    const value = row.users >= minUsers ? row.value : 'other';
    const existing = entry.counts.find((c) => c.value === value);
    if (existing) existing.count += row.n;
    else entry.counts.push({ value, count: row.n });
  }
  for (const entry of byFacet.values()) {
    if (entry.kind === 'number') entry.counts.sort((a, b) => (a.value === 'other' ? 1 : b.value === 'other' ? -1 : Number(a.value) - Number(b.value)));
    else entry.counts.sort((a, b) => Number(a.value === 'other') - Number(b.value === 'other') || b.count - a.count);
  }
  return [...byFacet.values()];
}

/** Mean model-rated concern per cluster (every level), from the run's model facets. */
async function meanConcern(ws: Workspace, runId: string, facetRunKey: string): Promise<Map<string, number>> {
  const rows = await ws.all<{ cluster_id: string; mean: number }>(
    `WITH RECURSIVE lineage(member_cluster_id, cluster_id) AS (
       SELECT cluster_id, cluster_id FROM clusters WHERE run_id = $1
       UNION ALL
       SELECT l.member_cluster_id, k.parent_id FROM lineage l JOIN clusters k ON k.run_id = $1 AND k.cluster_id = l.cluster_id
       WHERE k.parent_id IS NOT NULL
     )
     SELECT l.cluster_id, avg(f.value_number) AS mean FROM cluster_members m
     JOIN lineage l ON l.member_cluster_id = m.cluster_id
     JOIN facets f ON f.conversation_id = m.conversation_id AND f.facet = 'concern' AND f.run_key = $2
     WHERE m.run_id = $1 GROUP BY l.cluster_id`,
    [runId, facetRunKey],
  );
  return new Map(rows.map((r) => [r.cluster_id, r.mean]));
}

function rank(band: string): number {
  const index = TURN_ORDER.indexOf(band);
  return index < 0 ? TURN_ORDER.length : index;
}

function parseTerms(raw: unknown): string[] {
  if (raw === null || raw === undefined) return [];
  try {
    const parsed: unknown = typeof raw === 'string' ? JSON.parse(raw) : raw;
    return Array.isArray(parsed) ? parsed.map(String) : [];
  } catch {
    return [];
  }
}
