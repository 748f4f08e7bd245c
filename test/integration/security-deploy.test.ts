// Least privilege and cleanup of `flinkship deploy`, against the testbed: the real Flink 1.20.3 client
// run from a trusted image (the stand-in Flink image, pushed under its own repository as a mirror of the
// official one would be), the real staging API server judging the narrowed deployer Role, and a real
// child process cancelled with SIGTERM while its client container runs.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Dockerode from 'dockerode';
import {
  AuthorizationV1Api,
  type KubernetesObject,
  type V1ConfigMap,
  type V1Deployment,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { deployerObjects } from '../../src/deploy/deployer.js';
import { leaseName } from '../../src/deploy/lease.js';
import type { Kube } from '../../src/executors/kube.js';
import { JOBMANAGER_RULES } from '../../src/plan/kubernetes.js';
import { plan } from '../../src/plan/plan.js';
import { loadSpec } from '../../src/spec/load.js';
import { cli } from '../helpers/cli.js';
import { pushBlockingClientImage, pushClientImage, pushJobImage, stagingAdmin } from '../helpers/deploy.js';
import { testbed } from './testbed.js';

const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
let dir: string;
let image: string;
let trusted: string;
let admin: Kube;
const namespaces: string[] = [];

/** The spec; `envExtra` is added to the staging environment, indented. */
function spec(ns: string, id: string, envExtra = ''): string {
  return `name: ${id}
flinkVersion: '1.20'
image:
  repository: ${testbed('FLINKSHIP_TESTBED_STAGING_REGISTRY')}/flinkship-secdep/job
job:
  jar: job.jar
  entryClass: dev.example.Job
  upgradeMode: stateless
jobManager:
  resource: { cpu: 0.5, memory: 1024m }
taskManager:
  resource: { cpu: 0.5, memory: 1024m }
environments:
  staging:
    namespace: ${ns}
    createNamespace: true
    context: staging
${envExtra.replace(/^/gm, '    ')}
# The health gate samples the testbed's MiniCluster job (it checkpoints every 2 s): a short window.
health: { window: 1s, checkpoints: 1 }
`;
}

async function writeSpec(name: string, text: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, text);
  return file;
}

const REST = () => ['--rest-url', testbed('FLINKSHIP_TESTBED_FLINK_REST_URL')];

/** The deployer's ServiceAccount, Role and RoleBinding that exist now. */
async function deployerLeft(ns: string, id: string): Promise<string[]> {
  const left: string[] = [];
  for (const [apiVersion, kind] of [
    ['v1', 'ServiceAccount'],
    ['rbac.authorization.k8s.io/v1', 'Role'],
    ['rbac.authorization.k8s.io/v1', 'RoleBinding'],
  ] as const) {
    if (await admin.get({ apiVersion, kind, name: `${id}-deployer`, namespace: ns })) left.push(kind);
  }
  return left;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'secdep-test-'));
  admin = stagingAdmin();
  image = await pushJobImage('secdep', run);
  trusted = await pushClientImage('secdep-flink/flink', run);
});

afterAll(async () => {
  for (const ns of namespaces) await admin?.delete({ apiVersion: 'v1', kind: 'Namespace', name: ns });
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('deploy runs the Flink client from a trusted image, as a deployer that exists only for the run', () => {
  const ns = `secdep-a-${run}`;
  const id = `secdep-a-${run}`;
  let first: { code: number; out: string; err: string };
  /** The image of every container the Docker engine created for this deploy, as the engine saw it. */
  const created: string[] = [];

  beforeAll(async () => {
    namespaces.push(ns);
    const file = await writeSpec('trusted.yaml', spec(ns, id));
    const events = (await new Dockerode().getEvents({
      filters: { type: ['container'], event: ['create'], label: [`app.kubernetes.io/instance=${id}`] },
    })) as NodeJS.ReadableStream & { destroy(): void };
    events.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        created.push(
          (JSON.parse(line) as { Actor: { Attributes: { image: string } } }).Actor.Attributes.image,
        );
      }
    });
    try {
      first = await cli(
        'deploy',
        ...['--config', file, '--env', 'staging', '--image', image],
        ...['--kubeconfig', testbed('FLINKSHIP_TESTBED_STAGING_KUBECONFIG'), '--client-image', trusted],
        ...REST(),
      );
    } finally {
      events.destroy();
    }
  }, 300_000);

  it('submits with the real client, run from the trusted image by digest, and never from the job image', async () => {
    expect(first.code, first.err).toBe(0);
    expect(first.err).toContain(`the Flink client runs from ${trusted} (--client-image)`);
    expect(first.err).not.toContain(`runs from ${image}`);
    expect(created).toEqual([trusted]);
    const d = await admin.get<V1Deployment>({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: id,
      namespace: ns,
    });
    expect(d?.metadata?.labels).toMatchObject({ type: 'flink-native-kubernetes', app: id });
    expect(d?.spec?.template.spec?.containers[0]?.image).toBe(image);
  });

  it("deletes the deployer's ServiceAccount, Role and RoleBinding when the run ends", async () => {
    expect(first.err).toContain(`ServiceAccount, Role and RoleBinding ${ns}/${id}-deployer: deleted`);
    expect(await deployerLeft(ns, id)).toEqual([]);
  });

  it('the narrowed Role lets the client create and read its own objects, and nothing else', async () => {
    const p = plan(loadSpec(path.join(dir, 'trusted.yaml')), 'staging', { image });
    const objects = deployerObjects(p);
    for (const o of objects) await admin.apply(o as KubernetesObject);
    try {
      const authz = admin.config.makeApiClient(AuthorizationV1Api);
      const can = async (verb: string, group: string, resource: string, name?: string) =>
        (
          await authz.createSubjectAccessReview({
            body: {
              spec: {
                user: `system:serviceaccount:${ns}:${id}-deployer`,
                resourceAttributes: { verb, group, resource, namespace: ns, ...(name ? { name } : {}) },
              },
            },
          })
        ).status?.allowed ?? false;
      const verdicts = {
        'create deployments': await can('create', 'apps', 'deployments'),
        [`get deployment ${id}`]: await can('get', 'apps', 'deployments', id),
        [`delete deployment ${id}`]: await can('delete', 'apps', 'deployments', id),
        'delete another deployment': await can('delete', 'apps', 'deployments', 'someone-else'),
        'list deployments': await can('list', 'apps', 'deployments'),
        [`update deployment ${id}`]: await can('update', 'apps', 'deployments', id),
        [`get service ${id}-rest`]: await can('get', '', 'services', `${id}-rest`),
        'delete another service': await can('delete', '', 'services', 'someone-else'),
        [`get configmap flink-config-${id}`]: await can('get', '', 'configmaps', `flink-config-${id}`),
        'get another configmap': await can('get', '', 'configmaps', 'someone-else'),
        'get secrets': await can('get', '', 'secrets'),
        'list secrets': await can('list', '', 'secrets'),
        'create pods': await can('create', '', 'pods'),
        'list pods': await can('list', '', 'pods'),
      };
      expect(verdicts).toEqual({
        'create deployments': true,
        [`get deployment ${id}`]: true,
        [`delete deployment ${id}`]: true,
        'delete another deployment': false,
        'list deployments': false,
        [`update deployment ${id}`]: false,
        [`get service ${id}-rest`]: true,
        'delete another service': false,
        [`get configmap flink-config-${id}`]: true,
        'get another configmap': false,
        'get secrets': false,
        'list secrets': false,
        'create pods': false,
        'list pods': false,
      });
    } finally {
      for (const o of objects) {
        await admin.delete({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, namespace: ns });
      }
    }
  });
});

describe('deploy with an existing JobManager ServiceAccount named in the spec', () => {
  const ns = `secdep-b-${run}`;
  const id = `secdep-b-${run}`;
  const accounts = `jobManager:
  serviceAccount: acme-jm
taskManager:
  serviceAccountAnnotations:
    iam.gke.io/gcp-service-account: orders@acme.iam.gserviceaccount.com
`;
  const args = (file: string) => [
    'deploy',
    ...['--config', file, '--env', 'staging', '--image', image, '--client-image', trusted],
    ...['--kubeconfig', testbed('FLINKSHIP_TESTBED_STAGING_KUBECONFIG'), ...REST()],
  ];
  let file: string;

  beforeAll(async () => {
    namespaces.push(ns);
    file = await writeSpec('named.yaml', spec(ns, id, accounts));
    await admin.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    await admin.apply({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'acme-jm', namespace: ns },
    });
  });

  it('refuses, at the spec line and before writing anything, while the account lacks what the JobManager needs', async () => {
    const r = await cli(...args(file));
    expect(r.code, r.err).toBe(2);
    expect(r.err).toContain(
      `${file}:19:23: environments.staging.jobManager.serviceAccount: ServiceAccount ${ns}/acme-jm lacks 15 of the 15 permissions the JobManager needs (nothing was changed): get pods in namespace ${ns};`,
    );
    expect(
      await admin.get({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        name: leaseName(id),
        namespace: ns,
      }),
    ).toBeUndefined();
    expect(
      await admin.get({
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        name: `${id}-flink-taskmanager`,
        namespace: ns,
      }),
    ).toBeUndefined();
  });

  it("deploys as that account once it holds them, leaves it untouched, and annotates the TaskManagers' own", async () => {
    const role = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'acme-jm', namespace: ns },
      rules: JOBMANAGER_RULES,
    };
    await admin.apply(role as KubernetesObject);
    await admin.apply({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'acme-jm', namespace: ns },
      subjects: [{ kind: 'ServiceAccount', name: 'acme-jm', namespace: ns }],
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'acme-jm' },
    } as KubernetesObject);
    const before = await admin.get({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      name: 'acme-jm',
      namespace: ns,
    });
    const r = await cli(...args(file));
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain(
      `ServiceAccount ${ns}/acme-jm (environments.staging.jobManager.serviceAccount): exists, and holds the 15 permissions the JobManager needs (SubjectAccessReview)`,
    );
    const d = await admin.get<V1Deployment>({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: id,
      namespace: ns,
    });
    expect(d?.spec?.template.spec?.serviceAccountName).toBe('acme-jm');
    const after = await admin.get({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      name: 'acme-jm',
      namespace: ns,
    });
    expect(after?.metadata?.resourceVersion).toBe(before?.metadata?.resourceVersion);
    const tm = await admin.get({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      name: `${id}-flink-taskmanager`,
      namespace: ns,
    });
    expect(tm?.metadata?.annotations).toEqual({
      'iam.gke.io/gcp-service-account': 'orders@acme.iam.gserviceaccount.com',
    });
    // Without HA the TaskManagers need nothing from the API: no Role for them.
    expect(
      await admin.get({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        name: `${id}-flink-taskmanager`,
        namespace: ns,
      }),
    ).toBeUndefined();
  });

  it('warns when a named TaskManager account may create or delete pods, and runs the TaskManagers as it', async () => {
    // acme-jm holds the JobManager's rights, pods included: too much for TaskManagers, which run user code.
    const both = 'jobManager:\n  serviceAccount: acme-jm\ntaskManager:\n  serviceAccount: acme-jm\n';
    const tmFile = await writeSpec('named-tm.yaml', spec(ns, id, both));
    const r = await cli(...args(tmFile));
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain(
      `ServiceAccount ${ns}/acme-jm (environments.staging.taskManager.serviceAccount) may create or delete pods: the TaskManagers run the job's code, which then may too. They need only configmaps get, list, watch (with Kubernetes HA)`,
    );
    const cm = await admin.get<V1ConfigMap>({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      name: `flink-config-${id}`,
      namespace: ns,
    });
    const conf = parse(cm?.data?.['config.yaml'] ?? '') as {
      kubernetes: Record<string, Record<string, string>>;
    };
    expect(conf.kubernetes.taskmanager!['service-account']).toBe('acme-jm');
  });
});

describe('a deploy cancelled with SIGTERM while its Flink client runs', () => {
  const ns = `secdep-c-${run}`;
  const id = `secdep-c-${run}`;
  const runnerTemp = mkdtempSync(path.join(tmpdir(), 'secdep-runner-temp-'));
  const childTmp = mkdtempSync(path.join(tmpdir(), 'secdep-child-tmp-'));
  let exit: { code: number | null; signal: NodeJS.Signals | null; stdout: string };
  let duringRun: { workDirs: string[]; kubeconfigs: string[]; lease: boolean; deployer: string[] };
  const docker = new Dockerode();
  const containersOf = () =>
    docker.listContainers({ all: true, filters: { label: [`app.kubernetes.io/instance=${id}`] } });

  beforeAll(async () => {
    namespaces.push(ns);
    const blocking = await pushBlockingClientImage('secdep-flink/blocking-client', run);
    const file = await writeSpec('cancel.yaml', spec(ns, id));
    // The client's container starting is the condition: listen before the run begins.
    const events = (await docker.getEvents({
      filters: { type: ['container'], event: ['start'], label: [`app.kubernetes.io/instance=${id}`] },
    })) as NodeJS.ReadableStream & { destroy(): void };
    const started = new Promise<void>((resolve) => events.once('data', () => resolve()));
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/action/deploy.ts'], {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        DOCKER_HOST: process.env.DOCKER_HOST,
        TMPDIR: childTmp,
        RUNNER_TEMP: runnerTemp,
        GITHUB_ACTIONS: 'true',
        INPUT_CONFIG: file,
        INPUT_ENV: 'staging',
        INPUT_IMAGE: image,
        // Content, not a path: the action writes it to a file in RUNNER_TEMP.
        INPUT_KUBECONFIG: readFileSync(testbed('FLINKSHIP_TESTBED_STAGING_KUBECONFIG'), 'utf8'),
        'INPUT_CLIENT-IMAGE': blocking,
        INPUT_TIMEOUT: '5m',
        'INPUT_REST-URL': testbed('FLINKSHIP_TESTBED_FLINK_REST_URL'),
        INPUT_OUTPUT: 'text',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    const exited = new Promise<typeof exit>((resolve) =>
      child.on('close', (code, signal) => resolve({ code, signal, stdout })),
    );
    const first = await Promise.race([started.then(() => 'started' as const), exited]);
    events.destroy();
    if (first !== 'started') throw new Error(`the deploy ended before its client started:\n${first.stdout}`);
    duringRun = {
      workDirs: readdirSync(childTmp).filter((f) => f.startsWith('flinkship-client-')),
      kubeconfigs: readdirSync(runnerTemp),
      lease: (await admin.get({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        name: leaseName(id),
        namespace: ns,
      }))
        ? true
        : false,
      deployer: await deployerLeft(ns, id),
    };
    child.kill('SIGTERM');
    exit = await exited;
  }, 300_000);

  afterAll(async () => {
    for (const c of await containersOf()) await docker.getContainer(c.Id).remove({ force: true });
    await rm(runnerTemp, { recursive: true, force: true });
    await rm(childTmp, { recursive: true, force: true });
  });

  it('had, while the client ran, a token kubeconfig, the inline kubeconfig, the Lease and the deployer', () => {
    expect(duringRun).toEqual({
      workDirs: [expect.stringMatching(/^flinkship-client-/)],
      kubeconfigs: [expect.stringMatching(/^flinkship-kubeconfig-/)],
      lease: true,
      deployer: ['ServiceAccount', 'Role', 'RoleBinding'],
    });
  });

  it('exits 143 after saying it cleans up', () => {
    expect(exit.code, exit.stdout).toBe(143);
    expect(exit.stdout).toContain('SIGTERM: the run was cancelled; cleaning up before exiting');
  });

  it('left no client container, no kubeconfig file, no deployer, and released the Lease', async () => {
    expect(await containersOf()).toEqual([]);
    expect(readdirSync(childTmp).filter((f) => f.startsWith('flinkship-'))).toEqual([]);
    expect(readdirSync(runnerTemp)).toEqual([]);
    expect(await deployerLeft(ns, id)).toEqual([]);
    expect(
      await admin.get({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        name: leaseName(id),
        namespace: ns,
      }),
    ).toBeUndefined();
    expect(exit.stdout).toContain(`Lease ${ns}/${leaseName(id)} released`);
  });
});
