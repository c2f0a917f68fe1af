// Containers: how records are laid out in a file (JSONL, a JSON array or a sequence of JSON values,
// Parquet, CSV). Each yields parsed records with their location, or located rejects; it knows nothing of
// what a record means. Parquet and CSV are read by an in-memory DuckDB and streamed chunk by chunk.
import { open } from 'node:fs/promises';
import { DuckDBInstance } from '@duckdb/node-api';
import type { SourceLocation } from '../types.ts';
import { createLineReader, openByteStream, prepend, splitJsonValues, type LineBlock, type Piece } from './bytes.ts';
import { parsePiece } from './chunks.ts';
import type { ContainerName, RawRecord, Reject } from './types.ts';

export interface ContainerInput {
  file: string;
  /** Name used in locations (what the user typed). */
  displayName: string;
  maxRecordBytes: number;
  /** Progress in raw bytes (text containers) or rows (Parquet, CSV). */
  onProgress: (delta: number) => void;
  onTotal: (total: number, unit: 'bytes' | 'rows') => void;
}

export interface OpenedContainer {
  container: ContainerName;
  records: AsyncGenerator<RawRecord | Reject>;
  /**
   * JSONL only: the lines beneath `records`, as blocks of undecoded lines. `records` reads lazily, so once
   * records have been taken from it, the remaining lines can be read from here instead (and parsed by
   * workers, see parallel.ts).
   */
  blocks?: () => AsyncGenerator<LineBlock>;
  /** SHA-256 of the file bytes; complete once `records` (or `blocks`) is exhausted. */
  digest(): Promise<string>;
}

export async function openContainer(input: ContainerInput, size: number): Promise<OpenedContainer> {
  const lower = input.file.toLowerCase().replace(/\.gz$/, '');
  if (lower.endsWith('.parquet') || (await startsWith(input.file, 'PAR1'))) {
    return { container: 'parquet', records: duckdbRows(input, 'parquet'), digest: () => hashFile(input.file) };
  }
  if (lower.endsWith('.csv') || lower.endsWith('.tsv')) {
    return { container: 'csv', records: duckdbRows(input, 'csv'), digest: () => hashFile(input.file) };
  }
  input.onTotal(size, 'bytes');
  const stream = await openByteStream(input.file, input.onProgress);
  const iterator = stream.chunks[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let headText = '';
  while (headText.trim() === '' || (!headText.includes('\n') && headText.length < 1 << 16)) {
    const next = await iterator.next();
    if (next.done) break;
    head.push(next.value);
    headText += next.value.toString('utf8', 0, Math.min(next.value.length, 1 << 16));
  }
  const chunks = prepend(head, iterator);
  const first = headText.trimStart()[0];
  const firstLine = headText.trimStart().split('\n', 1)[0];
  const pretty = first === '{' && lower.endsWith('.json') && headText.trimStart().includes('\n') && !parses(firstLine);
  const container: ContainerName = first === '[' || pretty ? 'json' : 'jsonl';
  const digest = async () => stream.digest();
  if (container === 'json') return { container, records: parsePieces(splitJsonValues(chunks, input.maxRecordBytes), input.displayName, container), digest };
  const lines = createLineReader(chunks, input.maxRecordBytes);
  return { container, records: parsePieces(lines.pieces, input.displayName, container), blocks: lines.blocks, digest };
}

export function unreadable(file: string, error: unknown): Error {
  return new Error(`${file}: cannot read past this point: ${(error as Error).message}`, { cause: error });
}

async function* parsePieces(
  pieces: AsyncGenerator<Piece & { index?: number }>,
  file: string,
  container: ContainerName,
): AsyncGenerator<RawRecord | Reject> {
  try {
    for await (const piece of pieces) yield parsePiece(piece, file, container);
  } catch (error) {
    throw unreadable(file, error);
  }
}

async function* duckdbRows(input: ContainerInput, container: 'parquet' | 'csv'): AsyncGenerator<RawRecord | Reject> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const path = `'${input.file.replaceAll("'", "''")}'`;
  const source =
    container === 'parquet'
      ? `read_parquet(${path})`
      : `read_csv(${path}, header = true, all_varchar = true, store_rejects = true, rejects_limit = 1000)`;
  try {
    const total = await connection.runAndReadAll(`SELECT count(*) AS n FROM ${source}`);
    input.onTotal(Number(total.getRowsJS()[0][0]), 'rows');
    const result = await connection.stream(`SELECT * FROM ${source}`);
    let row = 0;
    for await (const rows of result.yieldRowObjectJson()) {
      input.onProgress(rows.length);
      for (const value of rows) {
        row++;
        const location = container === 'csv' ? { file: input.displayName, row, line: row + 1 } : { file: input.displayName, row };
        yield { kind: 'record', value, location };
      }
    }
    if (container === 'csv') {
      // DuckDB's error_message can quote the row's values, so only the error type and column are reported.
      const rejected = await connection.runAndReadAll('SELECT line, column_name, error_type FROM reject_errors ORDER BY line');
      for (const [line, column, type] of rejected.getRowsJS()) {
        yield {
          kind: 'reject',
          location: { file: input.displayName, line: Number(line), field: column ? String(column) : undefined },
          reason: `CSV ${String(type).toLowerCase().replaceAll('_', ' ')}`,
        };
      }
    }
  } catch (error) {
    throw new Error(`${input.displayName}: DuckDB cannot read this ${container} file: ${firstLine(error)}`, { cause: error });
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

async function startsWith(file: string, magic: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const { bytesRead, buffer } = await handle.read(Buffer.alloc(magic.length), 0, magic.length, 0);
    return bytesRead === magic.length && buffer.toString('latin1') === magic;
  } finally {
    await handle.close();
  }
}

async function hashFile(file: string): Promise<string> {
  const stream = await openByteStream(file, () => {});
  for await (const _chunk of stream.chunks);
  return stream.digest();
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n', 1)[0];
}
