// Strimzi, from its pinned release manifests: read them, rewrite their namespace the way the quickstart
// does (on parsed documents, not with sed), and the Kafka (KRaft, one dual-role node pool, ephemeral
// storage, replication factors of 1, a plain listener) and KafkaTopics the spec names. Pure, except reading.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { isPlainObject } from '../spec/resolve.js';
import { OperationError } from '../util/errors.js';

export const STRIMZI_VERSION = '1.2.0';
export const STRIMZI_DEFAULT_MANIFESTS = `https://github.com/strimzi/strimzi-kafka-operator/releases/download/${STRIMZI_VERSION}/strimzi-cluster-operator-${STRIMZI_VERSION}.yaml`;
/** The Kafka version the operator's release supports by default, and its console tools. */
export const KAFKA_VERSION = '4.3.1';
export const KAFKA_METADATA_VERSION = '4.3-IV0';
export const STRIMZI_KAFKA_IMAGE = `quay.io/strimzi/kafka:${STRIMZI_VERSION}-kafka-${KAFKA_VERSION}`;
export const STRIMZI_OPERATOR_DEPLOYMENT = 'strimzi-cluster-operator';
export const STRIMZI_API = 'kafka.strimzi.io/v1';

export type K8sObject = Record<string, unknown> & {
  apiVersion: string;
  kind: string;
  metadata: Record<string, unknown> & { name: string; namespace?: string };
};

const CLUSTER_SCOPED = new Set([
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleBinding',
  'Namespace',
  'PriorityClass',
  'StorageClass',
]);

export function isClusterScoped(obj: K8sObject): boolean {
  return CLUSTER_SCOPED.has(obj.kind);
}

export function isUrl(source: string): boolean {
  return /^https?:\/\//.test(source);
}

/** Parses multi-document YAML into objects; empty documents are dropped. `file` names it in errors. */
export function parseManifests(text: string, file: string): K8sObject[] {
  const out: K8sObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0)
      throw new InvalidManifests(`${file}: not valid YAML: ${doc.errors[0]!.message}`);
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) continue;
    if (!isPlainObject(value) || typeof value.kind !== 'string' || !isPlainObject(value.metadata)) {
      throw new InvalidManifests(`${file}: a document is not a Kubernetes object (no kind or metadata)`);
    }
    out.push(value as K8sObject);
  }
  return out;
}

/** The YAML files of a directory, in name order (the release's files are numbered for that). */
export function readManifestDir(dir: string): K8sObject[] {
  const files = readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f) && statSync(path.join(dir, f)).isFile())
    .sort();
  return files.flatMap((f) => parseManifests(readFileSync(path.join(dir, f), 'utf8'), path.join(dir, f)));
}

/** What `sed -i 's/namespace: .*\/namespace: <ns>/' *RoleBinding*.yaml` plus `kubectl -n <ns>` do, on objects. */
export function rewriteNamespace(objects: K8sObject[], namespace: string): K8sObject[] {
  return objects.map((obj) => {
    const out = structuredClone(obj);
    if (!isClusterScoped(out)) out.metadata.namespace = namespace;
    if ((out.kind === 'RoleBinding' || out.kind === 'ClusterRoleBinding') && Array.isArray(out.subjects)) {
      out.subjects = (out.subjects as Record<string, unknown>[]).map((s) =>
        s.kind === 'ServiceAccount' ? { ...s, namespace } : s,
      );
    }
    return out;
  });
}

/** CRDs first, then the rest in file order: a CR-free install, so the order only matters for CRDs. */
export function splitCrds(objects: K8sObject[]): { crds: K8sObject[]; rest: K8sObject[] } {
  return {
    crds: objects.filter((o) => o.kind === 'CustomResourceDefinition'),
    rest: objects.filter((o) => o.kind !== 'CustomResourceDefinition'),
  };
}

const MANAGED = { 'app.kubernetes.io/managed-by': 'flinkship' };

export function kafkaNodePool(cluster: string, namespace: string): K8sObject {
  return {
    apiVersion: STRIMZI_API,
    kind: 'KafkaNodePool',
    metadata: { name: 'dual-role', namespace, labels: { 'strimzi.io/cluster': cluster, ...MANAGED } },
    spec: {
      replicas: 1,
      roles: ['controller', 'broker'],
      storage: { type: 'jbod', volumes: [{ id: 0, type: 'ephemeral', kraftMetadata: 'shared' }] },
    },
  };
}

export function kafka(cluster: string, namespace: string): K8sObject {
  return {
    apiVersion: STRIMZI_API,
    kind: 'Kafka',
    metadata: { name: cluster, namespace, labels: MANAGED },
    spec: {
      kafka: {
        version: KAFKA_VERSION,
        metadataVersion: KAFKA_METADATA_VERSION,
        listeners: [{ name: 'plain', port: 9092, type: 'internal', tls: false }],
        config: {
          'offsets.topic.replication.factor': 1,
          'transaction.state.log.replication.factor': 1,
          'transaction.state.log.min.isr': 1,
          'default.replication.factor': 1,
          'min.insync.replicas': 1,
        },
      },
      entityOperator: { topicOperator: {} },
    },
  };
}

/** A Kubernetes name for a topic; topics with upper case or '_' keep their name in spec.topicName. */
export function topicResourceName(topic: string): string {
  return topic
    .toLowerCase()
    .replace(/[^a-z0-9.-]/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
}

export function kafkaTopic(cluster: string, namespace: string, topic: string): K8sObject {
  const name = topicResourceName(topic);
  return {
    apiVersion: STRIMZI_API,
    kind: 'KafkaTopic',
    metadata: { name, namespace, labels: { 'strimzi.io/cluster': cluster, ...MANAGED } },
    spec: { ...(name !== topic ? { topicName: topic } : {}), partitions: 1, replicas: 1 },
  };
}

/** The bootstrap address of the plain listener, as pods in the cluster reach it. */
export function bootstrapAddress(cluster: string, namespace: string): string {
  return `${cluster}-kafka-bootstrap.${namespace}.svc:9092`;
}

/** Manifests that are readable but not Strimzi's: bad input, reported at the flag that named them. */
export class InvalidManifests extends Error {}

/** The release's install manifests: a directory of YAML files, one YAML file, or an https:// URL. */
export async function loadStrimziManifests(source: string): Promise<K8sObject[]> {
  let objects: K8sObject[];
  if (isUrl(source)) {
    let text: string;
    try {
      const res = await fetch(source, { redirect: 'follow', signal: AbortSignal.timeout(60_000) });
      if (!res.ok) throw new Error(`HTTP ${res.status} ${res.statusText}`);
      text = await res.text();
    } catch (err) {
      throw new OperationError(
        `downloading the Strimzi manifests from ${source} failed: ${(err as Error).message}`,
      );
    }
    objects = parseManifests(text, source);
  } else if (statSync(source).isDirectory()) {
    objects = readManifestDir(source);
  } else {
    objects = parseManifests(readFileSync(source, 'utf8'), source);
  }
  if (!objects.some((o) => o.kind === 'Deployment' && o.metadata.name === STRIMZI_OPERATOR_DEPLOYMENT)) {
    throw new InvalidManifests(
      `${source} holds no Deployment ${STRIMZI_OPERATOR_DEPLOYMENT}, so it is not the Strimzi cluster operator's install manifests; give the release's install directory or strimzi-cluster-operator-${STRIMZI_VERSION}.yaml`,
    );
  }
  return objects;
}
