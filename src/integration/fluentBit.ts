// Fluent Bit as a DaemonSet: tail the container logs (CRI multiline parser), add pod metadata with the
// kubernetes filter (Merge_Log On), and send the records to Kafka. Pure: the objects to apply.
import type { KubeObject } from '../plan/objects.js';

/** Fluent Bit 4.1.1, pinned by digest. */
export const FLUENT_BIT_IMAGE =
  'cr.fluentbit.io/fluent/fluent-bit:4.1.1@sha256:2a5cb41f99b7c5f3386bb34d42ce3b19eb47fbef6d93b64c0bd4afe9e6ec389c';
export const FLUENT_BIT_NAME = 'fluent-bit';
export const FLUENT_BIT_HEALTH_PORT = 2020;
export const DEFAULT_LOG_TOPIC = 'logs';
export const DEFAULT_MATCH = 'kube.*';

export interface FluentBitSettings {
  namespace: string;
  /** Which records are shipped: a Fluent Bit tag pattern over kube.var.log.containers.<pod>_<ns>_<container>-<id>.log. */
  match: string;
  topic: string;
  brokers: string;
  /** The image of the DaemonSet's container: FLUENT_BIT_IMAGE, or the user's mirror of it. */
  image: string;
}

const LABELS = { 'app.kubernetes.io/name': FLUENT_BIT_NAME, 'app.kubernetes.io/managed-by': 'flinkship' };

/**
 * What each value rendered into the classic configuration may hold. A line break, a space, `@` or `${`
 * there would add a section, a directive or a variable; the spec's schema holds match and topic to the
 * same patterns, so this only guards against a caller that skipped validation.
 */
const RENDERED: Record<'match' | 'topic' | 'brokers', { pattern: RegExp; what: string }> = {
  match: { pattern: /^[A-Za-z0-9._*-]+$/, what: 'a tag pattern' },
  topic: { pattern: /^[A-Za-z0-9._-]+$/, what: 'a topic name' },
  brokers: { pattern: /^[A-Za-z0-9.-]+:[0-9]+(,[A-Za-z0-9.-]+:[0-9]+)*$/, what: 'a broker list' },
};

export function fluentBitConfig(s: Omit<FluentBitSettings, 'image'>): string {
  for (const [key, { pattern, what }] of Object.entries(RENDERED)) {
    const value = s[key as keyof typeof RENDERED];
    if (!pattern.test(value)) {
      throw new Error(
        `Fluent Bit ${key} ${JSON.stringify(value)} is not ${what}; it would change the configuration`,
      );
    }
  }
  return `[SERVICE]
    Flush              1
    Log_Level          info
    HTTP_Server        On
    HTTP_Listen        0.0.0.0
    HTTP_Port          ${FLUENT_BIT_HEALTH_PORT}
    Health_Check       On

[INPUT]
    Name               tail
    Tag                kube.*
    Path               /var/log/containers/*.log
    multiline.parser   cri
    Read_from_Head     On
    Refresh_Interval   2
    Mem_Buf_Limit      16MB
    Skip_Long_Lines    On

[FILTER]
    Name               kubernetes
    Match              ${s.match}
    Kube_Tag_Prefix    kube.var.log.containers.
    Merge_Log          On
    Keep_Log           Off
    Labels             Off
    Annotations        Off

[OUTPUT]
    Name               kafka
    Match              ${s.match}
    Brokers            ${s.brokers}
    Topics             ${s.topic}
    Format             json
    Timestamp_Key      @timestamp
    rdkafka.request.required.acks 1
`;
}

export function fluentBitObjects(s: FluentBitSettings): KubeObject[] {
  const meta = (extra: Record<string, unknown> = {}) => ({
    name: FLUENT_BIT_NAME,
    labels: LABELS,
    ...extra,
  });
  const ns = { namespace: s.namespace };
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(ns) },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: meta(),
      rules: [{ apiGroups: [''], resources: ['pods', 'namespaces'], verbs: ['get', 'list', 'watch'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: meta(),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: FLUENT_BIT_NAME },
      subjects: [{ kind: 'ServiceAccount', name: FLUENT_BIT_NAME, namespace: s.namespace }],
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: meta(ns),
      data: { 'fluent-bit.conf': fluentBitConfig(s) },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: meta(ns),
      spec: {
        selector: { matchLabels: { 'app.kubernetes.io/name': FLUENT_BIT_NAME } },
        template: {
          metadata: { labels: LABELS },
          spec: {
            serviceAccountName: FLUENT_BIT_NAME,
            tolerations: [{ operator: 'Exists' }],
            containers: [
              {
                name: FLUENT_BIT_NAME,
                image: s.image,
                // Our config beside the image's, so its parsers.conf stays where it is.
                command: ['/fluent-bit/bin/fluent-bit', '-c', '/fluent-bit/etc/flinkship/fluent-bit.conf'],
                ports: [{ name: 'http', containerPort: FLUENT_BIT_HEALTH_PORT }],
                livenessProbe: { httpGet: { path: '/api/v1/health', port: 'http' }, periodSeconds: 10 },
                readinessProbe: { httpGet: { path: '/api/v1/health', port: 'http' }, periodSeconds: 5 },
                resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } },
                volumeMounts: [
                  { name: 'varlog', mountPath: '/var/log', readOnly: true },
                  { name: 'config', mountPath: '/fluent-bit/etc/flinkship', readOnly: true },
                ],
              },
            ],
            volumes: [
              { name: 'varlog', hostPath: { path: '/var/log' } },
              { name: 'config', configMap: { name: FLUENT_BIT_NAME } },
            ],
          },
        },
      },
    },
  ];
}
