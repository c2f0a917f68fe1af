// What the explorer API serves, read from the workspace tables of one analysed run. Only clusters that
// passed the privacy filter and aggregates over them leave this module: hidden clusters appear only as
// "other" counts, and every breakdown cell (a category inside a cluster, a histogram bin, a week, an
// overlay count) reached by fewer than the run's user or conversation threshold is folded or withheld,
// the same rule the report applies to its language and turn breakdowns. Conversation text, user hashes
// and conversation ids are read only by `loadTraces`, which the app calls only with --allow-traces.
import type { DuckDBValue } from '@duckdb/node-api';
import { loadReportModel, type ReportCluster } from '../report/model.ts';
import type { Count, Folded } from '../types.ts';
import { scrubPii } from '../privacy/scrub.ts';
import type { PrivacySummary } from '../privacy/thresholds.ts';
import type { Workspace } from '../store/workspace.ts';

export type { FacetKind, ExplorerCluster, NumberBand, FacetInfo, ExplorerMeta, ClusterDetail, FacetFilter, OverlayResult, CompareResult, Trace, SearchHit } from './api-types.ts';
import type { FacetKind, ExplorerCluster, NumberBand, FacetInfo, ExplorerMeta, ClusterDetail, FacetFilter, OverlayResult, CompareResult, Trace, SearchHit } from './api-types.ts';

/** A request the data cannot answer: the app turns it into a 4xx with this message. */
export class RequestError extends Error {
  constructor(
    readonly status: 400 | 404,
    message: string,
  ) {
    super(message);
  }
}

export interface ExplorerData {
  runId: string;
  meta(allowTraces: boolean): ExplorerMeta;
  clusters: ExplorerCluster[];
  cluster(id: string): Promise<ClusterDetail>;
  points(level: number): Promise<Uint8Array>;
  overlay(filter: FacetFilter): Promise<OverlayResult>;
  compare(filter: FacetFilter): Promise<CompareResult>;
  search(query: string): { id: string; name: string; level: number; description: string }[];
  traces(id: string): Promise<Trace[]>;
}

const NO_CLUSTER = 0xffffffff;
const MAX_CATEGORY_VALUES = 100;
const TRACE_COUNT = 10;
const TRACE_CHARS = 2000;
/** Timelines use days when the corpus spans at most this many days, ISO weeks otherwise. */
const DAILY_SPAN_DAYS = 92;
const USER_KEY = `coalesce(c.user_hash, 'conversation:' || c.conversation_id)`;

interface InternalCluster {
  id: string;
  level: number;
  parentId: string | null;
  visible: boolean;
}

export async function loadExplorerData(ws: Workspace, runId: string): Promise<ExplorerData> {
  const query = serialised(ws);
  const model = await loadReportModel(ws, runId).catch((error: unknown) => {
    throw new Error(`cannot load run ${runId} for the explorer`, { cause: error });
  });
  const privacy: PrivacySummary = model.privacy;
  const thresholds = { minUsers: privacy.minUsers, minConversations: privacy.minConversations };
  const clustered = Math.max(1, model.corpus.clusteredConversations);
  const passes = (count: number, users: number) => count >= thresholds.minConversations && users >= thresholds.minUsers;
  // Breakdown cells inside a shown cluster (a category, a histogram bin) need enough users, as in the report.
  const enoughUsers = (_count: number, users: number) => users >= thresholds.minUsers;

  const allClusters = new Map(
    (await query<{ id: string; level: number; parentId: string | null; visible: boolean }>(
      'SELECT cluster_id AS id, level, parent_id AS parentId, visible FROM clusters WHERE run_id = $1',
      [runId],
    )).map((c) => [c.id, c as InternalCluster]),
  );
  const runs = (await query<{ run_id: string }>('SELECT run_id FROM privacy_filters ORDER BY applied_at DESC, run_id DESC')).map((r) => r.run_id);
  const runFacets = await runFacetsSql(query, runId);
  // Facets of the run's conversations: categories folded by the thresholds, numbers with quantile bins.
  const members = `SELECT conversation_id FROM cluster_members WHERE run_id = $1`;
  const facetKinds = await query<{ name: string; kind: FacetKind; source: string }>(
    `SELECT facet AS name, arg_min(kind, run_key) AS kind, arg_min(source, run_key) AS source FROM ${runFacets} f
     SEMI JOIN (${members}) s USING (conversation_id) GROUP BY facet ORDER BY facet`,
    [runId],
  );
  const categoryRows = await query<{ facet: string; value: string; n: number; users: number }>(
    `SELECT f.facet, f.value_text AS value, count(*) AS n, count(DISTINCT ${USER_KEY}) AS users
     FROM (${dedupedFacets(runFacets, "kind = 'category'", members)}) f JOIN conversations c USING (conversation_id)
     WHERE f.value_text IS NOT NULL GROUP BY ALL`,
    [runId],
  );
  const numberRows = await query<{ facet: string; min: number; max: number; edges: number[] }>(
    `SELECT facet, min(value_number) AS min, max(value_number) AS max,
            quantile_disc(value_number, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]) AS edges
     FROM (${dedupedFacets(runFacets, "kind = 'number'", members)}) WHERE value_number IS NOT NULL GROUP BY facet`,
    [runId],
  );
  const facets: FacetInfo[] = [];
  const binEdges = new Map<string, number[]>();
  for (const { name, kind, source } of facetKinds) {
    if (kind === 'category') {
      const rows = categoryRows.filter((r) => r.facet === name);
      if (rows.length === 0) continue;
      facets.push({ name, kind, source, values: foldCategories(rows, enoughUsers, MAX_CATEGORY_VALUES) });
    } else if (kind === 'number') {
      const row = numberRows.find((r) => r.facet === name);
      if (!row) continue;
      const edges = [...new Set([row.min, ...row.edges.map(Number)])].sort((a, b) => a - b);
      binEdges.set(name, edges);
      const bands = edges.map((min, i) => (i + 1 < edges.length ? { min, max: edges[i + 1] } : { min }));
      facets.push({ name, kind, source, min: row.min, max: row.max, bands });
    } else {
      facets.push({ name, kind: 'text', source });
    }
  }
  const numberFacets = facets.filter((f) => f.kind === 'number').map((f) => f.name);
  const categoryFacets = facets.filter((f) => f.kind === 'category').map((f) => f.name);

  // Number-facet means per base cluster, rolled up the tree (every conversation is in one base cluster).
  const baseSums = await query<{ cluster_id: string; facet: string; total: number; n: number }>(
    `SELECT m.cluster_id, f.facet, sum(f.value_number) AS total, count(f.value_number) AS n
     FROM cluster_members m JOIN (${dedupedFacets(runFacets, "kind = 'number'")}) f USING (conversation_id)
     WHERE m.run_id = $1 GROUP BY ALL`,
    [runId],
  );
  const sums = new Map<string, Map<string, { total: number; n: number }>>();
  for (const row of baseSums) {
    for (let id: string | null = row.cluster_id; id !== null; id = allClusters.get(id)?.parentId ?? null) {
      let byFacet = sums.get(id);
      if (!byFacet) sums.set(id, (byFacet = new Map()));
      const entry = byFacet.get(row.facet) ?? { total: 0, n: 0 };
      entry.total += Number(row.total);
      entry.n += row.n;
      byFacet.set(row.facet, entry);
    }
  }

  // The visible tree, flattened top level first (the order /api/points indexes into).
  const clusters: ExplorerCluster[] = [];
  const otherById = new Map<string, Folded>();
  const visit = (node: ReportCluster, parentId: string | null) => {
    const stats: Record<string, number> = {};
    const byFacet = sums.get(node.id);
    for (const facet of numberFacets) {
      const sum = byFacet?.get(facet);
      if (sum && sum.n > 0) stats[facet] = sum.total / sum.n;
    }
    clusters.push({
      id: node.id, level: node.level, parentId, name: node.name, description: node.description, size: node.size,
      share: node.size / clustered, shareOfParent: node.shareOfParent, x: node.x, y: node.y,
      childCount: node.children.length, stats,
    });
    otherById.set(node.id, node.other);
  };
  const byLevel: { node: ReportCluster; parentId: string | null }[] = [];
  const collect = (node: ReportCluster, parentId: string | null) => {
    byLevel.push({ node, parentId });
    for (const child of node.children) collect(child, node.id);
  };
  for (const top of model.tree) collect(top, null);
  byLevel.sort((a, b) => b.node.level - a.node.level || b.node.size - a.node.size || a.node.id.localeCompare(b.node.id));
  for (const { node, parentId } of byLevel) visit(node, parentId);
  const indexById = new Map(clusters.map((c, i) => [c.id, i]));
  const levels = model.levels;

  const requireVisible = (id: string): ExplorerCluster => {
    const index = indexById.get(id);
    if (index === undefined) throw new RequestError(404, `no cluster ${id} in run ${runId}`);
    return clusters[index];
  };

  const [span] = await query<{ days: number | null }>(`SELECT date_diff('day', min(created_at), max(created_at)) AS days FROM conversations`);
  const periodFormat = span.days !== null && span.days <= DAILY_SPAN_DAYS ? '%Y-%m-%d' : '%G-W%V';

  const pointsByLevel = new Map<number, Promise<Uint8Array>>();
  let basePoints: Promise<{ xy: Float32Array; base: Uint32Array; baseIds: string[] }> | undefined;

  const facetFilterSql = (filter: FacetFilter, firstParam: number): { where: string; params: DuckDBValue[] } => {
    const info = facets.find((f) => f.name === filter.facet);
    if (!info) throw new RequestError(400, `unknown facet '${filter.facet}' (known: ${facets.map((f) => f.name).join(', ')})`);
    if ('value' in filter) {
      if (info.kind !== 'category') throw new RequestError(400, `facet '${filter.facet}' is a ${info.kind} facet: use min/max, not value`);
      if (filter.value === 'other' || !info.values?.some((v) => v.value === filter.value)) {
        throw new RequestError(400, `value '${filter.value}' of facet '${filter.facet}' is not shown (fewer than ${thresholds.minUsers} users or ${thresholds.minConversations} conversations, or unknown)`);
      }
      return { where: `f.facet = $${firstParam} AND f.value_text = $${firstParam + 1}`, params: [filter.facet, filter.value] };
    }
    if (info.kind !== 'number') throw new RequestError(400, `facet '${filter.facet}' is a ${info.kind} facet: use value, not min/max`);
    const parts = [`f.facet = $${firstParam}`];
    const params: DuckDBValue[] = [filter.facet];
    if (filter.min !== undefined) {
      params.push(filter.min);
      parts.push(`f.value_number >= $${firstParam + params.length - 1}`);
    }
    if (filter.max !== undefined) {
      params.push(filter.max);
      parts.push(`f.value_number < $${firstParam + params.length - 1}`);
    }
    return { where: parts.join(' AND '), params };
  };

  /** Matching conversations counted in every cluster they belong to (all levels), plus the total. */
  const subsetCounts = async (filter: FacetFilter) => {
    const { where, params } = facetFilterSql(filter, 2);
    // Only the filtered facet's rows are de-duplicated; matches reach every ancestor through the (small)
    // cluster lineage rather than by walking each matching conversation up the parent links.
    const matched = `SELECT m.conversation_id, m.cluster_id, ${USER_KEY} AS user_key
       FROM cluster_members m JOIN conversations c USING (conversation_id)
       JOIN (${dedupedFacets(runFacets, `facet = $2`)}) f USING (conversation_id) WHERE m.run_id = $1 AND ${where}`;
    const rows = await query<{ cluster_id: string; n: number; users: number }>(
      `WITH RECURSIVE ${LINEAGE}, matched AS (${matched})
       SELECT l.cluster_id, count(*) AS n, count(DISTINCT matched.user_key) AS users
       FROM matched JOIN lineage l ON l.member_cluster_id = matched.cluster_id GROUP BY l.cluster_id
       UNION ALL SELECT '', count(*), count(DISTINCT user_key) FROM matched`,
      [runId, ...params],
    );
    const total = rows.find((r) => r.cluster_id === '') ?? { n: 0, users: 0 };
    if (!enoughUsers(total.n, total.users)) {
      throw new RequestError(400, `the subset ${describeFilter(filter)} has fewer than ${thresholds.minUsers} users; pick a wider one`);
    }
    return { total: total.n, byCluster: new Map(rows.filter((r) => r.cluster_id !== '').map((r) => [r.cluster_id, r])) };
  };

  return {
    runId,
    clusters,
    meta: (allowTraces) => ({
      runId,
      runs,
      // The report's judgement (the run's settings), so the app and the report name the same mode.
      mode: model.mode.name,
      modeNote: { summary: model.mode.summary, cannot: model.mode.cannot },
      allowTraces,
      privacy: { ...thresholds, userIdsPresent: privacy.userIdsPresent },
      corpus: { conversations: model.corpus.conversations, clustered: model.corpus.clusteredConversations, firstDate: model.corpus.firstDate, lastDate: model.corpus.lastDate },
      levels,
      facets,
    }),

    async cluster(id) {
      const cluster = requireVisible(id);
      const under = `WITH RECURSIVE sub(cluster_id) AS (
          SELECT cluster_id FROM clusters WHERE run_id = $1 AND cluster_id = $2
          UNION ALL SELECT k.cluster_id FROM clusters k JOIN sub ON k.parent_id = sub.cluster_id WHERE k.run_id = $1
        ),
        inside AS (SELECT m.conversation_id FROM cluster_members m JOIN sub USING (cluster_id) WHERE m.run_id = $1)`;
      const categories = categoryFacets.length
        ? await query<{ facet: string; value: string; n: number; users: number }>(
            `${under} SELECT f.facet, f.value_text AS value, count(*) AS n, count(DISTINCT ${USER_KEY}) AS users
             FROM (${dedupedFacets(runFacets, "kind = 'category'", 'SELECT conversation_id FROM inside')}) f JOIN conversations c USING (conversation_id)
             WHERE f.value_text IS NOT NULL GROUP BY ALL`,
            [runId, id],
          )
        : [];
      const bins = numberFacets.length
        ? await query<{ facet: string; bin: number; n: number; users: number }>(
            `${under} SELECT f.facet, ${binExpression(binEdges)} AS bin, count(*) AS n, count(DISTINCT ${USER_KEY}) AS users
             FROM (${dedupedFacets(runFacets, "kind = 'number'", 'SELECT conversation_id FROM inside')}) f JOIN conversations c USING (conversation_id)
             WHERE f.value_number IS NOT NULL GROUP BY ALL`,
            [runId, id],
          )
        : [];
      const timeline = await query<{ period: string; n: number; users: number }>(
        `${under} SELECT strftime(c.created_at, '${periodFormat}') AS period, count(*) AS n, count(DISTINCT ${USER_KEY}) AS users
         FROM inside JOIN conversations c USING (conversation_id) WHERE c.created_at IS NOT NULL GROUP BY ALL ORDER BY period`,
        [runId, id],
      );
      const facetBreakdowns: ClusterDetail['facets'] = [];
      for (const info of facets) {
        if (info.kind === 'category') {
          facetBreakdowns.push({ name: info.name, kind: 'category', categories: foldCategories(categories.filter((r) => r.facet === info.name), enoughUsers, MAX_CATEGORY_VALUES) });
        } else if (info.kind === 'number') {
          const edges = binEdges.get(info.name)!;
          // A bin is shown only when enough users fall in it; sparse bins read as empty.
          const histogram = edges.map((from, i) => {
            const row = bins.find((b) => b.facet === info.name && b.bin === i);
            return { from, to: i + 1 < edges.length ? edges[i + 1] : info.max!, count: row && enoughUsers(row.n, row.users) ? row.n : 0 };
          });
          facetBreakdowns.push({ name: info.name, kind: 'number', histogram });
        } else {
          facetBreakdowns.push({ name: info.name, kind: 'text' });
        }
      }
      const path: { id: string; name: string }[] = [];
      for (let parent = cluster.parentId; parent !== null; ) {
        const ancestor = requireVisible(parent);
        path.unshift({ id: ancestor.id, name: ancestor.name });
        parent = ancestor.parentId;
      }
      return {
        cluster,
        children: clusters.filter((c) => c.parentId === id),
        other: otherById.get(id) ?? { clusters: 0, conversations: 0 },
        facets: facetBreakdowns,
        timeline: timeline.filter((t) => passes(t.n, t.users)).map((t) => ({ period: t.period, count: t.n })),
        path,
      };
    },

    points(level) {
      if (!Number.isInteger(level) || level < 0 || level >= levels) throw new RequestError(400, `level must be a whole number from 0 to ${levels - 1}`);
      basePoints ??= loadBasePoints(query, runId);
      let cached = pointsByLevel.get(level);
      if (!cached) {
        cached = basePoints.then(({ xy, base, baseIds }) => {
          // For each base cluster: its ancestor at `level`, or the nearest visible one above it.
          const target = baseIds.map((baseId) => {
            let id: string | null = baseId;
            while (id !== null && allClusters.get(id)!.level < level) id = allClusters.get(id)!.parentId;
            while (id !== null && !indexById.has(id)) id = allClusters.get(id)?.parentId ?? null;
            return id === null ? NO_CLUSTER : indexById.get(id)!;
          });
          const n = base.length;
          const buffer = new ArrayBuffer(4 + n * 12);
          new Uint32Array(buffer, 0, 1)[0] = n;
          new Float32Array(buffer, 4, n * 2).set(xy);
          const indices = new Uint32Array(buffer, 4 + n * 8, n);
          for (let i = 0; i < n; i++) indices[i] = target[base[i]];
          return new Uint8Array(buffer);
        });
        pointsByLevel.set(level, cached);
      }
      return cached;
    },

    async overlay(filter) {
      const { total, byCluster } = await subsetCounts(filter);
      return {
        facet: filter.facet,
        matching: total,
        share: total / clustered,
        clusters: clusters.map((c) => {
          const row = byCluster.get(c.id) ?? { n: 0, users: 0 };
          if (row.n > 0 && !passes(row.n, row.users)) return { id: c.id, few: true as const, share: null };
          return { id: c.id, count: row.n, share: row.n / Math.max(1, c.size) };
        }),
      };
    },

    async compare(filter) {
      const { total, byCluster } = await subsetCounts(filter);
      const overall = total / clustered;
      let hidden = 0;
      const ranked: CompareResult['clusters'] = [];
      for (const c of clusters) {
        const row = byCluster.get(c.id) ?? { n: 0, users: 0 };
        if (!passes(row.n, row.users)) {
          hidden++;
          continue;
        }
        ranked.push({ id: c.id, name: c.name, level: c.level, subsetCount: row.n, size: c.size, ratio: row.n / Math.max(1, c.size) / overall });
      }
      ranked.sort((a, b) => b.ratio - a.ratio || b.subsetCount - a.subsetCount);
      return { subset: { size: total, share: overall }, clusters: ranked, hidden };
    },

    search(text) {
      const needle = text.toLowerCase();
      return clusters
        .filter((c) => c.name.toLowerCase().includes(needle) || c.description.toLowerCase().includes(needle))
        .slice(0, 50)
        .map(({ id, name, level, description }) => ({ id, name, level, description }));
    },

    async traces(id) {
      requireVisible(id);
      const rows = await query<{ text: string; turns: number }>(
        `WITH RECURSIVE sub(cluster_id) AS (
           SELECT cluster_id FROM clusters WHERE run_id = $1 AND cluster_id = $2
           UNION ALL SELECT k.cluster_id FROM clusters k JOIN sub ON k.parent_id = sub.cluster_id WHERE k.run_id = $1
         )
         SELECT (SELECT content FROM messages x WHERE x.conversation_id = c.conversation_id AND x.role = 'user' ORDER BY position LIMIT 1) AS text, c.turns
         FROM cluster_members m JOIN sub USING (cluster_id) JOIN conversations c USING (conversation_id)
         WHERE m.run_id = $1 ORDER BY hash(c.conversation_id) LIMIT ${TRACE_COUNT}`,
        [runId, id],
      );
      return rows.map((r) => ({ firstUserMessage: scrubPii(r.text ?? '').text.slice(0, TRACE_CHARS), turns: r.turns }));
    },
  };
}

/**
 * One value per conversation and facet (model facets may be stored under several run keys), optionally
 * only for the conversations a query selects: restricting before grouping spares de-duplicating the rest.
 */
function dedupedFacets(runFacets: string, where: string, conversations?: string): string {
  // arg_min by run key: a computed value ('') wins over a model facet of the same name (e.g. languages).
  return `SELECT conversation_id, facet, arg_min(value_text, run_key) AS value_text, arg_min(value_number, run_key) AS value_number
          FROM ${runFacets} f ${conversations ? `SEMI JOIN (${conversations}) s USING (conversation_id)` : ''}
          WHERE ${where} GROUP BY conversation_id, facet`;
}

/**
 * The facet rows of one run: the computed ones and the model facets its settings name, never another
 * run's model answers. The key is read from the run's settings and checked before it goes into SQL.
 */
async function runFacetsSql(query: Query, runId: string): Promise<string> {
  const [row] = await query<{ settings: string }>('SELECT settings FROM runs WHERE run_id = $1 LIMIT 1', [runId]);
  const key = row ? (JSON.parse(String(row.settings)) as { llm?: { facetRunKey?: string } }).llm?.facetRunKey : undefined;
  const keys = key && /^llm-[0-9a-f]+$/.test(key) ? `'', '${key}'` : `''`;
  return `(SELECT * FROM facets WHERE run_key IN (${keys}))`;
}

/** Each cluster of the run (member_cluster_id) with itself and every ancestor (cluster_id); needs $1 = run. */
const LINEAGE = `lineage(member_cluster_id, cluster_id) AS (
  SELECT cluster_id, cluster_id FROM clusters WHERE run_id = $1
  UNION ALL
  SELECT l.member_cluster_id, k.parent_id FROM lineage l JOIN clusters k ON k.run_id = $1 AND k.cluster_id = l.cluster_id
  WHERE k.parent_id IS NOT NULL
)`;

/** The index of the quantile bin a facet value falls in, for every number facet at once. */
function binExpression(edgesByFacet: Map<string, number[]>): string {
  const cases = [...edgesByFacet].map(([facet, edges]) => {
    const steps = edges.slice(1).map((edge) => `(f.value_number >= ${literal(edge)})::INTEGER`);
    return `WHEN f.facet = '${facet.replace(/'/g, "''")}' THEN ${steps.length ? steps.join(' + ') : '0'}`;
  });
  return `CASE ${cases.join(' ')} ELSE 0 END`;
}

function literal(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`not a finite bin edge: ${value}`);
  return `${value}::DOUBLE`;
}

/** Values below the thresholds go to 'other'; the largest `limit` are kept, the rest join 'other'. */
function foldCategories(rows: { value: string; n: number; users: number }[], passes: (n: number, users: number) => boolean, limit: number): Count[] {
  const shown = rows.filter((r) => passes(r.n, r.users) && r.value !== 'other').sort((a, b) => b.n - a.n || a.value.localeCompare(b.value));
  const kept = shown.slice(0, limit).map((r) => ({ value: r.value, count: r.n }));
  const otherCount = rows.reduce((sum, r) => sum + r.n, 0) - kept.reduce((sum, r) => sum + r.count, 0);
  if (otherCount > 0) kept.push({ value: 'other', count: otherCount });
  return kept;
}

function describeFilter(filter: FacetFilter): string {
  if ('value' in filter) return `${filter.facet} = ${filter.value}`;
  return `${filter.min ?? '-inf'} <= ${filter.facet} < ${filter.max ?? 'inf'}`;
}

/** Every point of the run with the index of its base cluster (base clusters ordered by id). */
async function loadBasePoints(query: Query, runId: string): Promise<{ xy: Float32Array; base: Uint32Array; baseIds: string[] }> {
  const baseIds = (await query<{ id: string }>('SELECT cluster_id AS id FROM clusters WHERE run_id = $1 AND level = 0 ORDER BY cluster_id', [runId])).map((r) => r.id);
  // Sorted once as one list of structs, then split into the three lists.
  const rows = await query<{ xs: number[]; ys: number[]; bases: number[] }>(
    `WITH base AS (SELECT cluster_id, (row_number() OVER (ORDER BY cluster_id) - 1)::INTEGER AS idx FROM clusters WHERE run_id = $1 AND level = 0),
     sorted AS (
       SELECT list({'x': p.x::FLOAT, 'y': p.y::FLOAT, 'b': b.idx} ORDER BY p.conversation_id) AS points
       FROM map_points p JOIN cluster_members m ON m.run_id = p.run_id AND m.conversation_id = p.conversation_id
       JOIN base b ON b.cluster_id = m.cluster_id WHERE p.run_id = $1
     )
     SELECT list_transform(points, p -> p.x) AS xs, list_transform(points, p -> p.y) AS ys, list_transform(points, p -> p.b) AS bases FROM sorted`,
    [runId],
  );
  const { xs, ys, bases } = rows[0];
  const n = xs?.length ?? 0;
  const xy = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    xy[2 * i] = xs[i];
    xy[2 * i + 1] = ys[i];
  }
  return { xy, base: Uint32Array.from(bases ?? []), baseIds };
}

type Query = <T>(sql: string, params?: DuckDBValue[]) => Promise<T[]>;

/** One DuckDB connection runs one statement at a time; concurrent requests queue here. */
function serialised(ws: Workspace): Query {
  let tail: Promise<unknown> = Promise.resolve();
  return <T,>(sql: string, params?: DuckDBValue[]) => {
    const next = tail.then(() => ws.all<T>(sql, params));
    tail = next.catch(() => undefined);
    return next;
  };
}
