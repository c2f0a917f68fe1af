// Shared by the ingest tests: throwaway workspaces and small file builders.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { ingestFiles, type IngestOptions, type IngestSummary } from '../../src/ingest/index.ts';
import { openWorkspace, type Workspace } from '../../src/store/workspace.ts';

process.env.CLIO_QUIET = '1';

export const SHARED = new URL('../../../shared/data/', import.meta.url).pathname;

export function tempDir(prefix = 'clio-ingest-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function withWorkspace<T>(run: (ws: Workspace, dir: string) => Promise<T>): Promise<T> {
  const dir = tempDir();
  const ws = await openWorkspace({ dir: join(dir, 'ws') });
  try {
    return await run(ws, dir);
  } finally {
    ws.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Ingests into a fresh workspace and returns the summary plus table counts. */
export async function ingestFresh(files: string[], options: IngestOptions = {}): Promise<IngestSummary & { conversations: number; messages: number }> {
  return withWorkspace(async (ws) => {
    const summary = await ingestFiles(ws, files, { progress: false, ...options });
    const [{ n: conversations }] = await ws.all<{ n: number }>('SELECT count(*) AS n FROM conversations');
    const [{ n: messages }] = await ws.all<{ n: number }>('SELECT count(*) AS n FROM messages');
    return { ...summary, conversations, messages };
  });
}

export function jsonl(records: unknown[]): string {
  return records.map((r) => JSON.stringify(r)).join('\n') + '\n';
}

export function writeJsonl(path: string, records: unknown[]): string {
  writeFileSync(path, jsonl(records));
  return path;
}

/** Writes a Parquet (or CSV) file with DuckDB from a SELECT over an in-memory JSON file. */
export async function writeWithDuckDB(sql: string, out: string, format: 'parquet' | 'csv' = 'parquet'): Promise<string> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run(`COPY (${sql}) TO '${out}' (FORMAT ${format === 'csv' ? 'csv, HEADER true' : 'parquet'})`);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  return out;
}

export const chat = (user: string, assistant = 'Sure.') => ({
  messages: [
    { role: 'user', content: user },
    { role: 'assistant', content: assistant },
  ],
});
