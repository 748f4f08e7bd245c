// `env up` / `env down` with cluster: existing, against the staging testbed cluster (a real
// kube-apiserver v1.34.4, kwok nodes that run Deployment and DaemonSet pods to Running/Ready). The
// Strimzi objects are applied beside the upstream 1.2.0 CRDs, so the API server's structural-schema
// validation checks them. A Strimzi operator STAND-IN (test/helpers/strimzi-standin.ts) sets the Kafka
// and KafkaTopic conditions, because no Strimzi image can run here.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kube } from '../../src/executors/kube.js';
import { readManifestDir } from '../../src/integration/strimzi.js';
import { parseOutputFile, readActionYml, runAction } from '../helpers/runner.js';
import { StrimziOperatorStandIn } from '../helpers/strimzi-standin.js';
import { writeIntegrationSpec } from './integrationSpec.js';
import { testbed } from './testbed.js';
import { cli } from '../helpers/cli.js';
import { ok } from '../helpers/run.js';

const STRIMZI_INSTALL = path.resolve('..', 'shared/upstream/strimzi-1.2.0/install');
const suffix = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
const ns = { kafka: `kafka-${suffix}`, logging: `logging-${suffix}`, flink: `flink-${suffix}` };

describe('env up / env down on an existing cluster (staging testbed)', () => {
  const kubeconfig = testbed('FLINKSHIP_TESTBED_STAGING_KUBECONFIG');
  const dir = mkdtempSync(path.join(tmpdir(), 'flinkship-env-it-'));
  let spec: string;
  let kube: Kube;

  beforeAll(() => {
    spec = writeIntegrationSpec(dir, ns);
    kube = Kube.load({ kubeconfig });
  });

  afterAll(async () => {
    for (const n of Object.values(ns)) await kube.delete({ apiVersion: 'v1', kind: 'Namespace', name: n });
  });

  it('brings up Strimzi (CRDs Established, operator Available), Kafka and topics Ready, and Fluent Bit rolled out', async () => {
    const operator = new StrimziOperatorStandIn(kubeconfig, ns.kafka, { readyAfterMs: 2_000 });
    const r = await operator.whileRunning(() =>
      cli(
        'env up',
        '--config',
        spec,
        '--kubeconfig',
        kubeconfig,
        '--strimzi-manifests',
        STRIMZI_INSTALL,
        '--timeout',
        '3m',
        '--output',
        'json',
      ),
    );
    expect(r.err).not.toContain('error:');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.out);
    expect(result).toMatchObject({
      env: 'integration',
      cluster: 'existing',
      context: 'staging',
      kafka: {
        namespace: ns.kafka,
        cluster: 'my-cluster',
        bootstrap: `my-cluster-kafka-bootstrap.${ns.kafka}.svc:9092`,
        topics: ['logs', 'logs-clean'],
      },
      fluentBit: { namespace: ns.logging, match: 'kube.var.log.containers.log-producer*', topic: 'logs' },
    });
    expect(result.timings.map((t: { step: string }) => t.step).sort()).toEqual([
      'Fluent Bit',
      'Kafka my-cluster',
      'KafkaTopics logs, logs-clean',
      'Strimzi operator',
    ]);
    // The stand-in went through Strimzi's states, and each wait said what it saw.
    expect(operator.log).toEqual(
      expect.arrayContaining([
        'Kafka/my-cluster NotReady',
        'Kafka/my-cluster Ready',
        'KafkaTopic/logs Ready',
        'KafkaTopic/logs-clean Ready',
      ]),
    );
    expect(r.err).toMatch(
      new RegExp(
        `waiting for Kafka ${ns.kafka}/my-cluster Ready: NotReady=True \\(Creating: Kafka cluster is being deployed\\), \\d+s of \\d+s`,
      ),
    );
    // Waited for, or Available at first sight (kwok readies pods at once): either way, said.
    expect(r.err).toMatch(/\[strimzi\] Deployment .*strimzi-cluster-operator Available: .* \(after \d+s\)/);

    // What the API server holds: the namespace rewritten, the Kafka as planned, Fluent Bit on every node.
    const binding = await kube.get<KubernetesObject & { subjects: { namespace: string }[] }>({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      name: 'strimzi-cluster-operator',
    });
    expect(binding!.subjects[0]!.namespace).toBe(ns.kafka);
    const kafka = await kube.get<
      KubernetesObject & {
        spec: { kafka: { listeners: unknown[]; config: Record<string, unknown> } };
        status: { conditions: { type: string }[] };
      }
    >({ apiVersion: 'kafka.strimzi.io/v1', kind: 'Kafka', namespace: ns.kafka, name: 'my-cluster' });
    expect(kafka!.spec.kafka.listeners).toEqual([
      { name: 'plain', port: 9092, type: 'internal', tls: false },
    ]);
    // The broker config survives the API server: the CRD kept its x-kubernetes-preserve-unknown-fields,
    // enums and defaults (client-node drops them from a plain object it serializes; Kube.apply converts).
    expect(kafka!.spec.kafka.config).toEqual({
      'offsets.topic.replication.factor': 1,
      'transaction.state.log.replication.factor': 1,
      'transaction.state.log.min.isr': 1,
      'default.replication.factor': 1,
      'min.insync.replicas': 1,
    });
    // As the API server holds it (kubectl's JSON, not a client-node model).
    type Props = { properties: Record<string, Props>; items: Props; enum?: string[] } & Record<
      string,
      unknown
    >;
    const crd = JSON.parse(
      await ok(testbed('FLINKSHIP_TESTBED_KUBECTL'), [
        ...['--kubeconfig', kubeconfig, 'get', 'crd', 'kafkas.kafka.strimzi.io', '-o', 'json'],
      ]),
    ) as { spec: { versions: { schema: { openAPIV3Schema: Props } }[] } };
    const kafkaSpec =
      crd.spec.versions[0]!.schema.openAPIV3Schema.properties.spec!.properties.kafka!.properties;
    expect(kafkaSpec.config!['x-kubernetes-preserve-unknown-fields']).toBe(true);
    expect(kafkaSpec.listeners!.items.properties.type!.enum).toEqual([
      ...['internal', 'route', 'tlsroute', 'loadbalancer', 'nodeport', 'ingress', 'cluster-ip'],
    ]);
    expect(kafka!.status.conditions[0]!.type).toBe('Ready');
    const ds = await kube.get<
      KubernetesObject & { status: { desiredNumberScheduled: number; numberAvailable: number } }
    >({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      namespace: ns.logging,
      name: 'fluent-bit',
    });
    expect(ds!.status.desiredNumberScheduled).toBeGreaterThan(0);
    expect(ds!.status.numberAvailable).toBe(ds!.status.desiredNumberScheduled);

    // A second up changes nothing and is quick: every object is applied again, every wait is met at once.
    const again = new StrimziOperatorStandIn(kubeconfig, ns.kafka);
    const r2 = await again.whileRunning(() =>
      cli(
        'env up',
        '--config',
        spec,
        '--kubeconfig',
        kubeconfig,
        '--strimzi-manifests',
        STRIMZI_INSTALL,
        '--timeout',
        '2m',
      ),
    );
    expect(r2.code).toBe(0);
  });

  it("the API server's schema validation of the upstream CRDs is live: it refuses a Kafka Strimzi would refuse", async () => {
    const bad = {
      apiVersion: 'kafka.strimzi.io/v1',
      kind: 'Kafka',
      metadata: { name: 'bad', namespace: ns.kafka },
      spec: { kafka: { listeners: [{ name: 'plain_listener', port: 9092, type: 'internal', tls: false }] } },
    };
    await expect(kube.apply(bad)).rejects.toThrow(/spec\.kafka\.listeners\[0\]\.name/);
    // And the CRDs applied are the upstream ones, every one of them.
    const crds = readManifestDir(STRIMZI_INSTALL).filter((o) => o.kind === 'CustomResourceDefinition');
    for (const crd of crds) {
      expect(
        await kube.get({
          apiVersion: 'apiextensions.k8s.io/v1',
          kind: 'CustomResourceDefinition',
          name: crd.metadata.name,
        }),
      ).toBeDefined();
    }
  });

  it('times out saying what it waited for and what it last saw, writes the diagnostics, and exits 1', async () => {
    const stuck = new StrimziOperatorStandIn(kubeconfig, ns.kafka, { stuck: true });
    await kube.delete({
      apiVersion: 'kafka.strimzi.io/v1',
      kind: 'Kafka',
      namespace: ns.kafka,
      name: 'my-cluster',
    });
    const diagnostics = path.join(dir, 'diagnostics');
    const r = await stuck.whileRunning(() =>
      cli(
        'env up',
        '--config',
        spec,
        '--kubeconfig',
        kubeconfig,
        '--strimzi-manifests',
        STRIMZI_INSTALL,
        '--timeout',
        '30s',
        '--diagnostics',
        diagnostics,
      ),
    );
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      new RegExp(
        `error: timed out after \\d+s waiting for Kafka ${ns.kafka}/my-cluster Ready; last seen: NotReady=True \\(Creating: Kafka cluster is being deployed\\)`,
      ),
    );
    expect(r.out).toBe('');
    const findings = readFileSync(path.join(diagnostics, 'findings.txt'), 'utf8');
    expect(findings).toContain(`no JobManager pod of log-cleaner in ${ns.flink}`);
    expect(existsSync(path.join(diagnostics, 'events', `${ns.kafka}.tsv`))).toBe(true);
    const operatorLogs = readdirSync(path.join(diagnostics, 'strimzi'));
    expect(operatorLogs.length).toBe(1);
    expect(operatorLogs[0]).toMatch(/^strimzi-cluster-operator-.*\.log$/);
  });

  it('env down deletes what env up applied, and only that', async () => {
    const r = await cli(
      'env down',
      '--config',
      spec,
      '--kubeconfig',
      kubeconfig,
      '--strimzi-manifests',
      STRIMZI_INSTALL,
    );
    expect(r.err).not.toContain('error:');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`KafkaTopic ${ns.kafka}/logs`);
    expect(r.out).toContain(`DaemonSet ${ns.logging}/fluent-bit`);
    expect(
      await kube.get({
        apiVersion: 'kafka.strimzi.io/v1',
        kind: 'KafkaTopic',
        namespace: ns.kafka,
        name: 'logs',
      }),
    ).toBeUndefined();
    expect(
      await kube.get({ apiVersion: 'apps/v1', kind: 'DaemonSet', namespace: ns.logging, name: 'fluent-bit' }),
    ).toBeUndefined();
    expect(
      await kube.get({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: 'fluent-bit' }),
    ).toBeUndefined();
    // The operator stays: other Kafka clusters may depend on it.
    expect(
      await kube.get({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        namespace: ns.kafka,
        name: 'strimzi-cluster-operator',
      }),
    ).toBeDefined();
  });

  it('actions/integration-env: the main step brings it up and writes the timings to the job summary; the post step takes it down', async () => {
    const inputs = {
      config: spec,
      kubeconfig,
      cluster: 'existing',
      'strimzi-manifests': STRIMZI_INSTALL,
      timeout: '3m',
    };
    const operator = new StrimziOperatorStandIn(kubeconfig, ns.kafka);
    const main = await operator.whileRunning(() => runAction('actions/integration-env', inputs));
    expect(main.stdout).not.toContain('::error');
    expect(main.code).toBe(0);
    expect(main.outputs).toMatchObject({
      context: 'staging',
      'kind-cluster': '',
      registry: '',
      'kafka-bootstrap': `my-cluster-kafka-bootstrap.${ns.kafka}.svc:9092`,
    });
    expect(
      JSON.parse(main.outputs.timings!)
        .map((t: { step: string }) => t.step)
        .sort(),
    ).toEqual(['Fluent Bit', 'Kafka my-cluster', 'KafkaTopics logs, logs-clean', 'Strimzi operator']);
    expect(main.summary).toMatch(
      /## Flinkship integration environment: integration\n\n\| Step \| Time \| \|\n\|---\|---\|---\|\n/,
    );
    expect(main.summary).toMatch(/\| \*\*total\*\* \| \*\*[\d.]+ s\*\* \| \|/);
    expect(main.stdout).toContain(`::group::Strimzi ${ns.kafka} and Fluent Bit ${ns.logging}, in parallel`);

    // The main step tells the post step there is something to take down.
    expect(main.stdout).toContain('::save-state name=started::true');

    // The post step, as the runner starts it: the same inputs and the main step's state, runs.post.
    const yml = readActionYml('actions/integration-env') as ReturnType<typeof readActionYml> & {
      runs: { post: string; 'post-if': string };
    };
    expect(yml.runs['post-if']).toBe('always()');
    const out = path.join(dir, 'post-output');
    writeFileSync(out, '');
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      GITHUB_ACTIONS: 'true',
      GITHUB_OUTPUT: out,
      RUNNER_TEMP: dir,
      STATE_started: 'true',
    };
    for (const [name, def] of Object.entries(yml.inputs ?? {})) {
      const value = (inputs as Record<string, string>)[name] ?? def.default;
      if (value !== undefined) env[`INPUT_${name.toUpperCase()}`] = value;
    }
    const post = await new Promise<{ code: number; stdout: string }>((resolve) =>
      execFile('node', [path.resolve('actions/integration-env', yml.runs.post)], { env }, (err, stdout) =>
        resolve({ code: err ? 1 : 0, stdout }),
      ),
    );
    expect(post.stdout).not.toContain('::error');
    expect(post.code).toBe(0);
    expect(post.stdout).toContain(`deleted Kafka ${ns.kafka}/my-cluster`);
    expect(parseOutputFile(readFileSync(out, 'utf8'))).toEqual({ diagnostics: '' });
    expect(
      await kube.get({
        apiVersion: 'kafka.strimzi.io/v1',
        kind: 'Kafka',
        namespace: ns.kafka,
        name: 'my-cluster',
      }),
    ).toBeUndefined();
  });

  it('actions/integration-env: a main step refused at its input checks leaves the post step nothing to do', async () => {
    const main = await runAction('actions/integration-env', { config: spec, cluster: 'kindd' });
    expect(main.code).toBe(2);
    expect(main.stdout).toContain('<inputs>: cluster: found "kindd"; valid: kind or existing');
    expect(main.stdout).not.toContain('save-state');
    const yml = readActionYml('actions/integration-env') as ReturnType<typeof readActionYml> & {
      runs: { post: string };
    };
    const post = await new Promise<{ code: number; stdout: string }>((resolve) =>
      execFile(
        'node',
        [path.resolve('actions/integration-env', yml.runs.post)],
        { env: { PATH: process.env.PATH, GITHUB_ACTIONS: 'true' } },
        (err, stdout) => resolve({ code: err ? 1 : 0, stdout }),
      ),
    );
    expect(post.code).toBe(0);
    expect(post.stdout).toBe(
      'flinkship: env up created nothing (it stopped before touching anything), so there is nothing to take down\n',
    );
  });
});
