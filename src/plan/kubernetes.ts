// Every Kubernetes object a deploy writes, so that the plan shows the whole blast radius: the namespace
// (when asked), a ServiceAccount each for the JobManager and the TaskManagers with namespaced,
// least-privilege Roles (never a ClusterRole), and the objects that live only while a deploy runs (the
// deployer's account, which the Flink client submits as, and the deploy Lease).
import { haEnabled } from '../spec/resolve.js';
import type { ResolvedEnvironment } from '../spec/types.js';
import type { KubeObject } from './objects.js';

export type { KubeObject } from './objects.js';

export const FIELD_MANAGER = 'flinkship';

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  resourceNames?: string[];
  verbs: string[];
}

export function ownedLabels(env: ResolvedEnvironment): Record<string, string> {
  return {
    'app.kubernetes.io/managed-by': 'flinkship',
    'app.kubernetes.io/name': env.jobName,
    'app.kubernetes.io/instance': env.clusterId,
    'flinkship.dev/environment': env.name,
  };
}

/** On the objects that exist only while a deploy runs; deploy deletes them at its end. */
export const LIFETIME_ANNOTATION = 'flinkship.dev/lifetime';
export const RUN_LIFETIME = 'deleted when the deploy run ends';
export const DEPLOYER_COMPONENT = 'deployer';
export const LEASE_COMPONENT = 'deploy-lease';

/** What the JobManager does with the API: run TaskManager pods, keep HA and config in ConfigMaps. */
export const JOBMANAGER_RULES: PolicyRule[] = [
  {
    apiGroups: [''],
    resources: ['pods', 'configmaps'],
    verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
  },
  // To set the JobManager Deployment as owner of the TaskManager pods.
  { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get'] },
];

/**
 * What a TaskManager (which runs user code) does with the API: with Kubernetes HA, find the leaders in
 * the HA ConfigMaps; without HA, nothing at all.
 */
export function taskManagerRules(env: ResolvedEnvironment): PolicyRule[] {
  return haEnabled(env.flinkConfiguration)
    ? [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] }]
    : [];
}

/**
 * What the Flink client does with the deployer's token in native application mode, and nothing more:
 * it checks that Service <cluster-id>-rest does not exist yet, creates Deployment <cluster-id>, then
 * Services <cluster-id>-rest and <cluster-id> and ConfigMap flink-config-<cluster-id> (pod-template-
 * <cluster-id> with a pod template), reads the rest Service back for its address, and deletes the
 * Deployment again when the submission fails. `create` cannot be limited by resourceNames (Kubernetes
 * authorizes a create before the object, and so its name, exists), so create is granted for the kind;
 * everything else only on these names. No list, watch, update, patch, and no pods or secrets: Flinkship's
 * own reads and deletes (replace, teardown, diagnostics) use the user's credentials, not this token.
 */
export function clientRules(clusterId: string): PolicyRule[] {
  return [
    { apiGroups: ['apps'], resources: ['deployments'], verbs: ['create'] },
    { apiGroups: ['apps'], resources: ['deployments'], resourceNames: [clusterId], verbs: ['get', 'delete'] },
    { apiGroups: [''], resources: ['services', 'configmaps'], verbs: ['create'] },
    {
      apiGroups: [''],
      resources: ['services'],
      resourceNames: [`${clusterId}-rest`, clusterId],
      verbs: ['get'],
    },
    {
      apiGroups: [''],
      resources: ['configmaps'],
      resourceNames: [`flink-config-${clusterId}`, `pod-template-${clusterId}`],
      verbs: ['get'],
    },
  ];
}

/** A Flink process's ServiceAccount: one Flinkship owns (and creates), or an existing one it leaves alone. */
export interface ProcessAccount {
  name: string;
  owned: boolean;
  annotations: Record<string, string>;
  rules: PolicyRule[];
}

export function processAccounts(env: ResolvedEnvironment): {
  jobManager: ProcessAccount;
  taskManager: ProcessAccount;
} {
  const account = (
    given: { serviceAccount?: string; serviceAccountAnnotations?: Record<string, string> },
    ownedName: string,
    rules: PolicyRule[],
  ): ProcessAccount =>
    given.serviceAccount !== undefined
      ? { name: given.serviceAccount, owned: false, annotations: {}, rules }
      : { name: ownedName, owned: true, annotations: given.serviceAccountAnnotations ?? {}, rules };
  return {
    jobManager: account(env.jobManager, env.ownedServiceAccount, JOBMANAGER_RULES),
    taskManager: account(env.taskManager, `${env.ownedServiceAccount}-taskmanager`, taskManagerRules(env)),
  };
}

/** The Flink configuration the accounts and the image pull secrets decide. */
export function accountConfiguration(env: ResolvedEnvironment): Record<string, string> {
  const { taskManager } = processAccounts(env);
  const pullSecrets = env.image.pullSecrets ?? [];
  return {
    'kubernetes.taskmanager.service-account': taskManager.name,
    ...(pullSecrets.length
      ? {
          // A list option: `a;b` in 1.x; 2.x reads its values as YAML, so a YAML flow list.
          'kubernetes.container.image.pull-secrets': env.flinkVersion.startsWith('2.')
            ? `[${pullSecrets.join(', ')}]`
            : pullSecrets.join(';'),
        }
      : {}),
  };
}

function accountObjects(
  account: { name: string; annotations: Record<string, string>; rules: PolicyRule[] },
  namespace: string,
  labels: Record<string, string>,
  annotations: Record<string, string> = {},
): KubeObject[] {
  const meta = (extra: Record<string, string> = {}) => {
    const all = { ...annotations, ...extra };
    return {
      name: account.name,
      namespace,
      labels: { ...labels },
      ...(Object.keys(all).length ? { annotations: all } : {}),
    };
  };
  const objects: KubeObject[] = [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(account.annotations) },
  ];
  if (account.rules.length === 0) return objects;
  objects.push(
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: meta(), rules: account.rules },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: meta(),
      subjects: [{ kind: 'ServiceAccount', name: account.name, namespace }],
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: account.name },
    },
  );
  return objects;
}

export function deployerName(clusterId: string): string {
  return `${clusterId}-deployer`;
}

export function leaseName(clusterId: string): string {
  return `${clusterId}-flinkship`;
}

/** The objects whose lifetime is one deploy run: created on the way, deleted at its end. */
export function isRunScoped(o: KubeObject): boolean {
  return o.metadata.annotations?.[LIFETIME_ANNOTATION] === RUN_LIFETIME;
}

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
  const { jobManager, taskManager } = processAccounts(env);
  for (const account of [jobManager, taskManager]) {
    if (account.owned) objects.push(...accountObjects(account, env.namespace, labels));
  }
  const lifetime = { [LIFETIME_ANNOTATION]: RUN_LIFETIME };
  objects.push(
    ...accountObjects(
      { name: deployerName(env.clusterId), annotations: {}, rules: clientRules(env.clusterId) },
      env.namespace,
      { ...labels, 'app.kubernetes.io/component': DEPLOYER_COMPONENT },
      lifetime,
    ),
    {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: leaseName(env.clusterId),
        namespace: env.namespace,
        labels: { ...labels, 'app.kubernetes.io/component': LEASE_COMPONENT },
        annotations: lifetime,
      },
    },
  );
  return objects;
}
