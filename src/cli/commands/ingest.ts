// `clio ingest`, `clio info` and `clio export`: loading conversation files into a workspace, describing
// what a workspace holds, and exporting its conversation table (salted user hashes only).
import { extname, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { ingestFiles, type FileSummary } from '../../ingest/index.ts';
import { FORMAT_NAMES, type FormatName, type IngestOptions } from '../../ingest/types.ts';
import { DEFAULT_WORKSPACE, openWorkspace, type Workspace } from '../../store/workspace.ts';

interface IngestFlags {
  workspace: string;
  format?: FormatName;
  strict?: boolean;
  idField?: string;
  userField?: string;
  timeField?: string;
  messagesField?: string;
  textField?: string;
  meta?: string[];
  hhField?: string;
  maxRecordMb: number;
}

export function registerIngestCommands(program: Command): void {
  program
    .command('ingest')
    .description('Load conversation files (JSONL, JSON, Parquet, CSV; .gz fine) into a workspace.')
    .argument('<files...>', 'conversation files; the format of each is detected from its first records')
    .option('-w, --workspace <dir>', 'workspace folder (created if missing)', DEFAULT_WORKSPACE)
    .addOption(new Option('-f, --format <format>', 'skip detection and read every file as this format').choices([...FORMAT_NAMES]))
    .option('--strict', 'stop at the first bad record; the failing file leaves nothing behind')
    .option('--id-field <path>', 'field holding the conversation id (dotted paths allowed)')
    .option('--user-field <path>', 'field holding the user key (stored only as a salted hash)')
    .option('--time-field <path>', 'field holding the time (ISO string or epoch seconds/ms)')
    .option('--messages-field <path>', 'field holding a list of {role|from|sender, content|value|text} messages')
    .option('--text-field <path>', 'field holding a single prompt (one-turn conversations)')
    .option('--meta <fields...>', 'fields to keep as conversation metadata')
    .option('--hh-field <field>', 'Anthropic HH transcript field to read', 'chosen')
    .option('--max-record-mb <mb>', 'reject records larger than this many MB', parseNumber, 16)
    .addHelpText(
      'after',
      `
Formats (detected per file): ${FORMAT_NAMES.join(', ')}.

Examples:
  $ clio ingest chats.jsonl                           # OpenAI {"messages": [...]} lines
  $ clio ingest wildchat-*.parquet --workspace ws     # WildChat/LMSYS exports, users hashed
  $ clio ingest conversations.json                    # Claude.ai data export
  $ clio ingest hh.jsonl.gz --hh-field rejected       # Anthropic HH transcripts
  $ clio ingest prompts.csv --format prompt           # one prompt per row (text or prompt column)
  $ clio ingest logs.jsonl --messages-field data.turns --user-field meta.account --time-field ts --meta meta.app
  $ clio ingest big.jsonl --strict                    # stop at the first bad record
Bad records are skipped and reported with file, line and reason; the first 100 of each file are in
<workspace>/rejects/<file>.jsonl. Loading a file again adds nothing (conversations are content-addressed).`,
    )
    .action(async (files: string[], flags: IngestFlags) => {
      const ws = await openWorkspace({ dir: flags.workspace });
      try {
        const options: IngestOptions = {
          format: flags.format,
          strict: flags.strict,
          idField: flags.idField,
          userField: flags.userField,
          timeField: flags.timeField,
          messagesField: flags.messagesField,
          textField: flags.textField,
          metaFields: flags.meta,
          hhField: flags.hhField,
          maxRecordBytes: Math.round(flags.maxRecordMb * 1024 * 1024),
        };
        const summary = await ingestFiles(ws, files, options);
        for (const file of summary.files) console.log(formatFileSummary(file));
        console.log(
          `total: ${summary.loaded} conversations loaded, ${summary.duplicates} duplicates, ${summary.rejected} rejected, into ${ws.dir}`,
        );
        if (summary.failedFiles > 0) throw new Error(`${summary.failedFiles} of ${summary.files.length} files could not be read completely (see above)`);
      } finally {
        ws.close();
      }
    });

  program
    .command('info')
    .description('Describe what a workspace holds: sources, formats, turns, time range, users.')
    .option('-w, --workspace <dir>', 'workspace folder', DEFAULT_WORKSPACE)
    .addHelpText('after', '\nExample:\n  $ clio info --workspace ws')
    .action(async (flags: { workspace: string }) => {
      const ws = await openWorkspace({ dir: flags.workspace, mustExist: true });
      try {
        console.log(await describeWorkspace(ws));
      } finally {
        ws.close();
      }
    });

  program
    .command('export')
    .description('Export the conversations table (salted user hashes, never raw keys) to Parquet or JSONL.')
    .option('-w, --workspace <dir>', 'workspace folder', DEFAULT_WORKSPACE)
    .requiredOption('-o, --out <file>', 'output file')
    .addOption(new Option('--format <format>', 'output format (default: from the --out extension, else parquet)').choices(['parquet', 'jsonl']))
    .addHelpText('after', '\nExamples:\n  $ clio export --out conversations.parquet\n  $ clio export --workspace ws --out conversations.jsonl --format jsonl')
    .action(async (flags: { workspace: string; out: string; format?: 'parquet' | 'jsonl' }) => {
      const ws = await openWorkspace({ dir: flags.workspace, mustExist: true });
      try {
        const format = flags.format ?? (['.jsonl', '.ndjson', '.json'].includes(extname(flags.out)) ? 'jsonl' : 'parquet');
        const count = await exportConversations(ws, flags.out, format);
        console.log(`exported ${count} conversations to ${resolve(flags.out)} (${format})`);
      } finally {
        ws.close();
      }
    });
}

export async function exportConversations(ws: Workspace, out: string, format: 'parquet' | 'jsonl'): Promise<number> {
  const target = `'${resolve(out).replaceAll("'", "''")}'`;
  const options = format === 'parquet' ? '(FORMAT parquet, COMPRESSION zstd)' : '(FORMAT json)';
  await ws.run(`COPY (SELECT * FROM conversations ORDER BY source_id, conversation_id) TO ${target} ${options}`);
  const [row] = await ws.all<{ n: number }>('SELECT count(*) AS n FROM conversations');
  return row.n;
}

export function formatFileSummary(s: FileSummary): string {
  const lines = [`${s.file} [${s.format ?? 'unknown format'}, ${s.container ?? '?'}]`];
  lines.push(`  records read ${s.recordsRead}, conversations ${s.conversationsRead}, loaded ${s.loaded}, duplicates ${s.duplicates}` +
    (s.alreadyLoaded ? ` (${s.alreadyLoaded} already in the workspace)` : '') +
    `, empty ${s.empty}, no user turn ${s.noUserTurn}, rejected ${s.rejected}`);
  lines.push(`  distinct users ${s.distinctUsers}, ${s.seconds.toFixed(1)} s`);
  const languages = Object.entries(s.languages);
  if (languages.length) lines.push(`  languages: ${languages.slice(0, 12).map(([l, n]) => `${l} ${n}`).join(', ')}${languages.length > 12 ? ', ...' : ''}`);
  for (const [reason, n] of Object.entries(s.rejectReasons).sort((a, b) => b[1] - a[1]).slice(0, 10)) lines.push(`  skipped ${n}: ${reason}`);
  if (s.rejectFile) lines.push(`  examples: ${s.rejectFile}`);
  if (s.error) lines.push(`  FAILED: ${s.error}`);
  return lines.join('\n');
}

async function describeWorkspace(ws: Workspace): Promise<string> {
  const out: string[] = [`workspace ${ws.dir}`];
  const sources = await ws.all<Record<string, unknown>>(
    `SELECT s.source_id, s.path, s.format, s.status, s.records_read, count(c.conversation_id) AS conversations, s.duplicates, s.rejected
     FROM sources s LEFT JOIN conversations c USING (source_id) GROUP BY ALL ORDER BY s.source_id`,
  );
  out.push('sources:');
  for (const s of sources) {
    out.push(`  #${s.source_id} ${s.path} [${s.format}, ${s.status}]: ${s.conversations} conversations from ${s.records_read} records, ${s.duplicates} duplicates, ${s.rejected} rejected`);
  }
  const byFormat = await ws.all<{ format: string; n: number }>(
    'SELECT s.format, count(*) AS n FROM conversations c JOIN sources s USING (source_id) GROUP BY 1 ORDER BY 2 DESC',
  );
  out.push(`by format: ${byFormat.map((r) => `${r.format} ${r.n}`).join(', ') || 'none'}`);
  const [totals] = await ws.all<Record<string, unknown>>(
    `SELECT count(*) AS conversations, count(DISTINCT user_hash) AS users, count(user_hash) AS with_user,
            min(created_at)::VARCHAR AS first, max(created_at)::VARCHAR AS last, count(created_at) AS with_time
     FROM conversations`,
  );
  const [messages] = await ws.all<{ n: number }>('SELECT count(*) AS n FROM messages');
  out.push(`conversations ${totals.conversations}, messages ${messages.n}`);
  out.push(`users: ${totals.users} distinct (${totals.with_user} conversations have a user key)`);
  out.push(totals.with_time ? `time range: ${totals.first} .. ${totals.last} (${totals.with_time} with a time)` : 'time range: no times');
  const turns = await ws.all<{ bucket: string; n: number }>(
    `SELECT CASE WHEN turns <= 1 THEN '1' WHEN turns = 2 THEN '2' WHEN turns <= 4 THEN '3-4' WHEN turns <= 8 THEN '5-8'
                 WHEN turns <= 16 THEN '9-16' ELSE '17+' END AS bucket, count(*) AS n, min(turns) AS lo
     FROM conversations GROUP BY 1 ORDER BY lo`,
  );
  out.push(`turns: ${turns.map((t) => `${t.bucket}: ${t.n}`).join(', ') || 'none'}`);
  const languages = await ws.all<{ language: string; n: number }>(
    'SELECT source_language AS language, count(*) AS n FROM conversations WHERE source_language IS NOT NULL GROUP BY 1 ORDER BY 2 DESC LIMIT 15',
  );
  if (languages.length) out.push(`declared languages: ${languages.map((l) => `${l.language} ${l.n}`).join(', ')}`);
  return out.join('\n');
}

function parseNumber(value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new Error(`expected a positive number, got "${value}"`);
  return number;
}
