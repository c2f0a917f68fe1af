// Which provider errors are worth another try, and how long to wait before it. SDK-internal retries are
// off so that this is the only retry layer (one policy, one set of counters, retry-after always honoured).
import { llmCallError, type LlmCallError, type LlmErrorKind } from './types.ts';

export interface ClassifiedError {
  kind: LlmErrorKind;
  retryable: boolean;
  /** From retry-after-ms / retry-after, when the server sent one. */
  retryAfterMs?: number;
  status?: number;
}

interface SdkLikeError {
  status?: number;
  headers?: Headers | Record<string, string>;
  name?: string;
}

/** Works for both SDKs' APIError shapes, their connection/timeout errors, aborts and plain network errors. */
export function classifyError(error: unknown): ClassifiedError {
  const sdkError = (error ?? {}) as SdkLikeError;
  const status = typeof sdkError.status === 'number' ? sdkError.status : undefined;
  const retryAfterMs = parseRetryAfter(sdkError.headers);
  if (status === undefined) {
    const name = sdkError.name ?? '';
    if (/timeout/i.test(name)) return { kind: 'timeout', retryable: true };
    // An SSE `error` event (overloaded mid-stream) arrives as an APIError without a status.
    if (name === 'APIError') return { kind: 'server-error', retryable: true, retryAfterMs };
    return { kind: 'connection', retryable: true };
  }
  if (status === 429) return { kind: 'rate-limited', retryable: true, retryAfterMs, status };
  if (status === 408) return { kind: 'timeout', retryable: true, retryAfterMs, status };
  if (status === 409 || status >= 500) return { kind: 'server-error', retryable: true, retryAfterMs, status };
  return { kind: 'refused', retryable: false, status };
}

export function parseRetryAfter(headers: Headers | Record<string, string> | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const get = (name: string): string | null | undefined =>
    typeof (headers as Headers).get === 'function' ? (headers as Headers).get(name) : (headers as Record<string, string>)[name];
  const ms = Number(get('retry-after-ms'));
  if (get('retry-after-ms') && Number.isFinite(ms) && ms >= 0) return ms;
  const value = get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

const BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 30_000;
/** A retry-after beyond this is treated as "give up" rather than waited out. */
const MAX_RETRY_AFTER_MS = 10 * 60_000;

/** Exponential backoff with jitter (between half and all of the capped exponential). */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** attempt);
  return ceiling / 2 + random() * (ceiling / 2);
}

export interface RetryOptions {
  maxRetries: number;
  /** What failed, for error messages: e.g. "facets". Never conversation text. */
  label: string;
  /** Before each retry; the limiter uses it to pause everyone after a 429. */
  onRetry?: (failure: ClassifiedError, waitMs: number) => void;
  sleep?: (ms: number) => Promise<void>;
}

export async function withRetries<T>(attempt: () => Promise<T>, options: RetryOptions): Promise<T> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolveSleep) => setTimeout(resolveSleep, ms)));
  for (let tryIndex = 0; ; tryIndex++) {
    try {
      return await attempt();
    } catch (error) {
      const failure = classifyError(error);
      const exhausted = !failure.retryable || tryIndex >= options.maxRetries || (failure.retryAfterMs ?? 0) > MAX_RETRY_AFTER_MS;
      if (exhausted) throw callErrorFor(failure, options.label, tryIndex + 1, error);
      const waitMs = failure.retryAfterMs ?? backoffMs(tryIndex);
      options.onRetry?.(failure, waitMs);
      await sleep(waitMs);
    }
  }
}

/**
 * Runs `call` with a signal that aborts after `timeoutMs` (the SDKs' own timeout stops at the response
 * headers, so a stream that stalls half way would hang without this); a timeout throws an error that
 * classifyError reads as 'timeout'.
 */
export async function withTimeout<T>(timeoutMs: number, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    return await call(controller.signal);
  } catch (error) {
    if (controller.signal.aborted) throw Object.assign(new Error(`no answer within ${timeoutMs} ms`, { cause: error }), { name: 'LlmTimeoutError' });
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

function callErrorFor(failure: ClassifiedError, label: string, attempts: number, cause: unknown): LlmCallError {
  const status = failure.status ? ` (HTTP ${failure.status})` : '';
  const what: Record<LlmErrorKind, string> = {
    'rate-limited': 'rate limited',
    'server-error': 'server error',
    timeout: 'timed out',
    connection: 'connection failed',
    refused: 'request refused',
    'invalid-output': 'invalid output',
    config: 'configuration error',
  };
  const tries = failure.retryable ? ` after ${attempts} attempts` : '';
  // The cause is kept for debugging, but SDK error messages can quote the request; callers that log should
  // log `message` only.
  return llmCallError(failure.kind, `${label}: ${what[failure.kind]}${status}${tries}`, cause);
}
