import { createHash, createHmac } from 'node:crypto';

/** Hex SHA-256 of a string, truncated to `length` hex characters. */
export function sha256(text: string, length = 64): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/** Stable JSON (sorted keys) for hashing settings objects. */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
}

/** HMAC-SHA-256 of a raw user key with a workspace's secret salt, 32 hex characters. */
export function userHasher(salt: Buffer): (rawKey: string) => string {
  return (rawKey) => createHmac('sha256', salt).update(rawKey).digest('hex').slice(0, 32);
}
