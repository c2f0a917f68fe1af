// Privacy thresholds (paper, section 2.3, layer 2): a cluster is shown only if at least `minUsers`
// distinct users and `minConversations` conversations are in it, and only if its parent is shown, so a
// hidden cluster never reappears through its children. Sizes and distinct users are recomputed here from
// the base membership and the parent links, at every level, so nothing upstream can get them wrong.
// A conversation without a user id counts as a user of its own (the only safe reading).
import type { Workspace } from '../store/workspace.ts';

/**
 * Defaults: at least 10 distinct users and 20 conversations per shown cluster.
 * 10 users follows small-cell suppression practice in published statistics (cells under 10 or 11
 * people withheld) and the upper end of k values used for k-anonymity (5 to 10). 20 conversations
 * (two per user on average) keeps a shown pattern from resting on a handful of conversations, and
 * gives the keyword namer enough text to label it.
 */
export const DEFAULT_MIN_USERS = 10;
export const DEFAULT_MIN_CONVERSATIONS = 20;

export interface PrivacyOptions {
  minUsers: number;
  minConversations: number;
}

export interface LevelPrivacy {
  level: number;
  clusters: number;
  hiddenClusters: number;
  /** Conversations in hidden clusters of this level (they are counted in their parent's "other"). */
  hiddenConversations: number;
  /** Conversations in this level's clusters (all of them, shown or not). */
  conversations: number;
}

export interface PrivacySummary {
  minUsers: number;
  minConversations: number;
  /** Conversations that are members of the run's clusters. */
  conversations: number;
  /** How many of them carry a user id; 0 means every conversation was counted as its own user. */
  conversationsWithUserId: number;
  userIdsPresent: boolean;
  levels: LevelPrivacy[];
}

export async function applyPrivacyThresholds(ws: Workspace, runId: string, options: PrivacyOptions): Promise<PrivacySummary> {
  const minUsers = checkThreshold('minUsers', options.minUsers);
  const minConversations = checkThreshold('minConversations', options.minConversations);
  try {
    await ws.run('BEGIN TRANSACTION');
    // Every conversation's membership at every level: its base cluster expanded through the (small)
    // cluster lineage, rather than walking every conversation up the parent links.
    await ws.run(
      `CREATE OR REPLACE TEMP TABLE privacy_membership AS
       WITH RECURSIVE lineage(member_cluster_id, cluster_id) AS (
         SELECT cluster_id, cluster_id FROM clusters WHERE run_id = $1
         UNION ALL
         SELECT l.member_cluster_id, k.parent_id FROM lineage l JOIN clusters k ON k.run_id = $1 AND k.cluster_id = l.cluster_id
         WHERE k.parent_id IS NOT NULL
       )
       SELECT m.conversation_id, coalesce(c.user_hash, 'conversation:' || m.conversation_id) AS user_key, l.cluster_id
       FROM cluster_members m JOIN conversations c USING (conversation_id)
       JOIN lineage l ON l.member_cluster_id = m.cluster_id
       WHERE m.run_id = $1`,
      [runId],
    );
    await ws.run(
      `UPDATE clusters SET size = coalesce(s.size, 0), distinct_users = coalesce(s.users, 0)
       FROM (SELECT k.cluster_id, count(p.conversation_id) AS size, count(DISTINCT p.user_key) AS users
             FROM clusters k LEFT JOIN privacy_membership p USING (cluster_id)
             WHERE k.run_id = $1 GROUP BY k.cluster_id) s
       WHERE clusters.run_id = $1 AND clusters.cluster_id = s.cluster_id`,
      [runId],
    );
    // Visible = meets both thresholds and its parent is visible; walked top-down from the roots.
    // A cluster that cannot be reached from a root (broken parent link) stays hidden.
    await ws.run(
      `UPDATE clusters SET visible = coalesce(v.visible, false)
       FROM (
         SELECT k.cluster_id, r.visible FROM clusters k
         LEFT JOIN (
           WITH RECURSIVE down(cluster_id, visible) AS (
             SELECT cluster_id, size >= $2 AND distinct_users >= $3 FROM clusters
             WHERE run_id = $1 AND parent_id IS NULL
             UNION ALL
             SELECT k.cluster_id, down.visible AND k.size >= $2 AND k.distinct_users >= $3
             FROM clusters k JOIN down ON k.parent_id = down.cluster_id
             WHERE k.run_id = $1
           )
           SELECT * FROM down
         ) r USING (cluster_id)
         WHERE k.run_id = $1
       ) v
       WHERE clusters.run_id = $1 AND clusters.cluster_id = v.cluster_id`,
      [runId, minConversations, minUsers],
    );
    const summary = await summarise(ws, runId, minUsers, minConversations);
    await ws.run('DELETE FROM privacy_filters WHERE run_id = $1', [runId]);
    await ws.run('INSERT INTO privacy_filters (run_id, min_users, min_conversations, summary) VALUES ($1, $2, $3, $4)', [
      runId,
      minUsers,
      minConversations,
      JSON.stringify(summary),
    ]);
    await ws.run('DROP TABLE privacy_membership');
    await ws.run('COMMIT');
    return summary;
  } catch (error) {
    await ws.run('ROLLBACK').catch(() => undefined);
    throw new Error(`applying privacy thresholds to run ${runId} failed`, { cause: error });
  }
}

async function summarise(ws: Workspace, runId: string, minUsers: number, minConversations: number): Promise<PrivacySummary> {
  const levels = await ws.all<LevelPrivacy>(
    `SELECT level, count(*) AS clusters, count(*) FILTER (WHERE NOT visible) AS hiddenClusters,
            coalesce(sum(size) FILTER (WHERE NOT visible), 0) AS hiddenConversations,
            coalesce(sum(size), 0) AS conversations
     FROM clusters WHERE run_id = $1 GROUP BY level ORDER BY level`,
    [runId],
  );
  const [users] = await ws.all<{ conversations: number; withUser: number }>(
    `SELECT count(*) AS conversations, count(c.user_hash) AS withUser
     FROM cluster_members m JOIN conversations c USING (conversation_id) WHERE m.run_id = $1`,
    [runId],
  );
  return {
    minUsers,
    minConversations,
    conversations: users.conversations,
    conversationsWithUserId: users.withUser,
    userIdsPresent: users.withUser > 0,
    levels: levels.map((l) => ({
      level: l.level,
      clusters: l.clusters,
      hiddenClusters: l.hiddenClusters,
      hiddenConversations: Number(l.hiddenConversations),
      conversations: Number(l.conversations),
    })),
  };
}

function checkThreshold(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new Error(`privacy threshold ${name} must be a whole number >= 1, got ${value}`);
  return value;
}
