// Installing the environment's parts on a cluster: Strimzi (operator, Kafka, topics) and Fluent Bit.
// Each part applies its objects with server-side apply, then waits on the conditions that say it works.
import { describeRef, type Kube } from '../executors/kube.js';
import type { Ui } from '../ui/ui.js';
import { conditionCheck, daemonSetRolledOut } from './conditions.js';
import type { Deadline } from '../util/deadline.js';
import { FLUENT_BIT_NAME, fluentBitObjects, type FluentBitSettings } from './fluentBit.js';
import {
  STRIMZI_OPERATOR_DEPLOYMENT,
  kafka,
  kafkaNodePool,
  kafkaTopic,
  rewriteNamespace,
  splitCrds,
} from './strimzi.js';
import type { KubeObject } from '../plan/objects.js';

export function namespaceObject(name: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { 'app.kubernetes.io/managed-by': 'flinkship' } },
  };
}

async function applyAll(kube: Kube, objects: KubeObject[], ui: Ui): Promise<void> {
  for (const obj of objects) {
    await kube.apply(obj);
    ui.info(`applied ${describeRef({ ...obj, name: obj.metadata.name, namespace: obj.metadata.namespace })}`);
  }
}

export interface StrimziSettings {
  namespace: string;
  cluster: string;
  topics: string[];
  /** A mirror of Strimzi's Kafka image, as the Kafka's spec.kafka.image. */
  kafkaImage?: string;
  /** The release's objects, as read (before the namespace is rewritten). */
  manifests: KubeObject[];
}

/** The objects `env up` applies for Kafka, in order: operator install (namespace rewritten), Kafka, topics. */
export function strimziObjects(s: StrimziSettings): {
  crds: KubeObject[];
  operator: KubeObject[];
  kafka: KubeObject[];
} {
  const { crds, rest } = splitCrds(rewriteNamespace(s.manifests, s.namespace));
  return {
    crds,
    operator: rest,
    kafka: [
      kafkaNodePool(s.cluster, s.namespace),
      kafka(s.cluster, s.namespace, s.kafkaImage),
      ...s.topics.map((t) => kafkaTopic(s.cluster, s.namespace, t)),
    ],
  };
}

export async function installStrimzi(
  kube: Kube,
  s: StrimziSettings,
  deadline: Deadline,
  ui: Ui,
  time: <T>(step: string, fn: () => Promise<T>) => Promise<T>,
): Promise<void> {
  const objects = strimziObjects(s);
  await time('Strimzi operator', async () => {
    await kube.apply(namespaceObject(s.namespace));
    await applyAll(kube, objects.crds, ui);
    await Promise.all(
      objects.crds.map((crd) =>
        kube.waitFor(
          {
            apiVersion: crd.apiVersion,
            kind: crd.kind,
            name: crd.metadata.name,
            describe: `CustomResourceDefinition ${crd.metadata.name} Established`,
            timeoutMs: deadline.remainingMs(`CRD ${crd.metadata.name} was Established`),
            check: (o) => conditionCheck('Established', o as never),
          },
          ui,
        ),
      ),
    );
    await applyAll(kube, objects.operator, ui);
    await kube.waitFor(
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        namespace: s.namespace,
        name: STRIMZI_OPERATOR_DEPLOYMENT,
        describe: `Deployment ${s.namespace}/${STRIMZI_OPERATOR_DEPLOYMENT} Available`,
        timeoutMs: deadline.remainingMs('the Strimzi operator was Available'),
        check: (o) => conditionCheck('Available', o as never),
      },
      ui,
    );
  });
  await time(`Kafka ${s.cluster}`, async () => {
    await applyAll(kube, objects.kafka, ui);
    await kube.waitFor(
      {
        apiVersion: 'kafka.strimzi.io/v1',
        kind: 'Kafka',
        namespace: s.namespace,
        name: s.cluster,
        describe: `Kafka ${s.namespace}/${s.cluster} Ready`,
        timeoutMs: deadline.remainingMs(`Kafka ${s.cluster} was Ready`),
        check: (o) => conditionCheck('Ready', o as never),
      },
      ui,
    );
  });
  await time(`KafkaTopics ${s.topics.join(', ') || '(none)'}`, async () => {
    await Promise.all(
      objects.kafka
        .filter((o) => o.kind === 'KafkaTopic')
        .map((t) =>
          kube.waitFor(
            {
              apiVersion: t.apiVersion,
              kind: t.kind,
              namespace: s.namespace,
              name: t.metadata.name,
              describe: `KafkaTopic ${s.namespace}/${t.metadata.name} Ready`,
              timeoutMs: deadline.remainingMs(`KafkaTopic ${t.metadata.name} was Ready`),
              check: (o) => conditionCheck('Ready', o as never),
            },
            ui,
          ),
        ),
    );
  });
}

export async function installFluentBit(
  kube: Kube,
  s: FluentBitSettings,
  deadline: Deadline,
  ui: Ui,
  time: <T>(step: string, fn: () => Promise<T>) => Promise<T>,
): Promise<void> {
  await time('Fluent Bit', async () => {
    await kube.apply(namespaceObject(s.namespace));
    await applyAll(kube, fluentBitObjects(s), ui);
    await kube.waitFor(
      {
        apiVersion: 'apps/v1',
        kind: 'DaemonSet',
        namespace: s.namespace,
        name: FLUENT_BIT_NAME,
        describe: `DaemonSet ${s.namespace}/${FLUENT_BIT_NAME} rolled out`,
        timeoutMs: deadline.remainingMs('Fluent Bit was rolled out'),
        check: (o) => daemonSetRolledOut(o as never),
      },
      ui,
    );
  });
}
