// A small analysed workspace written directly with SQL, as the pipeline would leave it before the
// privacy filter: three levels (base 0, middle 1, top 2), some clusters below the thresholds, canary
// strings in conversation text and in the names of small clusters.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openWorkspace, type Workspace } from '../../src/store/workspace.ts';

export const RUN_ID = 'run-1';
/** Planted in one conversation's messages and request_text: must never reach a report. */
export const TEXT_CANARY = 'quokkacanary';
/** Planted in the names, descriptions and terms of clusters below the thresholds. */
export const NAME_CANARY = 'zorblax';

export interface FixtureCluster {
  id: string;
  level: number;
  parent: string | null;
  name: string;
  /** Base clusters only. */
  conversations?: number;
  users?: number;
}

// Thresholds used with this fixture: 10 users, 20 conversations.
export const CLUSTERS: FixtureCluster[] = [
  { id: 'top-cooking', level: 2, parent: null, name: 'cooking · food' },
  { id: 'mid-baking', level: 1, parent: 'top-cooking', name: 'baking · oven' },
  { id: 'b-bread', level: 0, parent: 'mid-baking', name: 'bread · flour · yeast', conversations: 30, users: 15 },
  { id: 'b-cake', level: 0, parent: 'mid-baking', name: 'cake · frosting', conversations: 25, users: 12 },
  { id: 'b-rare', level: 0, parent: 'mid-baking', name: `${NAME_CANARY} · sourdough`, conversations: 6, users: 3 },
  { id: 'mid-grill', level: 1, parent: 'top-cooking', name: 'grill · barbecue', conversations: undefined },
  { id: 'b-grill', level: 0, parent: 'mid-grill', name: 'grill · steak', conversations: 30, users: 12 },
  { id: 'top-tiny', level: 2, parent: null, name: `${NAME_CANARY} tiny top` },
  { id: 'mid-tiny', level: 1, parent: 'top-tiny', name: `${NAME_CANARY} tiny middle` },
  { id: 'b-tiny', level: 0, parent: 'mid-tiny', name: `${NAME_CANARY} tiny base`, conversations: 12, users: 4 },
  { id: 'top-code', level: 2, parent: null, name: 'code · programming' },
  { id: 'mid-python', level: 1, parent: 'top-code', name: 'python · javascript' },
  { id: 'b-python', level: 0, parent: 'mid-python', name: 'python · error', conversations: 40, users: 20 },
  { id: 'b-js', level: 0, parent: 'mid-python', name: 'javascript · async', conversations: 30, users: 15 },
  { id: 'mid-few', level: 1, parent: 'top-code', name: `${NAME_CANARY} few users middle` },
  { id: 'b-few', level: 0, parent: 'mid-few', name: `${NAME_CANARY} few users base`, conversations: 25, users: 8 },
];

export async function createFixtureWorkspace(options: { withUserIds: boolean }): Promise<{ ws: Workspace; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'clio-report-'));
  const ws = await openWorkspace({ dir });
  await ws.run(`INSERT INTO sources (path, format, file_hash, size_bytes) VALUES ('fixture.jsonl', 'jsonl', 'h', 1)`);
  await ws.run(`INSERT INTO runs (run_id, stage, settings_hash, settings, status, finished_at) VALUES ($1, 'cluster', 'h', '{}', 'done', current_timestamp)`, [RUN_ID]);
  let next = 0;
  for (const cluster of CLUSTERS) {
    const hidden = cluster.name.includes(NAME_CANARY);
    await ws.run(
      `INSERT INTO clusters (run_id, level, cluster_id, parent_id, name, description, terms, size, distinct_users, x, y)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 0, 0, $8, $9)`,
      [RUN_ID, cluster.level, cluster.id, cluster.parent, cluster.name, `Keyword summary: ${cluster.name}.`,
        JSON.stringify(cluster.name.split(' · ')), next * 1.5, (next % 4) * 2 + (hidden ? 0.5 : 0)],
    );
    for (let i = 0; i < (cluster.conversations ?? 0); i++) {
      const id = `c${String(next++).padStart(4, '0')}`;
      const user = options.withUserIds ? `user-${cluster.id}-${i % (cluster.users ?? 1)}` : null;
      const canary = cluster.id === 'b-bread' && i === 0;
      const language = cluster.id === 'b-bread' && i === 1 ? 'is' : i % 3 === 0 ? 'es' : 'en';
      const text = canary ? `my neighbour ${TEXT_CANARY} bakes bread` : `question about ${cluster.name} number ${i}`;
      await ws.run(
        `INSERT INTO conversations (conversation_id, source_id, user_hash, created_at, turns, user_turns, user_chars, assistant_chars)
         VALUES ($1, 1, $2, TIMESTAMP '2024-03-01' + INTERVAL (${i}) DAY, $3, 1, $4, 10)`,
        [id, user, 2 + (i % 5) * 2, text.length],
      );
      await ws.run(`INSERT INTO messages VALUES ($1, 0, 'user', $2), ($1, 1, 'assistant', 'an answer')`, [id, text]);
      await ws.run(
        `INSERT INTO facets (conversation_id, facet, kind, source, value_text, value_number) VALUES
         ($1, 'language', 'category', 'computed', $2, NULL), ($1, 'turns', 'number', 'computed', NULL, $3),
         ($1, 'user_chars', 'number', 'computed', NULL, $4), ($1, 'request_text', 'text', 'computed', $5, NULL)`,
        [id, language, 2 + (i % 5) * 2, text.length, text],
      );
      await ws.run('INSERT INTO cluster_members VALUES ($1, $2, $3)', [RUN_ID, id, cluster.id]);
      await ws.run('INSERT INTO map_points VALUES ($1, $2, $3, $4)', [RUN_ID, id, next, i % 7]);
    }
  }
  return { ws, dir };
}

/** Base clusters under `id` (itself when it is a base cluster). */
export function baseClustersUnder(id: string): FixtureCluster[] {
  const cluster = CLUSTERS.find((c) => c.id === id);
  if (!cluster) throw new Error(`no fixture cluster ${id}`);
  if (cluster.level === 0) return [cluster];
  return CLUSTERS.filter((c) => c.parent === id).flatMap((c) => baseClustersUnder(c.id));
}
