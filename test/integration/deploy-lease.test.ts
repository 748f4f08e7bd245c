// One deployer at a time per cluster-id, held by a Kubernetes Lease, against the staging testbed: the
// real API server arbitrates (create/AlreadyExists, replace/Conflict, watch), the real Flink 1.20.3
// client submits from FLINKSHIP_TESTBED_FLINK_HOME, kwok runs the pods, the MiniCluster stands for the
// JobManager's REST API. And a deploy that fails in Actions leaves a GitHub deployment with state
// failure, against the GitHub stand-in (test/helpers/github-standin.ts; GitHub has no offline API).
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubernetesObject, V1Deployment } from '@kubernetes/client-node';
import { microTime, type LeaseObject } from '../../src/deploy/lease.js';
import { RECORD_ANNOTATION } from '../../src/deploy/record.js';
import { Kube } from '../../src/executors/kube.js';
import { startGitHubStandIn } from '../helpers/github-standin.js';
import { parseOptions } from '../../src/options/options.js';
import { TerminalUi } from '../../src/ui/terminal.js';
import { OperationError } from '../../src/util/errors.js';
import { deployVerb } from '../../src/verbs/deploy.js';
import { testbed } from './testbed.js';
import { cli as runCliIn } from '../helpers/cli.js';
import { pushJobImage, stagingAdmin } from '../helpers/deploy.js';

const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const OTHER = 'https://github.com/acme/jobs/actions/runs/41';
let dir: string;
let image: string;
let admin: Kube;
const namespaces: string[] = [];

const cli = (argv: string[]) => runCliIn(...argv);

function spec(ns: string, id: string, extra = ''): string {
  return `name: ${id}
flinkVersion: '1.20'
image:
  repository: ${testbed('FLINKSHIP_TESTBED_STAGING_REGISTRY')}/flinkship-lease-test/job
job:
  jar: job.jar
  entryClass: dev.example.Job
  upgradeMode: stateless
flinkConfiguration:
  execution.checkpointing.interval: 10s
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

/** A fresh namespace and cluster id, and the spec file deploying there. */
async function fresh(tag: string, extra = ''): Promise<{ ns: string; id: string; file: string }> {
  const ns = `lease-${tag}-${run}`;
  const id = `${tag}-${run}`;
  namespaces.push(ns);
  const file = path.join(dir, `${tag}.yaml`);
  await writeFile(file, spec(ns, id, extra));
  return { ns, id, file };
}

function deployArgs(file: string, ...extra: string[]): string[] {
  return [
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
    '--flink-home',
    testbed('FLINKSHIP_TESTBED_FLINK_HOME'),
    ...extra,
  ];
}

/** A Flink client that fails at once: a deploy fails after it took the lease and applied RBAC. */
async function failingFlinkHome(): Promise<string> {
  const home = path.join(dir, 'failing-flink-home');
  await mkdir(path.join(home, 'bin'), { recursive: true });
  await writeFile(path.join(home, 'bin', 'flink'), '#!/bin/sh\necho "refusing to submit" >&2\nexit 3\n');
  await chmod(path.join(home, 'bin', 'flink'), 0o755);
  return home;
}

const leaseRef = (ns: string, id: string) => ({
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  name: `${id}-flinkship`,
  namespace: ns,
});

/** Another deployer's Lease, renewed `renewedAgoS` seconds ago, lasting `durationS`. */
async function otherHoldsLease(ns: string, id: string, renewedAgoS: number, durationS: number) {
  await admin.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  const renewed = new Date(Date.now() - renewedAgoS * 1000);
  return admin.create<LeaseObject>({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: `${id}-flinkship`, namespace: ns },
    spec: {
      holderIdentity: OTHER,
      acquireTime: microTime(renewed),
      renewTime: microTime(renewed),
      leaseDurationSeconds: durationS,
      leaseTransitions: 0,
    },
  });
}

/** What deploy writes besides the namespace: its RBAC objects, the client's objects, Leases but `keep`. */
async function writtenIn(ns: string, id: string, keep?: string): Promise<string[]> {
  const names: string[] = [];
  for (const [apiVersion, kind] of [
    ['v1', 'ServiceAccount'],
    ['rbac.authorization.k8s.io/v1', 'Role'],
    ['rbac.authorization.k8s.io/v1', 'RoleBinding'],
    ['apps/v1', 'Deployment'],
    ['v1', 'ConfigMap'],
    ['v1', 'Service'],
  ] as const) {
    for (const selector of [`app.kubernetes.io/instance=${id}`, `app=${id}`]) {
      const list = await admin.list(apiVersion, kind, ns, { labelSelector: selector });
      names.push(...list.items.map((o: KubernetesObject) => `${kind} ${o.metadata?.name}`));
    }
  }
  const leases = await admin.list('coordination.k8s.io/v1', 'Lease', ns);
  names.push(
    ...leases.items.filter((l) => l.metadata?.name !== keep).map((l) => `Lease ${l.metadata?.name}`),
  );
  return names;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'deploy-lease-test-'));
  admin = stagingAdmin();
  image = await pushJobImage('lease-test', run);
});

afterAll(async () => {
  for (const ns of namespaces) await admin?.delete({ apiVersion: 'v1', kind: 'Namespace', name: ns });
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('flinkship deploy holds a Lease per cluster-id', () => {
  it("waits for another holder's live Lease, then fails with exit 1 naming the holder, having written nothing but the namespace", async () => {
    const { ns, id, file } = await fresh('live');
    const theirs = await otherHoldsLease(ns, id, 5, 600);
    // A short --timeout: the wait's arithmetic is tested in simulated time (test/unit/lease-wait.test.ts);
    // here the real API server's watch and the exit code are, without sitting out a long timeout.
    const r = await cli(deployArgs(file, '--timeout', '5s'));
    expect(r.code, r.err).toBe(1);
    expect(r.err).toMatch(
      new RegExp(
        `waiting for the deploy lease of ${id}: held by ${OTHER} since \\d\\d:\\d\\d:\\d\\d UTC, \\d+s of \\d+s`,
      ),
    );
    expect(r.err).toContain(
      `error: the deploy lease of ${id} (Lease ${ns}/${id}-flinkship) is held by ${OTHER} since`,
    );
    expect(r.err).toContain('it was not released within the --timeout of 5s, so nothing was deployed');
    expect(r.err).toContain(`kubectl delete lease -n ${ns} ${id}-flinkship`);
    expect(r.err).not.toContain('Submit ');
    const after = await admin.get<LeaseObject>(leaseRef(ns, id));
    expect(after?.metadata?.resourceVersion).toBe(theirs.metadata?.resourceVersion);
    expect(after?.spec?.holderIdentity).toBe(OTHER);
    expect(await writtenIn(ns, id, `${id}-flinkship`)).toEqual([]);
  });

  it("delete holds the same Lease: it waits for a deployer's live one and fails naming it", async () => {
    const { ns, id, file } = await fresh('del');
    const theirs = await otherHoldsLease(ns, id, 5, 600);
    const r = await cli([
      'delete',
      '--config',
      file,
      '--env',
      'staging',
      '--kubeconfig',
      testbed('FLINKSHIP_TESTBED_STAGING_KUBECONFIG'),
      '--timeout',
      '5s',
    ]);
    expect(r.code, r.err).toBe(1);
    expect(r.err).toContain(`waiting for the deploy lease of ${id}: held by ${OTHER} since`);
    expect(r.err).toContain(
      `error: the deploy lease of ${id} (Lease ${ns}/${id}-flinkship) is held by ${OTHER}`,
    );
    expect((await admin.get<LeaseObject>(leaseRef(ns, id)))?.metadata?.resourceVersion).toBe(
      theirs.metadata?.resourceVersion,
    );
  });

  it('takes over an expired Lease, deploys, and leaves no Lease behind', async () => {
    const { ns, id, file } = await fresh('expired');
    await otherHoldsLease(ns, id, 600, 60);
    const r = await cli(deployArgs(file, '--output', 'json'));
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ clusterId: id, action: 'created' });
    expect(r.err).toMatch(
      new RegExp(
        `Lease ${ns}/${id}-flinkship taken over from ${OTHER}, whose lease expired, by \\S+@\\S+ pid ${process.pid} \\(deploy [0-9a-f]{8}\\) for 60s`,
      ),
    );
    expect(r.err).toContain(`Lease ${ns}/${id}-flinkship released`);
    expect(await admin.get(leaseRef(ns, id))).toBeUndefined();
  });

  it('releases the Lease when the deploy fails after taking it', async () => {
    const { ns, id, file } = await fresh('failed');
    const args = deployArgs(file);
    args[args.indexOf('--flink-home') + 1] = await failingFlinkHome();
    const r = await cli(args);
    expect(r.code, r.err).toBe(1);
    expect(r.err).toContain('exited 3; its last lines:');
    expect(r.err).toContain(`Lease ${ns}/${id}-flinkship taken by`);
    expect(r.err).toContain(`Lease ${ns}/${id}-flinkship released`);
    expect(await admin.get(leaseRef(ns, id))).toBeUndefined();
  });

  it('two deploys of one cluster-id started at once: exactly one submits, the other waits and finds it deployed', async () => {
    const { ns, id, file } = await fresh('race');
    const [a, b] = await Promise.all([
      cli(deployArgs(file, '--output', 'json')),
      cli(deployArgs(file, '--output', 'json')),
    ]);
    expect(a.code, a.err).toBe(0);
    expect(b.code, b.err).toBe(0);
    const runs = [a, b].map((r) => ({ ...r, action: (JSON.parse(r.out) as { action: string }).action }));
    expect(runs.map((r) => r.action).sort()).toEqual(['created', 'unchanged']);
    const submitter = runs.find((r) => r.action === 'created')!;
    const waiter = runs.find((r) => r.action === 'unchanged')!;
    expect(submitter.err).toContain(`── Submit ${id} with the Flink client`);
    expect(waiter.err).not.toContain('with the Flink client');
    expect(waiter.err).toMatch(
      new RegExp(
        `waiting for the deploy lease of ${id}: held by \\S+@\\S+ pid ${process.pid} \\(deploy [0-9a-f]{8}\\)`,
      ),
    );
    expect(waiter.err).toContain(`${ns}/${id} already runs ${image} with config`);
    // The waiter took the Lease only after the submitter had released it.
    expect(submitter.err).toContain(`Lease ${ns}/${id}-flinkship released`);
    expect(waiter.err).toContain(`Lease ${ns}/${id}-flinkship released`);
    const d = await admin.get<V1Deployment>({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: id,
      namespace: ns,
    });
    expect(JSON.parse(d!.metadata!.annotations![RECORD_ANNOTATION]!)).toEqual(
      JSON.parse(submitter.out).record,
    );
    expect(await admin.get(leaseRef(ns, id))).toBeUndefined();
  });
});

/** Runs the deploy verb as actions/deploy does (github-token is an input, not a CLI flag), in a run's environment. */
async function deployInActions(
  file: string,
  githubUrl: string,
  token: string,
  inputs: Record<string, string>,
): Promise<{ failure: unknown; log: string }> {
  const saved = { ...process.env };
  Object.assign(process.env, {
    GITHUB_ACTIONS: 'true',
    GITHUB_REPOSITORY: 'acme/jobs',
    GITHUB_SHA: 'b'.repeat(40),
    GITHUB_RUN_ID: '43',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_ACTOR: 'octocat',
    GITHUB_API_URL: githubUrl,
  });
  const lines: string[] = [];
  try {
    const options = parseOptions(
      deployVerb.options,
      {
        config: file,
        env: 'staging',
        image,
        kubeconfig: testbed('FLINKSHIP_TESTBED_STAGING_KUBECONFIG'),
        'rest-url': testbed('FLINKSHIP_TESTBED_FLINK_REST_URL'),
        'flink-home': testbed('FLINKSHIP_TESTBED_FLINK_HOME'),
        'github-token': token,
        ...inputs,
      },
      'inputs',
    );
    const ui = new TerminalUi(
      new Writable({
        write(chunk: Buffer, _e, done) {
          lines.push(chunk.toString());
          done();
        },
      }),
    );
    const failure = await deployVerb.run(options, ui).then(
      () => undefined,
      (err: unknown) => err,
    );
    return { failure, log: lines.join('') };
  } finally {
    process.env = saved;
  }
}

describe('flinkship deploy in GitHub Actions, failing', () => {
  const token = 'ghs_leasefailuretoken';

  it('records one GitHub deployment with one status of state failure, saying what failed, linking the run', async () => {
    const github = await startGitHubStandIn({ owner: 'acme', repo: 'jobs', tokens: [token] });
    const extra = `    podTemplate:
      spec:
        nodeSelector: { flinkship.dev/no-such-node: "true" }
`;
    const { ns, id, file } = await fresh('ghfail', extra);
    try {
      const { failure, log } = await deployInActions(file, github.url, token, { timeout: '40s' });
      expect(failure, log).toBeInstanceOf(OperationError);
      expect(log).not.toContain(token);
      expect(github.requests.map((q) => [q.method, q.path.replace(/\/\d+\//, '/:id/'), q.status])).toEqual([
        ['POST', '/repos/acme/jobs/deployments', 201],
        ['POST', '/repos/acme/jobs/deployments/:id/statuses', 201],
      ]);
      expect(github.requests[0]!.body).toMatchObject({
        ref: 'b'.repeat(40),
        environment: 'staging',
        auto_merge: false,
        payload: { clusterId: id, image },
      });
      const status = github.requests[1]!.body as Record<string, string>;
      expect(status).toMatchObject({
        state: 'failure',
        log_url: 'https://github.com/acme/jobs/actions/runs/43',
      });
      expect(status.description).toMatch(new RegExp(`^${id} failed: `));
      expect(status.description!.length).toBeLessThanOrEqual(140);
      expect(status).not.toHaveProperty('environment_url');
      // The run reports the deploy's own error.
      expect((failure as Error).message).toMatch(/timed out|--timeout/);
      const deploymentId = /\/deployments\/(\d+)\/statuses$/.exec(github.requests[1]!.path)?.[1];
      expect(log).toMatch(new RegExp(`GitHub deployment ${deploymentId}, status \\d+ \\(failure\\)`));
      expect(await admin.get(leaseRef(ns, id))).toBeUndefined();
    } finally {
      await github.close();
    }
  });

  it("a GitHub error while recording the failure is a warning, and the deploy's own error is the one thrown", async () => {
    const github = await startGitHubStandIn({ owner: 'acme', repo: 'jobs', tokens: [token] });
    const { file } = await fresh('ghdown');
    try {
      github.failNext(1, 403);
      const { failure, log } = await deployInActions(file, github.url, token, {
        'flink-home': await failingFlinkHome(),
      });
      expect(failure, log).toBeInstanceOf(OperationError);
      expect((failure as Error).message).toContain('exited 3; its last lines:');
      expect(log).toMatch(
        /warning: the failed deploy could not be recorded as a GitHub deployment \(GitHub POST \/repos\/acme\/jobs\/deployments: HTTP 403/,
      );
      expect(github.requests.map((q) => [q.method, q.status])).toEqual([['POST', 403]]);
    } finally {
      await github.close();
    }
  });
});
