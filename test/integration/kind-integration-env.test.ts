// `env up` / `env down` on the testbed's REAL kind cluster (real kubelet, containerd and pods), with the
// two STAND-INS of scripts/testbed.d/standins in the places of what cannot run here, each reached the way
// a user with an image mirror reaches it:
// - the Strimzi 1.2.0 operator: the upstream install files, copied with the operator's image set to the
//   stand-in's (as a mirror's copy would be), run unchanged otherwise (ServiceAccount, RBAC, probes,
//   read-only root). It runs a real KRaft broker for the Kafka and creates the topics in it;
// - Fluent Bit: fluentBit.image names the stand-in, which runs Flinkship's DaemonSet and configuration
//   and ships the node's container logs to Kafka in Fluent Bit's record shape.
// What is checked comes from the real parts: the broker's own cluster and topic ids, records read from
// the broker's log, pods the kubelet ran.
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kube } from '../../src/executors/kube.js';
import { cli } from '../helpers/cli.js';
import { ok } from '../helpers/run.js';
import { FIXTURE, committedPayloads, fixtureImage, kindEnv, until } from './kindFixture.js';
import { writeIntegrationSpec } from './integrationSpec.js';
import { kindPath } from './upSpec.js';
import { testbed } from './testbed.js';

const STRIMZI_INSTALL = path.resolve('..', 'shared/upstream/strimzi-1.2.0/install');
const suffix = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
const ns = { kafka: `kafka-r${suffix}`, logging: `logging-r${suffix}`, flink: `flink-r${suffix}` };
const BROKER = 'deploy/my-cluster-dual-role';

/** The upstream install files as a mirror's copy: only the operator's image differs. */
function mirrorManifests(dir: string, strimziImage: string): string {
  const manifests = path.join(dir, 'strimzi-install');
  cpSync(STRIMZI_INSTALL, manifests, { recursive: true });
  const deployment = path.join(manifests, '060-Deployment-strimzi-cluster-operator.yaml');
  const text = readFileSync(deployment, 'utf8');
  expect(text).toContain('image: quay.io/strimzi/operator:1.2.0\n');
  writeFileSync(
    deployment,
    text.replace('image: quay.io/strimzi/operator:1.2.0\n', `image: ${strimziImage}\n`),
  );
  return manifests;
}

type Status = { conditions?: { type: string; reason?: string }[]; clusterId?: string; topicId?: string };

describe('env up / env down on the real kind cluster, with the Strimzi operator and Fluent Bit stand-ins', () => {
  const kubeconfig = testbed('FLINKSHIP_TESTBED_KIND_KUBECONFIG');
  const strimziImage = testbed('FLINKSHIP_TESTBED_STRIMZI_STANDIN_IMAGE');
  const fluentBitImage = testbed('FLINKSHIP_TESTBED_FLUENT_BIT_STANDIN_IMAGE');
  const kafkaImage = testbed('FLINKSHIP_TESTBED_KAFKA_IMAGE');
  const dir = mkdtempSync(path.join(tmpdir(), 'flinkship-kind-env-'));
  const manifests = path.join(dir, 'strimzi-install'); // Written by mirrorManifests.
  const kubectl = (args: string[], timeoutMs = 120_000) =>
    ok(testbed('FLINKSHIP_TESTBED_KUBECTL'), args, { env: kindEnv(), timeoutMs });
  let spec: string;
  let kube: Kube;

  beforeAll(async () => {
    kube = Kube.load({ kubeconfig });
    // The images, as `kind load` puts a user's local images on the nodes (it skips what is there).
    await ok(
      testbed('FLINKSHIP_TESTBED_KIND'),
      [
        'load',
        'docker-image',
        strimziImage,
        fluentBitImage,
        kafkaImage,
        '--name',
        testbed('FLINKSHIP_TESTBED_KIND_CLUSTER'),
      ],
      { env: kindEnv(), timeoutMs: 600_000 },
    );
    mirrorManifests(dir, strimziImage);
    spec = writeIntegrationSpec(dir, ns, {
      fluentBit: `image: "${fluentBitImage}"`,
      kafka: `image: "${kafkaImage}"`,
    });
  }, 700_000);

  afterAll(async () => {
    for (const n of Object.values(ns)) await kube.delete({ apiVersion: 'v1', kind: 'Namespace', name: n });
  });

  const get = <T>(kind: string, name: string, namespace = ns.kafka) =>
    kube.get<KubernetesObject & T>({ apiVersion: 'kafka.strimzi.io/v1', kind, namespace, name });

  it('brings up the operator, a broker that answers, topics created in it, and Fluent Bit, each in real pods', async () => {
    const r = await cli(
      ...['env up', '--config', spec, '--kubeconfig', kubeconfig],
      ...['--strimzi-manifests', manifests, '--timeout', '8m', '--output', 'json'],
      ...['--diagnostics', path.join(dir, 'diagnostics')],
    );
    expect(r.err).not.toContain('error:');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({
      kafka: { bootstrap: `my-cluster-kafka-bootstrap.${ns.kafka}.svc:9092`, topics: ['logs', 'logs-clean'] },
    });
    // The operator's pod ran the stand-in under Strimzi's own Deployment.
    const operatorLog = await kubectl(['-n', ns.kafka, 'logs', 'deploy/strimzi-cluster-operator']);
    expect(operatorLog).toContain(`watching namespace ${ns.kafka}`);
    // Whether a NotReady is written first depends on how fast the broker starts (the quota test below
    // holds that path); Ready is written once, as Strimzi writes a status only when it changed.
    const writes = (what: string) => operatorLog.split('\n').filter((l) => l.endsWith(` ${what}`)).length;
    expect(writes('Kafka my-cluster Ready')).toBe(1);
    expect(writes('KafkaTopic logs Ready')).toBe(1);
    expect(writes('KafkaTopic logs-clean Ready')).toBe(1);

    // The Kafka's status carries what the broker itself said: its cluster id (the testbed image's).
    const kafka = await get<{ status: Status & { kafkaVersion: string } }>('Kafka', 'my-cluster');
    expect(kafka!.status.conditions![0]!.type).toBe('Ready');
    expect(kafka!.status.clusterId).toBe('ZmxpbmtzaGlwLXRiLWthZg');
    expect(kafka!.status.kafkaVersion).toBe('3.4.0');
    // The topics exist in the broker, with the ids the KafkaTopics report.
    for (const topic of ['logs', 'logs-clean']) {
      const t = await get<{ status: Status }>('KafkaTopic', topic);
      expect(t!.status.conditions![0]!.type).toBe('Ready');
      const described = await kubectl([
        ...['-n', ns.kafka, 'exec', BROKER, '--', 'kafka-class', 'kafka.admin.TopicCommand'],
        ...['--bootstrap-server', 'localhost:9092', '--describe', '--topic', topic],
      ]);
      expect(described).toContain(`TopicId: ${t!.status.topicId}`);
      expect(described).toMatch(/PartitionCount: 1\s+ReplicationFactor: 1/);
    }
  }, 600_000);

  // Before the next test writes records of its own to logs: the job reads logs from the beginning.
  it('env smoke: the fixture job, deployed into real pods, cleans what the log producer printed; logs-clean holds exactly the expected records', async () => {
    const image = `flinkship-kie/log-cleaner:${suffix}`;
    await fixtureImage(dir, image);
    const r = await cli(
      ...['env smoke', '--config', spec, '--kubeconfig', kubeconfig, '--strimzi-manifests', manifests],
      ...['--image', image, '--flink-home', testbed('FLINKSHIP_TESTBED_FLINK_HOME')],
      ...['--expected', path.join(FIXTURE, 'producer/expected-clean.jsonl'), '--timeout', '10m'],
      ...['--diagnostics', path.join(dir, 'diagnostics')],
      ...['--output', 'json'],
    );
    expect(r.err).not.toContain('error:');
    expect(r.code).toBe(0);
    const expected = readFileSync(path.join(FIXTURE, 'producer/expected-clean.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '');
    expect(JSON.parse(r.out)).toMatchObject({ mode: 'fixture', records: expected.length });

    // Where the claim is true: the JobManager and TaskManager ran in pods of the job's namespace, from
    // the image given; the producer's lines went through Fluent Bit into logs; logs-clean, as the broker
    // stores it, holds exactly the expected records, committed.
    const pods = await kubectl([
      ...['-n', ns.flink, 'get', 'pods', '-l', 'app=log-cleaner'],
      ...[
        '-o',
        'jsonpath={range .items[*]}{.metadata.labels.component} {.status.phase} {.spec.containers[0].image}{"\\n"}{end}',
      ],
    ]);
    expect(pods.trim().split('\n').sort()).toEqual([
      `jobmanager Running ${image}`,
      `taskmanager Running ${image}`,
    ]);
    const clean = await kubectl([
      ...['-n', ns.kafka, 'exec', BROKER, '--', 'sh', '-c'],
      'kafka-class kafka.tools.DumpLogSegments --print-data-log --files "$(ls /var/lib/kafka/data/logs-clean-0/*.log | paste -sd, -)"',
    ]);
    expect(committedPayloads(clean).sort()).toEqual([...expected].sort());
    const logs = await kubectl([
      ...['-n', ns.kafka, 'exec', BROKER, '--', 'sh', '-c'],
      'kafka-class kafka.tools.DumpLogSegments --print-data-log --files "$(ls /var/lib/kafka/data/logs-0/*.log | paste -sd, -)"',
    ]);
    const shipped = committedPayloads(logs).map(
      (p) => JSON.parse(p) as { kubernetes?: { pod_name?: string } },
    );
    // Every line the producer printed (20), each as a Fluent Bit record of the log-producer pod.
    expect(shipped.filter((rec) => rec.kubernetes?.pod_name === 'log-producer')).toHaveLength(20);
  }, 900_000);

  it("ships a pod's stdout to the logs topic as Fluent Bit records: the JSON line merged, the pod's metadata added", async () => {
    const lines = [1, 2, 3].map((i) =>
      JSON.stringify({
        timestamp: `2026-12-03T10:00:0${i}Z`,
        level: 'INFO',
        message: `line ${i}`,
        source: 'kind-it',
      }),
    );
    await kube.apply({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: ns.flink },
    } as KubernetesObject);
    await kube.apply({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'log-producer-kind-it', namespace: ns.flink },
      spec: {
        restartPolicy: 'Never',
        containers: [
          {
            name: 'producer',
            image: kafkaImage,
            imagePullPolicy: 'Never',
            command: ['sh', '-c', `printf '%s\\n' ${lines.map((l) => `'${l}'`).join(' ')}`],
          },
        ],
      },
    } as KubernetesObject);
    const records = await until('three records in logs', 180_000, async () => {
      const dump = await kubectl([
        ...['-n', ns.kafka, 'exec', BROKER, '--', 'sh', '-c'],
        'kafka-class kafka.tools.DumpLogSegments --print-data-log --files "$(ls /var/lib/kafka/data/logs-0/*.log | paste -sd, -)"',
      ]);
      const found = committedPayloads(dump).map((p) => JSON.parse(p) as Record<string, unknown>);
      const ours = found.filter((rec) => rec.source === 'kind-it');
      return {
        done: ours.length >= 3 ? ours : undefined,
        seen: `${ours.length} of 3 (${found.length} in all)`,
      };
    });
    expect(records.map((rec) => rec.message)).toEqual(['line 1', 'line 2', 'line 3']);
    for (const rec of records) {
      expect(rec).toMatchObject({ stream: 'stdout', _p: 'F', level: 'INFO', timestamp: expect.any(String) });
      expect(rec).not.toHaveProperty('log'); // Merge_Log On, Keep_Log Off.
      // Fluent Bit's double: the CRI time in seconds with six decimals.
      expect(String(rec['@timestamp'])).toMatch(/^\d{10}(\.\d{1,6})?$/);
      expect(Math.abs(Number(rec['@timestamp']) * 1000 - Date.parse(String(rec.time)))).toBeLessThan(1);
      expect(rec.kubernetes).toMatchObject({
        pod_name: 'log-producer-kind-it',
        namespace_name: ns.flink,
        container_name: 'producer',
        container_image: expect.stringContaining('kafka'),
        host: expect.any(String),
      });
    }
  }, 300_000);

  it('leaves a Kafka NotReady while its broker cannot start, and says in its status what the kubelet saw', async () => {
    // A broker config Kafka refuses at start: the pod crashes, so the broker never answers.
    await kube.apply({
      apiVersion: 'kafka.strimzi.io/v1',
      kind: 'KafkaNodePool',
      metadata: { name: 'broken-pool', namespace: ns.kafka, labels: { 'strimzi.io/cluster': 'broken' } },
      spec: { replicas: 1, roles: ['controller', 'broker'], storage: { type: 'ephemeral' } },
    } as KubernetesObject);
    await kube.apply({
      apiVersion: 'kafka.strimzi.io/v1',
      kind: 'Kafka',
      metadata: { name: 'broken', namespace: ns.kafka },
      spec: {
        kafka: {
          listeners: [{ name: 'plain', port: 9092, type: 'internal', tls: false }],
          config: { 'num.partitions': -1 },
        },
      },
    } as KubernetesObject);
    // The broker crashes; the operator keeps the Kafka NotReady and says what the kubelet saw.
    const status = await until('the broken Kafka to report its crashing broker', 240_000, async () => {
      const k = await get<{ status?: Status & { conditions?: { message?: string }[] } }>('Kafka', 'broken');
      const condition = k?.status?.conditions?.[0];
      const crashed = /last exit code [1-9]\d*/.test(condition?.message ?? '');
      return { done: crashed ? condition : undefined, seen: JSON.stringify(condition ?? 'no status yet') };
    });
    expect(status).toMatchObject({ type: 'NotReady', reason: 'Creating' });
    expect(status.message).toMatch(
      /^Kafka cluster is being deployed; pod broken-broken-pool-[a-z0-9-]+: (CrashLoopBackOff|Error|restarted) \(last exit code 1\), [1-9]\d* restarts$/,
    );
    // The broker's own complaint is in its log, where env up's diagnostics collect pod logs from.
    const brokerLog = await kubectl(['-n', ns.kafka, 'logs', 'deploy/broken-broken-pool', '--previous']);
    expect(brokerLog).toContain('num.partitions');
  }, 300_000);

  it('env down removes what env up made; the broker goes with its Kafka, as Kubernetes collects what a Kafka owns', async () => {
    await kube.delete({
      apiVersion: 'kafka.strimzi.io/v1',
      kind: 'Kafka',
      namespace: ns.kafka,
      name: 'broken',
    });
    const r = await cli(
      ...['env down', '--config', spec, '--kubeconfig', kubeconfig],
      ...['--strimzi-manifests', manifests, '--timeout', '5m'],
    );
    expect(r.err).not.toContain('error:');
    expect(r.code).toBe(0);
    expect(await get('Kafka', 'my-cluster')).toBeUndefined();
    expect(
      await kube.get({ apiVersion: 'apps/v1', kind: 'DaemonSet', namespace: ns.logging, name: 'fluent-bit' }),
    ).toBeUndefined();
    // The garbage collector removes the brokers and their Services (owned by their Kafka).
    await until('the brokers and their Services to be collected', 180_000, async () => {
      const left = await kubectl([
        ...['-n', ns.kafka, 'get', 'deployments,services', '-l', 'strimzi.io/kind=Kafka'],
        ...['-o', 'jsonpath={.items[*].metadata.name}'],
      ]);
      return { done: left.trim() === '' ? true : undefined, seen: left.trim() };
    });
    // The operator stays: other Kafka clusters may depend on it.
    expect(
      await kube.get({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        namespace: ns.kafka,
        name: 'strimzi-cluster-operator',
      }),
    ).toBeDefined();
  }, 400_000);
});

describe('env up on the real kind cluster, when the broker can never start', () => {
  const kubeconfig = testbed('FLINKSHIP_TESTBED_KIND_KUBECONFIG');
  const q = { kafka: `kafka-q${suffix}`, logging: `logging-q${suffix}`, flink: `flink-q${suffix}` };
  const dir = mkdtempSync(path.join(tmpdir(), 'flinkship-kind-quota-'));
  const diagnostics = path.join(dir, 'diagnostics');
  let kube: Kube;
  let spec: string;
  let manifests: string;

  beforeAll(() => {
    kube = Kube.load({ kubeconfig });
    spec = writeIntegrationSpec(dir, q, {
      fluentBit: `image: "${testbed('FLINKSHIP_TESTBED_FLUENT_BIT_STANDIN_IMAGE')}"`,
    });
    manifests = mirrorManifests(dir, testbed('FLINKSHIP_TESTBED_STRIMZI_STANDIN_IMAGE'));
  });

  afterAll(async () => {
    for (const n of Object.values(q)) await kube.delete({ apiVersion: 'v1', kind: 'Namespace', name: n });
  });

  it('times out at the Kafka, and the diagnostics from the cluster say why; once the cause is gone, a re-run converges', async () => {
    // A namespace quota of one pod, as platform clusters have: the operator's pod fits, the broker's does not.
    await kube.apply({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: q.kafka },
    } as KubernetesObject);
    await kube.apply({
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: 'one-pod', namespace: q.kafka },
      spec: { hard: { pods: '1' } },
    } as KubernetesObject);
    const failed = await cli(
      ...['env up', '--config', spec, '--kubeconfig', kubeconfig, '--strimzi-manifests', manifests],
      ...['--timeout', '150s', '--diagnostics', diagnostics],
    );
    expect(failed.code).toBe(1);
    expect(failed.err).toMatch(
      new RegExp(
        `error: timed out after \\d+s waiting for Kafka ${q.kafka}/my-cluster Ready; last seen: NotReady=True \\(Creating: Kafka cluster is being deployed\\)`,
      ),
    );
    // What the cluster said: the ReplicaSet could not create the broker's pod; and the operator's log.
    const events = readFileSync(path.join(diagnostics, `events/${q.kafka}.tsv`), 'utf8');
    expect(events).toMatch(
      /\tWarning\tFailedCreate\tReplicaSet\/my-cluster-dual-role-[a-z0-9]+\t.*exceeded quota: one-pod/,
    );
    const operatorLogs = readdirSync(path.join(diagnostics, 'strimzi'));
    expect(operatorLogs).toHaveLength(1);
    expect(readFileSync(path.join(diagnostics, 'strimzi', operatorLogs[0]!), 'utf8')).toContain(
      'Kafka my-cluster NotReady (Creating: Kafka cluster is being deployed)',
    );
    expect(existsSync(path.join(diagnostics, `events/${q.logging}.tsv`))).toBe(true);

    await kube.delete({ apiVersion: 'v1', kind: 'ResourceQuota', namespace: q.kafka, name: 'one-pod' });
    const again = await cli(
      ...['env up', '--config', spec, '--kubeconfig', kubeconfig, '--strimzi-manifests', manifests],
      ...['--timeout', '6m'],
    );
    expect(again.err).not.toContain('error:');
    expect(again.code).toBe(0);
    const kafka = await kube.get<KubernetesObject & { status: Status }>({
      apiVersion: 'kafka.strimzi.io/v1',
      kind: 'Kafka',
      namespace: q.kafka,
      name: 'my-cluster',
    });
    expect(kafka!.status.conditions![0]!.type).toBe('Ready');
  }, 600_000);
});

// A job that fails, on the testbed's kind cluster: the spec is named so that its kind cluster is the
// testbed's (kind's name is flinkship-<name>), so the diagnostics run the real `kind export logs`.
describe('env smoke on the real kind cluster, when the job fails', () => {
  const kubeconfig = testbed('FLINKSHIP_TESTBED_KIND_KUBECONFIG');
  const cluster = testbed('FLINKSHIP_TESTBED_KIND_CLUSTER');
  const f = { kafka: `kafka-f${suffix}`, flink: `flink-f${suffix}` };
  const dir = mkdtempSync(path.join(tmpdir(), 'flinkship-kind-failing-'));
  const diagnostics = path.join(dir, 'diagnostics');
  // No such broker: the Kafka client refuses an address it cannot resolve, so the job fails as it starts.
  const brokers = `my-cluster-kafka-bootstrap.${f.kafka}.invalid:9092`;
  const savedPath = process.env.PATH;
  let kube: Kube;
  let spec: string;

  beforeAll(() => {
    // The real kind CLI, found on PATH as a user's install would be.
    process.env.PATH = `${kindPath()}:${savedPath}`;
    kube = Kube.load({ kubeconfig });
    expect(cluster.startsWith('flinkship-')).toBe(true);
    let text = readFileSync(path.join(FIXTURE, 'flinkship.yaml'), 'utf8');
    const replacements: [string, string][] = [
      ['name: log-cleaner\n', `name: ${cluster.slice('flinkship-'.length)}\n`],
      ["      'my-cluster-kafka-bootstrap.kafka:9092',\n", `      '${brokers}',\n`],
      ['    namespace: flink-integration\n', `    namespace: ${f.flink}\n`],
      [
        '    kafka: { cluster: my-cluster, topics: [logs, logs-clean] }\n',
        `    kafka: { cluster: my-cluster, namespace: ${f.kafka}, topics: [logs, logs-clean] }\n`,
      ],
    ];
    for (const [from, to] of replacements) {
      expect(text).toContain(from);
      text = text.replace(from, to);
    }
    spec = path.join(dir, 'flinkship.yaml');
    writeFileSync(spec, text);
  });

  afterAll(async () => {
    process.env.PATH = savedPath;
    for (const n of Object.values(f)) await kube.delete({ apiVersion: 'v1', kind: 'Namespace', name: n });
  });

  it("fails at the job's health gate, and the diagnostics hold the job's exception, the JobManager's log, the pods' events and kind's own logs", async () => {
    const image = `flinkship-kie/log-cleaner:f${suffix}`;
    await fixtureImage(dir, image);
    const r = await cli(
      ...['env smoke', '--config', spec, '--kubeconfig', kubeconfig, '--image', image],
      ...['--flink-home', testbed('FLINKSHIP_TESTBED_FLINK_HOME'), '--timeout', '10m'],
      ...['--expected', path.join(FIXTURE, 'producer/expected-clean.jsonl'), '--diagnostics', diagnostics],
    );
    expect(r.code, r.err).toBe(1);
    expect(r.err).toMatch(/failed its health gate/);
    const findings = readFileSync(path.join(diagnostics, 'findings.txt'), 'utf8');
    const job = /^Flink job (.+) \(([0-9a-f]{32})\): (RESTARTING|FAILING|RUNNING|FAILED|CREATED)$/m.exec(
      findings,
    );
    expect(job, findings).not.toBeNull();
    // The job's exceptions, as the JobManager's REST API gave them: the Kafka client's own complaint.
    const exceptions = readFileSync(path.join(diagnostics, `flink/${job![2]}.exceptions.json`), 'utf8');
    expect(exceptions).toContain('No resolvable bootstrap urls given in bootstrap.servers');
    const jmLogs = readdirSync(path.join(diagnostics, 'flink')).filter((n) => n.endsWith('.log'));
    expect(jmLogs).toHaveLength(1);
    expect(jmLogs[0]).toMatch(/^testbed-[a-z0-9]+-[a-z0-9]+\.log$/);
    expect(readFileSync(path.join(diagnostics, 'flink', jmLogs[0]!), 'utf8')).toContain(
      'No resolvable bootstrap urls given in bootstrap.servers',
    );
    // The kubelet's events of the job's namespace.
    const events = readFileSync(path.join(diagnostics, `events/${f.flink}.tsv`), 'utf8');
    expect(events).toMatch(
      /\tNormal\tStarted\tPod\/testbed-[a-z0-9-]+\tStarted container flink-main-container/,
    );
    // kind's own export: the node's kubelet and containerd logs, and the JobManager container's log file.
    const node = path.join(diagnostics, 'kind', `${cluster}-control-plane`);
    expect(readFileSync(path.join(node, 'kubelet.log'), 'utf8')).toContain(f.flink);
    expect(existsSync(path.join(node, 'containerd.log'))).toBe(true);
    const podDirs = readdirSync(path.join(node, 'pods')).filter((d) =>
      d.startsWith(`${f.flink}_${jmLogs[0]!.replace(/\.log$/, '')}_`),
    );
    expect(podDirs).toHaveLength(1);
  }, 900_000);
});
