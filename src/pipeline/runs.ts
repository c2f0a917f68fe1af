// Stage bookkeeping in the `runs` table: which stage of which analysis run finished with which settings.
import type { Workspace } from '../store/workspace.ts';
import { sha256, stableStringify } from '../util/hash.ts';

export const STAGES = ['facets', 'embed', 'cluster', 'name', 'hierarchy', 'privacy', 'map'] as const;
export type Stage = (typeof STAGES)[number];

export function settingsHash(settings: unknown): string {
  return sha256(stableStringify(settings), 16);
}

export async function isStageDone(ws: Workspace, runId: string, stage: Stage, hash: string): Promise<boolean> {
  const rows = await ws.all(
    `SELECT 1 FROM runs WHERE run_id = $1 AND stage = $2 AND settings_hash = $3 AND status = 'done' LIMIT 1`,
    [runId, stage, hash],
  );
  return rows.length > 0;
}

export async function markStageStarted(ws: Workspace, runId: string, stage: Stage, settings: unknown): Promise<void> {
  await ws.run(`DELETE FROM runs WHERE run_id = $1 AND stage = $2`, [runId, stage]);
  await ws.run(`INSERT INTO runs (run_id, stage, settings_hash, settings, status) VALUES ($1, $2, $3, $4, 'running')`, [
    runId,
    stage,
    settingsHash(settings),
    stableStringify(settings),
  ]);
}

export async function markStageDone(ws: Workspace, runId: string, stage: Stage, stats: unknown): Promise<void> {
  await ws.run(`UPDATE runs SET status = 'done', finished_at = current_timestamp, stats = $3 WHERE run_id = $1 AND stage = $2`, [
    runId,
    stage,
    JSON.stringify(stats ?? {}),
  ]);
}

/**
 * Forget a stage and every later one for this run, so `--from STAGE` recomputes them. The privacy
 * filter record goes too, so no report can be written from clusters that have not been filtered again.
 */
export async function resetStagesFrom(ws: Workspace, runId: string, from: Stage): Promise<void> {
  const later = STAGES.slice(STAGES.indexOf(from));
  await ws.run(`DELETE FROM runs WHERE run_id = $1 AND stage IN (${later.map((s) => `'${s}'`).join(',')})`, [runId]);
  if (later.includes('privacy')) await ws.run('DELETE FROM privacy_filters WHERE run_id = $1', [runId]);
}
