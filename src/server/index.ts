// `startExplorerServer`: the explorer app on a real socket. Loopback by default; any other address
// needs an access token (given, or generated here), because the API serves a workspace's analysis.
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { latestReportableRun } from '../report/index.ts';
import { createExplorerApp, type ExplorerAppOptions } from './app.ts';

export interface StartServerOptions extends ExplorerAppOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
}

export interface RunningServer {
  /** The address to open; carries `?token=` when a token is required. */
  url: string;
  port: number;
  token: string | undefined;
  close(): Promise<void>;
}

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 4173;

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}

export async function startExplorerServer(options: StartServerOptions): Promise<RunningServer> {
  const host = options.host ?? DEFAULT_HOST;
  const token = options.token ?? (isLoopback(host) ? undefined : randomBytes(24).toString('base64url'));
  const runId = options.runId ?? (await latestReportableRun(options.ws));
  const [filtered] = await options.ws.all('SELECT 1 FROM privacy_filters WHERE run_id = $1', [runId]);
  if (!filtered) throw new Error(`run ${runId} has no privacy filter applied (finished runs: see \`clio info\`); the explorer shows only filtered runs`);
  const app = createExplorerApp({ ...options, runId, token });
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const started = serve({ fetch: app.fetch, hostname: host, port: options.port ?? DEFAULT_PORT }, () => resolve(started));
    started.once('error', (error) => reject(new Error(`cannot listen on ${host}:${options.port ?? DEFAULT_PORT}`, { cause: error })));
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}/${token ? `?token=${encodeURIComponent(token)}` : ''}`,
    port,
    token,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
