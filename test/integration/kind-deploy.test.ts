// `flinkship deploy` of the fixture job to the testbed's REAL kind cluster (scripts/testbed.d/kind.sh):
// a real kubelet runs the pods, the Flink image really runs Flink (scripts/testbed.d/flink), the
// JobManager runs the job's main and creates its TaskManager pods through the API server, and the job
// reads from and writes to a real Kafka broker in the same cluster. Nothing passes --rest-url: deploy and
// these tests reach Flink's REST API only through the API server's service proxy.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { V1Pod } from '@kubernetes/client-node';
import { Kube } from '../../src/executors/kube.js';
import { cli, type CliRun } from '../helpers/cli.js';
import { ok } from '../helpers/run.js';
import { fixtureImage, kafka, until } from './kindFixture.js';
import { testbed } from './testbed.js';

const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const ns = `kd-${run}`;
const kafkaNs = `kd-kafka-${run}`;
const clusterId = `log-cleaner-${run}`;
const image = `flinkship-kd/log-cleaner:${run}`;
let dir: string;
let kube: Kube;

/** GET through the API server's service proxy of the JobManager's rest Service, as JSON. */
async function flinkGet<T>(restPath: string): Promise<T> {
  const r = await kube.serviceProxy(ns, `${clusterId}-rest`, 'rest', restPath);
  if (r.status !== 200)
    throw new Error(`GET ${restPath} through the service proxy: HTTP ${r.status}: ${r.body}`);
  return JSON.parse(r.body) as T;
}

function spec(entryClass: string, id: string, extraArgs = ''): string {
  return `name: log-cleaner
flinkVersion: '1.20'
image:
  repository: flinkship-kd/log-cleaner
job:
  jar: target/log-cleaner.jar
  entryClass: ${entryClass}
  args: [--brokers, 'my-cluster-kafka-bootstrap.${kafkaNs}:9092', --input-topic, logs, --output-topic, logs-clean${extraArgs}]
  parallelism: 1
  upgradeMode: stateless
flinkConfiguration:
  execution.checkpointing.interval: 2s
  state.backend.type: hashmap
  state.checkpoints.dir: file:///opt/flink/state/${id}/checkpoints
  state.savepoints.dir: file:///opt/flink/state/${id}/savepoints
  # A small cpu request (the node has 2 cores) with room to start the JVM quickly.
  kubernetes.jobmanager.cpu.limit-factor: 8
  kubernetes.taskmanager.cpu.limit-factor: 8
health: { window: 5s, checkpoints: 2 }
jobManager:
  resource: { cpu: 0.2, memory: 1024m }
taskManager:
  resource: { cpu: 0.2, memory: 1024m }
  slots: 1
podTemplate:
  spec:
    containers:
      - name: flink-main-container
        volumeMounts: [{ name: state, mountPath: /opt/flink/state }]
    volumes:
      - name: state
        hostPath: { path: /var/lib/flinkship-state, type: Directory }
environments:
  integration:
    clusterId: ${id}
    namespace: ${ns}
    createNamespace: true
`;
}

async function deploy(file: string, timeout = '6m'): Promise<CliRun> {
  return cli(
    'deploy',
    '--config',
    file,
    '--env',
    'integration',
    '--image',
    image,
    '--kubeconfig',
    testbed('FLINKSHIP_TESTBED_KIND_KUBECONFIG'),
    '--flink-home',
    testbed('FLINKSHIP_TESTBED_FLINK_HOME'),
    '--timeout',
    timeout,
    '--output',
    'json',
  );
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'kind-deploy-'));
  kube = Kube.load({ kubeconfig: testbed('FLINKSHIP_TESTBED_KIND_KUBECONFIG') });
  // The fixture's image, loaded into the kind node, and the broker the job reads from and writes to.
  await fixtureImage(dir, image);
  await kafka(kube, kafkaNs, ['logs', 'logs-clean']);
}, 1_200_000);

afterAll(async () => {
  for (const name of [ns, kafkaNs]) await kube?.delete({ apiVersion: 'v1', kind: 'Namespace', name });
  await ok('docker', ['rmi', image]).catch(() => undefined);
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('flinkship deploy to a real kind cluster', () => {
  let first: CliRun;

  beforeAll(async () => {
    const file = path.join(dir, 'flinkship.yaml');
    writeFileSync(file, spec('dev.flinkship.logcleaner.LogCleanerJob', clusterId));
    first = await deploy(file);
  }, 420_000);

  it('exits 0 once the job is RUNNING, seen through the service proxy', () => {
    expect(first.code, first.err).toBe(0);
    const json = JSON.parse(first.out);
    expect(json).toMatchObject({ clusterId, namespace: ns, image, action: 'created', jobState: 'RUNNING' });
    expect(json.restUrl).toContain(`/api/v1/namespaces/${ns}/services/${clusterId}-rest:rest/proxy`);
    expect(first.err).toMatch(/job [0-9a-f]{32} \(log-cleaner\) is RUNNING/);
    expect(first.err).toContain(`Deployment ${ns}/${clusterId} is Available`);
  });

  it('the JobManager runs the job: RUNNING under its name, every task running', async () => {
    const { jobs } = await flinkGet<{
      jobs: { jid: string; name: string; state: string; tasks: Record<string, number> }[];
    }>('/jobs/overview');
    // Two tasks at parallelism 1: source and clean chained, then dedup and the sinks after keyBy.
    expect(jobs.map((j) => [j.name, j.state, j.tasks.running, j.tasks.total])).toEqual([
      ['log-cleaner', 'RUNNING', 2, 2],
    ]);
    expect(jobs[0]!.jid).toBe(JSON.parse(first.out).jobId);
  });

  it('completes at least 2 checkpoints on the shared state volume', async () => {
    const jid = JSON.parse(first.out).jobId as string;
    const completed = await until('2 completed checkpoints', 180_000, async () => {
      const c = await flinkGet<{ counts: { completed: number; failed: number } }>(`/jobs/${jid}/checkpoints`);
      return {
        ...(c.counts.completed >= 2 ? { done: c.counts.completed } : {}),
        seen: JSON.stringify(c.counts),
      };
    });
    expect(completed).toBeGreaterThanOrEqual(2);
  }, 200_000);

  it('the JobManager created its TaskManager pods, which run', { timeout: 150_000 }, async () => {
    const pods = (
      await kube.list<V1Pod>('v1', 'Pod', ns, { labelSelector: `app=${clusterId},component=taskmanager` })
    ).items;
    expect(pods.length).toBe(1);
    const tm = pods[0]!;
    expect(tm.status?.phase).toBe('Running');
    expect(tm.metadata?.name).toMatch(new RegExp(`^${clusterId}-taskmanager-1-1$`));
    // Flink's resource manager in the JobManager owns them through the JobManager Deployment.
    expect(tm.metadata?.ownerReferences?.map((o) => [o.kind, o.name])).toEqual([['Deployment', clusterId]]);
    // ...and registered with its resource manager under the pod's name.
    // The REST API asks the resource manager, which it may only reach a while after the job runs
    // ("Cannot connect to ResourceManager right now").
    const ids = await until('the TaskManagers through the REST API', 120_000, async () => {
      const tms = await flinkGet<{ taskmanagers: { id: string }[] }>('/taskmanagers');
      return { done: tms.taskmanagers.map((t) => t.id), seen: JSON.stringify(tms) };
    });
    expect(ids).toEqual([tm.metadata!.name]);
  });
});

describe('flinkship deploy of a job whose main cannot start, to a real kind cluster', () => {
  const noClass = `no-main-${run}`;
  const throws = `bad-args-${run}`;
  let r: CliRun;
  let t: CliRun;

  beforeAll(async () => {
    const noClassFile = path.join(dir, 'no-main.yaml');
    writeFileSync(noClassFile, spec('dev.flinkship.logcleaner.NoSuchJob', noClass));
    const throwsFile = path.join(dir, 'bad-args.yaml');
    writeFileSync(throwsFile, spec('dev.flinkship.logcleaner.LogCleanerJob', throws, ', --bogus, x'));
    // Side by side: each JobManager fails on its own.
    [r, t] = await Promise.all([deploy(noClassFile, '5m'), deploy(throwsFile, '5m')]);
  }, 360_000);

  it("a missing entry class: exits 1 as soon as the JobManager exits, with Flink's exception from its log", () => {
    expect(r.code, r.err).toBe(1);
    expect(r.err).toMatch(
      new RegExp(`the JobManager pod ${noClass}-[a-z0-9]+-[a-z0-9]+ exited with code 1 \\(Error\\)`),
    );
    expect(r.err).toContain(
      "Caused by: org.apache.flink.client.program.ProgramInvocationException: The program's entry point class 'dev.flinkship.logcleaner.NoSuchJob' was not found in the jar file.",
    );
    expect(r.err).toContain(
      'Caused by: java.lang.ClassNotFoundException: dev.flinkship.logcleaner.NoSuchJob',
    );
    expect(r.err).not.toMatch(/timed out after/);
  });

  it("an exception in main: exits 1 when the JobManager exits, with the job's own message", () => {
    expect(t.code, t.err).toBe(1);
    expect(t.err).toMatch(new RegExp(`the JobManager pod ${throws}-[a-z0-9]+-[a-z0-9]+ exited with code`));
    expect(t.err).toMatch(/Caused by: .*unknown argument --bogus/);
    expect(t.err).not.toMatch(/timed out after/);
  });

  it('shows the log of the run that ended in the diagnostics', () => {
    expect(r.err).toMatch(
      new RegExp(`# Log of ${noClass}-[a-z0-9-]+ (before its last restart )?\\(last 50 lines\\)`),
    );
  });
});
