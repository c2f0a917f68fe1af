// The one progress display every long stage uses: a bar with count, rate and ETA on a terminal,
// and a line every few seconds when stderr is not a terminal (CI, logs). Silenced by CLIO_QUIET=1.
import cliProgress from 'cli-progress';

export interface Progress {
  tick(delta?: number): void;
  setTotal(total: number): void;
  stop(): void;
}

export interface ProgressOptions {
  label: string;
  total?: number;
  unit?: string;
}

export function startProgress(options: ProgressOptions): Progress {
  const unit = options.unit ?? 'items';
  if (process.env.CLIO_QUIET === '1') return { tick() {}, setTotal() {}, stop() {} };
  if (!process.stderr.isTTY) return lineProgress(options.label, options.total ?? 0, unit);
  const bar = new cliProgress.SingleBar(
    {
      format: `${options.label.padEnd(12)} [{bar}] {value}/{total} ${unit} | {rate}/s | ETA {eta_formatted}`,
      stream: process.stderr,
      hideCursor: true,
      etaBuffer: 50,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  let value = 0;
  bar.start(options.total ?? 0, 0, { rate: '0' });
  return {
    tick(delta = 1) {
      value += delta;
      bar.update(value, { rate: rate(value, started) });
    },
    setTotal(total) {
      bar.setTotal(total);
    },
    stop() {
      bar.stop();
    },
  };
}

function lineProgress(label: string, initialTotal: number, unit: string): Progress {
  const started = Date.now();
  let total = initialTotal;
  let value = 0;
  let lastPrint = started;
  let printedValue = -1;
  const print = () => {
    const of = total > 0 ? `/${total}` : '';
    process.stderr.write(`${label}: ${value}${of} ${unit} (${rate(value, started)}/s)\n`);
    printedValue = value;
  };
  return {
    tick(delta = 1) {
      value += delta;
      const now = Date.now();
      if (now - lastPrint > 5000) {
        lastPrint = now;
        print();
      }
    },
    setTotal(t) {
      total = t;
    },
    stop() {
      if (printedValue !== value) print();
    },
  };
}

function rate(value: number, started: number): string {
  const seconds = Math.max((Date.now() - started) / 1000, 1e-3);
  const r = value / seconds;
  return r >= 100 ? r.toFixed(0) : r.toFixed(1);
}

/** Runs `work` with a progress display fed by its `(done, total)` callback, closed however `work` ends. */
export async function withProgress<T>(options: ProgressOptions, work: (onProgress: (done: number, total: number) => void) => Promise<T>): Promise<T> {
  const progress = progressCallback(options);
  try {
    return await work(progress.onProgress);
  } finally {
    progress.stop();
  }
}

/** A progress display driven by a stage's own `(done, total)` callback. */
function progressCallback(options: ProgressOptions): { onProgress: (done: number, total: number) => void; stop: () => void } {
  const progress = startProgress(options);
  let last = 0;
  return {
    onProgress(done, total) {
      progress.setTotal(total);
      progress.tick(done - last);
      last = done;
    },
    stop: () => progress.stop(),
  };
}
