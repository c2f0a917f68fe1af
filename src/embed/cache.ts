// Embedding cache in the workspace's `embeddings` table, keyed by (embedder id, SHA-256 of the text),
// vectors stored as raw little-endian float32 bytes. Each batch is written as soon as it is embedded,
// so a killed run loses at most the batch in flight and the rerun embeds only what is missing.
import { DuckDBBlobValue, listValue } from '@duckdb/node-api';
import type { Workspace } from '../store/workspace.ts';
import { sha256 } from '../util/hash.ts';
import { startProgress } from '../util/progress.ts';
import type { Embedder } from './types.ts';

/** Texts per embed call and per write: about 3-5 s of USE-lite work on two cores. */
export const EMBED_CACHE_BATCH_SIZE = 512;
/** Hashes per bulk lookup query. */
const LOOKUP_CHUNK = 10_000;

export interface EmbedWithCacheOptions {
  batchSize?: number;
  /** Called after each batch is stored: distinct texts embedded so far, and how many were missing. */
  onProgress?: (done: number, total: number) => void;
  /** Progress bar label. */
  label?: string;
}

/**
 * One vector per text (equal texts share one Float32Array). Cached vectors are looked up in bulk;
 * only distinct missing texts go to the embedder.
 */
export async function embedWithCache(
  ws: Workspace,
  embedder: Embedder,
  texts: string[],
  options: EmbedWithCacheOptions = {},
): Promise<Float32Array[]> {
  const batchSize = options.batchSize ?? EMBED_CACHE_BATCH_SIZE;
  const hashes = texts.map((text) => sha256(text));
  const vectorByHash = await lookupCached(ws, embedder, [...new Set(hashes)]);

  const missing = new Map<string, string>();
  hashes.forEach((hash, i) => {
    if (!vectorByHash.has(hash)) missing.set(hash, texts[i]);
  });
  if (missing.size > 0) {
    const missingHashes = [...missing.keys()];
    const progress = startProgress({ label: options.label ?? 'embed', total: missingHashes.length, unit: 'texts' });
    const appender = await ws.db.createAppender('embeddings');
    try {
      for (let start = 0; start < missingHashes.length; start += batchSize) {
        const batchHashes = missingHashes.slice(start, start + batchSize);
        const vectors = await embedder.embed(batchHashes.map((hash) => missing.get(hash)!));
        batchHashes.forEach((hash, i) => {
          const vector = checkDimensions(vectors[i], embedder);
          appender.appendVarchar(embedder.id);
          appender.appendVarchar(hash);
          appender.appendInteger(vector.length);
          appender.appendBlob(new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength));
          appender.endRow();
          vectorByHash.set(hash, vector);
        });
        appender.flushSync();
        progress.tick(batchHashes.length);
        options.onProgress?.(Math.min(start + batchSize, missingHashes.length), missingHashes.length);
      }
    } catch (error) {
      throw new Error(`embedding with ${embedder.id} failed; vectors stored so far are kept`, { cause: error });
    } finally {
      appender.closeSync();
      progress.stop();
    }
  }
  return hashes.map((hash) => vectorByHash.get(hash)!);
}

async function lookupCached(ws: Workspace, embedder: Embedder, hashes: string[]): Promise<Map<string, Float32Array>> {
  const found = new Map<string, Float32Array>();
  for (let start = 0; start < hashes.length; start += LOOKUP_CHUNK) {
    const reader = await ws.db.runAndReadAll(
      'SELECT text_hash, vector FROM embeddings WHERE model = $1 AND text_hash IN (SELECT unnest($2::VARCHAR[]))',
      [embedder.id, listValue(hashes.slice(start, start + LOOKUP_CHUNK))],
    );
    for (const [hash, blob] of reader.getRows()) {
      const bytes = (blob as DuckDBBlobValue).bytes;
      // Copy (new Uint8Array, not Buffer#slice, which is a view): the bytes need not be 4-byte aligned.
      const vector = new Float32Array(new Uint8Array(bytes).buffer);
      found.set(String(hash), checkDimensions(vector, embedder));
    }
  }
  return found;
}

function checkDimensions(vector: Float32Array | undefined, embedder: Embedder): Float32Array {
  if (!vector || vector.length !== embedder.dimensions) {
    throw new Error(
      `a ${embedder.id} vector has ${vector?.length ?? 'no'} dimensions where ${embedder.dimensions} were expected`,
    );
  }
  return vector;
}
