// The `clio` command: thin commands over the pipeline stages. Each command lives in ./commands.
import { Command } from 'commander';
import { registerAnalyzeCommand } from './commands/analyze.ts';
import { registerDemoCommand } from './commands/demo.ts';
import { registerEvalCommand } from './commands/eval.ts';
import { registerIngestCommands } from './commands/ingest.ts';
import { registerReportCommand } from './commands/report.ts';
import { registerServeCommand } from './commands/serve.ts';

const program = new Command('clio')
  .description('Privacy-preserving analytics for AI-assistant conversation logs (the Clio method).')
  .version('0.1.0')
  .showHelpAfterError('(run `clio --help` for usage)');

registerDemoCommand(program);
registerIngestCommands(program);
registerAnalyzeCommand(program);
registerReportCommand(program);
registerServeCommand(program);
registerEvalCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  console.error(`clio: ${describeError(error)}`);
  if (process.env.CLIO_DEBUG) console.error(error);
  process.exit(1);
}

/** One line: the message followed by each cause's message. */
function describeError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  while (current && parts.length < 4) {
    parts.push(current instanceof Error ? current.message : String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(': ');
}
