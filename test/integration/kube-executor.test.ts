// src/executors/kube.ts against the staging API server: loading a kubeconfig and context (bad ones
// are InputErrors), server-side apply with field manager flinkship, get/list/delete,
// SelfSubjectAccessReview, and the bounded watch-based wait with its progress lines and timeout.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { V1ConfigMap, V1Deployment } from '@kubernetes/client-node';
import { Kube, type Permission } from '../../src/executors/kube.js';
import { TerminalUi } from '../../src/ui/terminal.js';
import { InputError, OperationError } from '../../src/util/errors.js';
import { testbed } from './testbed.js';

const run = `${Date.now().toString(36)}-${randomBytes(2).toString('hex')}`;
const namespace = `kube-exec-${run}`;

function captureUi(): { ui: TerminalUi; lines: string[] } {
  const lines: string[] = [];
  const sink = {
    write(chunk: string) {
      lines.push(...String(chunk).trimEnd().split('\n'));
      return true;
    },
  } as unknown as NodeJS.WritableStream;
  return { ui: new TerminalUi(sink), lines };
}

let kube: Kube;

beforeAll(async () => {
  kube = Kube.load({ kubeconfig: testbed('FLINKSHIP_TESTBED_STAGING_KUBECONFIG'), context: 'staging' });
  await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
});

afterAll(async () => {
  await kube?.delete({ apiVersion: 'v1', kind: 'Namespace', name: namespace });
});

describe('Kube.load', () => {
  it('names --kubeconfig when the file does not exist', () => {
    let err: unknown;
    try {
      Kube.load({ kubeconfig: '/nonexistent/kubeconfig' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).issues).toEqual([
      {
        file: '<flags>',
        field: '--kubeconfig',
        message: 'no such file: /nonexistent/kubeconfig; expected the path of a kubeconfig file',
      },
    ]);
  });

  it('names --context and lists the valid contexts when the context is unknown', () => {
    let err: unknown;
    try {
      Kube.load({ kubeconfig: testbed('FLINKSHIP_TESTBED_STAGING_KUBECONFIG'), context: 'stagin' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    const issue = (err as InputError).issues[0]!;
    expect(issue.field).toBe('--context');
    expect(issue.message).toBe(
      `context "stagin" is not in ${testbed('FLINKSHIP_TESTBED_STAGING_KUBECONFIG')} (did you mean "staging"?); valid: staging`,
    );
  });
});

describe('Kube against the staging API server', () => {
  it('applies server-side with field manager flinkship, and a second identical apply changes nothing', async () => {
    const cm: V1ConfigMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'applied', namespace, labels: { 'app.kubernetes.io/managed-by': 'flinkship' } },
      data: { a: '1' },
    };
    const first = await kube.apply(cm);
    expect(first.metadata?.managedFields?.map((f) => [f.manager, f.operation])).toEqual([
      ['flinkship', 'Apply'],
    ]);
    const second = await kube.apply(cm);
    expect(second.metadata?.resourceVersion).toBe(first.metadata?.resourceVersion);
    const got = await kube.get<V1ConfigMap>({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      name: 'applied',
      namespace,
    });
    expect(got?.data).toEqual({ a: '1' });
    const listed = await kube.list<V1ConfigMap>('v1', 'ConfigMap', namespace, {
      labelSelector: 'app.kubernetes.io/managed-by=flinkship',
    });
    expect(listed.items.map((i) => i.metadata?.name)).toEqual(['applied']);
    expect(await kube.delete({ apiVersion: 'v1', kind: 'ConfigMap', name: 'applied', namespace })).toBe(true);
    expect(await kube.delete({ apiVersion: 'v1', kind: 'ConfigMap', name: 'applied', namespace })).toBe(
      false,
    );
    expect(
      await kube.get({ apiVersion: 'v1', kind: 'ConfigMap', name: 'applied', namespace }),
    ).toBeUndefined();
  });

  it('reports exactly the permissions a ServiceAccount lacks, through SelfSubjectAccessReview', async () => {
    const sa = 'limited';
    await kube.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: sa, namespace } });
    await kube.apply({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: sa, namespace },
      rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }],
    });
    await kube.apply({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: sa, namespace },
      subjects: [{ kind: 'ServiceAccount', name: sa, namespace }],
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: sa },
    });
    const token = await kube.serviceAccountToken(namespace, sa, 600);
    const cluster = kube.config.getCurrentCluster()!;
    const limitedConfig = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        { name: cluster.name, cluster: { server: cluster.server, 'certificate-authority-data': caData() } },
      ],
      users: [{ name: sa, user: { token } }],
      contexts: [{ name: 'limited', context: { cluster: cluster.name, user: sa, namespace } }],
      'current-context': 'limited',
    };
    const dir = await mkdtemp(`${tmpdir()}/kube-exec-`);
    try {
      await writeFile(`${dir}/kubeconfig`, JSON.stringify(limitedConfig), { mode: 0o600 });
      const limited = Kube.load({ kubeconfig: `${dir}/kubeconfig` });
      const wanted: Permission[] = [
        { verb: 'get', group: '', resource: 'configmaps', namespace },
        { verb: 'create', group: '', resource: 'configmaps', namespace },
        { verb: 'get', group: 'apps', resource: 'deployments', namespace },
        { verb: 'get', group: '', resource: 'configmaps', namespace: 'default' },
      ];
      expect(await limited.missingPermissions(wanted)).toEqual(wanted.slice(1));
      expect(await kube.missingPermissions(wanted)).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('waits for a Deployment to be Available with progress lines, watching, within the deadline', async () => {
    const { ui, lines } = captureUi();
    await kube.apply<V1Deployment>({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'waited', namespace },
      spec: {
        replicas: 1,
        // Available only once its pod has been ready this long: the wait sees it unavailable first (kwok
        // readies pods at once), so it has something to say, however loaded the machine.
        minReadySeconds: 5,
        selector: { matchLabels: { app: 'waited' } },
        template: {
          metadata: { labels: { app: 'waited' } },
          spec: { containers: [{ name: 'c', image: testbed('FLINKSHIP_TESTBED_BUSYBOX_IMAGE') }] },
        },
      },
    });
    const done = await kube.waitFor<V1Deployment>(
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: 'waited',
        namespace,
        describe: `Deployment ${namespace}/waited Available`,
        timeoutMs: 120_000,
        check: (d) => ({
          done: d?.status?.conditions?.some((c) => c.type === 'Available' && c.status === 'True') ?? false,
          status: d ? `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 1} ready` : 'absent',
        }),
      },
      ui,
    );
    expect(done?.status?.readyReplicas).toBe(1);
    expect(lines[0]).toMatch(
      new RegExp(`^waiting for Deployment ${namespace}/waited Available: \\d/1 ready, \\d+s of 120s$`),
    );
  });

  it('times out saying what it waited for and what it last saw', async () => {
    const { ui } = captureUi();
    const wait = kube.waitFor(
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        name: 'never',
        namespace,
        describe: `ConfigMap ${namespace}/never to exist`,
        timeoutMs: 2_000,
        check: (cm) => ({ done: cm !== undefined, status: cm ? 'present' : 'absent' }),
      },
      ui,
    );
    await expect(wait).rejects.toThrow(OperationError);
    await expect(wait).rejects.toThrow(
      `timed out after 2s waiting for ConfigMap ${namespace}/never to exist; last seen: absent`,
    );
  });
});

function caData(): string {
  const cluster = kube.config.getCurrentCluster()!;
  if (cluster.caData) return cluster.caData;
  return readFileSync(cluster.caFile!).toString('base64');
}
