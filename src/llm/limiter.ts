// Concurrency limit plus client-side rate limits on requests, input tokens and output tokens per minute.
// Each rate is a GCRA ("virtual scheduling"): requests are spaced evenly instead of sent in bursts, so the
// client runs at the limit without tripping the provider's own limiter. Token costs are estimated before
// a call and corrected with the real usage after it.

export interface LimiterOptions {
  concurrency: number;
  requestsPerMinute?: number;
  inputTokensPerMinute?: number;
  outputTokensPerMinute?: number;
  now?: () => number;
}

export interface CallEstimate {
  inputTokens: number;
  outputTokens: number;
}

export interface Permit {
  /** Frees the concurrency slot and replaces the estimate with the real usage (null: nothing was used). */
  release(actual: CallEstimate | null): void;
}

export interface Limiter {
  acquire(estimate: CallEstimate): Promise<Permit>;
  /** Nobody starts before now + ms (after a 429: the provider says everyone should wait). */
  pause(ms: number): void;
}

interface Rate {
  /** Milliseconds of schedule one unit takes. */
  msPerUnit: number;
  /** How far ahead of its slot a call may start: one second's worth for tokens, none for requests. */
  toleranceMs: number;
  /** Theoretical arrival time of the next unit. */
  nextAt: number;
}

function rate(perMinute: number | undefined, toleranceMs: number): Rate | undefined {
  return perMinute ? { msPerUnit: 60_000 / perMinute, toleranceMs, nextAt: 0 } : undefined;
}

/** Requests: a grant up to half a slot late (timer and event-loop delays) keeps its slot, so the schedule
 * does not drift below the limit; after a longer idle the schedule restarts from now (no burst). Tokens
 * already have a second's tolerance. */
const catchUpMs = (r: Rate, t: number): number => (r.toleranceMs === 0 && t - r.nextAt <= r.msPerUnit / 2 ? t - r.nextAt : 0);

export function createLimiter(options: LimiterOptions): Limiter {
  const now = options.now ?? (() => performance.now());
  const requests = rate(options.requestsPerMinute, 0);
  const inputTokens = rate(options.inputTokensPerMinute, 1000);
  const outputTokens = rate(options.outputTokensPerMinute, 1000);
  const waiting: { estimate: CallEstimate; grant: (permit: Permit) => void }[] = [];
  let active = 0;
  let pausedUntil = 0;
  let timer: NodeJS.Timeout | undefined;

  const readyAt = (): number => {
    let at = pausedUntil;
    for (const r of [requests, inputTokens, outputTokens]) if (r) at = Math.max(at, r.nextAt - r.toleranceMs);
    return at;
  };
  const charge = (r: Rate | undefined, units: number, t: number): void => {
    if (r) r.nextAt = Math.max(r.nextAt, t - catchUpMs(r, t)) + units * r.msPerUnit;
  };

  const pump = (): void => {
    if (timer) return;
    while (waiting.length && active < options.concurrency) {
      const t = now();
      const at = readyAt();
      if (at > t) {
        timer = setTimeout(() => {
          timer = undefined;
          pump();
        }, Math.ceil(at - t));
        return;
      }
      const { estimate, grant } = waiting.shift()!;
      active++;
      charge(requests, 1, t);
      charge(inputTokens, estimate.inputTokens, t);
      charge(outputTokens, estimate.outputTokens, t);
      let released = false;
      grant({
        release(actual) {
          if (released) return;
          released = true;
          active--;
          const used = actual ?? { inputTokens: 0, outputTokens: 0 };
          if (inputTokens) inputTokens.nextAt += (used.inputTokens - estimate.inputTokens) * inputTokens.msPerUnit;
          if (outputTokens) outputTokens.nextAt += (used.outputTokens - estimate.outputTokens) * outputTokens.msPerUnit;
          pump();
        },
      });
    }
  };

  return {
    acquire(estimate) {
      return new Promise<Permit>((grant) => {
        waiting.push({ estimate, grant });
        pump();
      });
    },
    pause(ms) {
      pausedUntil = Math.max(pausedUntil, now() + ms);
      if (timer) {
        clearTimeout(timer);
        timer = undefined;
      }
      pump();
    },
  };
}
