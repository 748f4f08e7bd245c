// `flinkship deploy` against the testbed: the real Flink 1.20.3 client (from the job image, through
// the Docker engine, and from FLINK_HOME) against the real staging API server, kwok running the pods,
// the MiniCluster's REST API standing for the JobManager's.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AuthorizationV1Api,
  type V1ConfigMap,
  type V1Deployment,
  type V1Service,
} from '@kubernetes/client-node';
import { runCli } from '../../src/cli/run.js';
import { RECORD_ANNOTATION } from '../../src/deploy/record.js';
import { DockerEngine } from '../../src/executors/docker.js';
import { Kube } from '../../src/executors/kube.js';
import { testbed } from './testbed.js';

const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const clusterId = `dj-${run}`;
const namespace = `deploy-${run}`;
let dir: string;
let image: string;
let admin: Kube;

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const sink = (f: (s: string) => void) =>
    new Writable({
      write(chunk: Buffer, _e, done) {
        f(chunk.toString());
        done();
      },
    });
  const code = await runCli(argv, {
    stdout: sink((s) => (out += s)),
    stderr: sink((s) => (err += s)),
  });
  return { code, out, err };
}

function spec(ns: string, id: string, upgradeMode = 'stateless', extra = ''): string {
  return `name: ${id}
flinkVersion: '1.20'
image:
  repository: ${testbed('FLINKSHIP_TESTBED_STAGING_REGISTRY')}/flinkship-deploy-test/job
job:
  jar: job.jar
  entryClass: dev.example.Job
  upgradeMode: ${upgradeMode}
flinkConfiguration:
  execution.checkpointing.interval: 10s
  state.savepoints.dir: file:///tmp/savepoints
jobManager:
  resource: { cpu: 0.5, memory: 1024m }
taskManager:
  resource: { cpu: 0.5, memory: 1024m }
environments:
  staging:
    namespace: ${ns}
    createNamespace: true
    context: staging
${extra}`;
}

async function writeSpec(name: string, text: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, text);
  return file;
}

const deployment = () =>
  admin.get<V1Deployment>({ apiVersion: 'apps/v1', kind: 'Deployment', name: clusterId, namespace });

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'deploy-test-'));
  admin = Kube.load({ kubeconfig: testbed('FLINKSHIP_TESTBED_STAGING_KUBECONFIG'), context: 'staging' });
  // The job image: the stand-in Flink image, pushed so that it has a digest.
  const engine = new DockerEngine();
  const repository = `${testbed('FLINKSHIP_TESTBED_STAGING_REGISTRY')}/flinkship-deploy-test/job`;
  await engine.tag(testbed('FLINKSHIP_TESTBED_FLINK_BASE_IMAGE'), repository, run);
  const pushed = await engine.push(repository, run, undefined, () => undefined);
  image = `${repository}@${pushed.digest}`;
});

afterAll(async () => {
  await admin?.delete({ apiVersion: 'v1', kind: 'Namespace', name: namespace });
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('flinkship deploy (client from the job image)', () => {
  let first: { code: number; out: string; err: string };

  beforeAll(async () => {
    const file = await writeSpec('flinkship.yaml', spec(namespace, clusterId));
    first = await cli(
      'deploy',
      '--config',
      file,
      '--env',
      'staging',
      '--image',
      image,
      '--kubeconfig',
      testbed('FLINKSHIP_TESTBED_STAGING_KUBECONFIG'),
      '--rest-url',
      testbed('FLINKSHIP_TESTBED_FLINK_REST_URL'),
      '--output',
      'json',
    );
  });

  it('exits 0 and prints the outputs as JSON', () => {
    expect(first.code, first.err).toBe(0);
    const json = JSON.parse(first.out);
    expect(json).toMatchObject({
      clusterId,
      namespace,
      image,
      restUrl: testbed('FLINKSHIP_TESTBED_FLINK_REST_URL'),
      action: 'created',
    });
    expect(json.jobId).toMatch(/^[0-9a-f]{32}$/);
    expect(json.record).toMatchObject({ image, configHash: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
  });

  it('the real client created the JobManager Deployment, labelled and by digest, with its ConfigMap and rest Service', async () => {
    const d = await deployment();
    expect(d?.metadata?.labels).toMatchObject({ type: 'flink-native-kubernetes', app: clusterId });
    expect(d?.spec?.template.spec?.containers[0]?.image).toBe(image);
    expect(d?.spec?.template.spec?.serviceAccountName).toBe(`${clusterId}-flink`);
    const cm = await admin.get<V1ConfigMap>({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      name: `flink-config-${clusterId}`,
      namespace,
    });
    expect(cm?.data?.['config.yaml']).toContain(`cluster-id: ${clusterId}`);
    const rest = await admin.get<V1Service>({
      apiVersion: 'v1',
      kind: 'Service',
      name: `${clusterId}-rest`,
      namespace,
    });
    expect(rest?.spec?.ports?.map((p) => [p.name, p.port])).toEqual([['rest', 8081]]);
  });

  it('reports Available once kwok runs the pod, then the job RUNNING', () => {
    expect(first.err).toContain(`Deployment ${namespace}/${clusterId} is Available`);
    expect(first.err).toMatch(/job [0-9a-f]{32} \(flinkship-testbed-counter\) is RUNNING/);
  });

  it('records the deployment as JSON in an annotation on the JobManager Deployment', async () => {
    const d = await deployment();
    const record = JSON.parse(d!.metadata!.annotations![RECORD_ANNOTATION]!);
    expect(record).toEqual(JSON.parse(first.out).record);
    expect(Object.keys(record).sort()).toEqual(
      expect.arrayContaining(['actor', 'clusterId', 'configHash', 'digest', 'image', 'time', 'upgradeMode']),
    );
    expect(record.digest).toBe(image.split('@')[1]);
  });

  it('never prints the kubeconfig or the token', async () => {
    expect(first.err).toContain('-Dkubernetes.config.file=/flinkship/kubeconfig');
    expect(first.err).not.toMatch(/eyJ[A-Za-z0-9_-]{20,}/); // a JWT
    expect(first.err).not.toContain('certificate-authority-data');
  });

  it("gives the JobManager's ServiceAccount pods in its namespace, and neither secrets nor another namespace", async () => {
    const authz = admin.config.makeApiClient(AuthorizationV1Api);
    const can = async (verb: string, resource: string, ns: string) =>
      (
        await authz.createSubjectAccessReview({
          body: {
            spec: {
              user: `system:serviceaccount:${namespace}:${clusterId}-flink`,
              resourceAttributes: { verb, resource, namespace: ns },
            },
          },
        })
      ).status?.allowed ?? false;
    expect(await can('create', 'pods', namespace)).toBe(true);
    expect(await can('delete', 'configmaps', namespace)).toBe(true);
    expect(await can('get', 'secrets', namespace)).toBe(false);
    expect(await can('list', 'secrets', namespace)).toBe(false);
    expect(await can('create', 'pods', 'default')).toBe(false);
  });

  it('a re-deploy is a no-op: it says so, and the resourceVersion does not change', async () => {
    const before = (await deployment())?.metadata?.resourceVersion;
    const again = await cli(
      'deploy',
      '--config',
      path.join(dir, 'flinkship.yaml'),
      '--env',
      'staging',
      '--image',
      image,
      '--kubeconfig',
      testbed('FLINKSHIP_TESTBED_STAGING_KUBECONFIG'),
      '--rest-url',
      testbed('FLINKSHIP_TESTBED_FLINK_REST_URL'),
    );
    expect(again.code, again.err).toBe(0);
    expect(again.err).toContain(`${namespace}/${clusterId} already runs ${image} with config`);
    expect(again.out).toContain(`${clusterId} in ${namespace} (context staging): unchanged`);
    expect((await deployment())?.metadata?.resourceVersion).toBe(before);
  });
});

describe('flinkship deploy refuses bad input and touches nothing', () => {
  const badNs = `deploy-bad-${run}`;
  const badId = `bad-${run}`;

  /** Everything the deploy would write: the namespace, and objects labelled with the cluster id anywhere. */
  async function footprint(): Promise<number> {
    const ns = (await admin.get({ apiVersion: 'v1', kind: 'Namespace', name: badNs })) ? 1 : 0;
    let n = ns;
    for (const [apiVersion, kind] of [
      ['v1', 'ServiceAccount'],
      ['rbac.authorization.k8s.io/v1', 'Role'],
      ['rbac.authorization.k8s.io/v1', 'RoleBinding'],
      ['apps/v1', 'Deployment'],
      ['v1', 'ConfigMap'],
    ] as const) {
      n += (
        await admin.list(apiVersion, kind, undefined, {
          labelSelector: `app.kubernetes.io/instance=${badId}`,
        })
      ).items.length;
      n += (await admin.list(apiVersion, kind, undefined, { labelSelector: `app=${badId}` })).items.length;
    }
    return n;
  }

  it.each([
    [
      'a tag in staging',
      (f: string) => ['--config', f, '--env', 'staging', '--image', '127.0.0.1:5001/x/job:main'],
      '<flags>: --image: found "127.0.0.1:5001/x/job:main", which is a tag: deploy by digest',
    ],
    [
      'an unknown context',
      (f: string) => [
        '--config',
        f,
        '--env',
        'staging',
        '--image',
        `127.0.0.1:5001/x/job@sha256:${'a'.repeat(64)}`,
        '--context',
        'nope',
      ],
      '--context: context "nope" is not in',
    ],
    [
      'a missing kubeconfig',
      (f: string) => [
        '--config',
        f,
        '--env',
        'staging',
        '--image',
        `127.0.0.1:5001/x/job@sha256:${'a'.repeat(64)}`,
        '--kubeconfig',
        '/nonexistent',
      ],
      '--kubeconfig: no such file: /nonexistent',
    ],
    [
      'a bad timeout',
      (f: string) => [
        '--config',
        f,
        '--env',
        'staging',
        '--image',
        `127.0.0.1:5001/x/job@sha256:${'a'.repeat(64)}`,
        '--timeout',
        '5 minutes',
      ],
      '--timeout: found "5 minutes"; expected a duration such as 90s, 5m or 1h',
    ],
  ])('%s: exit 2, a located message, the same objects before and after', async (_what, args, message) => {
    const file = await writeSpec(`bad-${_what.replace(/\W/g, '-')}.yaml`, spec(badNs, badId));
    const before = await footprint();
    const argv = args(file);
    if (!argv.includes('--kubeconfig'))
      argv.push('--kubeconfig', testbed('FLINKSHIP_TESTBED_STAGING_KUBECONFIG'));
    const r = await cli('deploy', ...argv);
    expect(r.code, r.err).toBe(2);
    expect(r.err).toContain(message);
    expect(await footprint()).toBe(before);
    expect(before).toBe(0);
  });

  it('a spec error is located at file:line and nothing is written', async () => {
    const file = await writeSpec('bad-spec.yaml', spec(badNs, badId, 'savepiont'));
    const r = await cli(
      'deploy',
      '--config',
      file,
      '--env',
      'staging',
      '--image',
      `127.0.0.1:5001/x/job@sha256:${'a'.repeat(64)}`,
      '--kubeconfig',
      testbed('FLINKSHIP_TESTBED_STAGING_KUBECONFIG'),
    );
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${file}:8:16: job.upgradeMode: found "savepiont" (did you mean "savepoint"?)`);
    expect(await footprint()).toBe(0);
  });
});
