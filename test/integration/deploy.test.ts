// `flinkship deploy` against the testbed: the real Flink 1.20.3 client (from the job image, through
// the Docker engine, and from FLINK_HOME) against the real staging API server, kwok running the pods,
// the MiniCluster's REST API standing for the JobManager's.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
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
import { clientKubeconfig } from '../../src/deploy/deployer.js';
import { RECORD_ANNOTATION } from '../../src/deploy/record.js';
import { Kube } from '../../src/executors/kube.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { startGitHubStandIn } from '../helpers/github-standin.js';
import { deployVerb } from '../../src/verbs/deploy.js';
import { parseOptions } from '../../src/options/options.js';
import { TerminalUi } from '../../src/ui/terminal.js';
import { parse } from 'yaml';
import { runAction } from '../helpers/runner.js';
import { testbed } from './testbed.js';
import { cli } from '../helpers/cli.js';
import { pushJobImage, stagingAdmin } from '../helpers/deploy.js';

const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const clusterId = `dj-${run}`;
const namespace = `deploy-${run}`;
let dir: string;
let image: string;
let admin: Kube;

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
# The health gate samples the testbed's MiniCluster job (it checkpoints every 2 s): a short window.
health: { window: 1s, checkpoints: 1 }
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

/** `<verb> --config <file> --env staging --kubeconfig <staging>` plus `extra`. */
function verbArgs(verb: 'deploy' | 'delete', file: string, ...extra: string[]): string[] {
  return [
    verb,
    '--config',
    file,
    '--env',
    'staging',
    // The client from the job image: the opt-in path (security-deploy.test.ts covers the trusted image).
    ...(verb === 'deploy'
      ? ['--image', image, ...(extra.includes('--flink-home') ? [] : ['--client-image', 'job'])]
      : []),
    '--kubeconfig',
    testbed('FLINKSHIP_TESTBED_STAGING_KUBECONFIG'),
    ...extra,
  ];
}

const REST = () => ['--rest-url', testbed('FLINKSHIP_TESTBED_FLINK_REST_URL')];

const deployment = () =>
  admin.get<V1Deployment>({ apiVersion: 'apps/v1', kind: 'Deployment', name: clusterId, namespace });

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'deploy-test-'));
  admin = stagingAdmin();
  image = await pushJobImage('deploy-test', run);
});

afterAll(async () => {
  await admin?.delete({ apiVersion: 'v1', kind: 'Namespace', name: namespace });
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('flinkship deploy (client from the job image)', () => {
  let first: { code: number; out: string; err: string };

  beforeAll(async () => {
    const file = await writeSpec('flinkship.yaml', spec(namespace, clusterId));
    first = await cli(...verbArgs('deploy', file, ...REST(), '--output', 'json'));
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
    const again = await cli(...verbArgs('deploy', path.join(dir, 'flinkship.yaml'), ...REST()));
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
      '--timeout: found "5 minutes"; expected a duration such as 90s, 10m, 1h30m or 1d',
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

  it('a user without the permissions gets the missing ones listed, exit 2, and nothing is written', async () => {
    // A ServiceAccount that may only read Deployments in default: a deployer with far too little.
    const sa = `weak-${run}`;
    await admin.apply({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: sa, namespace: 'default' },
    });
    try {
      const token = await admin.serviceAccountToken('default', sa, 600);
      const cluster = admin.config.getCurrentCluster()!;
      const kc = path.join(dir, 'weak-kubeconfig');
      await writeFile(
        kc,
        clientKubeconfig(
          {
            server: cluster.server,
            caData: cluster.caData ?? readFileSync(cluster.caFile!).toString('base64'),
          },
          token,
          'default',
        ),
        { mode: 0o600 },
      );
      const file = await writeSpec(
        'weak.yaml',
        spec(badNs, badId).replace('context: staging', 'context: flinkship'),
      );
      const r = await cli(
        'deploy',
        '--config',
        file,
        '--env',
        'staging',
        '--image',
        image,
        '--kubeconfig',
        kc,
      );
      expect(r.code).toBe(2);
      expect(r.err).toMatch(
        new RegExp(
          `the user of context flinkship lacks (\\d+) of the \\1 permissions deploy needs \\(nothing was changed\\)`,
        ),
      );
      expect(r.err).toContain(`create serviceaccounts/token in namespace ${badNs}`);
      expect(r.err).toContain('create namespaces (cluster-wide)');
      expect(r.err).toContain(`create deployments.apps in namespace ${badNs}`);
      expect(await footprint()).toBe(0);
    } finally {
      await admin.delete({ apiVersion: 'v1', kind: 'ServiceAccount', name: sa, namespace: 'default' });
    }
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

/** A deploy of a fresh cluster id in a fresh namespace; returns the CLI run and the names. */
async function deployFresh(
  tag: string,
  opts: { upgradeMode?: string; extra?: string; args?: string[]; kubeconfig?: string } = {},
) {
  const ns = `deploy-${tag}-${run}`;
  const id = `${tag}-${run}`;
  const file = await writeSpec(`${tag}.yaml`, spec(ns, id, opts.upgradeMode, opts.extra));
  const argv = verbArgs('deploy', file, ...REST(), ...(opts.args ?? []));
  if (opts.kubeconfig) argv[argv.indexOf('--kubeconfig') + 1] = opts.kubeconfig;
  const r = await cli(...argv);
  return { r, ns, id, file };
}

const cleanup: string[] = [];
afterAll(async () => {
  for (const ns of cleanup) await admin?.delete({ apiVersion: 'v1', kind: 'Namespace', name: ns });
});

describe('flinkship deploy: upgrades', () => {
  it('replaces a stateless job whose config changed (Foreground delete, then submit)', async () => {
    const first = await deployFresh('sl');
    cleanup.push(first.ns);
    expect(first.r.code, first.r.err).toBe(0);
    const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name: first.id, namespace: first.ns };
    const uid = (await admin.get<V1Deployment>(ref))?.metadata?.uid;
    await writeFile(
      first.file,
      spec(first.ns, first.id, 'stateless').replace('interval: 10s', 'interval: 20s'),
    );
    const again = await cli(...verbArgs('deploy', first.file, ...REST()));
    expect(again.code, again.err).toBe(0);
    expect(again.err).toContain(`Deployment ${first.ns}/${first.id} deleted`);
    expect(again.out).toContain('replaced (stateless: deleted, then submitted again)');
    const now = await admin.get<V1Deployment>(ref);
    expect(now?.metadata?.uid).not.toBe(uid);
    const cm = await admin.get<V1ConfigMap>({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      name: `flink-config-${first.id}`,
      namespace: first.ns,
    });
    expect(cm?.data?.['config.yaml']).toContain('interval: 20s');
  });

  it('upgrades a savepoint job whose config changed: stop-with-savepoint, then submit from it', async () => {
    const first = await deployFresh('sp', { upgradeMode: 'savepoint', args: ['--output', 'json'] });
    cleanup.push(first.ns);
    expect(first.r.code, first.r.err).toBe(0);
    expect(JSON.parse(first.r.out)).toMatchObject({ revision: 1, upgradePath: 'create', action: 'created' });
    await writeFile(
      first.file,
      spec(first.ns, first.id, 'savepoint').replace('interval: 10s', 'interval: 20s'),
    );
    const again = await cli(...verbArgs('deploy', first.file, ...REST(), '--output', 'json'));
    expect(again.code, again.err).toBe(0);
    const out = JSON.parse(again.out);
    expect(out).toMatchObject({ revision: 2, upgradePath: 'savepoint', action: 'upgraded' });
    // The savepoint of the MiniCluster's job (the testbed's REST endpoint), recorded and restored from.
    expect(out.savepoint).toMatch(/^file:\/.*savepoint-/);
    expect(out.restoredFrom).toEqual({ kind: 'savepoint', path: out.savepoint });
    expect(again.err).toContain(`savepoint completed: ${out.savepoint}`);
    expect(again.err).toContain(`-Dexecution.savepoint.path=${out.savepoint}`);
    expect(again.err).toMatch(/-D\$internal\.pipeline\.job-id=[0-9a-f]{32}/);
    // The new JobManager's configuration restores from it.
    const conf = await admin.get<V1ConfigMap>({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      name: `flink-config-${first.id}`,
      namespace: first.ns,
    });
    expect(Object.values(conf?.data ?? {}).join('\n')).toContain(out.savepoint);
    // The history: revision 1 superseded, revision 2 deployed with the health verdict.
    const history = await cli(
      'history',
      '--config',
      first.file,
      '--env',
      'staging',
      '--kubeconfig',
      testbed('FLINKSHIP_TESTBED_STAGING_KUBECONFIG'),
      '--output',
      'json',
    );
    expect(history.code, history.err).toBe(0);
    const revisions = JSON.parse(history.out).revisions;
    expect(
      revisions.map((r: { revision: number; state: string; path: string }) => [r.revision, r.state, r.path]),
    ).toEqual([
      [1, 'superseded', 'create'],
      [2, 'deployed', 'savepoint'],
    ]);
    expect(revisions[1].health.healthy).toBe(true);
    expect(revisions[1]).not.toHaveProperty('submission');
  });
});

describe('flinkship delete', () => {
  it('stops a stateful job with a savepoint, then removes the cluster and its HA ConfigMaps', async () => {
    const first = await deployFresh('del', { upgradeMode: 'savepoint' });
    cleanup.push(first.ns);
    expect(first.r.code, first.r.err).toBe(0);
    // An HA ConfigMap as Flink's JobManager writes it: no owner, so it survives the Deployment.
    await admin.apply({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: `${first.id}-cluster-config-map`,
        namespace: first.ns,
        labels: { app: first.id, 'configmap-type': 'high-availability', type: 'flink-native-kubernetes' },
      },
    });
    const del = await cli(...verbArgs('delete', first.file, ...REST(), '--output', 'json'));
    expect(del.code, del.err).toBe(0);
    const result = JSON.parse(del.out);
    expect(result).toMatchObject({ clusterId: first.id, namespace: first.ns, deleted: true });
    expect(result.savepoint).toMatch(/^file:\/.*\/savepoints\/savepoint-[0-9a-f]{6}-[0-9a-f]{12}$/);
    // The savepoint completed before anything was deleted.
    expect(del.err.indexOf('savepoint completed')).toBeLessThan(del.err.indexOf('deleted'));
    expect(
      await admin.get({ apiVersion: 'apps/v1', kind: 'Deployment', name: first.id, namespace: first.ns }),
    ).toBeUndefined();
    expect(
      (await admin.list('v1', 'ConfigMap', first.ns, { labelSelector: `app=${first.id}` })).items,
    ).toEqual([]);
  });

  it('refuses to delete a stateful job whose REST API does not answer, unless --force', async () => {
    const first = await deployFresh('delf', { upgradeMode: 'savepoint' });
    cleanup.push(first.ns);
    expect(first.r.code, first.r.err).toBe(0);
    // Nothing listens on the discard port.
    const args = verbArgs('delete', first.file, '--rest-url', 'http://127.0.0.1:9', '--timeout', '60s');
    const refused = await cli(...args);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('is stateful (upgradeMode savepoint)');
    expect(refused.err).toContain('nothing was deleted');
    const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name: first.id, namespace: first.ns };
    expect(await admin.get(ref)).toBeDefined();
    const forced = await cli(...args, '--force');
    expect(forced.code, forced.err).toBe(0);
    expect(await admin.get(ref)).toBeUndefined();
  });
});

describe('flinkship deploy: readiness failures', () => {
  it('prints the events and the JobManager pod status and exits 1 when the pod cannot be scheduled', async () => {
    const extra = `    podTemplate:
      spec:
        nodeSelector: { flinkship.dev/no-such-node: "true" }
`;
    const { r, ns, id } = await deployFresh('unsched', { extra, args: ['--timeout', '25s'] });
    cleanup.push(ns);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`timed out after`);
    expect(r.err).toContain(`waiting for Deployment ${ns}/${id} Available; last seen: 0/1 ready`);
    expect(r.err).toContain(`# Events of ${id} in ${ns}`);
    expect(r.err).toMatch(
      /FailedScheduling Pod\/[\w-]+: .*node\(s\) didn't match Pod's node affinity\/selector/,
    );
    expect(r.err).toMatch(/pod [\w-]+: phase Pending/);
    expect(r.err).toMatch(/condition PodScheduled=False Unschedulable/);
  });
});

describe('flinkship deploy: the Flink client from --flink-home', () => {
  it('deploys with the local FLINK_HOME', async () => {
    const { r, ns, id } = await deployFresh('home', {
      args: ['--flink-home', testbed('FLINKSHIP_TESTBED_FLINK_HOME')],
    });
    cleanup.push(ns);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/-Dkubernetes.config.file=\/tmp\/flinkship-client-\w+\/kubeconfig/);
    const d = await admin.get<V1Deployment>({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: id,
      namespace: ns,
    });
    expect(d?.spec?.template.spec?.containers[0]?.image).toBe(image);
  });
});

describe('flinkship deploy through API faults', () => {
  it('retries a 409 conflict, a 500 and a connection reset within bounds, and converges', async () => {
    const proxy = await startFaultProxy({
      kubeconfig: testbed('FLINKSHIP_TESTBED_STAGING_KUBECONFIG'),
      faults: [
        { kind: 'reset', match: { method: 'POST', pathPrefix: '/apis/authorization.k8s.io/' } },
        { kind: 'status', code: 500, match: { method: 'GET', pathPrefix: '/apis/apps/v1/namespaces/' } },
        { kind: 'status', code: 409, match: { method: 'PATCH' } },
        { kind: 'status', code: 409, match: { method: 'PATCH', pathPrefix: '/apis/apps/v1/' } },
      ],
    });
    try {
      const { r, ns, id } = await deployFresh('faults', { kubeconfig: proxy.kubeconfigPath });
      cleanup.push(ns);
      expect(r.code, r.err).toBe(0);
      expect(proxy.injected.map((f) => [f.kind, f.code ?? null])).toEqual(
        expect.arrayContaining([
          ['reset', null],
          ['status', 500],
          ['status', 409],
          ['status', 409],
        ]),
      );
      expect(proxy.injected).toHaveLength(4);
      expect(r.err).toMatch(/attempt 1 failed \(HTTP 409 Conflict/);
      expect(r.err).toMatch(/attempt 1 failed \(HTTP 500/);
      const d = await admin.get<V1Deployment>({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: id,
        namespace: ns,
      });
      expect(d?.metadata?.annotations?.[RECORD_ANNOTATION]).toContain(image);
    } finally {
      await proxy.close();
    }
  });
});

describe('flinkship deploy in GitHub Actions', () => {
  it('records a GitHub deployment and a success status carrying the environment URL', async () => {
    const token = 'ghs_deploytesttoken';
    const github = await startGitHubStandIn({ owner: 'acme', repo: 'jobs', tokens: [token] });
    const ns = `deploy-gh-${run}`;
    const id = `gh-${run}`;
    cleanup.push(ns);
    const file = await writeSpec('gh.yaml', spec(ns, id));
    const saved = { ...process.env };
    Object.assign(process.env, {
      GITHUB_ACTIONS: 'true',
      GITHUB_REPOSITORY: 'acme/jobs',
      GITHUB_SHA: 'a'.repeat(40),
      GITHUB_RUN_ID: '42',
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_ACTOR: 'octocat',
      GITHUB_API_URL: github.url,
    });
    try {
      const options = parseOptions(
        deployVerb.options,
        {
          config: file,
          env: 'staging',
          image,
          kubeconfig: testbed('FLINKSHIP_TESTBED_STAGING_KUBECONFIG'),
          'rest-url': testbed('FLINKSHIP_TESTBED_FLINK_REST_URL'),
          'client-image': 'job',
          'github-token': token,
        },
        'inputs',
      );
      const lines: string[] = [];
      const ui = new TerminalUi(
        new Writable({
          write(chunk: Buffer, _e, done) {
            lines.push(chunk.toString());
            done();
          },
        }),
      );
      const result = await deployVerb.run(options, ui);
      expect(result.githubDeployment?.environmentUrl).toBe(testbed('FLINKSHIP_TESTBED_FLINK_REST_URL'));
      expect(result.record).toMatchObject({
        commit: 'a'.repeat(40),
        runUrl: 'https://github.com/acme/jobs/actions/runs/42',
        actor: 'octocat',
      });
      expect(lines.join('')).not.toContain(token);
      expect(github.requests.map((q) => [q.method, q.path, q.status])).toEqual([
        ['POST', '/repos/acme/jobs/deployments', 201],
        ['POST', `/repos/acme/jobs/deployments/${result.githubDeployment!.id}/statuses`, 201],
      ]);
      expect(github.requests[0]!.body).toMatchObject({
        ref: 'a'.repeat(40),
        environment: 'staging',
        auto_merge: false,
        payload: { image, configHash: result.record.configHash },
      });
      expect(github.requests[1]!.body).toMatchObject({
        state: 'success',
        environment_url: testbed('FLINKSHIP_TESTBED_FLINK_REST_URL'),
        log_url: 'https://github.com/acme/jobs/actions/runs/42',
      });
    } finally {
      process.env = saved;
      await github.close();
    }
  });
});

describe('actions/deploy with the kubeconfig content in its input', () => {
  it('writes it to a private file, masks its credentials, and refuses an unknown context with exit 2', async () => {
    const content = readFileSync(testbed('FLINKSHIP_TESTBED_STAGING_KUBECONFIG'), 'utf8');
    const keyData = (parse(content) as { users: { user: Record<string, string> }[] }).users[0]!.user[
      'client-key-data'
    ]!;
    expect(keyData.length).toBeGreaterThan(40);
    const file = await writeSpec('content.yaml', spec(`deploy-content-${run}`, `ct-${run}`));
    const before = (await admin.list('v1', 'Namespace', undefined)).items;
    const result = await runAction('actions/deploy', {
      config: file,
      env: 'staging',
      image,
      kubeconfig: content,
      context: 'no-such-context',
    });
    expect(result.code).toBe(2);
    const lines = result.stdout.split('\n');
    expect(lines).toContain(`::add-mask::${keyData}`);
    expect(lines.filter((l) => l.includes(keyData))).toEqual([`::add-mask::${keyData}`]);
    expect(result.stdout).toContain('context "no-such-context" is not in');
    expect(result.stdout).toContain('valid: staging');
    const after = (await admin.list('v1', 'Namespace', undefined)).items;
    expect(after.map((n) => n.metadata?.name).sort()).toEqual(before.map((n) => n.metadata?.name).sort());
  });
});
