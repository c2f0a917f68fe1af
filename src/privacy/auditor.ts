// The privacy auditor (paper, section 2.3, layer 4): a model rates every cluster name and description
// that would be shown from 1 (identifies a person) to 5 (nothing identifying). Below the threshold the
// label is removed, and so is a label whose rating could not be obtained: the auditor fails closed.
// The auditor's temperature (near 0) comes from the LLM configuration of the 'audit' stage.
import { z } from 'zod';
import { AUDIT_PROMPT, AUDIT_SYSTEM_PROMPT } from '../llm/prompts/audit.ts';
import { fillTemplate } from '../llm/prompts/index.ts';
import { isLlmCallError, type LlmClient } from '../llm/types.ts';
import type { Workspace } from '../store/workspace.ts';
import { forEachConcurrent } from '../util/concurrency.ts';

/** Paper: 3 or more is acceptable. */
export const DEFAULT_AUDIT_THRESHOLD = 3;

export const AUDIT_ANSWER_SCHEMA = z.object({ score: z.number().int().min(1).max(5) });

export interface LabelToAudit {
  /** The cluster id (clusters.cluster_id). */
  id: string;
  name: string;
  description: string;
}

export interface AuditResult {
  id: string;
  /** The model's rating, or null when the call failed. */
  score: number | null;
  removed: boolean;
  /** Why it was removed; never quotes the label or the model's words. */
  reason?: string;
}

export interface AuditClusterLabelsOptions {
  labels: readonly LabelToAudit[];
  threshold?: number;
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

export async function auditClusterLabels(client: LlmClient, options: AuditClusterLabelsOptions): Promise<AuditResult[]> {
  const threshold = options.threshold ?? DEFAULT_AUDIT_THRESHOLD;
  if (!(threshold >= 1 && threshold <= 6)) throw new RangeError(`audit threshold must be between 1 and 6, got ${threshold}`);
  const { labels } = options;
  const results: AuditResult[] = new Array(labels.length);
  let done = 0;
  options.onProgress?.(0, labels.length);
  await forEachConcurrent(labels.keys(), options.concurrency ?? 8, async (position) => {
    const label = labels[position];
    try {
      const { value } = await client.generate({
        stage: 'audit',
        system: AUDIT_SYSTEM_PROMPT,
        prompt: fillTemplate(AUDIT_PROMPT, { name: label.name, description: label.description }),
        schema: AUDIT_ANSWER_SCHEMA,
        maxOutputTokens: 20,
      });
      const removed = value.score < threshold;
      results[position] = { id: label.id, score: value.score, removed, ...(removed ? { reason: `privacy score ${value.score} is below ${threshold}` } : {}) };
    } catch (error) {
      if (!isLlmCallError(error)) throw error;
      results[position] = { id: label.id, score: null, removed: true, reason: `audit call failed (${error.llmErrorKind}); removed to be safe` };
    }
    options.onProgress?.(++done, labels.length);
  });
  return results;
}

export interface AuditCounts {
  audited: number;
  removed: number;
  removedForScore: number;
  removedForFailure: number;
  /** Clusters hidden because an ancestor was removed (not counted in `removed`). */
  hiddenDescendants: number;
  /** How many labels got each score 1-5. */
  scores: Record<1 | 2 | 3 | 4 | 5, number>;
}

/**
 * Stores the ratings on the run's clusters and hides the removed ones together with all their
 * descendants (a removed parent's children must not surface its topic). Never makes a cluster visible.
 */
export async function writeAuditResults(ws: Workspace, runId: string, results: readonly AuditResult[]): Promise<AuditCounts> {
  const counts: AuditCounts = { audited: results.length, removed: 0, removedForScore: 0, removedForFailure: 0, hiddenDescendants: 0, scores: { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0 } };
  try {
    await ws.run('BEGIN TRANSACTION');
    for (const result of results) {
      if (result.score !== null) counts.scores[result.score as 1 | 2 | 3 | 4 | 5]++;
      if (result.removed) {
        counts.removed++;
        if (result.score === null) counts.removedForFailure++;
        else counts.removedForScore++;
      }
      await ws.run(
        `UPDATE clusters SET privacy_score = $1, audit_removed = $2, visible = visible AND NOT $2 WHERE run_id = $3 AND cluster_id = $4`,
        [result.score, result.removed, runId, result.id],
      );
    }
    await ws.run(
      `CREATE OR REPLACE TEMP TABLE audit_hidden AS
       WITH RECURSIVE below(cluster_id) AS (
         SELECT k.cluster_id FROM clusters k JOIN clusters p ON p.run_id = k.run_id AND p.cluster_id = k.parent_id
         WHERE k.run_id = $1 AND p.audit_removed
         UNION
         SELECT k.cluster_id FROM clusters k JOIN below ON k.parent_id = below.cluster_id WHERE k.run_id = $1
       )
       SELECT cluster_id FROM below`,
      [runId],
    );
    const [{ hidden }] = await ws.all<{ hidden: number }>(
      `SELECT count(*) AS hidden FROM clusters WHERE run_id = $1 AND visible AND NOT coalesce(audit_removed, false)
       AND cluster_id IN (SELECT cluster_id FROM audit_hidden)`,
      [runId],
    );
    await ws.run('UPDATE clusters SET visible = false WHERE run_id = $1 AND cluster_id IN (SELECT cluster_id FROM audit_hidden)', [runId]);
    await ws.run('DROP TABLE audit_hidden');
    await ws.run('COMMIT');
    counts.hiddenDescendants = hidden;
    return counts;
  } catch (error) {
    await ws.run('ROLLBACK').catch(() => undefined);
    throw new Error(`storing the privacy audit of run ${runId} failed`, { cause: error });
  }
}
