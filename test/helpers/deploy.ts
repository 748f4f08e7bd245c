// What the deploy suites share: an admin view of the staging cluster, and a job image with a digest.
import { DockerEngine } from '../../src/executors/docker.js';
import type { KubernetesObject } from '@kubernetes/client-node';
import { Kube } from '../../src/executors/kube.js';
import { clientRules, deployerName } from '../../src/plan/kubernetes.js';
import { tarContext } from '../../src/build/context.js';
import { testbed } from '../integration/testbed.js';

export function stagingAdmin(): Kube {
  return Kube.load({ kubeconfig: testbed('FLINKSHIP_TESTBED_STAGING_KUBECONFIG'), context: 'staging' });
}

/**
 * The stand-in Flink image, pushed to the staging registry as `flinkship-<suite>/job:<tag>` so that it
 * has a digest; kwok never runs it. Returns `repository@sha256:...`.
 */
export async function pushJobImage(suite: string, tag: string): Promise<string> {
  const engine = new DockerEngine();
  const repository = `${testbed('FLINKSHIP_TESTBED_STAGING_REGISTRY')}/flinkship-${suite}/job`;
  await engine.tag(testbed('FLINKSHIP_TESTBED_FLINK_BASE_IMAGE'), repository, tag);
  const pushed = await engine.push(repository, tag, undefined, () => undefined);
  return `${repository}@${pushed.digest}`;
}

/**
 * The stand-in Flink image as a trusted client image: pushed to the staging registry under its own
 * repository (`secdep-flink/flink`), as a mirror of the official image would be. Returns it by digest.
 */
export async function pushClientImage(repositoryPath: string, tag: string): Promise<string> {
  const engine = new DockerEngine();
  const repository = `${testbed('FLINKSHIP_TESTBED_STAGING_REGISTRY')}/${repositoryPath}`;
  await engine.tag(testbed('FLINKSHIP_TESTBED_FLINK_BASE_IMAGE'), repository, tag);
  const pushed = await engine.push(repository, tag, undefined, () => undefined);
  return `${repository}@${pushed.digest}`;
}

/**
 * A client image whose `flink` blocks until killed: a submission that is still under way when the test
 * cancels the run. Built from the testbed's busybox, pushed to the staging registry; by digest.
 */
export async function pushBlockingClientImage(repositoryPath: string, tag: string): Promise<string> {
  const engine = new DockerEngine();
  const repository = `${testbed('FLINKSHIP_TESTBED_STAGING_REGISTRY')}/${repositoryPath}`;
  const dockerfile = [
    `FROM ${testbed('FLINKSHIP_TESTBED_BUSYBOX_IMAGE')}`,
    `RUN printf '#!/bin/sh\\nexec sleep 600\\n' > /bin/flink && chmod 755 /bin/flink`,
    '',
  ].join('\n');
  await engine.build(
    tarContext([{ name: 'Dockerfile', content: dockerfile }]),
    { tag: `${repository}:${tag}`, buildArgs: {}, labels: {} },
    () => undefined,
  );
  const pushed = await engine.push(repository, tag, undefined, () => undefined);
  return `${repository}@${pushed.digest}`;
}

/**
 * Runs `fn` with a token of a deployer ServiceAccount for `clusterId`, as deploy makes one (the Role
 * holds exactly clientRules), and deletes the account again, as deploy does at its end.
 */
export async function asDeployer<T>(
  admin: Kube,
  namespace: string,
  clusterId: string,
  fn: (token: string) => Promise<T>,
): Promise<T> {
  const name = deployerName(clusterId);
  const meta = { name, namespace };
  const objects = [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: meta,
      rules: clientRules(clusterId),
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: meta,
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
    },
  ];
  for (const o of objects) await admin.apply(o as KubernetesObject);
  try {
    return await fn(await admin.serviceAccountToken(namespace, name, 600));
  } finally {
    for (const o of objects) await admin.delete({ apiVersion: o.apiVersion, kind: o.kind, name, namespace });
  }
}
