import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadMemberships, writeBaseClusters, writeParentLevel, type Documents } from '../../src/pipeline/tables.ts';
import { openWorkspace } from '../../src/store/workspace.ts';

const root = mkdtempSync(join(tmpdir(), 'clio-tables-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('loadMemberships follows the stored parent links from every conversation up to the top level', async () => {
  const ws = await openWorkspace({ dir: join(root, 'ws') });
  try {
    const docs: Documents = { ids: ['a', 'b', 'c', 'd', 'e', 'f'], users: ['u1', 'u2', 'u3', 'u1', 'u2', 'u3'], texts: ['', '', '', '', '', ''] };
    const base = Int32Array.from([0, 1, 2, 3, 4, 0]);
    const runId = 'run1';
    const label = { name: 'n', description: '', terms: [] };
    await writeBaseClusters(ws, runId, docs, base, 5);
    const middleOf = Int32Array.from([1, 0, 2, 1, 2]); // base cluster -> level 1
    const middle = Int32Array.from(base, (c) => middleOf[c]);
    await writeParentLevel(ws, runId, 1, middleOf, 3, [label, label, label], docs, middle);
    const topOf = Int32Array.from([1, 0, 1]); // level 1 -> level 2
    const top = Int32Array.from(middle, (c) => topOf[c]);
    await writeParentLevel(ws, runId, 2, topOf, 2, [label, label], docs, top);

    assert.deepEqual(await loadMemberships(ws, runId, base), [base, middle, top]);
    assert.deepEqual(await loadMemberships(ws, 'another run', base), [base], 'a run without parent levels has the base level only');
  } finally {
    ws.close();
  }
});
