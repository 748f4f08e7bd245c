// Taking an application cluster down: what deploy's stateless replace and delete share.
import type { Kube } from '../executors/kube.js';
import type { Plan } from '../plan/plan.js';
import type { Ui } from '../ui/ui.js';

/**
 * Deletes the JobManager Deployment (Foreground: its ConfigMap, Services and pods go first) and waits
 * until it is gone, then the HA ConfigMaps, which have no owner and would otherwise bring the old job
 * graph back. Only for what may lose its state: the caller decides that.
 */
export async function removeCluster(kube: Kube, p: Plan, timeoutMs: number, ui: Ui): Promise<void> {
  const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name: p.clusterId, namespace: p.namespace };
  if (await kube.delete(ref, { propagationPolicy: 'Foreground' })) {
    await kube.waitFor(
      {
        ...ref,
        describe: `Deployment ${p.namespace}/${p.clusterId} to be deleted`,
        timeoutMs,
        check: (d) => ({
          done: d === undefined,
          status: d
            ? `still there${d.metadata?.deletionTimestamp ? ' (deleting its dependents)' : ''}`
            : 'gone',
        }),
      },
      ui,
    );
    ui.info(`Deployment ${p.namespace}/${p.clusterId} deleted`);
  }
  const ha = await kube.list('v1', 'ConfigMap', p.namespace, {
    labelSelector: `app=${p.clusterId},configmap-type=high-availability`,
  });
  for (const cm of ha.items) {
    await kube.delete({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      name: cm.metadata!.name!,
      namespace: p.namespace,
    });
    ui.info(`HA ConfigMap ${p.namespace}/${cm.metadata!.name} deleted`);
  }
}
