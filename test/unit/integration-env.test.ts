// The integration environment's pure parts: the kind config and its registry wiring, kind's argv, the
// Strimzi namespace rewrite over the real 1.2.0 install files, the Kafka/Fluent Bit objects, the waits'
// checks, the smoke comparison, and the input checks that stop a run before anything is touched.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  createArgv,
  deleteArgv,
  exportLogsArgv,
  kindDownloadUrl,
  loadImageArgv,
  parseKindVersion,
} from '../../src/executors/kind.js';
import { conditionCheck, daemonSetRolledOut, podFinished } from '../../src/integration/conditions.js';
import { parseDuration } from '../../src/util/quantity.js';
import { compareRecords, consumerArgv, consumerPod, recordsOf } from '../../src/integration/fixture.js';
import { FLUENT_BIT_IMAGE, fluentBitConfig, fluentBitObjects } from '../../src/integration/fluentBit.js';
import { strimziObjects } from '../../src/integration/install.js';
import {
  CONTAINERD_CERTS_D_PATCH,
  KIND_NODE_IMAGE,
  KindConfigError,
  kindConfig,
  localRegistryHostingConfigMap,
  registryCertsFiles,
} from '../../src/integration/kindConfig.js';
import { jobArg } from '../../src/integration/smoke.js';
import { resolveEnvSettings } from '../../src/integration/settings.js';
import { contentTag } from '../../src/verbs/up.js';
import {
  STRIMZI_KAFKA_IMAGE,
  kafkaTopic,
  readManifestDir,
  rewriteNamespace,
  topicResourceName,
} from '../../src/integration/strimzi.js';
import { cli } from '../helpers/cli.js';

const STRIMZI_INSTALL = path.resolve('..', 'shared/upstream/strimzi-1.2.0/install');
const FIXTURE = 'fixtures/log-cleaner/flinkship.yaml';

describe('the kind config', () => {
  const registry = { port: 5001, certsDir: '/tmp/x/certs.d' };

  it('pins the node image by digest, adds workers and port mappings, and wires the registry through certs.d', () => {
    const config = parse(
      kindConfig({
        name: 'c',
        nodeImage: KIND_NODE_IMAGE,
        workers: 2,
        extraPortMappings: [{ containerPort: 30080, hostPort: 8080 }],
        registry,
      }),
    );
    const mount = { hostPath: '/tmp/x/certs.d', containerPath: '/etc/containerd/certs.d', readOnly: true };
    expect(config).toEqual({
      kind: 'Cluster',
      apiVersion: 'kind.x-k8s.io/v1alpha4',
      nodes: [
        {
          role: 'control-plane',
          extraPortMappings: [{ containerPort: 30080, hostPort: 8080 }],
          image: KIND_NODE_IMAGE,
          extraMounts: [mount],
        },
        { role: 'worker', image: KIND_NODE_IMAGE, extraMounts: [mount] },
        { role: 'worker', image: KIND_NODE_IMAGE, extraMounts: [mount] },
      ],
      containerdConfigPatches: [CONTAINERD_CERTS_D_PATCH],
    });
    expect(KIND_NODE_IMAGE).toMatch(/^kindest\/node:v1\.34\.0@sha256:[a-f0-9]{64}$/);
    expect(CONTAINERD_CERTS_D_PATCH).toBe(
      '[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d"',
    );
  });

  it("adds the registry wiring to the user's own config, keeping what the user set", () => {
    const text = `kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
name: theirs
nodes:
  - role: control-plane
    image: kindest/node:v1.33.4
    extraMounts: [{ hostPath: /data, containerPath: /data }]
  - role: worker
containerdConfigPatches:
  - |-
    [plugins."io.containerd.grpc.v1.cri".containerd]
      snapshotter = "native"
`;
    const config = parse(
      kindConfig({
        name: 'c',
        nodeImage: KIND_NODE_IMAGE,
        workers: 0,
        extraPortMappings: [],
        registry,
        userConfig: { file: 'kind.yaml', text },
      }),
    );
    expect(config.name).toBeUndefined();
    expect(config.nodes[0].image).toBe('kindest/node:v1.33.4');
    expect(config.nodes[0].extraMounts).toEqual([
      { hostPath: '/data', containerPath: '/data' },
      { hostPath: '/tmp/x/certs.d', containerPath: '/etc/containerd/certs.d', readOnly: true },
    ]);
    expect(config.nodes[1]).toEqual({
      role: 'worker',
      image: KIND_NODE_IMAGE,
      extraMounts: [{ hostPath: '/tmp/x/certs.d', containerPath: '/etc/containerd/certs.d', readOnly: true }],
    });
    expect(config.containerdConfigPatches).toEqual([
      '[plugins."io.containerd.grpc.v1.cri".containerd]\n  snapshotter = "native"',
      CONTAINERD_CERTS_D_PATCH,
    ]);
  });

  it('refuses a file that is not a kind config', () => {
    expect(() =>
      kindConfig({
        name: 'c',
        nodeImage: KIND_NODE_IMAGE,
        workers: 0,
        extraPortMappings: [],
        userConfig: { file: 'k.yaml', text: 'kind: Pod\n' },
      }),
    ).toThrow(
      new KindConfigError(
        'k.yaml is not a kind config: expected a mapping with kind: Cluster and apiVersion: kind.x-k8s.io/v1alpha4',
      ),
    );
  });

  it('writes a hosts.toml for localhost:<port> and the local-registry-hosting ConfigMap', () => {
    expect(registryCertsFiles(5001)).toEqual({
      'localhost:5001/hosts.toml':
        '[host."http://kind-registry:5000"]\n  capabilities = ["pull", "resolve"]\n',
    });
    expect(localRegistryHostingConfigMap(5001)).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'local-registry-hosting', namespace: 'kube-public' },
      data: {
        'localRegistryHosting.v1':
          'host: "localhost:5001"\nhelp: "https://kind.sigs.k8s.io/docs/user/local-registry/"\n',
      },
    });
  });
});

describe("kind's argv", () => {
  it('creates, deletes, loads and exports logs by cluster name', () => {
    expect(
      createArgv({
        name: 'flinkship-log-cleaner',
        configFile: '/w/kind-config.yaml',
        kubeconfig: '/w/kubeconfig',
        waitSeconds: 120,
      }),
    ).toEqual([
      'create',
      'cluster',
      '--name',
      'flinkship-log-cleaner',
      '--config',
      '/w/kind-config.yaml',
      '--kubeconfig',
      '/w/kubeconfig',
      '--wait',
      '120s',
    ]);
    expect(deleteArgv('c')).toEqual(['delete', 'cluster', '--name', 'c']);
    expect(loadImageArgv('c', 'img:1')).toEqual(['load', 'docker-image', 'img:1', '--name', 'c']);
    expect(exportLogsArgv('c', '/d')).toEqual(['export', 'logs', '/d', '--name', 'c']);
    expect(kindDownloadUrl('0.30.0', 'linux', 'x64')).toBe(
      'https://kind.sigs.k8s.io/dl/v0.30.0/kind-linux-amd64',
    );
    expect(parseKindVersion('kind v0.30.0 go1.24.6 linux/amd64')).toBe('0.30.0');
  });
});

describe('Strimzi', () => {
  it('rewrites the namespace of the 1.2.0 install like the quickstart: binding subjects and namespaced objects', () => {
    const objects = rewriteNamespace(readManifestDir(STRIMZI_INSTALL), 'kafka-it');
    const bindings = objects.filter((o) => o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding');
    expect(bindings.length).toBeGreaterThan(4);
    for (const b of bindings) {
      for (const s of b.subjects as { namespace?: string }[]) expect(s.namespace).toBe('kafka-it');
    }
    for (const o of objects) {
      const clusterScoped = ['CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding'].includes(
        o.kind,
      );
      expect(o.metadata.namespace).toBe(clusterScoped ? undefined : 'kafka-it');
    }
    // The upstream files say myproject; no namespace of it is left.
    expect(JSON.stringify(objects).includes('"namespace":"myproject"')).toBe(false);
  });

  it('makes a KRaft Kafka with one dual-role ephemeral node pool, replication factors of 1, a plain listener', () => {
    const { crds, operator, kafka } = strimziObjects({
      namespace: 'kafka',
      cluster: 'my-cluster',
      topics: ['logs', 'Logs_Clean'],
      manifests: readManifestDir(STRIMZI_INSTALL),
    });
    expect(crds.map((c) => c.metadata.name)).toContain('kafkas.kafka.strimzi.io');
    expect(operator.find((o) => o.kind === 'Deployment')?.metadata).toMatchObject({
      name: 'strimzi-cluster-operator',
      namespace: 'kafka',
    });
    expect(kafka.map((k) => `${k.kind}/${k.metadata.name}`)).toEqual([
      'KafkaNodePool/dual-role',
      'Kafka/my-cluster',
      'KafkaTopic/logs',
      'KafkaTopic/logs-clean',
    ]);
    expect(kafka[0]!.spec).toEqual({
      replicas: 1,
      roles: ['controller', 'broker'],
      storage: { type: 'jbod', volumes: [{ id: 0, type: 'ephemeral', kraftMetadata: 'shared' }] },
    });
    expect((kafka[1]!.spec as { kafka: { listeners: unknown[] } }).kafka.listeners).toEqual([
      { name: 'plain', port: 9092, type: 'internal', tls: false },
    ]);
    expect(kafka[3]!.spec).toEqual({ topicName: 'Logs_Clean', partitions: 1, replicas: 1 });
    expect(kafka.every((k) => k.apiVersion === 'kafka.strimzi.io/v1')).toBe(true);
    expect(topicResourceName('logs-clean')).toBe('logs-clean');
    expect(kafkaTopic('c', 'n', 'logs').spec).toEqual({ partitions: 1, replicas: 1 });
  });
});

describe('Fluent Bit', () => {
  const s = {
    namespace: 'logging',
    match: 'kube.var.log.containers.log-producer*',
    topic: 'logs',
    brokers: 'my-cluster-kafka-bootstrap.kafka.svc:9092',
    image: FLUENT_BIT_IMAGE,
  };

  it('tails container logs with the cri parser, merges the log, and ships the match to Kafka', () => {
    const conf = fluentBitConfig(s);
    for (const line of [
      /Path +\/var\/log\/containers\/\*\.log/,
      /multiline\.parser +cri/,
      /Name +kubernetes\n +Match +kube\.var\.log\.containers\.log-producer\*/,
      /Merge_Log +On/,
      /Name +kafka\n +Match +kube\.var\.log\.containers\.log-producer\*\n +Brokers +my-cluster-kafka-bootstrap\.kafka\.svc:9092\n +Topics +logs/,
      /HTTP_Port +2020/,
      /Health_Check +On/,
    ]) {
      expect(conf).toMatch(line);
    }
  });

  it('has a ServiceAccount, a ClusterRole on pods and namespaces, its binding, a ConfigMap and a pinned DaemonSet', () => {
    const objects = fluentBitObjects(s);
    expect(objects.map((o) => o.kind)).toEqual([
      'ServiceAccount',
      'ClusterRole',
      'ClusterRoleBinding',
      'ConfigMap',
      'DaemonSet',
    ]);
    expect(objects[1]!.rules).toEqual([
      { apiGroups: [''], resources: ['pods', 'namespaces'], verbs: ['get', 'list', 'watch'] },
    ]);
    const ds = objects[4]!.spec as {
      template: { spec: { containers: { image: string; readinessProbe: unknown }[] } };
    };
    expect(ds.template.spec.containers[0]!.image).toBe(FLUENT_BIT_IMAGE);
    expect(FLUENT_BIT_IMAGE).toMatch(/^cr\.fluentbit\.io\/fluent\/fluent-bit:[\d.]+@sha256:[a-f0-9]{64}$/);
    expect(ds.template.spec.containers[0]!.readinessProbe).toEqual({
      httpGet: { path: '/api/v1/health', port: 'http' },
      periodSeconds: 5,
    });
  });
});

describe('the waits', () => {
  it('says what it saw', () => {
    expect(conditionCheck('Ready', undefined)).toEqual({ done: false, status: 'not found' });
    expect(conditionCheck('Ready', { status: {} })).toEqual({ done: false, status: 'no conditions yet' });
    expect(
      conditionCheck('Ready', {
        status: {
          conditions: [
            {
              type: 'NotReady',
              status: 'True',
              reason: 'Creating',
              message: 'Kafka cluster is being deployed',
            },
          ],
        },
      }),
    ).toEqual({ done: false, status: 'NotReady=True (Creating: Kafka cluster is being deployed)' });
    expect(
      conditionCheck('Ready', {
        metadata: { generation: 2 },
        status: { observedGeneration: 1, conditions: [{ type: 'Ready', status: 'True' }] },
      }),
    ).toEqual({
      done: false,
      status: 'Ready=True (for generation 1, not 2)',
    });
    expect(
      conditionCheck('Ready', {
        metadata: { generation: 1 },
        status: { observedGeneration: 1, conditions: [{ type: 'Ready', status: 'True' }] },
      }).done,
    ).toBe(true);
    expect(
      daemonSetRolledOut({
        metadata: { generation: 1 },
        status: {
          observedGeneration: 1,
          desiredNumberScheduled: 2,
          updatedNumberScheduled: 2,
          numberAvailable: 1,
        },
      } as never),
    ).toEqual({
      done: false,
      status: '1/2 available, 2/2 updated',
    });
    expect(podFinished({ status: { phase: 'Succeeded' } }).done).toBe(true);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('10')).toBeUndefined();
    expect(parseDuration('1d')).toBe(86_400_000);
  });

  it('takes the same durations for env up as for deploy (one parser): --timeout 1d', async () => {
    const r = await cli('env up', '--config', FIXTURE, '--timeout', '1d', '--cluster', 'kinder');
    expect(r.code).toBe(2);
    expect(r.err.split('\n').filter((l) => l.startsWith('error: '))).toEqual([
      'error: <flags>: --cluster: found "kinder"; valid: kind or existing',
    ]);
  });
});

describe('the smoke check', () => {
  const expected = readFileSync('fixtures/log-cleaner/producer/expected-clean.jsonl', 'utf8')
    .trim()
    .split('\n');

  it('passes exactly the expected records, in any order, and names what is missing or extra', () => {
    expect(compareRecords(expected, [...expected].reverse()).ok).toBe(true);
    const extra = '{"eventtime":1,"message":"x","source":"y"}';
    expect(compareRecords(expected, [...expected.slice(1), extra, expected[2]!])).toEqual({
      ok: false,
      missing: [expected[0]],
      unexpected: [extra, expected[2]],
    });
    expect(recordsOf(`${expected[0]}\nProcessed a total of 1 messages\n`)).toEqual([expected[0]]);
    expect(
      consumerArgv({
        namespace: 'kafka',
        brokers: 'b:9092',
        topic: 'logs-clean',
        maxMessages: 10,
        idleTimeoutMs: 30000,
        name: 'c',
      }),
    ).toEqual([
      '/opt/kafka/bin/kafka-console-consumer.sh',
      '--bootstrap-server',
      'b:9092',
      '--topic',
      'logs-clean',
      '--from-beginning',
      '--consumer-property',
      'isolation.level=read_committed',
      '--max-messages',
      '10',
      '--timeout-ms',
      '30000',
    ]);
    expect(jobArg(['--brokers', 'b', '--output-topic', 'logs-clean'], '--output-topic')).toBe('logs-clean');
    expect(jobArg(['--output-topic=x'], '--output-topic')).toBe('x');
  });
});

describe('env verbs refuse bad input before touching anything', () => {
  it('names each bad flag, with exit code 2', async () => {
    const r = await cli(
      'env up',
      '--config',
      FIXTURE,
      '--cluster',
      'kinder',
      '--timeout',
      'soon',
      '--strimzi-manifests',
      '/nonexistent/strimzi',
    );
    expect(r.code).toBe(2);
    expect(r.err.split('\n').filter((l) => l.startsWith('error: '))).toEqual([
      'error: <flags>: --timeout: found "soon"; expected a duration such as 90s, 10m, 1h30m or 1d',
      'error: <flags>: --cluster: found "kinder"; valid: kind or existing',
      "error: <flags>: --strimzi-manifests: no such file or directory: /nonexistent/strimzi; give the Strimzi release's install directory, its YAML file, or an https:// URL",
    ]);
  });

  it("points at the spec's cluster field when it is neither kind nor existing", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'flinkship-env-'));
    const spec = readFileSync(FIXTURE, 'utf8')
      .replace('    cluster: kind\n', '    cluster: kindd\n')
      .replace('target/log-cleaner.jar', 'log-cleaner.jar');
    writeFileSync(path.join(dir, 'flinkship.yaml'), spec);
    const file = path.join(dir, 'flinkship.yaml');
    const line = spec.split('\n').findIndex((l) => l === '    cluster: kindd') + 1;
    const r = await cli('env up', '--config', file, '--strimzi-manifests', STRIMZI_INSTALL);
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      `error: ${file}:${line}:14: environments.integration.cluster: found "kindd"; an integration environment runs on kind or existing (or give --cluster)`,
    );
  });

  it('refuses manifests that are not Strimzi', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'flinkship-env-'));
    writeFileSync(path.join(dir, 'x.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x }\n');
    const r = await cli(
      'env up',
      '--config',
      FIXTURE,
      '--cluster',
      'existing',
      '--kubeconfig',
      '/nonexistent',
      '--strimzi-manifests',
      dir,
    );
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      `error: <flags>: --strimzi-manifests: ${dir} holds no Deployment strimzi-cluster-operator`,
    );
  });

  it('env smoke needs an image unless a smoke command is given', async () => {
    const r = await cli(
      'env smoke',
      '--config',
      FIXTURE,
      '--cluster',
      'existing',
      '--strimzi-manifests',
      STRIMZI_INSTALL,
    );
    expect(r.code).toBe(2);
    expect(r.err).toContain('error: <flags>: --image: required unless smoke-command is given');
  });

  it('up checks the expected-records file before building anything', async () => {
    const r = await cli(
      'up',
      '--config',
      FIXTURE,
      '--cluster',
      'existing',
      '--strimzi-manifests',
      STRIMZI_INSTALL,
      '--expected',
      '/nonexistent/expected.jsonl',
    );
    expect(r.code).toBe(2);
    expect(r.err.split('\n').filter((l) => l.startsWith('error: '))).toEqual([
      'error: <flags>: --expected: no such file: /nonexistent/expected.jsonl; expected the records the output topic must hold, one JSON per line',
    ]);
    expect(r.err).not.toContain('Check the job jar');
  });
});

/**
 * The env settings of a spec whose integration environment ends with `lines` (YAML at its indent, e.g.
 * `    kafka: { image: x }`); line 9 of the file is the first of them.
 */
function settingsWith(cluster: 'existing' | 'kind', lines: string) {
  const dir = mkdtempSync(path.join(tmpdir(), 'flinkship-env-settings-'));
  const file = path.join(dir, 'flinkship.yaml');
  writeFileSync(
    file,
    `name: job
flinkVersion: "1.20"
image: { repository: ghcr.io/acme/job }
job: { jar: job.jar }
environments:
  integration:
    cluster: ${cluster}
    namespace: flink
${lines}
`,
  );
  return resolveEnvSettings({
    config: file,
    env: 'integration',
    'strimzi-manifests': dir,
    timeout: '5m',
    keep: false,
    diagnostics: dir,
  });
}

describe("fluentBit.image: a mirror of Fluent Bit's pinned image", () => {
  const settingsFor = (fluentBit: string) => settingsWith('existing', `    fluentBit: ${fluentBit}`);

  it('runs the DaemonSet with the image given, and with the pinned one otherwise', () => {
    const mirrored = settingsFor('{ image: "registry.acme.dev/mirror/fluent-bit:4.1.1" }');
    expect(mirrored.fluentBit.image).toBe('registry.acme.dev/mirror/fluent-bit:4.1.1');
    const ds = fluentBitObjects(mirrored.fluentBit)[4]!.spec as {
      template: { spec: { containers: { image: string }[] } };
    };
    expect(ds.template.spec.containers[0]!.image).toBe('registry.acme.dev/mirror/fluent-bit:4.1.1');
    expect(settingsFor('{ topic: logs }').fluentBit.image).toBe(FLUENT_BIT_IMAGE);
  });

  it('refuses what is not an image reference, at fluentBit.image', () => {
    expect(() => settingsFor('{ image: "Not An Image" }')).toThrow(
      'flinkship.yaml:9:25: environments.integration.fluentBit.image: found "Not An Image"; expected an image reference such as registry.acme.dev/mirror/fluent-bit:4.1.1',
    );
  });
});

describe("kafka.image: a mirror of Strimzi's Kafka image", () => {
  const settingsFor = (kafka: string) => settingsWith('existing', `    kafka: ${kafka}`);
  const consumerImage = (kafkaImage?: string) =>
    (
      consumerPod({
        namespace: 'kafka',
        brokers: 'b:9092',
        topic: 't',
        maxMessages: 1,
        idleTimeoutMs: 1,
        name: 'c',
        ...(kafkaImage ? { image: kafkaImage } : {}),
      }).spec as { containers: { image: string }[] }
    ).containers[0]!.image;

  it("is the Kafka's spec.kafka.image and the console consumer's image; without it Strimzi chooses, and the consumer runs Strimzi's", () => {
    const mirrored = settingsFor(
      '{ cluster: my-cluster, image: "registry.acme.dev/mirror/kafka:1.2.0-kafka-4.3.1" }',
    );
    expect(mirrored.strimzi.kafkaImage).toBe('registry.acme.dev/mirror/kafka:1.2.0-kafka-4.3.1');
    const kafka = strimziObjects({ ...mirrored.strimzi, manifests: [] }).kafka.find(
      (o) => o.kind === 'Kafka',
    )!;
    expect((kafka.spec as { kafka: { image?: string; version: string } }).kafka).toMatchObject({
      image: 'registry.acme.dev/mirror/kafka:1.2.0-kafka-4.3.1',
      version: '4.3.1',
    });
    expect(consumerImage(mirrored.strimzi.kafkaImage)).toBe(
      'registry.acme.dev/mirror/kafka:1.2.0-kafka-4.3.1',
    );

    const plain = settingsFor('{ cluster: my-cluster }');
    expect(plain.strimzi.kafkaImage).toBeUndefined();
    const plainKafka = strimziObjects({ ...plain.strimzi, manifests: [] }).kafka.find(
      (o) => o.kind === 'Kafka',
    )!;
    expect((plainKafka.spec as { kafka: Record<string, unknown> }).kafka).not.toHaveProperty('image');
    expect(consumerImage(undefined)).toBe(STRIMZI_KAFKA_IMAGE);
  });

  it('refuses what is not an image reference, at kafka.image', () => {
    expect(() => settingsFor('{ image: "Not An Image" }')).toThrow(
      'flinkship.yaml:9:21: environments.integration.kafka.image: found "Not An Image"; expected an image reference such as registry.acme.dev/mirror/strimzi-kafka:1.2.0-kafka-4.3.1',
    );
  });
});

describe('kind.loadImages: local images put on the nodes once the cluster exists', () => {
  const settingsFor = (kind: string) => settingsWith('kind', `    kind:\n${kind}`);

  it('are loaded with one kind load of all of them', () => {
    const s = settingsFor('      loadImages: [registry.acme.dev/m/fluent-bit:4.1.1, "acme/kafka:1"]');
    expect(s.kind!.settings.loadImages).toEqual(['registry.acme.dev/m/fluent-bit:4.1.1', 'acme/kafka:1']);
    expect(loadImageArgv(s.kind!.name, ...s.kind!.settings.loadImages!)).toEqual([
      ...['load', 'docker-image', 'registry.acme.dev/m/fluent-bit:4.1.1', 'acme/kafka:1'],
      ...['--name', 'flinkship-job'],
    ]);
    expect(settingsFor('      workers: 0').kind!.settings.loadImages).toEqual([]);
  });

  it('refuses an entry that is not an image reference, at its own line', () => {
    expect(() => settingsFor('      loadImages:\n        - acme/kafka:1\n        - "Bad Image"')).toThrow(
      'flinkship.yaml:12:11: environments.integration.kind.loadImages[1]: found "Bad Image"; expected an image reference of your local Docker engine',
    );
  });
});

describe('up without a registry: the image is loaded under a tag of its content', () => {
  it('is id- and the first 12 hex digits of the image id, so another build is another reference', () => {
    expect(contentTag('sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef')).toBe(
      'id-0123456789ab',
    );
    expect(contentTag('sha256:fedcba9876543210' + '0'.repeat(48))).not.toBe(
      contentTag('sha256:0123456789abcdef' + '0'.repeat(48)),
    );
  });
});
