import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { test } from 'node:test';
import { DEFAULT_THREAD_LIMIT, defaultThreadCount } from '../../src/util/threads.ts';

function withThreadsVariable<T>(value: string | undefined, run: () => T): T {
  const saved = process.env.CLIO_THREADS;
  if (value === undefined) delete process.env.CLIO_THREADS;
  else process.env.CLIO_THREADS = value;
  try {
    return run();
  } finally {
    if (saved === undefined) delete process.env.CLIO_THREADS;
    else process.env.CLIO_THREADS = saved;
  }
}

test('the default thread count is the core count up to the limit, or CLIO_THREADS when set', () => {
  assert.equal(withThreadsVariable(undefined, defaultThreadCount), Math.min(DEFAULT_THREAD_LIMIT, availableParallelism()));
  assert.equal(withThreadsVariable('', defaultThreadCount), Math.min(DEFAULT_THREAD_LIMIT, availableParallelism()));
  assert.equal(withThreadsVariable('3', defaultThreadCount), 3);
  assert.equal(withThreadsVariable('24', defaultThreadCount), 24);
  for (const bad of ['0', '-2', '1.5', 'many', '1000']) {
    assert.throws(() => withThreadsVariable(bad, defaultThreadCount), new RegExp(`CLIO_THREADS must be a whole number from 1 to 256, got "${bad}"`));
  }
});
