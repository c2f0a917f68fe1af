// A generated workspace holding what an analysis run of N conversations leaves behind, written straight
// with SQL (no ingest, embedding or clustering): conversations (~50k users, 180 days), the computed facets
// the explorer reads (language and created_weekday as categories, turns and user_chars as numbers, run_key
// ''), a three-level hierarchy (24 / 120 / 600 clusters) with names and centres, base membership, map
// points scattered around their base cluster's centre, one `runs` row per stage, and the privacy filter
// applied by the real applyPrivacyThresholds (which sets size, distinct_users and visible from the
// membership and writes the privacy_filters summary). A few base clusters are made too small to show, so
// the "other" folding and the nearest-visible-ancestor mapping of points run too.
//
// Random values come from hash(row, salt) rather than random(): setseed does not make random()
// reproducible once DuckDB scans in parallel, and the same workspace on every run keeps figures comparable.
import { rmSync } from 'node:fs';
import { settingsHash, STAGES } from '../src/pipeline/runs.ts';
import { applyPrivacyThresholds, type PrivacySummary } from '../src/privacy/thresholds.ts';
import { openWorkspace, type Workspace } from '../src/store/workspace.ts';
import { stableStringify } from '../src/util/hash.ts';

export interface GeneratedWorkspaceOptions {
  dir: string;
  conversations: number;
  users: number;
  /** Clusters at the top, children per top cluster, children per middle cluster. */
  fanout: [number, number, number];
  minUsers: number;
  minConversations: number;
}

export interface GeneratedWorkspace {
  ws: Workspace;
  runId: string;
  privacy: PrivacySummary;
  /** Seconds spent writing the tables, and applying the privacy filter. */
  seconds: { tables: number; privacy: number };
}

/**
 * Uniform in (0, 1) and standard normal, both a pure function of (row, salt < 512). One hashed integer, not
 * hash(i, salt): DuckDB's combined hash of several values leaves them correlated across salts (r = 0.88).
 */
const MACROS = `
  CREATE OR REPLACE TEMP MACRO bench_uniform(i, salt) AS ((hash(i * 1024 + salt) >> 11)::DOUBLE + 0.5) / 9007199254740992.0;
  CREATE OR REPLACE TEMP MACRO bench_gaussian(i, salt) AS sqrt(-2 * ln(bench_uniform(i, salt))) * cos(2 * pi() * bench_uniform(i, salt + 512));
`;

// Cumulative shares of the primary languages; the rest is 'und'. 'is' is written only by three users,
// so it must be folded into 'other' everywhere.
const LANGUAGES: [string, number][] = [
  ['en', 0.55], ['es', 0.63], ['fr', 0.7], ['de', 0.76], ['pt', 0.81], ['ru', 0.85], ['ja', 0.89], ['zh', 0.93], ['it', 0.95], ['ko', 0.965], ['nl', 0.975], ['pl', 0.985],
];

export async function generateWorkspace(options: GeneratedWorkspaceOptions): Promise<GeneratedWorkspace> {
  const { conversations: n, users, fanout, minUsers, minConversations } = options;
  rmSync(options.dir, { recursive: true, force: true });
  const ws = await openWorkspace({ dir: options.dir });
  const settings = { corpus: `generated-${n}`, embedder: 'generated', k: fanout[0] * fanout[1] * fanout[2], levels: 3, top: fanout[0], minUsers, minConversations, seed: 1 };
  const runId = settingsHash(settings).slice(0, 12);
  const started = performance.now();
  for (const statement of MACROS.split(';').filter((s) => s.trim())) await ws.run(statement);
  await ws.run(`INSERT INTO sources (path, format, file_hash, size_bytes, records_read, conversations_loaded, status)
                VALUES ('generated', 'generated', 'generated', 0, ${n}, ${n}, 'done')`);

  // The hierarchy: top clusters around the origin, children around their parent's centre.
  const [top, perTop, perMiddle] = fanout;
  await ws.run(`CREATE TEMP TABLE gen_top AS
    SELECT t::INTEGER AS t, bench_gaussian(t, 1) * 10 AS x, bench_gaussian(t, 2) * 10 AS y FROM range(${top}) r(t)`);
  await ws.run(`CREATE TEMP TABLE gen_middle AS
    SELECT m::INTEGER AS m, (m // ${perTop})::INTEGER AS t, p.x + bench_gaussian(m, 3) * 2 AS x, p.y + bench_gaussian(m, 4) * 2 AS y
    FROM range(${top * perTop}) r(m) JOIN gen_top p ON p.t = m // ${perTop}`);
  // Every 50th base cluster gets a weight that leaves it with about a dozen conversations: hidden.
  await ws.run(`CREATE TEMP TABLE gen_base AS
    WITH weighted AS (
      SELECT b::INTEGER AS b, (b // ${perMiddle})::INTEGER AS m, p.x + bench_gaussian(b, 5) * 0.6 AS x, p.y + bench_gaussian(b, 6) * 0.6 AS y,
             CASE WHEN b % 50 = 7 THEN 12.0 / ${n} * ${top * perTop * perMiddle} * 0.7 ELSE 0.2 + bench_uniform(b, 7) END AS w
      FROM range(${top * perTop * perMiddle}) r(b) JOIN gen_middle p ON p.m = b // ${perMiddle}
    )
    SELECT b, m, x, y, (sum(w) OVER (ORDER BY b) - w) / sum(w) OVER () AS from_share FROM weighted`);
  const clusterRows = (level: number, table: string, index: string, parent: string) => `
    SELECT '${runId}', ${level}, '${level}-' || ${index}, ${parent}, 'topic ' || ${index} || ' (level ${level})',
           'Generated cluster ' || ${index} || ' at level ${level}', '["generated", "topic"]', 0, 0, true, x, y FROM ${table}`;
  await ws.run(`INSERT INTO clusters (run_id, level, cluster_id, parent_id, name, description, terms, size, distinct_users, visible, x, y)
    ${clusterRows(2, 'gen_top', 't', 'NULL')}
    UNION ALL ${clusterRows(1, 'gen_middle', 'm', `'2-' || t`)}
    UNION ALL ${clusterRows(0, 'gen_base', 'b', `'1-' || m`)}`);

  // Conversations: a skewed user (a few heavy users, every user at least a few conversations), a base
  // cluster drawn by weight, a time in the 180 days from 2025-01-01 and a geometric number of turns.
  const languageCase = `CASE WHEN g.user_index < 3 AND bench_uniform(g.i, 13) < 0.5 THEN 'is' ${LANGUAGES.map(([code, upTo]) => `WHEN g.lu < ${upTo} THEN '${code}'`).join(' ')} ELSE 'und' END`;
  await ws.run(`CREATE TEMP TABLE gen_conversations AS
    WITH drawn AS (
      SELECT i, md5('conversation-' || i)::VARCHAR AS conversation_id, floor(${users} * bench_uniform(i, 8) ^ 2)::INTEGER AS user_index,
             bench_uniform(i, 9) AS cluster_draw, bench_uniform(i, 12) AS lu,
             (2 * least(30, 1 + floor(-ln(bench_uniform(i, 10)) * 1.5)))::INTEGER AS turns,
             TIMESTAMP '2025-01-01' + to_seconds(floor(bench_uniform(i, 11) * 180 * 86400)::BIGINT) AS created_at
      FROM range(${n}) r(i)
    )
    SELECT g.*, ${languageCase} AS language, b.b AS base, b.x AS cx, b.y AS cy
    FROM drawn g ASOF JOIN gen_base b ON g.cluster_draw >= b.from_share`);
  await ws.run(`INSERT INTO conversations (conversation_id, source_id, external_id, user_hash, created_at, model, source_language, turns, user_turns, user_chars, assistant_chars)
    SELECT conversation_id, 1, NULL, md5('user-' || user_index)::VARCHAR, created_at, NULL, NULL, turns, turns // 2,
           (turns // 2) * (20 + floor(bench_uniform(i, 14) * 400))::INTEGER, (turns // 2) * (60 + floor(bench_uniform(i, 15) * 1200))::INTEGER
    FROM gen_conversations`);
  await ws.run(`INSERT INTO facets (conversation_id, facet, kind, source, value_text, value_number, run_key)
    SELECT conversation_id, 'language', 'category', 'computed', language, NULL, '' FROM gen_conversations
    UNION ALL SELECT conversation_id, 'created_weekday', 'category', 'computed', dayname(created_at), NULL, '' FROM gen_conversations
    UNION ALL SELECT conversation_id, 'turns', 'number', 'computed', NULL, turns, '' FROM gen_conversations
    UNION ALL SELECT conversation_id, 'user_chars', 'number', 'computed', NULL, user_chars, '' FROM conversations`);
  await ws.run(`INSERT INTO cluster_members (run_id, conversation_id, cluster_id) SELECT '${runId}', conversation_id, '0-' || base FROM gen_conversations`);
  await ws.run(`INSERT INTO map_points (run_id, conversation_id, x, y)
    SELECT '${runId}', conversation_id, cx + bench_gaussian(i, 16) * 0.25, cy + bench_gaussian(i, 17) * 0.25 FROM gen_conversations`);
  for (const stage of STAGES) {
    await ws.run(`INSERT INTO runs (run_id, stage, settings_hash, settings, status, finished_at, stats) VALUES ($1, $2, $3, $4, 'done', current_timestamp, '{}')`, [
      runId,
      stage,
      settingsHash(settings),
      stableStringify(settings),
    ]);
  }
  for (const table of ['gen_top', 'gen_middle', 'gen_base', 'gen_conversations']) await ws.run(`DROP TABLE ${table}`);
  await ws.run('CHECKPOINT');
  const tablesDone = performance.now();
  const privacy = await applyPrivacyThresholds(ws, runId, { minUsers, minConversations });
  await ws.run('CHECKPOINT');
  return { ws, runId, privacy, seconds: { tables: (tablesDone - started) / 1000, privacy: (performance.now() - tablesDone) / 1000 } };
}
