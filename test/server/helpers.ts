// Shared by the server tests: an analysed workspace built from shared data, a stand-in web app folder
// with a secret file beside it (for path traversal), and a crawler that collects every string an API
// response holds.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ingestFiles } from '../../src/ingest/index.ts';
import { analyze } from '../../src/pipeline/analyze.ts';
import { openWorkspace, type Workspace } from '../../src/store/workspace.ts';

process.env.CLIO_QUIET = '1';

export const OASST = new URL('../../../shared/data/oasst1-en/conversations.jsonl', import.meta.url).pathname;
export const SECRET = 'secret-outside-the-app-7f3a9c';

/** Ingests and analyses oasst1-en (1,002 conversations, 12 base clusters), then reopens it read-only. */
export async function analysedOasstWorkspace(root: string): Promise<{ ws: Workspace; runId: string }> {
  const dir = join(root, 'ws');
  const writable = await openWorkspace({ dir });
  let runId: string;
  try {
    await ingestFiles(writable, [OASST], { progress: false });
    ({ runId } = await analyze(writable, { embedder: 'use-lite', k: 12, minUsers: 10, minConversations: 20, seed: 42, workers: 1 }));
  } finally {
    writable.close();
  }
  return { ws: await openWorkspace({ dir, readOnly: true }), runId };
}

/** A built-app stand-in: ROOT/web (index.html, assets/app.js) and ROOT/secret.txt beside it. */
export function fakeWebApp(root = mkdtempSync(join(tmpdir(), 'clio-web-'))): { staticDir: string; root: string } {
  const staticDir = join(root, 'web');
  mkdirSync(join(staticDir, 'assets'), { recursive: true });
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><html><head><title>clio</title><script type="module" src="/assets/app.js"></script></head><body></body></html>');
  writeFileSync(join(staticDir, 'assets', 'app.js'), 'console.log("app");');
  writeFileSync(join(root, 'secret.txt'), SECRET);
  return { staticDir, root };
}

/** Every string value in a parsed JSON body, lower-cased, joined by newlines. */
export function stringsOf(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value.toLowerCase());
  else if (Array.isArray(value)) for (const item of value) stringsOf(item, out);
  else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      out.push(key.toLowerCase());
      stringsOf(item, out);
    }
  }
  return out;
}

/** Pieces of raw text that must not appear in served text: whole short texts, 40-character windows of long ones. */
export function rawTextProbes(texts: string[]): Set<string> {
  const probes = new Set<string>();
  for (const raw of texts) {
    const text = raw.toLowerCase().trim();
    if (text.length < 20) continue;
    if (text.length <= 40) probes.add(text);
    else for (let i = 0; i + 40 <= text.length; i += 20) probes.add(text.slice(i, i + 40));
  }
  return probes;
}

/** Probes found in `served` (every 40-character window of it is indexed, short probes are searched). */
export function leakedProbes(served: string, probes: Set<string>): string[] {
  const windows = new Set<string>();
  for (let i = 0; i + 40 <= served.length; i++) windows.add(served.slice(i, i + 40));
  return [...probes].filter((p) => (p.length === 40 ? windows.has(p) : served.includes(p)));
}
