// What the deploy suites share: an admin view of the staging cluster, and a job image with a digest.
import { DockerEngine } from '../../src/executors/docker.js';
import { Kube } from '../../src/executors/kube.js';
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
