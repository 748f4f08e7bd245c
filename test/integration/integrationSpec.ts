// The fixture's spec with its integration environment moved onto an existing cluster and into a test's
// own namespaces, as the env up suites (staging testbed, real kind cluster) run it.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface IntegrationNamespaces {
  kafka: string;
  logging: string;
  flink: string;
}

/** Writes `<dir>/flinkship.yaml`; `fluentBit` adds fields to the fluentBit mapping (`image: "..."`). */
export function writeIntegrationSpec(dir: string, ns: IntegrationNamespaces, fluentBit = ''): string {
  const replacements: [string, string][] = [
    ['    cluster: kind\n', '    cluster: existing\n'],
    ['    namespace: flink-integration\n', `    namespace: ${ns.flink}\n`],
    [
      '    kafka: { cluster: my-cluster, topics: [logs, logs-clean] }\n',
      `    kafka: { cluster: my-cluster, namespace: ${ns.kafka}, topics: [logs, logs-clean] }\n`,
    ],
    [
      "    fluentBit: { match: 'kube.var.log.containers.log-producer*', topic: logs }\n",
      `    fluentBit: { match: 'kube.var.log.containers.log-producer*', topic: logs, namespace: ${ns.logging}${fluentBit ? `, ${fluentBit}` : ''} }\n`,
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
