// The fixture's smoke test: a pod writes the log producer's JSON lines, Fluent Bit ships them to Kafka,
// the job cleans them, and a console consumer (the Strimzi Kafka image's) reads `logs-clean` back.
// Pure: the pods, and the comparison of what was read with what was expected.
import type { KubeObject } from '../plan/objects.js';
import { STRIMZI_KAFKA_IMAGE } from './strimzi.js';

export const LOG_PRODUCER = 'log-producer';
export const PRODUCER_CLASS = 'dev.flinkship.logcleaner.producer.LogProducer';
export const CONSUMER = 'flinkship-smoke-consumer';
const MANAGED = { 'app.kubernetes.io/managed-by': 'flinkship' };

/** The producer runs from the job jar in the job image (it needs only the JDK). */
export function logProducerPod(namespace: string, image: string, jar: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: LOG_PRODUCER,
      namespace,
      labels: { 'app.kubernetes.io/name': LOG_PRODUCER, ...MANAGED },
    },
    spec: {
      restartPolicy: 'Never',
      containers: [
        {
          name: LOG_PRODUCER,
          image,
          command: ['java', '-cp', `/opt/flink/usrlib/${jar}`, PRODUCER_CLASS, '--delay-ms', '200'],
          resources: { requests: { cpu: '50m', memory: '64Mi' } },
        },
      ],
    },
  };
}

export interface ConsumerSettings {
  namespace: string;
  brokers: string;
  topic: string;
  maxMessages: number;
  /** Idle time after which the consumer gives up. */
  idleTimeoutMs: number;
  /** A fresh name per attempt. */
  name: string;
  /** The Kafka image whose console consumer runs: the spec's mirror (kafka.image), else Strimzi's. */
  image?: string;
}

export function consumerArgv(s: ConsumerSettings): string[] {
  return [
    '/opt/kafka/bin/kafka-console-consumer.sh',
    '--bootstrap-server',
    s.brokers,
    '--topic',
    s.topic,
    '--from-beginning',
    '--consumer-property',
    'isolation.level=read_committed',
    '--max-messages',
    String(s.maxMessages),
    '--timeout-ms',
    String(s.idleTimeoutMs),
  ];
}

export function consumerPod(s: ConsumerSettings): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: s.name,
      namespace: s.namespace,
      labels: { 'app.kubernetes.io/name': CONSUMER, ...MANAGED },
    },
    spec: {
      restartPolicy: 'Never',
      containers: [{ name: 'consumer', image: s.image ?? STRIMZI_KAFKA_IMAGE, command: consumerArgv(s) }],
    },
  };
}

/** The JSON lines of a console consumer's output (its own messages are not JSON). */
export function recordsOf(output: string): string[] {
  return output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('{'));
}

export interface SmokeComparison {
  ok: boolean;
  missing: string[];
  unexpected: string[];
}

/** Exact comparison as multisets: every expected record once, nothing else. Order is not the job's promise. */
export function compareRecords(expected: string[], actual: string[]): SmokeComparison {
  const remaining = new Map<string, number>();
  for (const e of expected) remaining.set(e, (remaining.get(e) ?? 0) + 1);
  const unexpected: string[] = [];
  for (const a of actual) {
    const n = remaining.get(a) ?? 0;
    if (n > 0) remaining.set(a, n - 1);
    else unexpected.push(a);
  }
  const missing = [...remaining].flatMap(([r, n]) => Array<string>(n).fill(r));
  return { ok: missing.length === 0 && unexpected.length === 0, missing, unexpected };
}
