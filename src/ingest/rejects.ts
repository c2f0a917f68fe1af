// Reject bookkeeping: counts grouped by field and reason, and the first examples of each file written
// to <workspace>/rejects/<file name>.jsonl (location and reason only: no record content, so that no
// raw user key or message text ends up there).
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { SourceLocation } from '../types.ts';
import type { Reject } from './types.ts';

export const REJECT_EXAMPLES = 100;

export interface RejectLog {
  add(reject: Reject): void;
  /** Conversations that were read but not loaded (empty, no user turn): examples only, not counted as rejects. */
  note(location: SourceLocation, reason: string): void;
  readonly counts: Record<string, number>;
  readonly total: number;
  /** Writes the examples (or removes a stale file when there are none); returns the path written, if any. */
  write(workspaceDir: string, file: string, taken: Set<string>): string | undefined;
}

export function createRejectLog(): RejectLog {
  const counts: Record<string, number> = {};
  const examples: object[] = [];
  let total = 0;
  return {
    add(reject) {
      total++;
      const key = groupKey(reject);
      counts[key] = (counts[key] ?? 0) + 1;
      if (examples.length < REJECT_EXAMPLES) examples.push({ ...reject.location, reason: reject.reason, detail: reject.detail });
    },
    note(location, reason) {
      if (examples.length < REJECT_EXAMPLES) examples.push({ ...location, reason });
    },
    get counts() {
      return counts;
    },
    get total() {
      return total;
    },
    write(workspaceDir, file, taken) {
      const dir = join(workspaceDir, 'rejects');
      const stem = basename(file).replace(/(\.gz)?$/, '').replace(/\.[^.]*$/, '') || basename(file);
      let name = `${stem}.jsonl`;
      for (let n = 2; taken.has(name); n++) name = `${stem}.${n}.jsonl`;
      taken.add(name);
      const path = join(dir, name);
      if (examples.length === 0) {
        if (existsSync(path)) rmSync(path);
        return undefined;
      }
      mkdirSync(dir, { recursive: true });
      writeFileSync(path, examples.map((e) => JSON.stringify(e)).join('\n') + '\n');
      return path;
    },
  };
}

/** `messages.*.content: Invalid input: expected string` — array indices starred so that counts group. */
export function groupKey(reject: Reject): string {
  const field = reject.location.field?.replace(/(^|\.)\d+(?=\.|$)/g, '$1*');
  return field ? `${field}: ${reject.reason}` : reject.reason;
}

export function describeLocation(location: SourceLocation): string {
  const where = location.line !== undefined ? `${location.file}:${location.line}` : `${location.file} row ${location.row ?? '?'}`;
  return location.field ? `${where} (field ${location.field})` : where;
}
