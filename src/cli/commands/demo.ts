import { join } from 'node:path';
import { Command } from 'commander';
import { generateDemoCorpus } from '../../demo/generate.ts';
import { ingestFiles } from '../../ingest/index.ts';
import { openWorkspace } from '../../store/workspace.ts';
import { formatFileSummary } from './ingest.ts';
import { addAnalysisOptions, runAnalysis, type AnalysisFlags } from './analyze.ts';
import { positiveInt } from '../parsers.ts';

interface DemoFlags extends AnalysisFlags {
  conversations: number;
  users: number;
}

export function registerDemoCommand(program: Command): void {
  const command = program
    .command('demo')
    .description('Generate a sample corpus (built-in two-level taxonomy, 4 languages, many users), analyse it offline and write the report.')
    .option('-w, --workspace <dir>', 'workspace folder for the demo', 'clio-demo')
    .option('--conversations <n>', 'conversations to generate', positiveInt, 3000)
    .option('--users <n>', 'distinct users to spread them over', positiveInt, 800);
  addAnalysisOptions(command)
    .addHelpText(
      'after',
      `
Examples:
  $ clio demo
  $ clio demo --workspace /tmp/demo --conversations 10000 --users 2000
Then open clio-demo/reports/report.html in a browser.`,
    )
    .action(async (flags: DemoFlags) => {
      const ws = await openWorkspace({ dir: flags.workspace });
      try {
        const corpusPath = join(ws.dir, 'demo-corpus.jsonl');
        const corpus = await generateDemoCorpus({ out: corpusPath, conversations: flags.conversations, users: flags.users, seed: flags.seed });
        console.log(`generated ${corpus.conversations} conversations from ${corpus.users} users over ${corpus.topics} topics: ${corpusPath}`);
        const ingested = await ingestFiles(ws, [corpusPath], {});
        for (const file of ingested.files) console.log(formatFileSummary(file));
        await runAnalysis(ws, flags);
      } finally {
        ws.close();
      }
    });
}
