// The conversation ids already stored, and by which source, held in memory for the duplicate check.
// Ids are 32-digit hex content hashes (columns.ts), kept here as four 32-bit words plus the source id in
// typed arrays: about 30 bytes a conversation (30 MB a million). Asking the database instead meant joining
// every batch against the whole conversations table, so a load's lookups grew with the square of its size.
import type { Workspace } from '../store/workspace.ts';

export interface StoredIds {
  /**
   * Records the id as stored by `sourceId` unless it is there already. Returns the source that stored it
   * before, null when none did, undefined when only the database can tell (an id that is not a hex hash).
   */
  claim(id: string, sourceId: number): number | null | undefined;
}
const INITIAL_SLOTS = 1 << 16;

/** Every id stored in the workspace. Ids that are not hex hashes (none written by this version) stay "unknown". */
export async function loadStoredIds(ws: Workspace): Promise<StoredIds> {
  const ids = createStoredIds();
  const word = (at: number) => `TRY_CAST('0x' || substr(conversation_id, ${at}, 8) AS UINTEGER)`;
  const result = await ws.db.stream(
    `SELECT ${word(1)}, ${word(9)}, ${word(17)}, ${word(25)}, source_id FROM conversations
     WHERE length(conversation_id) = 32 AND lower(conversation_id) = conversation_id`,
  );
  for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
    const [a, b, c, d, source] = [0, 1, 2, 3, 4].map((column) => chunk.getColumnValues(column) as (number | null)[]);
    for (let row = 0; row < chunk.rowCount; row++) {
      if (a[row] !== null && b[row] !== null && c[row] !== null && d[row] !== null) ids.insert(a[row]!, b[row]!, c[row]!, d[row]!, source[row]!);
    }
  }
  return ids;
}

function createStoredIds(): StoredIds & { insert(a: number, b: number, c: number, d: number, source: number): void } {
  let slots = INITIAL_SLOTS;
  let words = new Uint32Array(slots * 4);
  let sources = new Int32Array(slots).fill(-1);
  let count = 0;
  // Open addressing with linear probing; the hash words are uniformly random, so the last one is the slot.
  const find = (a: number, b: number, c: number, d: number): number => {
    let slot = d & (slots - 1);
    while (sources[slot] !== -1 && (words[slot * 4] !== a || words[slot * 4 + 1] !== b || words[slot * 4 + 2] !== c || words[slot * 4 + 3] !== d)) {
      slot = (slot + 1) & (slots - 1);
    }
    return slot;
  };
  const insert = (a: number, b: number, c: number, d: number, source: number): void => {
    const slot = find(a, b, c, d);
    if (sources[slot] !== -1) return;
    [words[slot * 4], words[slot * 4 + 1], words[slot * 4 + 2], words[slot * 4 + 3]] = [a, b, c, d];
    sources[slot] = source;
    if (++count * 4 > slots * 3) grow();
  };
  const grow = (): void => {
    const [oldWords, oldSources] = [words, sources];
    slots *= 2;
    [words, sources, count] = [new Uint32Array(slots * 4), new Int32Array(slots).fill(-1), 0];
    for (let slot = 0; slot < oldSources.length; slot++) {
      if (oldSources[slot] !== -1) insert(oldWords[slot * 4], oldWords[slot * 4 + 1], oldWords[slot * 4 + 2], oldWords[slot * 4 + 3], oldSources[slot]);
    }
  };
  return {
    insert,
    claim(id, sourceId) {
      if (id.length !== 32) return undefined;
      const [a, b, c, d] = [hexWord(id, 0), hexWord(id, 8), hexWord(id, 16), hexWord(id, 24)];
      if (a < 0 || b < 0 || c < 0 || d < 0) return undefined;
      const slot = find(a, b, c, d);
      if (sources[slot] !== -1) return sources[slot];
      insert(a, b, c, d, sourceId);
      return null;
    },
  };
}

/** Eight lowercase hex digits from `at` as an unsigned 32-bit number, -1 when they are not that. */
function hexWord(id: string, at: number): number {
  let word = 0;
  for (let i = at; i < at + 8; i++) {
    const code = id.charCodeAt(i);
    const digit = code >= 48 && code <= 57 ? code - 48 : code >= 97 && code <= 102 ? code - 87 : -1;
    if (digit < 0) return -1;
    word = word * 16 + digit;
  }
  return word;
}
