// `clio serve`: the explorer web app over a workspace, or (with --export) the same app as a static folder.
import type { Command } from 'commander';
import { z } from 'zod';
import { exportExplorer } from '../../server/export.ts';
import { DEFAULT_HOST, DEFAULT_PORT, startExplorerServer } from '../../server/index.ts';
import { DEFAULT_WORKSPACE, openWorkspace } from '../../store/workspace.ts';

const ServeOptions = z.object({
  workspace: z.string().min(1),
  port: z.coerce.number().int().min(0).max(65535),
  host: z.string().min(1),
  token: z.string().min(16, 'a token needs at least 16 characters').max(200).regex(/^[\x21-\x7e]+$/, 'a token is printable ASCII without spaces').optional(),
  run: z.string().min(1).optional(),
  allowTraces: z.boolean().default(false),
  export: z.string().min(1).optional(),
});

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('Explore an analysis in the browser: map, tree, cluster panels, overlays, comparisons. Serves only clusters that pass the privacy thresholds and aggregates over them.')
    .option('-w, --workspace <dir>', 'workspace folder', DEFAULT_WORKSPACE)
    .option('--port <n>', 'port (0 picks a free one)', String(DEFAULT_PORT))
    .option('--host <address>', 'address to bind; anything but loopback requires an access token', DEFAULT_HOST)
    .option('--token <token>', 'access token to require (default: generated when --host is not loopback)')
    .option('--run <id>', 'analysis run to show (default: the latest finished analysis)')
    .option('--allow-traces', 'also serve example conversations (scrubbed first user messages) of shown clusters')
    .option('--export <dir>', 'write the app and every API answer (no traces) as a static folder that works from disk, then exit')
    .addHelpText(
      'after',
      `
Examples:
  $ clio serve --workspace my-logs                     # http://127.0.0.1:4173/
  $ clio serve --workspace my-logs --host 0.0.0.0      # prints a URL with a generated ?token=
  $ clio serve --workspace my-logs --export explorer   # then open explorer/index.html`,
    )
    .action(async (raw: unknown) => {
      const parsed = ServeOptions.safeParse(raw);
      if (!parsed.success) throw new Error(`invalid serve options: ${z.prettifyError(parsed.error)}`);
      const options = parsed.data;
      const ws = await openWorkspace({ dir: options.workspace, readOnly: true });
      if (options.export) {
        try {
          const written = await exportExplorer({ ws, outDir: options.export, runId: options.run });
          console.log(`exported ${written.files} data files (${(written.bytes / 1e6).toFixed(1)} MB) and the app to ${written.outDir}; open ${written.outDir}/index.html`);
        } finally {
          ws.close();
        }
        return;
      }
      if (options.allowTraces) {
        console.error('WARNING: --allow-traces is on: example conversations (PII-scrubbed first user messages) of shown clusters are served to anyone with access.');
      }
      const server = await startExplorerServer({ ws, runId: options.run, allowTraces: options.allowTraces, host: options.host, port: options.port, token: options.token });
      console.log(`clio explorer: ${server.url}`);
      const stop = () => {
        void server.close().finally(() => {
          ws.close();
          process.exit(0);
        });
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
