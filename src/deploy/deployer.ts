// The identity the Flink client deploys with. Deploy gives the client its own kubeconfig holding a
// short-lived token of a namespaced deployer ServiceAccount, never the user's kubeconfig:
// - Flink's shaded fabric8 client cannot read every kubeconfig (EC client keys need BouncyCastle,
//   which Flink does not ship; exec plugins need their binaries inside the client's image);
// - the client then holds only what native application mode needs, in one namespace.
import { stringify } from 'yaml';
import { DEPLOYER_COMPONENT, deployerName as deployerNameOf, type KubeObject } from '../plan/kubernetes.js';
import type { Plan } from '../plan/plan.js';

export function deployerName(plan: Plan): string {
  return deployerNameOf(plan.clusterId);
}

/**
 * The deployer ServiceAccount, its Role (clientRules) and RoleBinding, as the plan shows them. They
 * exist only while the client submits: deploy deletes them again (see submit.ts).
 */
export function deployerObjects(plan: Plan): KubeObject[] {
  return plan.kubernetes.filter(
    (o) => o.metadata.labels?.['app.kubernetes.io/component'] === DEPLOYER_COMPONENT,
  );
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
