// Ingest: read conversation files in any supported format into the workspace tables sources,
// conversations and messages. Each file is detected, streamed and committed batch by batch, so a file
// that fails later never takes earlier files (or, outside --strict, its own earlier batches) with it.
import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, resolve } from 'node:path';
import { configuredMemoryLimit, loadOrCreateSalt, type Workspace } from '../store/workspace.ts';
import { startProgress, type Progress } from '../util/progress.ts';
import { cachedHasher, type ChunkResult } from './chunks.ts';
import { openContainer, unreadable } from './containers.ts';
import { detectFormat, formatReader } from './formats/index.ts';
import { createRejectLog, describeLocation } from './rejects.ts';
import type { FileSummary, IngestOptions, IngestSummary, RawRecord, Reject } from './types.ts';
import { parseInWorkers } from './parallel.ts';
import { createColumnsBuilder } from './columns.ts';
import { loadStoredIds, type StoredIds } from './stored-ids.ts';
import { createBatchWriter, type BatchWriter, type SourceCounts } from './writer.ts';

export type { FileSummary, IngestOptions, IngestSummary } from './types.ts';

const DEFAULT_MAX_RECORD_BYTES = 16 * 1024 * 1024;
// Few, large transactions: with 50,000 conversations per commit, the checkpoints that the commits
// triggered grew with the database, and a 600,000-conversation load took 32 s instead of 19 s (and left a
// 40% larger file). A crash loses at most one transaction; rerunning the ingest skips what was stored.
const DEFAULT_BATCH_SIZE = 200_000;
/** Conversations looked up and appended at a time (the transaction spans several). */
const APPEND_SIZE = 5000;
const DETECTION_SAMPLE = 20;
/**
 * Loading only appends, and needs little of DuckDB's cache. With 128MB instead of the workspace's 256MB,
 * peak RSS for 200k / 600k / 1.2M conversations was 491 / 501 / 514 MB instead of 588 / 602 / 760 MB,
 * at the same speed. A limit the user set with CLIO_DUCKDB_MEMORY is kept.
 */
const INGEST_MEMORY_LIMIT = '128MB';
/** JSONL files at least this large are parsed by worker threads unless `threads` says otherwise. */
const PARALLEL_MIN_BYTES = 8 << 20;

export async function ingestFiles(ws: Workspace, files: string[], options: IngestOptions = {}): Promise<IngestSummary> {
  for (const file of files) {
    let isFile = false;
    try {
      isFile = statSync(file).isFile();
    } catch {
      throw new Error(`file not found: ${file}`);
    }
    if (!isFile) throw new Error(`not a file: ${file}`);
  }
  const rejectNames = new Set<string>();
  const summaries: FileSummary[] = [];
  // Loaded when the first file gets to writing and kept up to date by the writers; read again after a
  // file's transaction is rolled back.
  let storedIds: Promise<StoredIds> | undefined;
  const context: FileContext = {
    rejectNames,
    storedIds: () => (storedIds ??= loadStoredIds(ws)),
    forgetStoredIds: () => (storedIds = undefined),
  };
  const lowerMemory = process.env.CLIO_DUCKDB_MEMORY === undefined;
  if (lowerMemory) await ws.run(`SET memory_limit = '${INGEST_MEMORY_LIMIT}'`);
  try {
    for (const file of files) {
      const summary = await ingestFile(ws, file, options, context);
      summaries.push(summary);
      if (summary.error && options.strict) {
        throw new Error(`${summary.error} (nothing from ${file} was kept; earlier files stay loaded)`);
      }
    }
  } finally {
    if (lowerMemory) await ws.run(`SET memory_limit = '${configuredMemoryLimit()}'`);
  }
  return {
    files: summaries,
    loaded: sum(summaries, (s) => s.loaded),
    duplicates: sum(summaries, (s) => s.duplicates),
    rejected: sum(summaries, (s) => s.rejected),
    failedFiles: summaries.filter((s) => s.error).length,
  };
}

interface FileContext {
  /** Reject file names taken so far. */
  rejectNames: Set<string>;
  storedIds: () => Promise<StoredIds>;
  forgetStoredIds: () => void;
}

async function ingestFile(ws: Workspace, file: string, options: IngestOptions, context: FileContext): Promise<FileSummary> {
  const { rejectNames } = context;
  const started = performance.now();
  const summary: FileSummary = {
    file, recordsRead: 0, conversationsRead: 0, loaded: 0, duplicates: 0, alreadyLoaded: 0, empty: 0, noUserTurn: 0,
    rejected: 0, rejectReasons: {}, distinctUsers: 0, languages: {}, seconds: 0,
  };
  const rejects = createRejectLog();
  const progress = createFileProgress(basename(file), options.progress !== false);
  let sourceId: number | undefined;
  // A batch is written while the next one is read, so the database work overlaps the parsing.
  let writing: Promise<void> = Promise.resolve();
  let writer: BatchWriter | undefined;
  try {
    const maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
    const opened = await openContainer(
      { file, displayName: file, maxRecordBytes, onProgress: progress.tick, onTotal: progress.setTotal },
      statSync(file).size,
    );
    summary.container = opened.container;
    const counted = countRecords(opened.records, summary);
    const { head, rest } = await peek(counted, DETECTION_SAMPLE);
    const samples = head.filter((item): item is RawRecord => item.kind === 'record').map((item) => item.value);
    const reader = options.format ? formatReader(options.format) : detectFormat(samples, options);
    if (!reader) {
      for (const item of head) if (item.kind === 'reject') rejects.add(item);
      if (head.length === 0) return summary;
      throw new Error(
        samples.length === 0
          ? `${file}: no readable record among the first ${head.length} to detect the format from`
          : `${file}: cannot detect the format from the first records (fields: ${fieldsOf(samples)}); pass --format or --messages-field/--text-field`,
      );
    }
    summary.format = reader.name;
    const inserted = await ws.all<{ source_id: number }>(
      'INSERT INTO sources (path, format, file_hash, size_bytes) VALUES ($1, $2, $3, $4) RETURNING source_id',
      [resolve(file), reader.name, '', statSync(file).size],
    );
    sourceId = inserted[0].source_id;
    summary.sourceId = sourceId;
    const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    const batchWriter = createBatchWriter(ws, sourceId, batchSize, context.storedIds);
    writer = batchWriter;
    const appendSize = Math.min(batchSize, APPEND_SIZE);
    const hashUser = cachedHasher(ws.hashUser);
    const counts = (): SourceCounts => ({ ...summary, rejected: rejects.total });
    const flush = async (last: boolean) => {
      await writing;
      writing = batchWriter.flush(counts(), last).then((result) => {
        summary.loaded += result.loaded;
        summary.duplicates += result.duplicates;
        summary.alreadyLoaded += result.alreadyLoaded;
      });
      writing.catch(() => {}); // awaited before the next batch, at the end, or on failure
    };
    const addReject = (item: Reject) => {
      rejects.add(item);
      if (options.strict) throw new Error(`${describeLocation(item.location)}: ${item.reason}${item.detail ? ` (${item.detail})` : ''}`);
    };
    const threads = parseThreads(options, opened.container, reader.name, statSync(file).size);
    const builder = createColumnsBuilder();
    for await (const item of reader.read(threads > 0 ? prepend(head) : prepend(head, rest), options)) {
      if (item.kind === 'reject') {
        addReject(item);
        continue;
      }
      summary.conversationsRead++;
      const prepared = builder.add(item.conversation, hashUser);
      if (prepared === 'empty' || prepared === 'no_user_turn') {
        if (prepared === 'empty') summary.empty++;
        else summary.noUserTurn++;
        rejects.note(item.location, prepared === 'empty' ? 'empty conversation (not loaded)' : 'no user turn (not loaded)');
        continue;
      }
      if (builder.rows >= appendSize) {
        batchWriter.add(builder.take());
        await flush(false);
      }
    }
    batchWriter.add(builder.take());
    if (threads > 0 && opened.blocks) {
      const handle = async (result: ChunkResult) => {
        summary.recordsRead += result.recordsRead;
        summary.conversationsRead += result.conversationsRead;
        summary.empty += result.empty;
        summary.noUserTurn += result.noUserTurn;
        for (const event of result.events) {
          if ('reject' in event) addReject(event.reject);
          else rejects.note(event.note, event.reason);
        }
        batchWriter.add(result.columns);
        if (batchWriter.size >= appendSize) await flush(false);
      };
      const data = { file, format: reader.name, options, maxRecordBytes, salt: loadOrCreateSalt(ws.dir).toString('hex') };
      await parseInWorkers(opened.blocks(), threads, data, handle, (error) => unreadable(file, error));
    }
    await flush(true);
    await writing;
    const fileHash = await opened.digest();
    await ws.run("UPDATE sources SET status = 'done', file_hash = $1 WHERE source_id = $2", [fileHash, sourceId]);
    await describeLoaded(ws, sourceId, summary);
  } catch (error) {
    summary.error = oneLine(error);
    await writing.catch(() => {});
    await writer?.abort();
    context.forgetStoredIds(); // it may hold ids of the rolled-back transaction
    if (sourceId !== undefined) await markFailed(ws, sourceId, Boolean(options.strict), summary);
  } finally {
    progress.stop();
    summary.rejected = rejects.total;
    summary.rejectReasons = rejects.counts;
    summary.rejectFile = rejects.write(ws.dir, file, rejectNames);
    summary.seconds = (performance.now() - started) / 1000;
  }
  return summary;
}

/** Under --strict a failed file leaves nothing behind; otherwise its committed batches stay, marked failed. */
async function markFailed(ws: Workspace, sourceId: number, strict: boolean, summary: FileSummary): Promise<void> {
  if (strict) {
    await ws.run('DELETE FROM messages WHERE conversation_id IN (SELECT conversation_id FROM conversations WHERE source_id = $1)', [sourceId]);
    await ws.run('DELETE FROM conversations WHERE source_id = $1', [sourceId]);
    summary.loaded = 0;
  }
  await ws.run("UPDATE sources SET status = 'failed', conversations_loaded = $1 WHERE source_id = $2", [summary.loaded, sourceId]);
}

async function describeLoaded(ws: Workspace, sourceId: number, summary: FileSummary): Promise<void> {
  const [users] = await ws.all<{ n: number }>('SELECT count(DISTINCT user_hash) AS n FROM conversations WHERE source_id = $1', [sourceId]);
  summary.distinctUsers = users.n;
  const languages = await ws.all<{ language: string; n: number }>(
    `SELECT source_language AS language, count(*) AS n FROM conversations
     WHERE source_id = $1 AND source_language IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1`,
    [sourceId],
  );
  for (const { language, n } of languages) summary.languages[language] = n;
}

async function* countRecords(records: AsyncIterable<RawRecord | Reject>, summary: FileSummary): AsyncGenerator<RawRecord | Reject> {
  for await (const item of records) {
    summary.recordsRead++;
    yield item;
  }
}

async function peek<T>(source: AsyncGenerator<T>, count: number): Promise<{ head: T[]; rest: AsyncGenerator<T> }> {
  const head: T[] = [];
  let records = 0;
  while (records < count && head.length < count * 10) {
    const next = await source.next();
    if (next.done) break;
    head.push(next.value);
    if ((next.value as { kind: string }).kind === 'record') records++;
  }
  return { head, rest: source };
}

async function* prepend<T>(head: T[], rest?: AsyncGenerator<T>): AsyncGenerator<T> {
  yield* head;
  if (rest) yield* rest;
}

/** Worker threads for JSONL files of one conversation per line (OpenAssistant rows span lines). */
function parseThreads(options: IngestOptions, container: string, format: string, size: number): number {
  if (container !== 'jsonl' || format === 'oasst') return 0;
  if (options.threads !== undefined) return Math.max(0, Math.floor(options.threads));
  return size >= PARALLEL_MIN_BYTES ? Math.max(1, Math.min(2, availableParallelism() - 1)) : 0;
}

/** Progress in KB for text files (raw bytes read) or rows for Parquet and CSV. */
function createFileProgress(label: string, enabled: boolean): Progress & { setTotal(total: number, unit?: 'bytes' | 'rows'): void } {
  let display: Progress | undefined;
  let unit: 'bytes' | 'rows' = 'bytes';
  let bytes = 0;
  let shownKb = 0;
  return {
    setTotal(total: number, newUnit: 'bytes' | 'rows' = 'bytes') {
      unit = newUnit;
      if (!enabled) return;
      display = startProgress({ label, total: unit === 'bytes' ? Math.ceil(total / 1024) : total, unit: unit === 'bytes' ? 'KB' : 'rows' });
    },
    tick(delta = 1) {
      if (!display) return;
      if (unit === 'rows') return display.tick(delta);
      bytes += delta;
      const kb = Math.floor(bytes / 1024);
      if (kb > shownKb) {
        display.tick(kb - shownKb);
        shownKb = kb;
      }
    },
    stop() {
      display?.stop();
    },
  };
}

function fieldsOf(samples: unknown[]): string {
  const first = samples[0];
  if (first === null || typeof first !== 'object') return `a ${typeof first}`;
  return Object.keys(first).slice(0, 12).join(', ') || 'none';
}

function oneLine(error: unknown): string {
  const parts: string[] = [];
  for (let current: unknown = error; current && parts.length < 3; current = current instanceof Error ? current.cause : undefined) {
    parts.push((current instanceof Error ? current.message : String(current)).split('\n', 1)[0]);
  }
  return parts.join(': ');
}

function sum(summaries: FileSummary[], pick: (s: FileSummary) => number): number {
  return summaries.reduce((total, s) => total + pick(s), 0);
}
