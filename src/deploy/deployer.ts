// The identity the Flink client deploys with. Deploy gives the client its own kubeconfig holding a
// short-lived token of a namespaced deployer ServiceAccount, never the user's kubeconfig:
// - Flink's shaded fabric8 client cannot read every kubeconfig (EC client keys need BouncyCastle,
//   which Flink does not ship; exec plugins need their binaries inside the client's image);
// - the client then holds only what native application mode needs, in one namespace.
import { stringify } from 'yaml';
import type { KubeObject } from '../plan/kubernetes.js';
import type { Plan } from '../plan/plan.js';
import { CLIENT_RULES } from './decide.js';

export function deployerName(plan: Plan): string {
  return `${plan.clusterId}-deployer`;
}

/** The deployer ServiceAccount, its Role (CLIENT_RULES) and RoleBinding, labelled like the plan's objects. */
export function deployerObjects(plan: Plan): KubeObject[] {
  const sa = plan.kubernetes.find((o) => o.kind === 'ServiceAccount');
  const labels = { ...(sa?.metadata.labels ?? {}), 'app.kubernetes.io/component': 'deployer' };
  const meta = () => ({ name: deployerName(plan), namespace: plan.namespace, labels: { ...labels } });
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta() },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: meta(), rules: CLIENT_RULES },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: meta(),
      subjects: [{ kind: 'ServiceAccount', name: deployerName(plan), namespace: plan.namespace }],
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: deployerName(plan) },
    },
  ];
}

export interface ClientCluster {
  server: string;
  /** base64 PEM of the cluster CA, as in certificate-authority-data. */
  caData?: string;
  insecureSkipTlsVerify?: boolean;
  tlsServerName?: string;
}

/** A kubeconfig with one context: the cluster, the token, the namespace. Its content is a secret. */
export function clientKubeconfig(cluster: ClientCluster, token: string, namespace: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'target',
        cluster: {
          server: cluster.server,
          ...(cluster.caData ? { 'certificate-authority-data': cluster.caData } : {}),
          ...(cluster.insecureSkipTlsVerify ? { 'insecure-skip-tls-verify': true } : {}),
          ...(cluster.tlsServerName ? { 'tls-server-name': cluster.tlsServerName } : {}),
        },
      },
    ],
    users: [{ name: 'flinkship-deployer', user: { token } }],
    contexts: [{ name: 'flinkship', context: { cluster: 'target', user: 'flinkship-deployer', namespace } }],
    'current-context': 'flinkship',
  });
}
