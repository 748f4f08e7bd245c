// The fixture's spec with its integration environment moved onto an existing cluster and into a test's
// own namespaces, as the env up suites (staging testbed, real kind cluster) run it.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface IntegrationNamespaces {
  kafka: string;
  logging: string;
  flink: string;
}

/**
 * Writes `<dir>/flinkship.yaml`; `extra.fluentBit` and `extra.kafka` add fields to those mappings
 * (`image: "..."`, as a user's mirror would).
 */
export function writeIntegrationSpec(
  dir: string,
  ns: IntegrationNamespaces,
  extra: { fluentBit?: string; kafka?: string } = {},
): string {
  const more = (fields?: string) => (fields ? `, ${fields}` : '');
  const replacements: [string, string][] = [
    ['    cluster: kind\n', '    cluster: existing\n'],
    // The job reads and writes the Kafka of the test's namespace.
    [
      "      'my-cluster-kafka-bootstrap.kafka:9092',\n",
      `      'my-cluster-kafka-bootstrap.${ns.kafka}:9092',\n`,
    ],
    ['    namespace: flink-integration\n', `    namespace: ${ns.flink}\n`],
    [
      '    kafka: { cluster: my-cluster, topics: [logs, logs-clean] }\n',
      `    kafka: { cluster: my-cluster, namespace: ${ns.kafka}, topics: [logs, logs-clean]${more(extra.kafka)} }\n`,
    ],
    [
      "    fluentBit: { match: 'kube.var.log.containers.log-producer*', topic: logs }\n",
      `    fluentBit: { match: 'kube.var.log.containers.log-producer*', topic: logs, namespace: ${ns.logging}${more(extra.fluentBit)} }\n`,
    ],
  ];
  let spec = readFileSync('fixtures/log-cleaner/flinkship.yaml', 'utf8');
  for (const [from, to] of replacements) {
    // The fixture changed under the suite: say so rather than test the wrong environment.
    if (!spec.includes(from))
      throw new Error(`fixtures/log-cleaner/flinkship.yaml no longer has ${JSON.stringify(from)}`);
    spec = spec.replace(from, to);
  }
  const file = path.join(dir, 'flinkship.yaml');
  writeFileSync(file, spec);
  return file;
}
