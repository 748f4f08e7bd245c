// The fault proxy in front of the real staging API server: client-node calls through it see exactly
// the faults injected, withRetry converges past them, and watches stream through.
import { randomBytes } from 'node:crypto';
import { CoreV1Api, KubeConfig, PatchStrategy, Watch, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isRetryable, withRetry, type RetryPolicy } from '../../src/executors/retry.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { testbed } from './testbed.js';

const FAST: RetryPolicy = { attempts: 4, baseDelayMs: 20, maxDelayMs: 50, deadlineMs: 30_000 };
const kubeconfig = testbed('FLINKSHIP_TESTBED_STAGING_KUBECONFIG');
const namespace = `fault-proxy-${randomBytes(4).toString('hex')}`;
const cmPath = `/api/v1/namespaces/${namespace}/configmaps`;

function coreApi(path: string): CoreV1Api {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc.makeApiClient(CoreV1Api);
}

const direct = coreApi(kubeconfig);
let proxy: FaultProxy | undefined;

beforeAll(async () => {
  await direct.createNamespace({ body: { metadata: { name: namespace } } });
});

afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

afterAll(async () => {
  await direct.deleteNamespace({ name: namespace });
});

async function configMap(name: string): Promise<void> {
  await direct.createNamespacedConfigMap({ namespace, body: { metadata: { name }, data: { a: '1' } } });
}

describe('fault proxy in front of the staging API server', () => {
  it('passes requests through untouched when no fault matches, and records them', async () => {
    await configMap('plain');
    proxy = await startFaultProxy({
      kubeconfig,
      faults: [{ match: { method: 'DELETE' }, kind: 'status', code: 500 }],
    });
    const cm = await coreApi(proxy.kubeconfigPath).readNamespacedConfigMap({ name: 'plain', namespace });
    expect(cm.data).toEqual({ a: '1' });
    expect(proxy.requests).toEqual([{ method: 'GET', path: `${cmPath}/plain`, status: 200 }]);
    expect(proxy.injected).toEqual([]);
  });

  it('injects a 500 with a Kubernetes Status body, and withRetry converges on the next attempt', async () => {
    await configMap('five-hundred');
    proxy = await startFaultProxy({
      kubeconfig,
      faults: [{ match: { method: 'GET', pathPrefix: cmPath }, kind: 'status', code: 500, times: 1 }],
    });
    const api = coreApi(proxy.kubeconfigPath);
    const seen: unknown[] = [];
    const cm = await withRetry(
      'reading ConfigMap five-hundred',
      () => api.readNamespacedConfigMap({ name: 'five-hundred', namespace }),
      {
        policy: FAST,
        onRetry: (_attempt, err) => seen.push(err),
      },
    );
    expect(cm.metadata?.name).toBe('five-hundred');
    expect(seen).toHaveLength(1);
    const err = seen[0] as { code: number; body: string };
    expect(err.code).toBe(500);
    expect(JSON.parse(err.body)).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `fault proxy: injected 500 InternalError for GET ${cmPath}/five-hundred`,
      reason: 'InternalError',
      code: 500,
    });
    expect(proxy.requests).toEqual([
      { method: 'GET', path: `${cmPath}/five-hundred`, status: 500, fault: 'status' },
      { method: 'GET', path: `${cmPath}/five-hundred`, status: 200 },
    ]);
    expect(proxy.injected).toEqual([
      { index: 0, kind: 'status', code: 500, method: 'GET', path: `${cmPath}/five-hundred` },
    ]);
  });

  it('resets the connection once, and withRetry converges on the next attempt', async () => {
    await configMap('reset');
    proxy = await startFaultProxy({
      kubeconfig,
      faults: [{ match: { method: 'GET', pathPrefix: cmPath }, kind: 'reset', times: 1 }],
    });
    const api = coreApi(proxy.kubeconfigPath);
    const seen: unknown[] = [];
    const cm = await withRetry(
      'reading ConfigMap reset',
      () => api.readNamespacedConfigMap({ name: 'reset', namespace }),
      {
        policy: FAST,
        onRetry: (_attempt, err) => seen.push(err),
      },
    );
    expect(cm.metadata?.name).toBe('reset');
    expect(seen).toHaveLength(1);
    expect(isRetryable(seen[0])).toBe(true);
    expect(String(seen[0])).toMatch(/ECONNRESET|socket hang up/);
    expect(proxy.requests).toEqual([
      { method: 'GET', path: `${cmPath}/reset`, fault: 'reset' },
      { method: 'GET', path: `${cmPath}/reset`, status: 200 },
    ]);
    expect(proxy.injected).toEqual([{ index: 0, kind: 'reset', method: 'GET', path: `${cmPath}/reset` }]);
  });

  it('answers a server-side apply with 409 Conflict once, and the retried apply lands', async () => {
    proxy = await startFaultProxy({
      kubeconfig,
      faults: [{ match: { method: 'PATCH', pathPrefix: cmPath }, kind: 'status', code: 409, times: 1 }],
    });
    const api = coreApi(proxy.kubeconfigPath);
    const apply = () =>
      api.patchNamespacedConfigMap(
        {
          name: 'applied',
          namespace,
          fieldManager: 'flinkship',
          force: true,
          body: {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: 'applied', namespace },
            data: { b: '2' },
          },
        },
        setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
      );
    const seen: unknown[] = [];
    const cm = await withRetry('applying ConfigMap applied', apply, {
      policy: FAST,
      onRetry: (_attempt, err) => seen.push(err),
    });
    expect(cm.data).toEqual({ b: '2' });
    const conflict = seen[0] as { code: number; body: string };
    expect(conflict.code).toBe(409);
    expect(JSON.parse(conflict.body)).toMatchObject({
      reason: 'Conflict',
      message: `Operation cannot be fulfilled on ${cmPath}/applied: the object has been modified; please apply your changes to the latest version and try again`,
    });
    expect(isRetryable(conflict)).toBe(true);
    const path = `${cmPath}/applied?fieldManager=flinkship&force=true`;
    expect(proxy.requests).toEqual([
      { method: 'PATCH', path, status: 409, fault: 'status' },
      // Server-side apply of an object that did not exist creates it: 201.
      { method: 'PATCH', path, status: 201 },
    ]);
    expect((await direct.readNamespacedConfigMap({ name: 'applied', namespace })).data).toEqual({ b: '2' });
  });

  it('skips the first matching requests when told to, and stops after `times`', async () => {
    await configMap('skip');
    proxy = await startFaultProxy({
      kubeconfig,
      faults: [{ match: { pathPrefix: `${cmPath}/skip` }, kind: 'status', code: 503, skip: 1, times: 1 }],
    });
    const api = coreApi(proxy.kubeconfigPath);
    const read = () => api.readNamespacedConfigMap({ name: 'skip', namespace });
    await read();
    await expect(read()).rejects.toMatchObject({ code: 503 });
    await read();
    expect(proxy.requests.map((r) => r.status)).toEqual([200, 503, 200]);
  });

  it('streams a watch through, event by event', async () => {
    proxy = await startFaultProxy({ kubeconfig });
    const kc = new KubeConfig();
    kc.loadFromFile(proxy.kubeconfigPath);
    const events: string[] = [];
    let stop: (() => void) | undefined;
    const both = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`watch saw ${JSON.stringify(events)} within 30 s`)),
        30_000,
      );
      stop = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    const watching = await new Watch(kc).watch(
      cmPath,
      { labelSelector: 'watched=yes' },
      (type, obj: { metadata?: { name?: string } }) => {
        events.push(`${type} ${obj.metadata?.name}`);
        if (events.length === 2) stop?.();
      },
      () => undefined,
    );
    try {
      // Created after the watch is open, so the events can only have come through the open stream.
      await direct.createNamespacedConfigMap({
        namespace,
        body: { metadata: { name: 'watched-1', labels: { watched: 'yes' } } },
      });
      await direct.createNamespacedConfigMap({
        namespace,
        body: { metadata: { name: 'watched-2', labels: { watched: 'yes' } } },
      });
      await both;
    } finally {
      watching.abort();
    }
    expect(events).toEqual(['ADDED watched-1', 'ADDED watched-2']);
    expect(proxy.requests).toHaveLength(1);
    expect(proxy.requests[0]).toMatchObject({ method: 'GET', status: 200 });
    expect(proxy.requests[0]?.path).toMatch(
      /^\/api\/v1\/namespaces\/fault-proxy-[0-9a-f]{8}\/configmaps\?.*watch=true/,
    );
  });
});
