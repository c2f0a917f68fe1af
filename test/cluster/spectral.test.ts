// The spectral embedding of a graph whose groups are disconnected: the top eigenvectors of the
// normalised affinity are the groups' indicator vectors, so rows of one group coincide and rows of
// different groups are orthogonal.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { embedGraph, normaliseGraph } from '../../src/cluster/spectral.ts';

test('embedGraph puts the members of each connected group on one direction, orthogonal to the others', () => {
  const sizes = [40, 25, 60];
  const rows: Map<number, number>[] = [];
  const group: number[] = [];
  sizes.forEach((size, g) => {
    const first = rows.length;
    for (let i = 0; i < size; i++) {
      const row = new Map<number, number>();
      // a ring with chords: connected, not complete, with uneven degrees
      for (const step of [1, 2, 7]) {
        row.set(first + ((i + step) % size), 1);
        row.set(first + ((i - step + size) % size), 1);
      }
      if (i % 3 === 0) row.set(first + ((i + size / 2) % size | 0), 1);
      rows.push(row);
      group.push(g);
    }
  });
  for (let i = 0; i < rows.length; i++) for (const j of rows[i].keys()) rows[j].set(i, 1); // symmetric
  const { data, dim } = embedGraph(normaliseGraph(rows), { dimensions: 3, seed: 4 });
  assert.equal(dim, 3);
  const similarity = (a: number, b: number) => [0, 1, 2].reduce((sum, c) => sum + data[a * dim + c] * data[b * dim + c], 0);
  for (let i = 0; i < rows.length; i += 3) {
    for (let j = 0; j < rows.length; j += 5) {
      const expected = group[i] === group[j] ? 1 : 0;
      assert.ok(Math.abs(similarity(i, j) - expected) < 1e-4, `rows ${i} and ${j}: ${similarity(i, j)}`);
    }
  }
});
