import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RETRY,
  describeError,
  isRetryable,
  withRetry,
  type RetryPolicy,
} from '../../src/executors/retry.js';
import { OperationError } from '../../src/util/errors.js';

function kubeStatus(code: number, reason: string, message: string): ApiException<string> {
  const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason, code });
  return new ApiException(code, 'Unknown API Status Code!', body, {});
}

function systemError(code: string, message = `connect ${code} 127.0.0.1:16443`): Error {
  return Object.assign(new Error(message), { code });
}

/** A fake clock that only moves when the retry loop sleeps, so no test depends on timing. */
function fakeTime() {
  let t = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => t,
    sleep: (ms: number) => {
      sleeps.push(ms);
      t += ms;
      return Promise.resolve();
    },
  };
}

function failing(errors: unknown[], result = 'ok') {
  let calls = 0;
  const op = () => {
    const err = errors[calls++];
    return err === undefined ? Promise.resolve(result) : Promise.reject(err);
  };
  return { op, calls: () => calls };
}

const POLICY: RetryPolicy = { attempts: 4, baseDelayMs: 100, maxDelayMs: 300 };

describe('isRetryable', () => {
  it.each([409, 429, 500, 502, 503, 504])('retries HTTP %i from client-node', (code) => {
    expect(isRetryable(new ApiException(code, 'x', undefined, {}))).toBe(true);
  });

  it.each([400, 401, 403, 404, 410, 422])('does not retry HTTP %i', (code) => {
    expect(isRetryable(kubeStatus(code, 'BadRequest', 'nope'))).toBe(false);
  });

  it('retries a 409 Conflict from optimistic concurrency', () => {
    const err = kubeStatus(
      409,
      'Conflict',
      'Operation cannot be fulfilled on configmaps "x": the object has been modified; please apply your changes to the latest version and try again',
    );
    expect(isRetryable(err)).toBe(true);
  });

  it('does not retry a 409 AlreadyExists from a create', () => {
    expect(isRetryable(kubeStatus(409, 'AlreadyExists', 'configmaps "x" already exists'))).toBe(false);
  });

  it('does not retry a server-side apply field-manager conflict, which only force resolves', () => {
    const err = kubeStatus(409, 'Conflict', 'Apply failed with 1 conflict: conflict with "kubectl": .data.a');
    expect(isRetryable(err)).toBe(false);
  });

  it('reads statusCode, status and response.status', () => {
    expect(isRetryable({ statusCode: 503 })).toBe(true);
    expect(isRetryable({ status: 502, response: { data: { message: 'Bad gateway' } } })).toBe(true);
    expect(isRetryable({ response: { status: 429 } })).toBe(true);
    expect(isRetryable({ status: 404 })).toBe(false);
  });

  it.each(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN'])(
    'retries network error %s',
    (code) => {
      expect(isRetryable(systemError(code))).toBe(true);
    },
  );

  it('retries fetch failures caused by a network error, and socket hang ups', () => {
    expect(
      isRetryable(new TypeError('fetch failed', { cause: systemError('ECONNRESET', 'read ECONNRESET') })),
    ).toBe(true);
    expect(isRetryable(new Error('socket hang up'))).toBe(true);
    expect(isRetryable(new TypeError('fetch failed', { cause: new Error('unknown scheme') }))).toBe(false);
  });

  it('retries a per-request timeout abort', () => {
    expect(isRetryable(new DOMException('This operation was aborted', 'AbortError'))).toBe(true);
    expect(isRetryable(new DOMException('The operation timed out', 'TimeoutError'))).toBe(true);
  });

  it('does not retry anything else', () => {
    expect(isRetryable(new Error('boom'))).toBe(false);
    expect(isRetryable(systemError('ENOENT'))).toBe(false);
    expect(isRetryable(undefined)).toBe(false);
    expect(isRetryable('ECONNRESET')).toBe(false);
  });
});

describe('describeError', () => {
  it('names the status, the reason and the Status message, not client-node header dump', () => {
    expect(describeError(kubeStatus(500, 'InternalError', 'etcdserver: request timed out'))).toBe(
      'HTTP 500 InternalError: etcdserver: request timed out',
    );
    expect(describeError(new ApiException(401, 'Unauthorized', undefined, {}))).toBe('HTTP 401');
  });

  it('tells an octokit request that got no answer from an HTTP 500, and says each message once', () => {
    const refused = systemError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1');
    const octokitError = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
      name: 'HttpError',
      status: 500,
      request: { method: 'POST', url: 'http://127.0.0.1:1/repos/a/b/deployments', headers: {} },
      cause: new TypeError('fetch failed', { cause: refused }),
    });
    expect(isRetryable(octokitError)).toBe(true);
    expect(describeError(octokitError)).toBe('connect ECONNREFUSED 127.0.0.1:1: fetch failed');
    const badCert = Object.assign(new Error('self-signed certificate'), {
      name: 'HttpError',
      status: 500,
      request: {},
      cause: new TypeError('fetch failed', {
        cause: systemError('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'),
      }),
    });
    expect(isRetryable(badCert)).toBe(false);
    const aborted = Object.assign(new DOMException('This operation was aborted', 'AbortError'), {
      status: 500,
    });
    expect(isRetryable(aborted)).toBe(true);
    expect(describeError(aborted)).toBe('This operation was aborted');
  });

  it('follows the cause chain of network errors', () => {
    expect(
      describeError(new TypeError('fetch failed', { cause: systemError('ECONNRESET', 'read ECONNRESET') })),
    ).toBe('fetch failed: read ECONNRESET');
    expect(describeError(systemError('EPIPE', 'write failed'))).toBe('write failed (EPIPE)');
  });
});

describe('withRetry', () => {
  it('returns at once when the first attempt succeeds', async () => {
    const time = fakeTime();
    const { op, calls } = failing([]);
    await expect(withRetry('reading x', op, { policy: POLICY, ...time })).resolves.toBe('ok');
    expect(calls()).toBe(1);
    expect(time.sleeps).toEqual([]);
  });

  it('retries retryable errors until success, with exponential full-jitter backoff', async () => {
    const time = fakeTime();
    const retries: [number, number][] = [];
    const { op, calls } = failing([kubeStatus(500, 'InternalError', 'a'), systemError('ECONNRESET')]);
    const result = await withRetry('reading x', op, {
      policy: POLICY,
      ...time,
      random: () => 0.5,
      onRetry: (attempt, _err, delayMs) => retries.push([attempt, delayMs]),
    });
    expect(result).toBe('ok');
    expect(calls()).toBe(3);
    expect(retries).toEqual([
      [1, 50],
      [2, 100],
    ]);
    expect(time.sleeps).toEqual([50, 100]);
  });

  it('caps each backoff at maxDelayMs', async () => {
    const time = fakeTime();
    const busy = Array.from({ length: 5 }, () => kubeStatus(503, 'ServiceUnavailable', 'busy'));
    const { op } = failing(busy);
    const policy = { attempts: 6, baseDelayMs: 100, maxDelayMs: 300 };
    await withRetry('reading x', op, { policy, ...time, random: () => 0.999999 });
    expect(time.sleeps).toEqual([99, 199, 299, 299, 299]);
  });

  it('gives up after exactly `attempts` attempts with an OperationError naming what, how often and the last error', async () => {
    const time = fakeTime();
    const last = kubeStatus(
      503,
      'ServiceUnavailable',
      'the server is currently unable to handle the request',
    );
    const { op, calls } = failing([
      kubeStatus(500, 'InternalError', 'first'),
      systemError('ECONNRESET'),
      last,
      last,
    ]);
    const err = await withRetry('applying ConfigMap flink-staging/x', op, {
      policy: POLICY,
      ...time,
      random: () => 1,
    }).catch((e: unknown) => e);
    expect(calls()).toBe(4);
    expect(err).toBeInstanceOf(OperationError);
    expect((err as OperationError).message).toBe(
      'applying ConfigMap flink-staging/x failed after 4 attempts in 600 ms (no attempts left); last error: HTTP 503 ServiceUnavailable: the server is currently unable to handle the request',
    );
    expect((err as OperationError).cause).toBe(last);
  });

  it('stops before a backoff would cross the deadline', async () => {
    const time = fakeTime();
    const reset = systemError('ECONNRESET', 'read ECONNRESET');
    const { op, calls } = failing(Array.from({ length: 10 }, () => reset));
    const policy = { attempts: 10, baseDelayMs: 1000, maxDelayMs: 1000, deadlineMs: 2500 };
    const err = await withRetry('watching pods', op, { policy, ...time, random: () => 0.9 }).catch(
      (e: unknown) => e,
    );
    // Sleeps of 900 ms after attempts 1 and 2 (1800 ms); a third would end at 2700 ms, past 2500 ms.
    expect(calls()).toBe(3);
    expect(time.sleeps).toEqual([900, 900]);
    expect((err as Error).message).toBe(
      'watching pods failed after 3 attempts in 1.8 s (the 2.5 s deadline would pass); last error: read ECONNRESET',
    );
    expect((err as Error).cause).toBe(reset);
  });

  it('rethrows a non-retryable error unchanged, at once', async () => {
    const time = fakeTime();
    const forbidden = kubeStatus(403, 'Forbidden', 'configmaps is forbidden');
    const { op, calls } = failing([kubeStatus(500, 'InternalError', 'a'), forbidden]);
    await expect(withRetry('reading x', op, { policy: POLICY, ...time })).rejects.toBe(forbidden);
    expect(calls()).toBe(2);
    expect(time.sleeps).toHaveLength(1);
  });

  it('does not retry a 409 AlreadyExists', async () => {
    const exists = kubeStatus(409, 'AlreadyExists', 'leases "x" already exists');
    const { op, calls } = failing([exists]);
    await expect(withRetry('creating Lease x', op, { policy: POLICY, ...fakeTime() })).rejects.toBe(exists);
    expect(calls()).toBe(1);
  });

  it('retries what a custom predicate accepts instead', async () => {
    const conflict = kubeStatus(409, 'Conflict', 'merge conflict');
    const { op, calls } = failing([conflict]);
    const retryable = (err: unknown) => isRetryable(err) && (err as { code?: number }).code !== 409;
    await expect(
      withRetry('creating a deployment', op, { policy: POLICY, retryable, ...fakeTime() }),
    ).rejects.toBe(conflict);
    expect(calls()).toBe(1);
  });

  it('has a default policy bounded in attempts and time', () => {
    expect(DEFAULT_RETRY).toEqual({ attempts: 6, baseDelayMs: 200, maxDelayMs: 5_000, deadlineMs: 60_000 });
  });
});
