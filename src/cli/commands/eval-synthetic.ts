// `clio eval synthetic`: an LLM writes conversations from the built-in two-level taxonomy in several
// languages, the pipeline analyses them in LLM mode, and the top level is scored against the taxonomy.
import { Command } from 'commander';
import { runSyntheticEval } from '../../eval/synthetic-run.ts';
import { openWorkspace } from '../../store/workspace.ts';
import { addAnalysisOptions, type AnalysisFlags } from './analyze.ts';
import { positiveInt } from '../parsers.ts';
import { addLlmOptions, openLlmMode } from './llm-options.ts';

interface SyntheticFlags extends AnalysisFlags {
  perLeaf: number;
  languages: string;
}

export function registerSyntheticEvalCommand(parent: Command): void {
  const command = parent
    .command('synthetic')
    .description('Have an LLM write conversations from a known two-level taxonomy in several languages, analyse them in LLM mode, and score the top level against the known categories (the paper\'s synthetic check).')
    .option('-w, --workspace <dir>', 'workspace folder for the synthetic corpus and its analysis', 'clio-synthetic')
    .option('--per-leaf <n>', 'conversations per leaf topic', positiveInt, 10)
    .option('--languages <codes>', 'comma-separated ISO 639-1 codes the conversations cycle through', 'en,fr,es,de');
  addLlmOptions(addAnalysisOptions(command))
    .addHelpText(
      'after',
      `
Examples:
  $ ANTHROPIC_API_KEY=... clio eval synthetic --provider anthropic --per-leaf 20
  $ clio eval synthetic --provider openai --base-url http://localhost:8000/v1 --model qwen2.5-7b-instruct --languages en,ja`,
    )
    .action(async (flags: SyntheticFlags) => {
      if (flags.dryRun) throw new Error('clio eval synthetic has no dry run: it has to call the model to write the corpus; estimate the analysis with `clio analyze --dry-run` on a workspace');
      const ws = await openWorkspace({ dir: flags.workspace });
      const log = (line: string) => console.error(line);
      const llm = openLlmMode(ws, flags, log);
      if (!llm) {
        ws.close();
        throw new Error('clio eval synthetic needs an LLM provider to write the conversations: give --provider (and a key or --base-url)');
      }
      try {
        const { perLeaf, languages, workspace: _workspace, report: _report, dryRun: _dryRun, ...analysis } = flags;
        const result = await runSyntheticEval(ws, {
          llm,
          languages: languages.split(',').map((code) => code.trim()).filter(Boolean),
          perLeaf,
          seed: flags.seed,
          analysis,
          log,
        });
        const s = result.score;
        const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
        console.log(`synthetic corpus: ${result.generated} conversations written (${result.failed} failed) over ${result.categories} top categories`);
        console.log(`run ${result.analysis.runId}: clusters per level (base first): ${result.analysis.levelSizes.join(' / ')}`);
        console.log(`top level vs known categories: accuracy ${pct(s.accuracy)} (one cluster per category), majority ${pct(s.majorityAccuracy)}, chance ${pct(s.chance)}; ${s.conversations} conversations, ${s.clusters} top clusters`);
        for (const [language, group] of Object.entries(s.byGroup ?? {})) console.log(`  ${language}: accuracy ${pct(group.accuracy)} over ${group.conversations} conversations`);
        const usage = llm.client.usage();
        const cost = Object.values(usage).reduce((sum, u) => (sum === null || u.costUsd === null ? null : sum + u.costUsd), 0 as number | null);
        console.log(`LLM: ${Object.values(usage).reduce((n, u) => n + u.calls, 0)} calls, cost ${cost === null ? 'unknown' : `$${cost.toFixed(2)}`} at list prices`);
      } finally {
        await llm.client.close();
        ws.close();
      }
    });
}
