// Strimzi, from its pinned release manifests: read them, rewrite their namespace the way the quickstart
// does (on parsed documents, not with sed), and the Kafka (KRaft, one dual-role node pool, ephemeral
// storage, replication factors of 1, a plain listener) and KafkaTopics the spec names. Pure, except reading.
// The manifests install cluster-scoped CRDs and RBAC: a URL is fetched over https only, and its bytes must
// have the release file's pinned sha256 before they are parsed (the download executor fetches and checks
// them). A local copy is the user's own choice.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { DigestMismatch, DownloadFailed, download } from '../executors/download.js';
import type { KubeObject } from '../plan/objects.js';
import { isPlainObject } from '../spec/resolve.js';
import { OperationError } from '../util/errors.js';

export const STRIMZI_VERSION = '1.2.0';
export const STRIMZI_MANIFESTS_FILE = `strimzi-cluster-operator-${STRIMZI_VERSION}.yaml`;
export const STRIMZI_DEFAULT_MANIFESTS = `https://github.com/strimzi/strimzi-kafka-operator/releases/download/${STRIMZI_VERSION}/${STRIMZI_MANIFESTS_FILE}`;
/**
 * sha256 of STRIMZI_DEFAULT_MANIFESTS, the release's install file. Added from public pins of that file,
 * whose digests of other 1.2.0 files match Strimzi's, as GitHub could not be read then: recheck against
 * the release when touching this. Update with STRIMZI_VERSION.
 */
export const STRIMZI_MANIFESTS_SHA256 = 'a0b1ae3e375a7da0674eb3894df8aa955bc50abe8190bc9344e30b83bbee4775';
/** The Kafka version the operator's release supports by default, and its console tools. */
export const KAFKA_VERSION = '4.3.1';
export const KAFKA_METADATA_VERSION = '4.3-IV0';
export const STRIMZI_KAFKA_IMAGE = `quay.io/strimzi/kafka:${STRIMZI_VERSION}-kafka-${KAFKA_VERSION}`;
export const STRIMZI_OPERATOR_DEPLOYMENT = 'strimzi-cluster-operator';
export const STRIMZI_API = 'kafka.strimzi.io/v1';

const CLUSTER_SCOPED = new Set([
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleBinding',
  'Namespace',
  'PriorityClass',
  'StorageClass',
]);

export function isClusterScoped(obj: KubeObject): boolean {
  return CLUSTER_SCOPED.has(obj.kind);
}

export function isUrl(source: string): boolean {
  return /^https?:\/\//.test(source);
}

/** Parses multi-document YAML into objects; empty documents are dropped. `file` names it in errors. */
export function parseManifests(text: string, file: string): KubeObject[] {
  const out: KubeObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0)
      throw new InvalidManifests(`${file}: not valid YAML: ${doc.errors[0]!.message}`);
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) continue;
    if (!isPlainObject(value) || typeof value.kind !== 'string' || !isPlainObject(value.metadata)) {
      throw new InvalidManifests(`${file}: a document is not a Kubernetes object (no kind or metadata)`);
    }
    out.push(value as KubeObject);
  }
  return out;
}

/** The YAML files of a directory, in name order (the release's files are numbered for that). */
export function readManifestDir(dir: string): KubeObject[] {
  const files = readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f) && statSync(path.join(dir, f)).isFile())
    .sort();
  return files.flatMap((f) => parseManifests(readFileSync(path.join(dir, f), 'utf8'), path.join(dir, f)));
}

/** What `sed -i 's/namespace: .*\/namespace: <ns>/' *RoleBinding*.yaml` plus `kubectl -n <ns>` do, on objects. */
export function rewriteNamespace(objects: KubeObject[], namespace: string): KubeObject[] {
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
export function splitCrds(objects: KubeObject[]): { crds: KubeObject[]; rest: KubeObject[] } {
  return {
    crds: objects.filter((o) => o.kind === 'CustomResourceDefinition'),
    rest: objects.filter((o) => o.kind !== 'CustomResourceDefinition'),
  };
}

const MANAGED = { 'app.kubernetes.io/managed-by': 'flinkship' };

export function kafkaNodePool(cluster: string, namespace: string): KubeObject {
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

/** `image`: a mirror of Strimzi's Kafka image (spec.kafka.image); without it Strimzi picks its own. */
export function kafka(cluster: string, namespace: string, image?: string): KubeObject {
  return {
    apiVersion: STRIMZI_API,
    kind: 'Kafka',
    metadata: { name: cluster, namespace, labels: MANAGED },
    spec: {
      kafka: {
        version: KAFKA_VERSION,
        ...(image ? { image } : {}),
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

export function kafkaTopic(cluster: string, namespace: string, topic: string): KubeObject {
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

/**
 * The release's install manifests: a directory of YAML files, one YAML file, or an https:// URL whose
 * content has the sha256 `expected` (checked before parsing: nothing of other bytes reaches the cluster).
 */
export async function loadStrimziManifests(
  source: string,
  expected = STRIMZI_MANIFESTS_SHA256,
): Promise<KubeObject[]> {
  let objects: KubeObject[];
  if (/^http:\/\//i.test(source)) {
    throw new InvalidManifests(
      `${source}: plain http:// is refused: anyone on the way could change the cluster-scoped CRDs and RBAC it installs; give an https:// URL (its content must have the sha256 of ${STRIMZI_MANIFESTS_FILE}, ${expected}), or the release's install directory or YAML file on disk`,
    );
  }
  if (isUrl(source)) {
    let bytes: Uint8Array;
    try {
      bytes = await download(source, { sha256: expected });
    } catch (err) {
      if (err instanceof DigestMismatch) {
        throw new OperationError(
          `the Strimzi manifests from ${source} have sha256 ${err.actual}, not the pinned ${expected} of ${STRIMZI_MANIFESTS_FILE}, so Flinkship does not apply them; give ${STRIMZI_DEFAULT_MANIFESTS} or a copy of that file`,
        );
      }
      if (err instanceof DownloadFailed) {
        throw new OperationError(`downloading the Strimzi manifests from ${source} failed: ${err.message}`);
      }
      throw err;
    }
    objects = parseManifests(new TextDecoder().decode(bytes), source);
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
