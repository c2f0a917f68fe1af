import { join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { analyze, type AnalyzeOptions, type AnalyzeResult } from '../../pipeline/analyze.ts';
import type { LlmStage, StageUsage } from '../../llm/types.ts';
import { STAGES } from '../../pipeline/runs.ts';
import { DEFAULT_MIN_CONVERSATIONS, DEFAULT_MIN_USERS } from '../../privacy/thresholds.ts';
import { writeReport } from '../../report/index.ts';
import { DEFAULT_WORKSPACE, openWorkspace, type Workspace } from '../../store/workspace.ts';
import { addLlmOptions, openLlmMode, printDryRun, type LlmCliFlags } from './llm-options.ts';
import { positiveInt } from '../parsers.ts';

export const EMBEDDED_MODE_NOTE =
  'Embedded default mode (no LLM): clusters are named by their distinctive keywords. It cannot write ' +
  'summaries or descriptions, score concern, extract model facets (request, task) or run the privacy ' +
  'auditor; configure an LLM provider for those.';

export type AnalysisFlags = Omit<AnalyzeOptions, 'log' | 'onStage' | 'llm'> & LlmCliFlags & { workspace: string; report: boolean };


/** The analysis options shared by `analyze` and `demo`. */
export function addAnalysisOptions(command: Command): Command {
  return command
    .option('--embedder <spec>', 'embedding model: use-lite (packaged, offline), use-lite-int8 (the same with 8-bit layers: about 1.5x faster, vectors slightly different) or hf:<model id or local folder>', 'use-lite')
    .option('--k <n>', 'number of base clusters (default: about one per 100 conversations)', positiveInt)
    .option('--levels <n>', 'number of hierarchy levels including the base (default: from the corpus size)', positiveInt)
    .option('--top <n>', 'number of top-level clusters (default: from the corpus size)', positiveInt)
    .option('--min-users <n>', 'privacy: a cluster is shown only with at least this many distinct users', positiveInt, DEFAULT_MIN_USERS)
    .option('--min-conversations <n>', 'privacy: ... and at least this many conversations', positiveInt, DEFAULT_MIN_CONVERSATIONS)
    .option('--seed <n>', 'random seed: the same seed gives the same clusters', positiveInt, 42)
    .option('--workers <n>', 'threads for embedding and k-means (default: CLIO_THREADS, else the core count up to 16)', positiveInt)
    .addOption(new Option('--from <stage>', 'redo this stage and every later one').choices([...STAGES]))
    .option('--no-report', 'do not write the HTML/Markdown/JSON report')
    .addOption(new Option('--dry-run', 'estimate the LLM calls, tokens and cost of each stage; call nothing'));
}

export async function runAnalysis(ws: Workspace, flags: AnalysisFlags): Promise<{ result: AnalyzeResult; files: string[] } | undefined> {
  const log = (line: string) => console.error(line);
  const llm = openLlmMode(ws, flags, log);
  if (flags.dryRun) {
    await printDryRun(ws, flags, llm);
    await llm?.client.close();
    return undefined;
  }
  try {
    const { dryRun: _dryRun, ...options } = flags;
    const result = await analyze(ws, { ...options, llm, log });
    const files = flags.report ? (await writeReport(ws, result.runId, { outDir: join(ws.dir, 'reports') })).files : [];
    printSummary(result, files, llm !== undefined);
    if (llm) printUsage(llm.client.usage());
    return { result, files };
  } finally {
    await llm?.client.close();
  }
}

function printSummary(result: AnalyzeResult, files: string[], llmMode: boolean): void {
  const p = result.privacy;
  console.log(`run ${result.runId}: ${result.conversations} conversations, clusters per level (base first): ${result.levelSizes.join(' / ')}`);
  console.log(
    `privacy: shown only with >= ${p.minUsers} distinct users and >= ${p.minConversations} conversations` +
      (p.userIdsPresent ? '' : ' (no user ids in the data: every conversation counts as its own user)'),
  );
  for (const level of p.levels) {
    console.log(`  level ${level.level}: ${level.clusters - level.hiddenClusters} of ${level.clusters} clusters shown, ${level.hiddenConversations} conversations folded into "other"`);
  }
  if (result.skipped.length) console.log(`reused from an earlier run: ${result.skipped.join(', ')}`);
  if (!llmMode) console.log(EMBEDDED_MODE_NOTE);
  for (const file of files) console.log(`report: ${file}`);
}

/** What this invocation asked of the model, per stage (the report has the run's totals). */
function printUsage(usage: Record<LlmStage, StageUsage>): void {
  const rows = Object.entries(usage).filter(([, u]) => u.calls + u.cachedCalls + u.failures > 0);
  if (rows.length === 0) return;
  console.log('LLM calls in this run (cached calls cost nothing):');
  let total: number | null = 0;
  for (const [stage, u] of rows) {
    total = total === null || u.costUsd === null ? null : total + u.costUsd;
    console.log(
      `  ${stage.padEnd(10)} ${u.calls} calls, ${u.cachedCalls} cached, ${u.failures} failed, ${u.inputTokens.toLocaleString('en-US')} input + ${u.outputTokens.toLocaleString('en-US')} output tokens, ${u.costUsd === null ? 'no price' : `$${u.costUsd.toFixed(4)}`}`,
    );
  }
  console.log(`  total ${total === null ? 'unknown (a model without a price)' : `$${total.toFixed(4)}`} at list prices`);
}

export function registerAnalyzeCommand(program: Command): void {
  const command = program
    .command('analyze')
    .description('Run the whole pipeline on a workspace: facets, embed, cluster, name, hierarchy, privacy filter, map; then write the report.')
    .option('-w, --workspace <dir>', 'workspace folder', DEFAULT_WORKSPACE);
  addLlmOptions(addAnalysisOptions(command))
    .addHelpText(
      'after',
      `
Examples:
  $ clio analyze --workspace my-logs
  $ clio analyze --workspace my-logs --k 200 --top 12 --min-users 25
  $ clio analyze --workspace my-logs --from hierarchy --levels 4
  $ clio analyze --workspace my-logs --embedder hf:./models/all-mpnet-base-v2
  $ ANTHROPIC_API_KEY=... clio analyze --workspace my-logs --provider anthropic --dry-run
  $ clio analyze --workspace my-logs --provider openai --base-url http://localhost:11434/v1 --model llama3.1`,
    )
    .action(async (flags: AnalysisFlags) => {
      const ws = await openWorkspace({ dir: flags.workspace, mustExist: true });
      try {
        await runAnalysis(ws, flags);
      } finally {
        ws.close();
      }
    });
}
