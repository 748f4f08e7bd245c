// The Kubernetes objects the deployer owns for one deployment: the namespace (when asked), and the
// JobManager's ServiceAccount with a namespaced, least-privilege Role. Never a ClusterRole.
import type { ResolvedEnvironment } from '../spec/types.js';

export const FIELD_MANAGER = 'flinkship';

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels: Record<string, string> };
  [key: string]: unknown;
}

export function ownedLabels(env: ResolvedEnvironment): Record<string, string> {
  return {
    'app.kubernetes.io/managed-by': 'flinkship',
    'app.kubernetes.io/name': env.jobName,
    'app.kubernetes.io/instance': env.clusterId,
    'flinkship.dev/environment': env.name,
  };
}

/** What the JobManager does with the API: run TaskManager pods, keep HA and config in ConfigMaps. */
export const JOBMANAGER_RULES = [
  {
    apiGroups: [''],
    resources: ['pods', 'configmaps'],
    verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
  },
  // To set the JobManager Deployment as owner of the TaskManager pods.
  { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get'] },
];

export function planKubernetesObjects(env: ResolvedEnvironment): KubeObject[] {
  const labels = ownedLabels(env);
  const objects: KubeObject[] = [];
  if (env.createNamespace) {
    objects.push({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: env.namespace, labels: { 'app.kubernetes.io/managed-by': 'flinkship' } },
    });
  }
  const meta = () => ({ name: env.serviceAccount, namespace: env.namespace, labels: { ...labels } });
  objects.push(
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta() },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: meta(), rules: JOBMANAGER_RULES },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: meta(),
      subjects: [{ kind: 'ServiceAccount', name: env.serviceAccount, namespace: env.namespace }],
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: env.serviceAccount },
    },
  );
  return objects;
}
