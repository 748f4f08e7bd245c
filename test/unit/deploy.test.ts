// The deploy verb's decisions, without I/O: what a deploy does given the desired plan and the
// observed record, which images are accepted where, which permissions preflight checks, and the
// kubeconfig the Flink client gets.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { deployPermissions, imageProblem } from '../../src/deploy/decide.js';
import { clientKubeconfig, deployerObjects } from '../../src/deploy/deployer.js';
import { makeRecord, readRecord, RECORD_ANNOTATION } from '../../src/deploy/record.js';
import { deploymentAvailable, jobRunning } from '../../src/deploy/readiness.js';
import { plan } from '../../src/plan/plan.js';
import { loadSpec } from '../../src/spec/load.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const IMAGE = `ghcr.io/flinkship/log-cleaner@${DIGEST}`;
const desired = {
  clusterId: 'log-cleaner',
  namespace: 'flink-staging',
  environment: 'staging',
  image: IMAGE,
  configHash: `sha256:${'c1'.repeat(32)}`,
  upgradeMode: 'stateless',
};
const record = makeRecord({
  environment: 'staging',
  clusterId: 'log-cleaner',
  image: IMAGE,
  configHash: desired.configHash,
  upgradeMode: 'stateless',
  provenance: { commit: 'abc123', actor: 'octocat' },
  time: new Date('2026-01-02T03:04:05Z'),
});
const present = { state: 'present', record } as const;

describe('imageProblem', () => {
  it('accepts a digest anywhere', () => {
    expect(imageProblem(IMAGE, false)).toBeUndefined();
  });
  it('refuses a tag outside integration and preview, naming the digest form', () => {
    expect(imageProblem('ghcr.io/flinkship/log-cleaner:main', false)).toBe(
      'found "ghcr.io/flinkship/log-cleaner:main", which is a tag: deploy by digest (ghcr.io/flinkship/log-cleaner@sha256:...), as the build outputs it; a tag can move, a digest cannot (tags are accepted only in the integration and preview environments)',
    );
  });
  it('accepts a tag where tags are allowed', () => {
    expect(imageProblem('ghcr.io/flinkship/log-cleaner:pr-7', true)).toBeUndefined();
  });
  it('refuses what is no image reference', () => {
    expect(imageProblem('Not An Image', true)).toMatch(/^found "Not An Image"; expected an image reference/);
  });
});

describe('the deployment record', () => {
  it('round-trips through the annotation', () => {
    expect(readRecord({ [RECORD_ANNOTATION]: JSON.stringify(record) })).toEqual(present);
    expect(record).toEqual({
      recordVersion: 1,
      environment: 'staging',
      clusterId: 'log-cleaner',
      image: IMAGE,
      digest: DIGEST,
      configHash: desired.configHash,
      upgradeMode: 'stateless',
      commit: 'abc123',
      actor: 'octocat',
      time: '2026-01-02T03:04:05.000Z',
    });
  });
  it('says why a record is unreadable', () => {
    expect(readRecord({ [RECORD_ANNOTATION]: '{' })).toMatchObject({ state: 'unreadable' });
    expect(readRecord({})).toEqual({ state: 'absent' });
  });
});

describe('preflight permissions and the deployer identity', () => {
  const loaded = loadSpec('fixtures/log-cleaner/flinkship.yaml');
  const p = plan(loaded, 'staging', { image: IMAGE });

  it('checks what deploy writes and what the Roles it grants hold, in the namespace only', () => {
    const perms = deployPermissions(p);
    const names = perms.map(
      (x) => `${x.verb} ${x.group}/${x.resource}${x.subresource ? `/${x.subresource}` : ''}`,
    );
    expect(names).toContain('create /serviceaccounts/token');
    expect(names).toContain('patch rbac.authorization.k8s.io/roles');
    expect(names).toContain('create apps/deployments');
    expect(names).toContain('delete /pods');
    expect(names).not.toContain('create /namespaces'); // staging does not create its namespace
    expect(new Set(perms.map((x) => x.namespace))).toEqual(new Set(['flink-staging']));
    expect(new Set(names).size).toBe(names.length);
    const integration = deployPermissions(plan(loaded, 'integration', { image: IMAGE }));
    expect(integration.filter((x) => x.resource === 'namespaces').map((x) => [x.verb, x.namespace])).toEqual([
      ['get', undefined],
      ['create', undefined],
      ['patch', undefined],
    ]);
  });

  it('gives the Flink client a namespaced deployer Role, never a ClusterRole', () => {
    const objects = deployerObjects(p);
    expect(objects.map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`)).toEqual([
      'ServiceAccount flink-staging/log-cleaner-deployer',
      'Role flink-staging/log-cleaner-deployer',
      'RoleBinding flink-staging/log-cleaner-deployer',
    ]);
    expect(objects[0]!.metadata.labels).toMatchObject({
      'app.kubernetes.io/managed-by': 'flinkship',
      'app.kubernetes.io/component': 'deployer',
    });
  });

  it('writes a token kubeconfig with the CA as data and the namespace', () => {
    const kc = parse(
      clientKubeconfig({ server: 'https://127.0.0.1:16443', caData: 'Q0E=' }, 'tok', 'flink-staging'),
    );
    expect(kc).toEqual({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'target',
          cluster: { server: 'https://127.0.0.1:16443', 'certificate-authority-data': 'Q0E=' },
        },
      ],
      users: [{ name: 'flinkship-deployer', user: { token: 'tok' } }],
      contexts: [
        {
          name: 'flinkship',
          context: { cluster: 'target', user: 'flinkship-deployer', namespace: 'flink-staging' },
        },
      ],
      'current-context': 'flinkship',
    });
  });
});

describe('readiness checks', () => {
  it('is Available only when the rollout is current and ready', () => {
    expect(deploymentAvailable(undefined)).toEqual({ done: false, status: 'the Deployment does not exist' });
    expect(
      deploymentAvailable({
        metadata: { generation: 1 },
        spec: { replicas: 1, selector: {}, template: {} },
        status: {
          observedGeneration: 1,
          readyReplicas: 1,
          conditions: [{ type: 'Available', status: 'True' }],
        },
      }),
    ).toEqual({ done: true, status: '1/1 ready, Available' });
    expect(
      deploymentAvailable({
        metadata: { generation: 1 },
        spec: { replicas: 1, selector: {}, template: {} },
        status: {
          conditions: [
            { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'too slow' },
          ],
        },
      }),
    ).toEqual({ done: false, status: '0/1 ready', failed: 'ProgressDeadlineExceeded: too slow' });
  });

  it('waits for RUNNING and stops at a failed job', () => {
    const job = { jid: 'j1', name: 'n', state: 'RUNNING', 'start-time': 1 };
    expect(jobRunning(job)).toEqual({ done: job, status: 'job j1 (n) RUNNING' });
    expect(jobRunning({ ...job, state: 'FAILED' })).toEqual({
      failed: 'job j1 (n) FAILED',
      status: 'job j1 (n) FAILED',
    });
    expect(jobRunning({ ...job, state: 'CREATED' })).toEqual({ status: 'job j1 (n) CREATED' });
    expect(jobRunning(undefined)).toEqual({ status: 'no job yet' });
  });

  it('a RUNNING job runs only once every task does (a finished one counts)', () => {
    const job = { jid: 'j1', name: 'n', state: 'RUNNING', 'start-time': 1 };
    const waiting = { ...job, tasks: { total: 2, running: 0, scheduled: 2, finished: 0 } };
    expect(jobRunning(waiting)).toEqual({ status: 'job j1 (n) RUNNING, 0/2 tasks running' });
    const running = { ...job, tasks: { total: 2, running: 1, finished: 1 } };
    expect(jobRunning(running)).toEqual({ done: running, status: 'job j1 (n) RUNNING' });
  });
});
