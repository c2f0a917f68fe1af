// Reading the pipeline's inputs from, and writing its outputs to, the workspace tables.
import type { ClusterLabel } from '../name/index.ts';
import type { PrivacySummary } from '../privacy/thresholds.ts';
import type { Workspace } from '../store/workspace.ts';

/**
 * The conversations to analyse with the text to cluster on, ordered by the text's hash: an order that
 * does not depend on the workspace salt, so the same data and seed give the same clusters anywhere.
 */
export interface Documents {
  ids: string[];
  /** Salted user hash, or null when the source had no user ids (each conversation is then its own user). */
  users: (string | null)[];
  texts: string[];
}

/** The text facet to cluster on: the scrubbed user turns by default, a model facet (e.g. `request`) in LLM mode. */
export interface DocumentSource {
  facet: string;
  runKey: string;
}

export const KEYWORD_DOCUMENTS: DocumentSource = { facet: 'request_text', runKey: '' };

/** Conversations without a value for the facet (e.g. the model failed on them, or a screener dropped them) are left out. */
export async function loadDocuments(ws: Workspace, source: DocumentSource = KEYWORD_DOCUMENTS): Promise<Documents> {
  const reader = await ws.db.runAndReadAll(
    `SELECT c.conversation_id, c.user_hash, f.value_text
     FROM conversations c JOIN facets f ON f.conversation_id = c.conversation_id AND f.facet = $1 AND f.run_key = $2
     ORDER BY md5(f.value_text), c.conversation_id`,
    [source.facet, source.runKey],
  );
  const ids: string[] = [];
  const users: (string | null)[] = [];
  const texts: string[] = [];
  for (const [id, user, text] of reader.getRows()) {
    ids.push(String(id));
    users.push(user === null ? null : String(user));
    texts.push(String(text ?? ''));
  }
  return { ids, users, texts };
}

export const clusterId = (level: number, index: number): string => `${level}-${index}`;
/** The index within its level of a cluster id made by clusterId. */
const clusterIndex = (id: string): number => Number(id.split('-')[1]);

export async function writeBaseClusters(ws: Workspace, runId: string, docs: Documents, assignments: Int32Array, k: number): Promise<void> {
  await ws.run('BEGIN TRANSACTION');
  try {
    await ws.run('DELETE FROM privacy_filters WHERE run_id = $1', [runId]);
    await ws.run('DELETE FROM cluster_members WHERE run_id = $1', [runId]);
    await ws.run('DELETE FROM clusters WHERE run_id = $1', [runId]);
    const appender = await ws.db.createAppender('cluster_members');
    for (let i = 0; i < docs.ids.length; i++) {
      appender.appendVarchar(runId);
      appender.appendVarchar(docs.ids[i]);
      appender.appendVarchar(clusterId(0, assignments[i]));
      appender.endRow();
    }
    appender.closeSync();
    await insertLevel(ws, runId, 0, k, docs, assignments);
    await ws.run('COMMIT');
  } catch (error) {
    await ws.run('ROLLBACK');
    throw new Error('could not store the base clusters', { cause: error });
  }
}

export async function loadBaseAssignments(ws: Workspace, runId: string, docs: Documents): Promise<Int32Array> {
  const reader = await ws.db.runAndReadAll('SELECT conversation_id, cluster_id FROM cluster_members WHERE run_id = $1', [runId]);
  const byId = new Map<string, number>();
  for (const [id, cluster] of reader.getRows()) byId.set(String(id), clusterIndex(String(cluster)));
  const out = new Int32Array(docs.ids.length);
  docs.ids.forEach((id, i) => {
    const cluster = byId.get(id);
    if (cluster === undefined) throw new Error(`conversation ${id} has no base cluster in run ${runId}; rerun with --from cluster`);
    out[i] = cluster;
  });
  return out;
}

export async function writeLabels(ws: Workspace, runId: string, level: number, labels: ClusterLabel[]): Promise<void> {
  for (const [index, label] of labels.entries()) {
    await ws.run('UPDATE clusters SET name = $1, description = $2, terms = $3 WHERE run_id = $4 AND cluster_id = $5', [
      label.name,
      label.description,
      JSON.stringify(label.terms),
      runId,
      clusterId(level, index),
    ]);
  }
}

/** Names and descriptions of one level's clusters, by index. */
export async function loadLabels(ws: Workspace, runId: string, level: number, count: number): Promise<{ name: string; description: string }[]> {
  const rows = await ws.all<{ cluster_id: string; name: string | null; description: string | null }>(
    'SELECT cluster_id, name, description FROM clusters WHERE run_id = $1 AND level = $2',
    [runId, level],
  );
  const labels = Array.from({ length: count }, () => ({ name: '', description: '' }));
  for (const row of rows) labels[clusterIndex(row.cluster_id)] = { name: row.name ?? '', description: row.description ?? '' };
  return labels;
}

/** Each conversation's cluster at every level, base first (from the stored base members and parent links). */
export async function loadMemberships(ws: Workspace, runId: string, base: Int32Array): Promise<Int32Array[]> {
  const rows = await ws.all<{ cluster_id: string; parent_id: string | null }>(
    'SELECT cluster_id, parent_id FROM clusters WHERE run_id = $1 AND parent_id IS NOT NULL',
    [runId],
  );
  const parentOf = new Map(rows.map((row) => [row.cluster_id, row.parent_id!]));
  const memberships = [base];
  for (let level = 1; ; level++) {
    const below = memberships[level - 1];
    const next = new Int32Array(base.length);
    for (let i = 0; i < below.length; i++) {
      const parent = parentOf.get(clusterId(level - 1, below[i]));
      if (parent === undefined) return memberships;
      next[i] = clusterIndex(parent);
    }
    memberships.push(next);
  }
}

/** Forgets every level above the base (and the base clusters' parents), before a hierarchy is written again. */
export async function clearParentLevels(ws: Workspace, runId: string): Promise<void> {
  await ws.run('DELETE FROM clusters WHERE run_id = $1 AND level >= 1', [runId]);
  await ws.run('UPDATE clusters SET parent_id = NULL WHERE run_id = $1', [runId]);
}

/** Stores level `level` (>= 1): its clusters with names, and the parent link of every cluster below. */
export async function writeParentLevel(
  ws: Workspace,
  runId: string,
  level: number,
  parentOf: Int32Array,
  size: number,
  labels: ClusterLabel[],
  docs: Documents,
  memberOf: Int32Array,
): Promise<void> {
  await ws.run('DELETE FROM clusters WHERE run_id = $1 AND level >= $2', [runId, level]);
  await insertLevel(ws, runId, level, size, docs, memberOf);
  await writeLabels(ws, runId, level, labels);
  for (let child = 0; child < parentOf.length; child++) {
    await ws.run('UPDATE clusters SET parent_id = $1 WHERE run_id = $2 AND cluster_id = $3', [
      clusterId(level, parentOf[child]),
      runId,
      clusterId(level - 1, child),
    ]);
  }
}

async function insertLevel(ws: Workspace, runId: string, level: number, count: number, docs: Documents, memberOf: Int32Array): Promise<void> {
  const sizes = new Int32Array(count);
  const users = Array.from({ length: count }, () => new Set<string>());
  for (let i = 0; i < memberOf.length; i++) {
    sizes[memberOf[i]]++;
    users[memberOf[i]].add(docs.users[i] ?? `conversation:${docs.ids[i]}`);
  }
  const appender = await ws.db.createAppender('clusters');
  for (let c = 0; c < count; c++) {
    appender.appendVarchar(runId);
    appender.appendInteger(level);
    appender.appendVarchar(clusterId(level, c));
    appender.appendNull(); // parent_id
    appender.appendNull(); // name
    appender.appendNull(); // description
    appender.appendNull(); // terms
    appender.appendInteger(sizes[c]);
    appender.appendInteger(users[c].size);
    appender.appendBoolean(false); // hidden until the privacy stage has checked it
    appender.appendNull(); // x
    appender.appendNull(); // y
    appender.appendNull(); // privacy_score
    appender.appendBoolean(false); // audit_removed
    appender.endRow();
  }
  appender.closeSync();
}

export async function writeMap(ws: Workspace, runId: string, docs: Documents, points: Float32Array): Promise<void> {
  await ws.run('DELETE FROM map_points WHERE run_id = $1', [runId]);
  const appender = await ws.db.createAppender('map_points');
  for (let i = 0; i < docs.ids.length; i++) {
    appender.appendVarchar(runId);
    appender.appendVarchar(docs.ids[i]);
    appender.appendDouble(points[2 * i]);
    appender.appendDouble(points[2 * i + 1]);
    appender.endRow();
  }
  appender.closeSync();
  // A cluster sits at the mean position of its members, at every level.
  await ws.run(
    `WITH RECURSIVE lineage(conversation_id, cluster_id) AS (
       SELECT conversation_id, cluster_id FROM cluster_members WHERE run_id = $1
       UNION ALL
       SELECT l.conversation_id, c.parent_id FROM lineage l
       JOIN clusters c ON c.run_id = $1 AND c.cluster_id = l.cluster_id WHERE c.parent_id IS NOT NULL
     ), centres AS (
       SELECT l.cluster_id, avg(p.x) AS x, avg(p.y) AS y FROM lineage l
       JOIN map_points p ON p.run_id = $1 AND p.conversation_id = l.conversation_id GROUP BY l.cluster_id
     )
     UPDATE clusters SET x = centres.x, y = centres.y FROM centres
     WHERE clusters.run_id = $1 AND clusters.cluster_id = centres.cluster_id`,
    [runId],
  );
}

export async function storedLevelSizes(ws: Workspace, runId: string): Promise<number[]> {
  const rows = await ws.all<{ n: number }>('SELECT count(*) AS n FROM clusters WHERE run_id = $1 GROUP BY level ORDER BY level', [runId]);
  return rows.map((r) => r.n);
}

export async function storedPrivacy(ws: Workspace, runId: string): Promise<PrivacySummary> {
  const rows = await ws.all<{ summary: string }>('SELECT summary FROM privacy_filters WHERE run_id = $1', [runId]);
  if (rows.length === 0) throw new Error(`run ${runId} has no privacy filter record; rerun with --from privacy`);
  return JSON.parse(rows[0].summary) as PrivacySummary;
}
