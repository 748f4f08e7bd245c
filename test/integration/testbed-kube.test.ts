// The `kube` testbed component: two real control planes (staging, production) built from the Go
// module proxy, with kwok fake nodes. These tests prove each thing the toolkit relies on, the way the
// toolkit uses it: server-side apply + watch until Pods are Running/Ready, RBAC decisions, a
// ServiceAccount token from the TokenRequest API, and the isolation of the two clusters.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiException,
  AppsV1Api,
  AuthorizationV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  VersionApi,
  Watch,
  type KubernetesObject,
  type V1Deployment,
  type V1Pod,
  type V1SubjectAccessReview,
} from '@kubernetes/client-node';
import { testbed } from './testbed.js';

const FIELD_MANAGER = 'flinkship';
const run = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
const nsApp = `tb-kube-app-${run}`;
const nsOther = `tb-kube-other-${run}`;
const nsOnlyStaging = `tb-kube-only-staging-${run}`;

function kubeconfig(path: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

let staging: KubeConfig;
let production: KubeConfig;

/** The HTTP status of a failed API call, or a rethrow when it is not an API error. */
async function statusOf(call: Promise<unknown>): Promise<number> {
  try {
    await call;
    return 200;
  } catch (err) {
    if (err instanceof ApiException) return err.code;
    throw err;
  }
}

/**
 * Watch `path` until `until` holds for an event, or fail after `timeoutMs` saying what was awaited
 * and what was last seen. A watch without resourceVersion starts with the current objects as ADDED
 * events, so nothing that already happened is missed. A watch the server closes is re-opened until
 * the deadline.
 */
async function watchUntil<T extends KubernetesObject>(
  kc: KubeConfig,
  what: string,
  path: string,
  query: Record<string, string>,
  until: (type: string, obj: T) => boolean,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastSeen = 'nothing';
  let lastError: unknown;
  for (let attempt = 0; attempt < 20 && Date.now() < deadline; attempt++) {
    const result = await new Promise<T | undefined>((resolve) => {
      let settled = false;
      let abort: AbortController | undefined;
      const finish = (value: T | undefined) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        abort?.abort();
        resolve(value);
      };
      const timer = setTimeout(() => finish(undefined), Math.max(0, deadline - Date.now()));
      new Watch(kc)
        .watch(
          path,
          query,
          (type, obj: T) => {
            lastSeen = `${type} ${JSON.stringify({ metadata: { name: obj.metadata?.name }, status: (obj as { status?: unknown }).status })}`;
            if (until(type, obj)) finish(obj);
          },
          (err) => {
            if (err) lastError = err;
            finish(undefined);
          },
        )
        .then(
          (a) => {
            abort = a;
            if (settled) a.abort();
          },
          (err) => {
            lastError = err;
            finish(undefined);
          },
        );
    });
    if (result) return result;
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${lastSeen}${lastError ? `; last watch error: ${String(lastError)}` : ''}`,
  );
}

/** Bounded retry for RBAC decisions: the authorizer sees a new RoleBinding through its informer. */
async function eventually<T>(
  what: string,
  fn: () => Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (let i = 0; i < 100; i++) {
    last = await fn();
    if (ok(last)) return last;
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(last)}`);
}

async function createNamespace(kc: KubeConfig, name: string): Promise<void> {
  await kc.makeApiClient(CoreV1Api).createNamespace({
    body: { metadata: { name, labels: { 'app.kubernetes.io/managed-by': 'flinkship-tests' } } },
  });
}

/** Delete a namespace and wait (watch, bounded) until it is gone: kwok must finish its pods for that. */
async function deleteNamespace(kc: KubeConfig, name: string): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  if ((await statusOf(core.deleteNamespace({ name }))) === 404) return;
  await watchUntil(
    kc,
    `namespace ${name} to be deleted`,
    '/api/v1/namespaces',
    { fieldSelector: `metadata.name=${name}` },
    (type) => type === 'DELETED',
    90_000,
  ).catch(async (err: unknown) => {
    // The namespace may have vanished between the delete and the watch.
    if ((await statusOf(core.readNamespace({ name }))) !== 404) throw err;
  });
}

function saSubject(ns: string, name: string): string {
  return `system:serviceaccount:${ns}:${name}`;
}

async function review(kc: KubeConfig, user: string, namespace: string, verb: string, resource: string) {
  const body: V1SubjectAccessReview = {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    spec: { user, resourceAttributes: { namespace, verb, resource } },
  };
  const res = await kc.makeApiClient(AuthorizationV1Api).createSubjectAccessReview({ body });
  return {
    allowed: res.status?.allowed === true,
    denied: res.status?.denied === true,
    reason: res.status?.reason ?? '',
  };
}

beforeAll(async () => {
  staging = kubeconfig(testbed('FLINKSHIP_TESTBED_STAGING_KUBECONFIG'));
  production = kubeconfig(testbed('FLINKSHIP_TESTBED_PRODUCTION_KUBECONFIG'));
  await createNamespace(staging, nsApp);
  await createNamespace(staging, nsOther);
  // The ServiceAccount "deployer" may work with pods in nsApp, and nothing else.
  const core = staging.makeApiClient(CoreV1Api);
  await core.createNamespacedServiceAccount({ namespace: nsApp, body: { metadata: { name: 'deployer' } } });
  const objects = staging.makeApiClient(KubernetesObjectApi);
  await objects.create({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'pods', namespace: nsApp },
    rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch', 'create', 'delete'] }],
  } as KubernetesObject);
  await objects.create({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'deployer-pods', namespace: nsApp },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pods' },
    subjects: [{ kind: 'ServiceAccount', name: 'deployer', namespace: nsApp }],
  } as KubernetesObject);
  // Pods can only be admitted once the controller-manager has made the namespace's default ServiceAccount.
  await watchUntil(
    staging,
    `ServiceAccount ${nsApp}/default`,
    `/api/v1/namespaces/${nsApp}/serviceaccounts`,
    { fieldSelector: 'metadata.name=default' },
    (type) => type === 'ADDED',
    30_000,
  );
});

afterAll(async () => {
  if (!staging) return;
  const results = await Promise.allSettled(
    [nsApp, nsOther, nsOnlyStaging].map((ns) => deleteNamespace(staging, ns)),
  );
  const failed = results.filter((r) => r.status === 'rejected');
  if (failed.length > 0)
    throw new Error(
      `cleanup failed: ${failed.map((r) => String((r as PromiseRejectedResult).reason)).join('; ')}`,
    );
});

describe('kube testbed', () => {
  it('runs Kubernetes v1.34.4 in both clusters, and kubectl v1.34.4', async () => {
    for (const kc of [staging, production]) {
      const info = await kc.makeApiClient(VersionApi).getCode();
      expect(info.gitVersion).toBe('v1.34.4');
    }
    const kubectl = testbed('FLINKSHIP_TESTBED_KUBECTL');
    const out = JSON.parse(
      execFileSync(kubectl, ['version', '--client', '-o', 'json'], { encoding: 'utf8' }),
    ) as {
      clientVersion: { gitVersion: string };
    };
    expect(out.clientVersion.gitVersion).toBe('v1.34.4');
  });

  it('server-side applies a Deployment in staging and its Pod turns Running and Ready on a kwok node', async () => {
    const deployment: V1Deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: nsApp, labels: { 'app.kubernetes.io/managed-by': 'flinkship' } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            containers: [
              {
                name: 'main',
                // kwok does not pull or run images; the reference only has to be valid.
                image: 'registry.invalid/flinkship/web@sha256:' + '0'.repeat(64),
              },
            ],
          },
        },
      },
    };
    const applied = await staging
      .makeApiClient(KubernetesObjectApi)
      .patch(deployment, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
    expect(
      applied.metadata?.managedFields?.some((f) => f.manager === FIELD_MANAGER && f.operation === 'Apply'),
    ).toBe(true);

    const pod = await watchUntil<V1Pod>(
      staging,
      `a Running and Ready pod of deployment ${nsApp}/web`,
      `/api/v1/namespaces/${nsApp}/pods`,
      { labelSelector: 'app=web' },
      (type, p) =>
        type !== 'DELETED' &&
        p.status?.phase === 'Running' &&
        (p.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
    );
    expect(pod.spec?.nodeName).toMatch(/^staging-node-[12]$/);
    expect(pod.status?.podIP).toMatch(/^10\.244\.0\.\d+$/);
    const owner = pod.metadata?.ownerReferences?.[0];
    expect(owner?.kind).toBe('ReplicaSet');
    expect(owner?.name).toMatch(/^web-[a-z0-9]+$/);

    const dep = await watchUntil<V1Deployment>(
      staging,
      `deployment ${nsApp}/web to report 1 available replica`,
      `/apis/apps/v1/namespaces/${nsApp}/deployments`,
      { fieldSelector: 'metadata.name=web' },
      (_type, d) =>
        d.status?.availableReplicas === 1 && d.status.observedGeneration === d.metadata?.generation,
    );
    expect(dep.status?.readyReplicas).toBe(1);
    const rs = await staging
      .makeApiClient(AppsV1Api)
      .readNamespacedReplicaSet({ name: owner!.name, namespace: nsApp });
    expect(rs.metadata?.ownerReferences?.[0]?.name).toBe('web');
  });

  it('answers SubjectAccessReviews from RBAC: allowed by the Role, denied outside it', async () => {
    const user = saSubject(nsApp, 'deployer');
    const allowed = await eventually(
      'RBAC to allow the deployer to create pods',
      () => review(staging, user, nsApp, 'create', 'pods'),
      (r) => r.allowed,
    );
    expect(allowed.reason).toContain('deployer-pods');
    expect(await review(staging, user, nsApp, 'get', 'secrets')).toMatchObject({ allowed: false });
    expect(await review(staging, user, nsOther, 'create', 'pods')).toMatchObject({ allowed: false });
    expect(await review(staging, user, nsApp, 'update', 'deployments')).toMatchObject({ allowed: false });
  });

  it('issues a ServiceAccount token (TokenRequest) that authenticates with exactly the Role’s rights', async () => {
    const core = staging.makeApiClient(CoreV1Api);
    const tr = await core.createNamespacedServiceAccountToken({
      name: 'deployer',
      namespace: nsApp,
      body: { spec: { expirationSeconds: 600, audiences: [] } },
    });
    const token = tr.status?.token ?? '';
    const parts = token.split('.');
    expect(parts).toHaveLength(3);
    const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as {
      sub: string;
      iss: string;
    };
    expect(claims.sub).toBe(saSubject(nsApp, 'deployer'));
    expect(claims.iss).toBe('https://kubernetes.default.svc.cluster.local');

    const withToken = (base: KubeConfig): KubeConfig => {
      const cluster = base.getCurrentCluster()!;
      const kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [cluster],
        users: [{ name: 'deployer', token }],
        contexts: [{ name: 'deployer', cluster: cluster.name, user: 'deployer' }],
        currentContext: 'deployer',
      });
      return kc;
    };
    const sa = withToken(staging).makeApiClient(CoreV1Api);
    // The Role's rights hold once the authorizer has seen the RoleBinding.
    await eventually(
      'the token to be allowed to list pods',
      () => statusOf(sa.listNamespacedPod({ namespace: nsApp })),
      (s) => s === 200,
    );
    const created = await sa.createNamespacedPod({
      namespace: nsApp,
      body: {
        metadata: { name: 'by-token' },
        spec: { containers: [{ name: 'main', image: 'registry.invalid/x:1' }] },
      },
    });
    expect(created.spec?.serviceAccountName).toBe('default');
    expect(await statusOf(sa.readNamespacedPod({ name: 'by-token', namespace: nsApp }))).toBe(200);
    // What the Role does not grant: 403 Forbidden.
    expect(await statusOf(sa.listNamespacedSecret({ namespace: nsApp }))).toBe(403);
    expect(await statusOf(sa.listNamespacedPod({ namespace: nsOther }))).toBe(403);
    expect(await statusOf(sa.listNamespacedConfigMap({ namespace: nsApp }))).toBe(403);
    // The production cluster has its own signing key: staging's token does not authenticate there.
    expect(
      await statusOf(
        withToken(production).makeApiClient(CoreV1Api).listNamespacedPod({ namespace: 'default' }),
      ),
    ).toBe(401);
  });

  it('keeps the clusters apart: an object made in staging is absent from production', async () => {
    await createNamespace(staging, nsOnlyStaging);
    const sc = staging.makeApiClient(CoreV1Api);
    const pc = production.makeApiClient(CoreV1Api);
    await sc.createNamespacedConfigMap({
      namespace: nsOnlyStaging,
      body: { metadata: { name: 'marker' }, data: { run } },
    });
    expect((await sc.readNamespacedConfigMap({ name: 'marker', namespace: nsOnlyStaging })).data).toEqual({
      run,
    });
    expect(await statusOf(pc.readNamespace({ name: nsOnlyStaging }))).toBe(404);
    expect(await statusOf(pc.readNamespacedConfigMap({ name: 'marker', namespace: nsOnlyStaging }))).toBe(
      404,
    );
    // Each cluster has its own fake nodes, and production answers for itself.
    const nodeNames = async (kc: KubeConfig) =>
      (await kc.makeApiClient(CoreV1Api).listNode({ labelSelector: 'type=kwok' })).items
        .map((n) => n.metadata?.name)
        .sort();
    expect(await nodeNames(staging)).toEqual(['staging-node-1', 'staging-node-2']);
    expect(await nodeNames(production)).toEqual(['production-node-1', 'production-node-2']);
    expect(staging.getCurrentContext()).toBe('staging');
    expect(production.getCurrentContext()).toBe('production');
  });
});
