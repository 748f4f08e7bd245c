// Benchmark of the release lifecycle on the testbed's REAL kind cluster, measured in one run,
// alternating: a savepoint upgrade and an on-demand rollback by Flinkship, against the same steps done
// by hand with a bare client: stop-with-savepoint through the REST API, delete the JobManager
// Deployment and wait until it is gone, `flink run-application --target kubernetes-application` with the
// same -D options plus execution.savepoint.path, and wait until the job runs and completed a checkpoint
// (the proof Flinkship's gate asks for, here with a window of 0 s and 1 checkpoint).
// The job is the fixture's SequenceJob writing to a Kafka broker in the cluster. Writes its section of
// docs/BENCHMARKS.md. Run with `npm run bench` (scripts/bench).
import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseOptions } from '../src/options/options.js';
import { FlinkRest, serviceProxyTransport } from '../src/executors/flinkRest.js';
import { runClientFromHome, writePodTemplate } from '../src/executors/flinkClient.js';
import { Kube } from '../src/executors/kube.js';
import { planSubmission } from '../src/plan/plan.js';
import { loadSpec } from '../src/spec/load.js';
import { TerminalUi } from '../src/ui/terminal.js';
import { deployVerb } from '../src/verbs/deploy.js';
import { rollbackVerb } from '../src/verbs/rollback.js';
import { fixtureImage, kafka } from '../test/integration/kindFixture.js';
import { writeBenchSection } from './bench-section.js';

const ROUNDS = 3;

function need(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run through scripts/bench, which brings the testbed up`);
  return value;
}

const kubeconfig = need('FLINKSHIP_TESTBED_KIND_KUBECONFIG');
const flinkHome = need('FLINKSHIP_TESTBED_FLINK_HOME');
const runId = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const ns = `bench-lc-${runId}`;
const kafkaNs = `bench-lc-kafka-${runId}`;
const id = `bench-seq-${runId}`;
const image = `flinkship-bench/log-cleaner:${runId}`;
const quietUi = new TerminalUi(process.stderr, true);
const kube = Kube.load({ kubeconfig });
const rest = new FlinkRest(serviceProxyTransport(kube, ns, `${id}-rest`));

function spec(label: string): string {
  return `name: sequence-job
flinkVersion: '1.20'
image: { repository: flinkship-bench/log-cleaner }
job:
  jar: target/log-cleaner.jar
  entryClass: dev.flinkship.logcleaner.SequenceJob
  args: ['--brokers', 'my-cluster-kafka-bootstrap.${kafkaNs}:9092', '--output-topic', 'sequence', '--rate', '10', '--label', '${label}']
  parallelism: 1
  upgradeMode: savepoint
flinkConfiguration:
  execution.checkpointing.interval: 2s
  state.backend.type: hashmap
  state.checkpoints.dir: file:///opt/flink/state/${id}/checkpoints
  state.savepoints.dir: file:///opt/flink/state/${id}/savepoints
  kubernetes.jobmanager.cpu.limit-factor: 8
  kubernetes.taskmanager.cpu.limit-factor: 8
health: { window: 0s, checkpoints: 1 }
jobManager: { resource: { cpu: 0.2, memory: 1024m } }
taskManager: { resource: { cpu: 0.2, memory: 1024m }, slots: 1 }
podTemplate:
  spec:
    containers:
      - name: flink-main-container
        volumeMounts: [{ name: state, mountPath: /opt/flink/state }]
    volumes:
      - name: state
        hostPath: { path: /var/lib/flinkship-state, type: Directory }
environments:
  integration: { clusterId: ${id}, namespace: ${ns}, createNamespace: true }
`;
}

async function specFile(dir: string, label: string): Promise<string> {
  const file = path.join(dir, `${label}.yaml`);
  await writeFile(file, spec(label));
  return file;
}

async function timed(what: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await what();
  return (performance.now() - start) / 1000;
}

async function flinkship(dir: string, label: string): Promise<number> {
  const file = await specFile(dir, label);
  const options = parseOptions(
    deployVerb.options,
    { config: file, env: 'integration', image, kubeconfig, 'flink-home': flinkHome, timeout: '10m' },
    'flags',
  );
  return timed(() => deployVerb.run(options, quietUi));
}

async function flinkshipRollback(dir: string): Promise<number> {
  const options = parseOptions(
    rollbackVerb.options,
    {
      config: path.join(dir, 'v0.yaml'),
      env: 'integration',
      kubeconfig,
      'flink-home': flinkHome,
      timeout: '10m',
    },
    'flags',
  );
  return timed(() => rollbackVerb.run(options, quietUi));
}

async function poll<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 300_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; Date.now() < deadline && i < timeoutMs / 500; i++) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The same upgrade by hand, with the RBAC Flinkship applied already in place. */
async function bare(dir: string, label: string): Promise<number> {
  const file = await specFile(dir, label);
  const work = await mkdtemp(path.join(tmpdir(), 'bench-lc-bare-'));
  const sub = planSubmission(loadSpec(file), 'integration', { image, clientWorkDir: work });
  if (sub.podTemplate) await writePodTemplate(work, sub.podTemplate);
  await copyFile(kubeconfig, path.join(work, 'kubeconfig'));
  try {
    return await timed(async () => {
      const job = await rest.currentJob();
      const trigger = await rest.stopWithSavepoint(job!.jid);
      const status = await poll('the savepoint', async () => {
        const s = await rest.savepointStatus(job!.jid, trigger);
        return s.done ? s : undefined;
      });
      if (!status.location) throw new Error(`the savepoint failed: ${status.failure}`);
      const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name: id, namespace: ns };
      await kube.delete(ref, { propagationPolicy: 'Foreground' });
      await poll('the Deployment to be gone', async () => ((await kube.get(ref)) ? undefined : true));
      const argv = [...sub.argv];
      argv.splice(
        3,
        0,
        `-Dkubernetes.config.file=${work}/kubeconfig`,
        `-Dexecution.savepoint.path=${status.location}`,
      );
      const r = await runClientFromHome(
        flinkHome,
        { argv, hostWorkDir: work, clientWorkDir: work, timeoutMs: 300_000 },
        () => undefined,
      );
      if (r.exitCode !== 0)
        throw new Error(`the bare client exited ${r.exitCode}: ${r.output.slice(-10).join('\n')}`);
      await poll('the job running with a completed checkpoint', async () => {
        const j = await rest.currentJob();
        if (!j || j.jid === job!.jid || j.state !== 'RUNNING') return undefined;
        return (await rest.checkpointCounts(j.jid)).completed >= 1 ? true : undefined;
      });
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (xs: number[]) => xs.map((x) => x.toFixed(1)).join(', ');

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-lifecycle-'));
  try {
    await fixtureImage(dir, image);
    await kafka(kube, kafkaNs, ['sequence']);
    // The first deploy, untimed: revision 1 (v0), the one the rollbacks go back to.
    await flinkship(dir, 'v0');
    const upgrade: number[] = [];
    const bareUpgrade: number[] = [];
    const rollback: number[] = [];
    const bareRollback: number[] = [];
    for (let i = 1; i <= ROUNDS; i++) {
      upgrade.push(await flinkship(dir, `v${i}`));
      bareUpgrade.push(await bare(dir, `b${i}`));
      // A bare run back to the last revision Flinkship deployed, then Flinkship's rollback to the one before.
      bareRollback.push(await bare(dir, `v${i}`));
      rollback.push(await flinkshipRollback(dir));
    }
    const up = median(upgrade) / median(bareUpgrade);
    const back = median(rollback) / median(bareRollback);
    await writeBenchSection(
      'lifecycle',
      `## Stateful upgrade and rollback: wall time against the same steps with a bare client

Measured ${new Date().toISOString()} by \`npm run bench\` (scripts/bench-lifecycle.ts) on the testbed's real kind
cluster: the fixture's SequenceJob (Flink 1.20.3, real JobManager and TaskManager pods) writing to a Kafka broker in
the cluster, the client from the testbed's FLINK_HOME on both sides, ${ROUNDS} rounds, alternating. The bare side
does by hand what a careful operator would: stop-with-savepoint through the REST API and poll it, delete the
JobManager Deployment (Foreground) and wait until it is gone, \`flink run-application --target
kubernetes-application\` with the same options plus \`execution.savepoint.path\`, then wait until the job runs and
completed a checkpoint. Flinkship's side adds the preflight (SelfSubjectAccessReviews), the lease, the release
history (written before each step), the deployer account and token, and the health gate (here window 0 s, one
checkpoint); its rollback also stops the running job with a savepoint first.

| Run | seconds (each round) | median |
| --- | --- | --- |
| bare savepoint upgrade | ${fmt(bareUpgrade)} | ${median(bareUpgrade).toFixed(1)} |
| \`flinkship deploy\` (savepoint upgrade) | ${fmt(upgrade)} | ${median(upgrade).toFixed(1)} |
| bare savepoint upgrade back to the previous version | ${fmt(bareRollback)} | ${median(bareRollback).toFixed(1)} |
| \`flinkship rollback\` | ${fmt(rollback)} | ${median(rollback).toFixed(1)} |

Upgrade: **${up.toFixed(2)}×** the bare steps. Rollback: **${back.toFixed(2)}×**.`,
    );
  } finally {
    for (const name of [ns, kafkaNs]) await kube.delete({ apiVersion: 'v1', kind: 'Namespace', name });
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
