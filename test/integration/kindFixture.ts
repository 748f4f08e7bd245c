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

/**
 * Every committed record of partition 0 of `topic`, as a read_committed consumer would see them, up to
 * now: the partition's log on the broker's disk, read with Kafka's own DumpLogSegments (one JVM start,
 * no waiting for a consumer that never times out while the job writes). A transactional batch counts
 * once its producer's COMMIT marker follows it; aborted and still open transactions do not.
 */
export async function readCommitted(ns: string, topic: string): Promise<string[]> {
  const out = await kubectl(
    [
      ...['-n', ns, 'exec', 'deploy/kafka', '--', 'sh', '-c'],
      `kafka-class kafka.tools.DumpLogSegments --print-data-log --files "$(ls /var/lib/kafka/data/${topic}-0/*.log | paste -sd, -)"`,
    ],
    180_000,
  );
  return committedPayloads(out);
}

/** The payloads of committed records in DumpLogSegments --print-data-log output (see readCommitted). */
export function committedPayloads(dump: string): string[] {
  const committed: string[] = [];
  const open = new Map<string, string[]>();
  let producer = '';
  let transactional = false;
  let control = false;
  for (const line of dump.split('\n')) {
    const batch =
      /^baseOffset: \d+ .*producerId: (-?\d+) .*isTransactional: (true|false) isControl: (true|false)/.exec(
        line,
      );
    if (batch) {
      [producer, transactional, control] = [batch[1]!, batch[2] === 'true', batch[3] === 'true'];
      continue;
    }
    if (!line.startsWith('| offset:')) continue;
    if (control) {
      const marker = /endTxnMarker: (COMMIT|ABORT)/.exec(line)?.[1];
      if (marker === 'COMMIT') committed.push(...(open.get(producer) ?? []));
      open.delete(producer);
      continue;
    }
    const payload = / payload: (.*)$/.exec(line)?.[1];
    if (payload === undefined) continue;
    if (!transactional) committed.push(payload);
    else open.set(producer, [...(open.get(producer) ?? []), payload]);
  }
  return committed;
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
