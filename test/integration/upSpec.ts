// The fixture as a user's repository for `flinkship up` on this machine (the up test and `npm run bench`
// share it): the spec with its integration environment on a kind cluster of its own, made from the
// testbed's node image, with the STAND-INS and the Kafka image reached as a mirror's images are
// (kind.loadImages, kafka.image, fluentBit.image, the Strimzi install files with the operator's image
// swapped), the jar, the expected records, and a git commit for the build to tag.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ok } from '../helpers/run.js';
import { FIXTURE, JAR } from './kindFixture.js';
import { testbed } from './testbed.js';

const STRIMZI_INSTALL = path.resolve('..', 'shared/upstream/strimzi-1.2.0/install');

/**
 * PATH entries for the testbed's kind: the pinned kind binary (Flinkship finds it on PATH, as on a runner)
 * and the docker wrapper that stands in for --privileged, which this VM refuses.
 */
export function kindPath(): string {
  return `${path.dirname(testbed('FLINKSHIP_TESTBED_KIND'))}:${testbed('FLINKSHIP_TESTBED_KIND_PATH')}`;
}

export async function writeUpRepo(dir: string): Promise<{ spec: string; manifests: string }> {
  // The fixture as a user's repository: the spec, the jar the build puts in the image, a git commit to tag.
  mkdirSync(path.join(dir, 'target'), { recursive: true });
  if (!existsSync(JAR)) {
    await ok('mvn', ['-B', '-q', '-DskipTests', 'package'], { cwd: FIXTURE, timeoutMs: 600_000 });
  }
  cpSync(JAR, path.join(dir, 'target/log-cleaner.jar'));
  // kind.nodeImage must be pinned by digest: the testbed's node image, pushed to the testbed's staging
  // registry as a mirror holds it (a push of what the registry has already moves no layer).
  const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8' }).trim();
  const local = docker(
    ...['inspect', '-f', '{{.Config.Image}}'],
    `${testbed('FLINKSHIP_TESTBED_KIND_CLUSTER')}-control-plane`,
  );
  const mirrored = `${testbed('FLINKSHIP_TESTBED_STAGING_REGISTRY')}/${local}`;
  docker('tag', local, mirrored);
  docker('push', '--quiet', mirrored);
  const repository = mirrored.slice(0, mirrored.lastIndexOf(':'));
  const nodeImage = (JSON.parse(docker('inspect', '-f', '{{json .RepoDigests}}', mirrored)) as string[]).find(
    (d) => d.startsWith(`${repository}@sha256:`),
  );
  if (!nodeImage) throw new Error(`docker push ${mirrored} left no digest of ${repository}`);
  const images = {
    strimzi: testbed('FLINKSHIP_TESTBED_STRIMZI_STANDIN_IMAGE'),
    fluentBit: testbed('FLINKSHIP_TESTBED_FLUENT_BIT_STANDIN_IMAGE'),
    kafka: testbed('FLINKSHIP_TESTBED_KAFKA_IMAGE'),
  };
  // The node image carries a bridge CNI (kindnetd cannot be built here): the user's kind config says so.
  writeFileSync(
    path.join(dir, 'kind.yaml'),
    'kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnetworking:\n  disableDefaultCNI: true\n  podSubnet: 10.244.0.0/16\n',
  );
  const replacements: [string, string][] = [
    [
      '    kafka: { cluster: my-cluster, topics: [logs, logs-clean] }\n',
      `    kafka: { cluster: my-cluster, topics: [logs, logs-clean], image: "${images.kafka}" }\n`,
    ],
    [
      "    fluentBit: { match: 'kube.var.log.containers.log-producer*', topic: logs }\n",
      `    fluentBit: { match: 'kube.var.log.containers.log-producer*', topic: logs, image: "${images.fluentBit}" }\n` +
        '    kind:\n' +
        '      config: kind.yaml\n' +
        `      nodeImage: "${nodeImage}"\n` +
        // The local registry as users run it: a container on the kind network, wired the certs.d way;
        // its image is the testbed's (Debian's distribution build) as a mirror of registry:2.8.3. The
        // testbed's own registries hold 5001 and 5002.
        '      registryPort: 5011\n' +
        `      registryImage: "${testbed('FLINKSHIP_TESTBED_REGISTRY_IMAGE')}"\n` +
        `      loadImages: ["${images.strimzi}", "${images.fluentBit}", "${images.kafka}"]\n`,
    ],
  ];
  let text = readFileSync(path.join(FIXTURE, 'flinkship.yaml'), 'utf8');
  for (const [from, to] of replacements) {
    if (!text.includes(from))
      throw new Error(`fixtures/log-cleaner/flinkship.yaml no longer has ${JSON.stringify(from)}`);
    text = text.replace(from, to);
  }
  const spec = path.join(dir, 'flinkship.yaml');
  writeFileSync(
    spec,
    text.replace('# yaml-language-server: $schema=../../schema/flinkship.schema.json\n', ''),
  );
  mkdirSync(path.join(dir, 'producer'));
  cpSync(
    path.join(FIXTURE, 'producer/expected-clean.jsonl'),
    path.join(dir, 'producer/expected-clean.jsonl'),
  );
  writeFileSync(path.join(dir, '.gitignore'), 'target/\n');
  const git = (...args: string[]) => ok('git', args, { cwd: dir });
  await git('init', '-q', '-b', 'main');
  await git('add', '.');
  await git('-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'commit', '-q', '-m', 'fixture');

  const manifests = path.join(dir, 'strimzi-install');
  cpSync(STRIMZI_INSTALL, manifests, { recursive: true });
  const deployment = path.join(manifests, '060-Deployment-strimzi-cluster-operator.yaml');
  writeFileSync(
    deployment,
    readFileSync(deployment, 'utf8').replace(
      'image: quay.io/strimzi/operator:1.2.0\n',
      `image: ${images.strimzi}\n`,
    ),
  );
  return { spec, manifests };
}
