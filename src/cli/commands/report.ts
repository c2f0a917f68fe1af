// `clio report`: writes the HTML, Markdown and JSON report of an analysis run from the workspace.
import type { Command } from 'commander';
import { join } from 'node:path';
import { z } from 'zod';
import { latestReportableRun, REPORT_FORMATS, writeReport, type ReportFormat } from '../../report/index.ts';
import { DEFAULT_WORKSPACE, openWorkspace } from '../../store/workspace.ts';

const ReportOptions = z.object({
  workspace: z.string().min(1),
  run: z.string().min(1).optional(),
  out: z.string().min(1).optional(),
  format: z
    .string()
    .transform((value) => value.split(',').map((f) => f.trim()).filter(Boolean))
    .pipe(z.array(z.enum(REPORT_FORMATS as [ReportFormat, ...ReportFormat[]])).min(1)),
});

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('Write the report of an analysis (HTML, Markdown, JSON): only clusters that pass the privacy thresholds, no conversation text')
    .option('-w, --workspace <dir>', 'workspace folder', DEFAULT_WORKSPACE)
    .option('--run <id>', 'analysis run to report (default: the latest finished analysis)')
    .option('--out <dir>', 'output folder (default: <workspace>/reports)')
    .option('--format <list>', 'comma-separated formats: html, md, json', REPORT_FORMATS.join(','))
    .addHelpText('after', '\nExample:\n  clio report --workspace my-ws --format html,md\n  (then open my-ws/reports/clio-report-<run>.html in a browser; it needs no network)')
    .action(async (raw: unknown) => {
      const parsed = ReportOptions.safeParse(raw);
      if (!parsed.success) throw new Error(`invalid report options: ${z.prettifyError(parsed.error)}`);
      const options = parsed.data;
      const ws = await openWorkspace({ dir: options.workspace, readOnly: true });
      try {
        const runId = options.run ?? (await latestReportableRun(ws));
        const { files } = await writeReport(ws, runId, { outDir: options.out ?? join(ws.dir, 'reports'), formats: options.format });
        for (const file of files) console.log(file);
      } finally {
        ws.close();
      }
    });
}
