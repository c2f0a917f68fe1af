// `clio eval synthetic`: the paper's synthetic check end to end. A model writes conversations from the
// built-in two-level taxonomy in several languages; they are ingested into a workspace and analysed in LLM
// mode; the top level of the resulting hierarchy is scored against the known top categories.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_TAXONOMY } from '../demo/taxonomy.ts';
import { ingestFiles } from '../ingest/index.ts';
import { analyze, type AnalyzeOptions, type AnalyzeResult } from '../pipeline/analyze.ts';
import type { LlmAnalysis } from '../pipeline/llm-mode.ts';
import type { Workspace } from '../store/workspace.ts';
import { withProgress } from '../util/progress.ts';
import { generateSyntheticCorpus, scoreTopLevel, type TopLevelScore } from './synthetic.ts';

export interface SyntheticEvalOptions {
  llm: LlmAnalysis;
  languages: string[];
  perLeaf: number;
  seed: number;
  /** Passed to the analysis (its `llm` and `seed` come from above). */
  analysis: Omit<AnalyzeOptions, 'llm' | 'seed' | 'log'>;
  log: (line: string) => void;
}

export interface SyntheticEvalResult {
  generated: number;
  failed: number;
  categories: number;
  analysis: AnalyzeResult;
  score: TopLevelScore;
}

export async function runSyntheticEval(ws: Workspace, options: SyntheticEvalOptions): Promise<SyntheticEvalResult> {
  const corpus = await withProgress({ label: 'synthetic conversations', unit: 'conversations' }, (onProgress) =>
    generateSyntheticCorpus(options.llm.client, {
      taxonomy: DEMO_TAXONOMY,
      languages: options.languages,
      perLeaf: options.perLeaf,
      seed: options.seed,
      concurrency: options.llm.config.concurrency,
      onProgress,
    }),
  );
  if (corpus.conversations.length === 0) throw new Error('the model wrote no usable synthetic conversation');
  const path = join(ws.dir, 'synthetic-corpus.jsonl');
  const lines = corpus.conversations.map((conversation, i) =>
    JSON.stringify({ id: syntheticId(i), messages: conversation.messages, metadata: corpus.labels[i] }),
  );
  writeFileSync(path, lines.join('\n') + '\n');
  options.log(`wrote ${lines.length} synthetic conversations (${corpus.failed} failed) to ${path}`);
  await ingestFiles(ws, [path], {});

  const analysis = await analyze(ws, { ...options.analysis, llm: options.llm, seed: options.seed, log: options.log });
  const topLevel = await topLevelByExternalId(ws, analysis.runId);
  const truth: string[] = [];
  const predicted: (string | null)[] = [];
  const groups: string[] = [];
  corpus.labels.forEach((label, i) => {
    const id = syntheticId(i);
    if (!topLevel.has(id)) return; // a duplicate text, or not clustered
    truth.push(label.top);
    predicted.push(topLevel.get(id) ?? null);
    groups.push(label.language);
  });
  return {
    generated: corpus.conversations.length,
    failed: corpus.failed,
    categories: new Set(corpus.labels.map((l) => l.top)).size,
    analysis,
    score: scoreTopLevel({ truth, predicted, groups }),
  };
}

const syntheticId = (i: number): string => `synthetic-${i}`;

/** Each clustered conversation's top-level cluster, or null when that cluster is not shown. */
async function topLevelByExternalId(ws: Workspace, runId: string): Promise<Map<string, string | null>> {
  const rows = await ws.all<{ external_id: string; cluster_id: string; visible: boolean }>(
    `WITH RECURSIVE up(conversation_id, cluster_id) AS (
       SELECT conversation_id, cluster_id FROM cluster_members WHERE run_id = $1
       UNION ALL
       SELECT up.conversation_id, k.parent_id FROM up JOIN clusters k ON k.run_id = $1 AND k.cluster_id = up.cluster_id
       WHERE k.parent_id IS NOT NULL
     )
     SELECT c.external_id, k.cluster_id, k.visible FROM up
     JOIN clusters k ON k.run_id = $1 AND k.cluster_id = up.cluster_id AND k.parent_id IS NULL
     JOIN conversations c USING (conversation_id)`,
    [runId],
  );
  return new Map(rows.map((row) => [row.external_id, row.visible ? row.cluster_id : null]));
}
