// Retrying transient failures of outside systems (Kubernetes API servers, GitHub): which errors are
// worth another attempt, and a bounded retry loop with exponential backoff and full jitter.
import { OperationError } from '../util/errors.js';

export interface RetryPolicy {
  /** Total attempts, the first one included. */
  attempts: number;
  /** Backoff cap of the first retry; it doubles with each further retry. */
  baseDelayMs: number;
  /** Upper bound of any single backoff. */
  maxDelayMs: number;
  /** No attempt starts later than this after the first one; undefined means attempts alone bound the loop. */
  deadlineMs?: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 6,
  baseDelayMs: 200,
  maxDelayMs: 5_000,
  deadlineMs: 60_000,
};

export interface RetryOptions {
  policy?: RetryPolicy;
  /** Called before each backoff, with the number of the attempt that just failed (1-based). */
  onRetry?: (attempt: number, err: unknown, delayMs: number) => void;
  sleep?: (ms: number) => Promise<void>;
  /** Which errors to retry, for a system whose statuses mean otherwise (GitHub's 409 is permanent); default `isRetryable`. */
  retryable?: (err: unknown) => boolean;
  /** Clock and randomness, injectable so tests are deterministic. */
  now?: () => number;
  random?: () => number;
}

const RETRYABLE_STATUS = new Set([409, 429, 500, 502, 503, 504]);
const RETRYABLE_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
]);

/** The parts of a Kubernetes `Status` (or GitHub error) body that decide and explain a failure. */
export interface HttpFailure {
  status: number;
  reason?: string;
  message?: string;
}

/**
 * Whether another attempt can succeed.
 *
 * HTTP 409 needs the response body to decide, and this reads it (a Kubernetes `Status`):
 * - reason `AlreadyExists` (a create whose object exists) is permanent: not retryable;
 * - a server-side apply field-manager conflict ("Apply failed with N conflict(s)") is permanent too:
 *   only `force: true` resolves it, and Flinkship always applies with force;
 * - reason `Conflict` otherwise ("the object has been modified", optimistic concurrency) is retryable:
 *   the next attempt reads or sends the object afresh.
 * A 409 without a readable body counts as retryable.
 */
export function isRetryable(err: unknown): boolean {
  const failure = httpFailureOf(err);
  if (failure) {
    if (!RETRYABLE_STATUS.has(failure.status)) return false;
    if (failure.status === 409) return isRetryableConflict(failure);
    return true;
  }
  return isTransientNetworkError(err);
}

function isRetryableConflict(failure: HttpFailure): boolean {
  if (failure.reason === 'AlreadyExists') return false;
  if (failure.message && /^Apply failed with \d+ conflicts?/.test(failure.message)) return false;
  return true;
}

function isTransientNetworkError(err: unknown): boolean {
  // fetch wraps the socket error: TypeError('fetch failed', { cause }); node-fetch keeps `code` itself.
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const { name, code, message } = e as { name?: unknown; code?: unknown; message?: unknown };
    if (name === 'AbortError' || name === 'TimeoutError') return true;
    if (typeof code === 'string' && RETRYABLE_NETWORK_CODES.has(code)) return true;
    if (typeof message === 'string' && /socket hang up/i.test(message)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * The HTTP status of a failed request and, when the body says, its reason and message.
 * Reads client-node 1.x's `ApiException` (`code`, `body` as JSON text or object) and errors that carry
 * `statusCode`, `status` or `response.status` (octokit's `RequestError`, older clients).
 */
export function httpFailureOf(err: unknown): HttpFailure | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const e = err as {
    name?: unknown;
    code?: unknown;
    statusCode?: unknown;
    status?: unknown;
    body?: unknown;
    response?: { status?: unknown; data?: unknown };
  };
  // octokit reports a request that got no answer (refused, reset, bad certificate, aborted) as status
  // 500 without a response: that is a network failure, not an HTTP one.
  if (e.name === 'AbortError' || e.name === 'TimeoutError') return undefined;
  if (e.name === 'HttpError' && e.response === undefined && 'request' in e) return undefined;
  const status = [e.code, e.statusCode, e.status, e.response?.status].find(
    (s): s is number => typeof s === 'number' && s >= 100 && s <= 599,
  );
  if (status === undefined) return undefined;
  const body = parseBody(e.body ?? e.response?.data);
  const reason = typeof body?.reason === 'string' ? body.reason : undefined;
  const message = typeof body?.message === 'string' ? body.message : undefined;
  return { status, reason, message };
}

function parseBody(body: unknown): Record<string, unknown> | undefined {
  if (typeof body === 'string') {
    try {
      const parsed: unknown = JSON.parse(body);
      return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  }
  return body && typeof body === 'object' ? (body as Record<string, unknown>) : undefined;
}

/** One line saying what an error was: `HTTP 409 Conflict: <message>`, or the network error and its code. */
export function describeError(err: unknown): string {
  const failure = httpFailureOf(err);
  if (failure) {
    const head = `HTTP ${failure.status}${failure.reason ? ` ${failure.reason}` : ''}`;
    const fallback = err instanceof Error && !err.message.startsWith('HTTP-Code:') ? err.message : undefined;
    const message = failure.message ?? fallback;
    return message ? `${head}: ${message}` : head;
  }
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    if (e instanceof Error) {
      const code = (e as { code?: unknown }).code;
      const part =
        typeof code === 'string' && !e.message.includes(code) ? `${e.message} (${code})` : e.message;
      // Wrappers often repeat their cause's message (octokit does); say each thing once.
      if (!parts.some((p) => p.includes(part))) parts.push(part);
      e = e.cause;
    } else {
      parts.push(String(e));
      break;
    }
  }
  return parts.join(': ') || 'unknown error';
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `op` until it succeeds, retrying only errors `isRetryable` (or `options.retryable`) accepts, with exponential backoff and
 * full jitter, within `policy.attempts` and `policy.deadlineMs`. A non-retryable error is rethrown
 * unchanged at once. Giving up throws an `OperationError` naming `what`, the attempts and the last
 * error, with that error as `cause`.
 */
export async function withRetry<T>(
  what: string,
  op: () => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const policy = options.policy ?? DEFAULT_RETRY;
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const retryable = options.retryable ?? isRetryable;
  const attempts = Math.max(1, Math.floor(policy.attempts));
  const started = now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await op();
    } catch (err) {
      if (!retryable(err)) throw err;
      const elapsed = now() - started;
      if (attempt >= attempts) throw giveUp(what, attempt, elapsed, err, 'no attempts left');
      const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      const delayMs = Math.floor(random() * cap);
      if (policy.deadlineMs !== undefined && elapsed + delayMs >= policy.deadlineMs) {
        throw giveUp(what, attempt, elapsed, err, `the ${formatMs(policy.deadlineMs)} deadline would pass`);
      }
      options.onRetry?.(attempt, err, delayMs);
      await sleep(delayMs);
    }
  }
}

function giveUp(
  what: string,
  attempts: number,
  elapsedMs: number,
  err: unknown,
  why: string,
): OperationError {
  return new OperationError(
    `${what} failed after ${attempts} attempt${attempts === 1 ? '' : 's'} in ${formatMs(elapsedMs)} (${why}); last error: ${describeError(err)}`,
    { cause: err },
  );
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1).replace(/\.0$/, '')} s`;
}
