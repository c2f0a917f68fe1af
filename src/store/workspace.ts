// A workspace is a folder holding one DuckDB file plus a secret salt and run outputs:
//   clio.duckdb   all tables (see migrations.ts); open it with the duckdb CLI if you like
//   secret.key    per-workspace salt for hashing user keys (mode 0600; never leaves the folder)
//   rejects/      the first bad records of each ingested file, with location and reason
//   reports/      HTML, Markdown and JSON reports
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DuckDBConnection, DuckDBInstance, type DuckDBValue } from '@duckdb/node-api';
import { userHasher } from '../util/hash.ts';
import { MIGRATIONS } from './migrations.ts';

export const DEFAULT_WORKSPACE = 'clio-workspace';
const DB_FILE = 'clio.duckdb';
const SALT_FILE = 'secret.key';
const DUCKDB_MEMORY_LIMIT = '256MB';

/** DuckDB's memory limit for the workspace: CLIO_DUCKDB_MEMORY, else 256MB (see openWorkspace). */
export function configuredMemoryLimit(): string {
  return process.env.CLIO_DUCKDB_MEMORY ?? DUCKDB_MEMORY_LIMIT;
}

export interface Workspace {
  dir: string;
  dbPath: string;
  db: DuckDBConnection;
  /** HMAC of a raw user key with this workspace's secret salt. */
  hashUser(rawKey: string): string;
  /** Rows as plain objects (BigInt counts converted to numbers). */
  all<T = Record<string, unknown>>(sql: string, params?: DuckDBValue[]): Promise<T[]>;
  run(sql: string, params?: DuckDBValue[]): Promise<void>;
  close(): void;
}

export interface OpenWorkspaceOptions {
  dir?: string;
  /** Fail instead of creating a new workspace when none exists. */
  mustExist?: boolean;
  readOnly?: boolean;
}

export async function openWorkspace(options: OpenWorkspaceOptions = {}): Promise<Workspace> {
  const dir = resolve(options.dir ?? DEFAULT_WORKSPACE);
  const dbPath = join(dir, DB_FILE);
  if (!existsSync(dbPath)) {
    if (options.mustExist || options.readOnly) {
      throw new Error(`no workspace at ${dir} (expected ${DB_FILE}); run \`clio ingest FILE --workspace ${dir}\` first`);
    }
    mkdirSync(dir, { recursive: true });
  }
  const salt = loadOrCreateSalt(dir);
  let instance: DuckDBInstance;
  try {
    // DuckDB's default memory_limit is 80% of RAM, and its buffer cache grows to it on big loads; a fixed
    // limit keeps peak memory flat (larger work spills to clio.duckdb.tmp). CLIO_DUCKDB_MEMORY overrides it.
    // Ingest bench, peak RSS for 200k vs 100k conversations: 1GB 899 vs 532 MB, 512MB 896 vs 571 MB,
    // 256MB 628 vs 550 MB at the same throughput.
    const settings = { memory_limit: configuredMemoryLimit(), ...(options.readOnly ? { access_mode: 'READ_ONLY' } : {}) };
    instance = await DuckDBInstance.create(dbPath, settings);
  } catch (error) {
    throw new Error(`cannot open workspace database ${dbPath} (is another clio process using it?)`, { cause: error });
  }
  const db = await instance.connect();
  if (!options.readOnly) await migrate(db);

  const all = async <T,>(sql: string, params?: DuckDBValue[]): Promise<T[]> => {
    const reader = await db.runAndReadAll(sql, params);
    return reader.getRowObjectsJS().map(normaliseRow) as T[];
  };
  return {
    dir,
    dbPath,
    db,
    hashUser: userHasher(salt),
    all,
    run: async (sql, params) => {
      await db.run(sql, params);
    },
    close: () => {
      db.closeSync();
      instance.closeSync();
    },
  };
}

async function migrate(db: DuckDBConnection): Promise<void> {
  await db.run('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)');
  const reader = await db.runAndReadAll('SELECT coalesce(max(version), 0) AS v FROM schema_version');
  const current = Number(reader.getRowObjectsJS()[0].v);
  for (const migration of MIGRATIONS) {
    if (migration.version <= current) continue;
    await db.run('BEGIN TRANSACTION');
    try {
      await db.run(migration.sql);
      await db.run('INSERT INTO schema_version (version) VALUES ($1)', [migration.version]);
      await db.run('COMMIT');
    } catch (error) {
      await db.run('ROLLBACK');
      throw new Error(`workspace migration ${migration.version} (${migration.description}) failed`, { cause: error });
    }
  }
}

export function loadOrCreateSalt(dir: string): Buffer {
  const path = join(dir, SALT_FILE);
  if (existsSync(path)) return Buffer.from(readFileSync(path, 'utf8').trim(), 'hex');
  const salt = randomBytes(32);
  writeFileSync(path, salt.toString('hex') + '\n', { mode: 0o600 });
  return salt;
}

function normaliseRow(row: Record<string, unknown>): Record<string, unknown> {
  for (const key of Object.keys(row)) {
    const value = row[key];
    if (typeof value === 'bigint') row[key] = Number(value);
  }
  return row;
}

export function workspacePath(ws: Workspace, ...parts: string[]): string {
  const path = join(ws.dir, ...parts);
  mkdirSync(join(path, '..'), { recursive: true });
  return path;
}
