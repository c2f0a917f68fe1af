// Starting worker threads from a module that may run as TypeScript source (under tsx) or compiled.
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** `name`.ts next to `base` (an import.meta.url) when running from source, `name`.js when compiled. */
export function workerScript(base: string, name: string): URL {
  return new URL(base.endsWith('.ts') ? `./${name}.ts` : `./${name}.js`, base);
}

/**
 * Node 20 does not apply `--import tsx` to worker threads, so a source (.ts) worker is started through a
 * small ES-module bootstrap that registers tsx first. `options.workerData` reaches the worker unchanged.
 */
export function startWorker(script: URL, options: WorkerOptions = {}): Worker {
  if (!script.pathname.endsWith('.ts')) return new Worker(script, options);
  const tsxApi = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const bootstrap = `const { register } = await import(${tsxApi}); register(); await import(${JSON.stringify(script.href)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`), options);
}
