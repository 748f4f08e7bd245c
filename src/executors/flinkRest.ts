// Flink's REST API (the JobManager's, port `rest`): job states, exceptions, stop-with-savepoint.
// Reached either through the API server's service proxy (no port-forward, no NodePort) or at a URL.
import { OperationError } from '../util/errors.js';
import type { Kube } from './kube.js';
import { describeError } from './retry.js';

export interface RestResponse {
  status: number;
  body: string;
}

export interface RestTransport {
  /** Where requests go, for messages: a URL, never a credential. */
  readonly url: string;
  request(method: string, path: string, body?: unknown): Promise<RestResponse>;
}

/** A failed REST call; `status` lets executors/retry tell transient failures from permanent ones. */
export class RestError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'RestError';
  }
}

export function directTransport(baseUrl: string, timeoutMs = 10_000): RestTransport {
  const base = baseUrl.replace(/\/$/, '');
  return {
    url: base,
    async request(method, path, body) {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(timeoutMs),
      });
      return { status: res.status, body: await res.text() };
    },
  };
}

export function serviceProxyTransport(kube: Kube, namespace: string, service: string): RestTransport {
  return {
    url: `${kube.server.replace(/\/$/, '')}/api/v1/namespaces/${namespace}/services/${service}:rest/proxy`,
    request: (method, path, body) => kube.serviceProxy(namespace, service, 'rest', path, { method, body }),
  };
}

export interface JobOverview {
  jid: string;
  name: string;
  state: string;
  'start-time': number;
  /** How many of the job's tasks are in each state (running, scheduled, deploying, finished, ...). */
  tasks?: { total: number; running: number; finished?: number } & Record<string, number>;
}

export interface SavepointStatus {
  done: boolean;
  location?: string;
  failure?: string;
  /** Flink refused for now, the job running on: a task was not running yet (just started or restarting). */
  tasksNotRunning?: boolean;
}

const TASKS_NOT_RUNNING = /Not all required tasks are currently running|is not being executed at the moment/;

export class FlinkRest {
  constructor(readonly transport: RestTransport) {}

  private async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.transport.request(method, path, body);
    if (res.status < 200 || res.status >= 300) {
      throw new RestError(
        `${method} ${this.transport.url}${path}: HTTP ${res.status}: ${res.body.slice(0, 300)}`,
        res.status,
      );
    }
    try {
      return JSON.parse(res.body) as T;
    } catch {
      throw new RestError(`${method} ${this.transport.url}${path}: not JSON: ${res.body.slice(0, 200)}`, 502);
    }
  }

  async jobs(): Promise<JobOverview[]> {
    return (await this.json<{ jobs: JobOverview[] }>('GET', '/jobs/overview')).jobs;
  }

  /** The job an application cluster runs: the newest one (a restarted MiniCluster or HA may list old ones). */
  async currentJob(): Promise<JobOverview | undefined> {
    const jobs = await this.jobs();
    return [...jobs].sort((a, b) => b['start-time'] - a['start-time'])[0];
  }

  /** The root exception and the newest entries of the exception history, as text. */
  async exceptions(jobId: string): Promise<string> {
    const r = await this.json<{
      'root-exception'?: string;
      exceptionHistory?: { entries?: { exceptionName?: string; stacktrace?: string }[] };
    }>('GET', `/jobs/${jobId}/exceptions?maxExceptions=3`);
    const parts = [
      r['root-exception'],
      ...(r.exceptionHistory?.entries ?? []).map((e) => e.stacktrace ?? e.exceptionName),
    ].filter((s): s is string => !!s);
    return parts.length ? [...new Set(parts)].join('\n---\n') : '(no exceptions)';
  }

  /** POST /jobs/:id/stop: stop with a savepoint; returns the trigger id to poll. */
  async stopWithSavepoint(
    jobId: string,
    targetDirectory?: string,
    formatType: 'CANONICAL' | 'NATIVE' = 'CANONICAL',
  ): Promise<string> {
    const r = await this.json<{ 'request-id': string }>('POST', `/jobs/${jobId}/stop`, {
      drain: false,
      formatType,
      ...(targetDirectory ? { targetDirectory } : {}),
    });
    return r['request-id'];
  }

  /** POST /jobs/:id/savepoints with cancel-job false: a savepoint of a job that keeps running. */
  async triggerSavepoint(
    jobId: string,
    targetDirectory?: string,
    formatType: 'CANONICAL' | 'NATIVE' = 'CANONICAL',
  ): Promise<string> {
    const r = await this.json<{ 'request-id': string }>('POST', `/jobs/${jobId}/savepoints`, {
      'cancel-job': false,
      formatType,
      ...(targetDirectory ? { 'target-directory': targetDirectory } : {}),
    });
    return r['request-id'];
  }

  /** GET /jobs/:id: the job's state (and when it started). */
  async job(jobId: string): Promise<{ jid: string; state: string; 'start-time': number }> {
    return this.json('GET', `/jobs/${jobId}`);
  }

  /** The checkpoint statistics of the job since its JobManager started. */
  async checkpointCounts(jobId: string): Promise<{ completed: number; failed: number }> {
    const r = await this.json<{ counts?: { completed?: number; failed?: number } }>(
      'GET',
      `/jobs/${jobId}/checkpoints`,
    );
    return { completed: r.counts?.completed ?? 0, failed: r.counts?.failed ?? 0 };
  }

  /** The newest completed checkpoint and savepoint of the job, with their paths and when they ended. */
  async latestSnapshots(jobId: string): Promise<{
    checkpoint?: { path: string; at: number };
    savepoint?: { path: string; at: number };
    restored?: { path: string; savepoint: boolean };
  }> {
    type Stat = {
      external_path?: string;
      latest_ack_timestamp?: number;
      status?: string;
      is_savepoint?: boolean;
    };
    const r = await this.json<{
      latest?: {
        completed?: Stat | null;
        savepoint?: Stat | null;
        restored?: { external_path?: string; is_savepoint?: boolean } | null;
      };
    }>('GET', `/jobs/${jobId}/checkpoints`);
    const pick = (s: Stat | null | undefined) =>
      s?.external_path && s.external_path !== '<checkpoint-not-externally-addressable>'
        ? { path: s.external_path, at: s.latest_ack_timestamp ?? 0 }
        : undefined;
    const checkpoint = pick(r.latest?.completed);
    // A stop-with-savepoint's savepoint may show only as the latest completed one, marked is_savepoint.
    const savepoint =
      pick(r.latest?.savepoint) ?? (r.latest?.completed?.is_savepoint ? checkpoint : undefined);
    const restored = r.latest?.restored?.external_path
      ? { path: r.latest.restored.external_path, savepoint: !!r.latest.restored.is_savepoint }
      : undefined;
    return {
      ...(checkpoint ? { checkpoint } : {}),
      ...(savepoint ? { savepoint } : {}),
      ...(restored ? { restored } : {}),
    };
  }

  /** A job metric's value as a number (e.g. numRestarts); undefined when Flink does not report it yet. */
  async jobMetric(jobId: string, metric: string): Promise<number | undefined> {
    const r = await this.json<{ id: string; value: string }[]>(
      'GET',
      `/jobs/${jobId}/metrics?get=${encodeURIComponent(metric)}`,
    );
    const v = r.find((m) => m.id === metric)?.value;
    return v === undefined ? undefined : Number(v);
  }

  /** How many entries the job's exception history holds (a truncated history counts as more). */
  async exceptionCount(jobId: string): Promise<number> {
    const r = await this.json<{ exceptionHistory?: { entries?: unknown[]; truncated?: boolean } }>(
      'GET',
      `/jobs/${jobId}/exceptions?maxExceptions=20`,
    );
    const n = r.exceptionHistory?.entries?.length ?? 0;
    return r.exceptionHistory?.truncated ? n + 1 : n;
  }

  async savepointStatus(jobId: string, requestId: string): Promise<SavepointStatus> {
    const r = await this.json<{
      status: { id: string };
      operation?: { location?: string; 'failure-cause'?: { 'stack-trace'?: string; class?: string } };
    }>('GET', `/jobs/${jobId}/savepoints/${requestId}`);
    if (r.status.id !== 'COMPLETED') return { done: false };
    const failure = r.operation?.['failure-cause'];
    if (failure) {
      const first = (failure['stack-trace'] ?? failure.class ?? 'unknown failure').split('\n')[0]!;
      return {
        done: true,
        failure: first,
        tasksNotRunning: TASKS_NOT_RUNNING.test(failure['stack-trace'] ?? ''),
      };
    }
    if (!r.operation?.location) return { done: true, failure: 'the savepoint completed without a location' };
    return { done: true, location: r.operation.location };
  }
}

/** Polls `probe` every `intervalMs` until done or the deadline; prints progress like Kube.waitFor. */
export async function pollUntil<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<{ done?: T; failed?: string; status: string }>,
  report: (line: string) => void,
  intervalMs = 1_000,
  progressEveryMs = 10_000,
): Promise<T> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  let last = 'nothing seen yet';
  let printed = '';
  let printedAt = -Infinity;
  const secs = (ms: number) => `${Math.round(ms / 1000)}s`;
  while (Date.now() < deadline) {
    let r: { done?: T; failed?: string; status: string };
    try {
      r = await probe();
    } catch (err) {
      r = { status: describeError(err) };
    }
    last = r.status;
    if (r.failed) throw new OperationError(`${what} cannot be reached: ${r.failed}`);
    if (r.done !== undefined) return r.done;
    const now = Date.now();
    if (last !== printed || now - printedAt >= progressEveryMs) {
      printed = last;
      printedAt = now;
      report(`waiting for ${what}: ${last}, ${secs(now - started)} of ${secs(timeoutMs)}`);
    }
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, Math.min(intervalMs, deadline - Date.now()))),
    );
  }
  throw new OperationError(`timed out after ${secs(timeoutMs)} waiting for ${what}; last seen: ${last}`);
}
