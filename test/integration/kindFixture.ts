// What the tests on the testbed's REAL kind cluster share: the fixture job's image (FROM the testbed's
// Flink image, loaded into the node as `kind load` does for users), a Kafka broker in a namespace of its
// own, topics, a bounded poll, and reading a topic read_committed from inside the broker's pod.
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Kube } from '../../src/executors/kube.js';
import { ok } from '../helpers/run.js';
import { testbed } from './testbed.js';

export const FIXTURE = path.resolve('fixtures/log-cleaner');
export const JAR = path.join(FIXTURE, 'target/log-cleaner.jar');

export const kindEnv = () => ({
  PATH: `${testbed('FLINKSHIP_TESTBED_KIND_PATH')}:${process.env.PATH}`,
  KUBECONFIG: testbed('FLINKSHIP_TESTBED_KIND_KUBECONFIG'),
});

/** Builds the fixture jar (if needed) into `image` FROM the testbed's Flink image, and loads it into kind. */
export async function fixtureImage(dir: string, image: string): Promise<void> {
  if (!existsSync(JAR)) {
    await ok('mvn', ['-B', '-q', '-DskipTests', 'package'], { cwd: FIXTURE, timeoutMs: 600_000 });
  }
  mkdirSync(path.join(dir, 'target'), { recursive: true });
  copyFileSync(JAR, path.join(dir, 'target/log-cleaner.jar'));
  writeFileSync(
    path.join(dir, 'Dockerfile'),
    `FROM ${testbed('FLINKSHIP_TESTBED_FLINK_BASE_IMAGE')}\nCOPY --chown=9999:9999 target/log-cleaner.jar /opt/flink/usrlib/log-cleaner.jar\n`,
  );
  await ok('docker', ['build', '-q', '-t', image, dir], { timeoutMs: 300_000 });
  await ok(
    testbed('FLINKSHIP_TESTBED_KIND'),
    ['load', 'docker-image', image, '--name', testbed('FLINKSHIP_TESTBED_KIND_CLUSTER')],
    { env: kindEnv(), timeoutMs: 600_000 },
  );
}

const kubectl = (args: string[], timeoutMs = 120_000) =>
  ok(testbed('FLINKSHIP_TESTBED_KUBECTL'), args, { env: kindEnv(), timeoutMs });

/** The testbed's Kafka broker in `ns` (Service my-cluster-kafka-bootstrap:9092), Ready, with `topics`. */
export async function kafka(kube: Kube, ns: string, topics: string[]): Promise<void> {
  await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  for (const doc of parseAllDocuments(readFileSync(testbed('FLINKSHIP_TESTBED_KAFKA_MANIFEST'), 'utf8'))) {
    const obj = doc.toJS() as KubernetesObject | null;
    if (!obj) continue;
    obj.metadata = { ...obj.metadata, namespace: ns };
    await kube.apply(obj);
  }
  await kubectl(['-n', ns, 'rollout', 'status', 'deployment/kafka', '--timeout=300s'], 320_000);
  // The topics exist before the job starts, as a Strimzi KafkaTopic would make them.
  for (const topic of topics) {
    await kubectl([
      ...['-n', ns, 'exec', 'deploy/kafka', '--', 'kafka-class', 'kafka.admin.TopicCommand'],
      ...['--bootstrap-server', 'localhost:9092', '--create', '--if-not-exists', '--topic', topic],
      ...['--partitions', '1', '--replication-factor', '1'],
    ]);
  }
}

/** Every committed record of `topic` (read_committed), read inside the broker's pod, bounded. */
export async function readCommitted(ns: string, topic: string): Promise<string[]> {
  const out = await kubectl(
    [
      ...['-n', ns, 'exec', 'deploy/kafka', '--', 'kafka-class', 'kafka.tools.ConsoleConsumer'],
      ...['--bootstrap-server', 'localhost:9092', '--topic', topic, '--from-beginning'],
      ...['--isolation-level', 'read_committed', '--timeout-ms', '15000'],
    ],
    180_000,
  );
  return out.split('\n').filter((l) => /^\d+,\d+,\d+,/.test(l));
}

/** Polls `probe` every 2 s until it returns a value, bounded in count and time; fails with what it saw. */
export async function until<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<{ done?: T; seen: string }>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let seen = 'nothing yet';
  for (let i = 0; i < Math.ceil(timeoutMs / 2000) + 1 && Date.now() < deadline; i++) {
    try {
      const r = await probe();
      seen = r.seen;
      if (r.done !== undefined) return r.done;
    } catch (err) {
      seen = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
  throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}; last seen: ${seen}`);
}
