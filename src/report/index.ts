// `writeReport`: the analysis of one run as HTML, Markdown and JSON, from the workspace tables only.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Workspace } from '../store/workspace.ts';
import { renderHtml } from './html.ts';
import { renderMarkdown } from './markdown.ts';
import { loadReportModel, UNFINISHED_PRIVACY } from './model.ts';

export type ReportFormat = 'html' | 'md' | 'json';
export const REPORT_FORMATS: readonly ReportFormat[] = ['html', 'md', 'json'];

export interface WriteReportOptions {
  outDir: string;
  formats?: ReportFormat[];
}

export async function writeReport(ws: Workspace, runId: string, options: WriteReportOptions): Promise<{ files: string[] }> {
  const model = await loadReportModel(ws, runId);
  const outDir = resolve(options.outDir);
  mkdirSync(outDir, { recursive: true });
  const base = `clio-report-${runId.replace(/[^A-Za-z0-9._-]/g, '_')}`;
  const files: string[] = [];
  for (const format of options.formats ?? REPORT_FORMATS) {
    const path = join(outDir, `${base}.${format}`);
    const content = format === 'html' ? renderHtml(model) : format === 'md' ? renderMarkdown(model) : `${JSON.stringify(model, null, 2)}\n`;
    writeFileSync(path, content);
    files.push(path);
  }
  return { files };
}

/** The run a report defaults to: the one whose privacy thresholds were applied last. */
export async function latestReportableRun(ws: Workspace): Promise<string> {
  const [row] = await ws.all<{ run_id: string }>(
    `SELECT run_id FROM privacy_filters p WHERE NOT EXISTS (${UNFINISHED_PRIVACY.replace('$1', 'p.run_id')}) ORDER BY applied_at DESC, run_id DESC LIMIT 1`,
  );
  if (!row) throw new Error(`no finished analysis in ${ws.dir}: run \`clio analyze\` first`);
  return row.run_id;
}
