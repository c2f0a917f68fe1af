// Shared by the explorer's browser tests: a workspace analysed from shared data, the web app built by
// Vite, the real server (src/server) on a free port, and headless Debian Chromium through playwright-core.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { build } from 'vite';
import { ingestFiles } from '../../src/ingest/index.ts';
import { analyze } from '../../src/pipeline/analyze.ts';
import { openWorkspace, type Workspace } from '../../src/store/workspace.ts';

process.env.CLIO_QUIET = '1';

export const ROOT = new URL('../../', import.meta.url).pathname;
export const SHARED = new URL('../../../shared/data/', import.meta.url).pathname;
export const SCREENSHOTS = join(ROOT, 'test/.tmp/screenshots');

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.CLIO_CHROMIUM ?? '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
}

/** Builds the web app into a fresh folder (so a test never depends on a stale dist/web). */
export async function buildWebApp(outDir: string): Promise<string> {
  await build({ configFile: join(ROOT, 'vite.config.ts'), root: join(ROOT, 'web'), logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  return outDir;
}

export const CORPUS = join(SHARED, 'oasst1-en/conversations.jsonl');

/**
 * A workspace with the OpenAssistant English sample ingested and analysed with small thresholds (a few
 * minutes on two cores). CLIO_EXPLORER_WORKSPACE names a folder to keep it in and reuse while developing.
 */
export async function analysedWorkspace(): Promise<{ ws: Workspace; dir: string | null; runId: string }> {
  const kept = process.env.CLIO_EXPLORER_WORKSPACE;
  const dir = kept ? null : mkdtempSync(join(tmpdir(), 'clio-explorer-'));
  const ws = await openWorkspace({ dir: kept ?? join(dir!, 'ws') });
  await ingestFiles(ws, [CORPUS], { progress: false });
  // A rerun with the same settings skips every stage already done.
  const result = await analyze(ws, { embedder: 'use-lite', k: 24, levels: 3, top: 5, minUsers: 3, minConversations: 5, seed: 7 });
  return { ws, dir, runId: result.runId };
}

export function screenshotPath(name: string): string {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return join(SCREENSHOTS, `${name}.png`);
}
