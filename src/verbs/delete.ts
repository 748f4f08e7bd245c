// `flinkship delete --env <name>`: remove the application cluster and its HA ConfigMaps. A stateful
// job (upgradeMode savepoint or last-state) is first stopped with a savepoint, and nothing is deleted
// until that savepoint has completed, unless --force says its state may go.
import { COMMON_OPTIONS, originOf, type OptionDefs, type OptionsOf } from '../options/options.js';
import type { Ui } from '../ui/ui.js';
import { LEASE_VERBS } from '../deploy/decide.js';
import {
  acquireLease,
  leaseDurationSeconds,
  leaseLabels,
  localHolderIdentity,
  releaseLease,
} from '../deploy/lease.js';
import { CLUSTER_OPTIONS, parseClusterOptionsFor } from '../deploy/options.js';
import { withCleanup, type RunCleanup } from '../deploy/cleanup.js';
import { readRecord } from '../deploy/record.js';
import {
  directTransport,
  FlinkRest,
  pollUntil,
  serviceProxyTransport,
  type JobOverview,
  type SavepointStatus,
} from '../executors/flinkRest.js';
import { gitHubContextFromEnv } from '../executors/github.js';
import { describePermission, Kube, type Permission, type V1Deployment } from '../executors/kube.js';
import { withRetry } from '../executors/retry.js';
import { plan, resolveNamedEnvironment } from '../plan/plan.js';
import { loadSpec } from '../spec/load.js';
import { Deadline } from '../util/deadline.js';
import { InputError, OperationError } from '../util/errors.js';
import { removeCluster } from '../deploy/teardown.js';
import { current, HistoryStore, update } from '../release/history.js';
import { defineVerb } from './verb.js';

export const DELETE_OPTIONS = {
  ...COMMON_OPTIONS,
  ...CLUSTER_OPTIONS,
  force: {
    kind: 'boolean',
    default: false,
    description: 'Delete a stateful job without taking a savepoint first: its state is lost.',
  },
} as const satisfies OptionDefs;

export interface DeleteResult {
  clusterId: string;
  namespace: string;
  /** Whether there was anything to delete. */
  deleted: boolean;
  /** The savepoint taken before the delete. */
  savepoint?: string;
  jobId?: string;
}

export const deleteVerb = defineVerb({
  name: 'delete',
  options: DELETE_OPTIONS,
  run: (options, ui): Promise<DeleteResult> => withCleanup(ui, (cleanup) => runDelete(options, ui, cleanup)),
  text: (r) =>
    r.deleted
      ? `${r.clusterId} in ${r.namespace}: deleted${r.savepoint ? ` after savepoint ${r.savepoint}` : ''}\n`
      : `${r.clusterId} in ${r.namespace}: nothing to delete\n`,
  json: (r) => r,
  outputs: (r) => ({
    'cluster-id': r.clusterId,
    namespace: r.namespace,
    deleted: String(r.deleted),
    savepoint: r.savepoint ?? '',
  }),
  summary: (r) =>
    `## Flinkship delete: ${r.clusterId} in ${r.namespace}\n\n${r.deleted ? `Deleted${r.savepoint ? ` after savepoint \`${r.savepoint}\`` : ''}.` : 'Nothing to delete.'}\n`,
});

async function runDelete(
  options: OptionsOf<typeof DELETE_OPTIONS>,
  ui: Ui,
  cleanup: RunCleanup,
): Promise<DeleteResult> {
  const origin = originOf(options);
  const loaded = loadSpec(options.config);
  const env = resolveNamedEnvironment(loaded, options.env);
  const cluster = parseClusterOptionsFor(cleanup, options, origin, loaded, env);
  if (cluster.issues.length) throw new InputError(cluster.issues);
  const { target, timeoutMs, restUrl } = cluster.options!;
  const p = plan(loaded, env.name);
  const deadline = new Deadline(timeoutMs);
  const remaining = () => Math.max(1_000, deadline.leftMs());

  const kube = Kube.load(target, { ui });
  const ns = p.namespace;
  const needed: Permission[] = [
    { verb: 'get', group: 'apps', resource: 'deployments', namespace: ns },
    { verb: 'delete', group: 'apps', resource: 'deployments', namespace: ns },
    { verb: 'list', group: '', resource: 'configmaps', namespace: ns },
    { verb: 'delete', group: '', resource: 'configmaps', namespace: ns },
    { verb: 'get', group: '', resource: 'services', subresource: 'proxy', namespace: ns },
    // The release history: its current revision is marked as deleted.
    { verb: 'get', group: '', resource: 'secrets', namespace: ns },
    { verb: 'patch', group: '', resource: 'secrets', namespace: ns },
    ...LEASE_VERBS.map((verb) => ({
      verb,
      group: 'coordination.k8s.io',
      resource: 'leases',
      namespace: ns,
    })),
  ];
  const missing = await kube.missingPermissions(needed);
  if (missing.length) {
    throw new InputError([
      {
        ...(target.labels?.context ?? { file: '<flags>', field: '--context' }),
        message: `the user of context ${kube.context} lacks permissions delete needs (nothing was changed): ${missing.map(describePermission).join('; ')}`,
      },
    ]);
  }

  // One deployer at a time per cluster-id: delete holds the same Lease as deploy. A namespace that
  // does not exist holds nothing to delete, nor a Lease.
  const lease = await ui.group(`Take the deploy lease of ${p.clusterId}`, () =>
    acquireLease(
      kube,
      {
        clusterId: p.clusterId,
        namespace: ns,
        labels: leaseLabels(p),
        identity: localHolderIdentity('delete', gitHubContextFromEnv()?.runUrl),
        durationSeconds: leaseDurationSeconds(timeoutMs),
      },
      deadline,
      options.timeout,
      ui,
    ),
  );
  if (!lease) {
    ui.info(`namespace ${ns} does not exist: nothing to delete`);
    return { clusterId: p.clusterId, namespace: ns, deleted: false };
  }
  const release = cleanup.add(`release the deploy lease of ${p.clusterId}`, () =>
    releaseLease(kube, lease, ui),
  );
  try {
    return await deleteHoldingLease();
  } finally {
    await release();
  }

  async function deleteHoldingLease(): Promise<DeleteResult> {
    const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name: p.clusterId, namespace: ns };
    const deployment = await kube.get<V1Deployment>(ref);
    const observed = readRecord(deployment?.metadata?.annotations);
    const upgradeMode = observed.state === 'present' ? observed.record.upgradeMode : p.upgradeMode;
    let savepoint: string | undefined;
    let job: JobOverview | undefined;

    if (deployment && upgradeMode !== 'stateless' && !options.force) {
      const rest = new FlinkRest(
        restUrl ? directTransport(restUrl) : serviceProxyTransport(kube, ns, `${p.clusterId}-rest`),
      );
      await ui.group(`Stop ${p.clusterId} with a savepoint (upgradeMode ${upgradeMode})`, async () => {
        const refuse = (why: string) =>
          new OperationError(
            `${ns}/${p.clusterId} is stateful (upgradeMode ${upgradeMode}) and ${why}, so no savepoint can be taken and nothing was deleted. Make the REST API reachable (--rest-url), or pass --force to delete it and lose its state.`,
          );
        try {
          job = await withRetry(`read the job of ${p.clusterId} at ${rest.transport.url}`, () =>
            rest.currentJob(),
          );
        } catch (err) {
          throw refuse(
            `Flink's REST API at ${rest.transport.url} does not answer (${(err as Error).message})`,
          );
        }
        if (!job || job.state !== 'RUNNING') {
          throw refuse(job ? `its job ${job.jid} is ${job.state}, not RUNNING` : 'it runs no job');
        }
        const jid = job.jid;
        // A stop-with-savepoint that Flink refuses because a task is not running yet leaves the job
        // running; it is asked again, a bounded number of times within --timeout.
        const attempts = 5;
        let status: SavepointStatus = { done: false };
        for (let attempt = 1; attempt <= attempts; attempt++) {
          const requestId = await withRetry(`stop job ${jid} with a savepoint`, () =>
            rest.stopWithSavepoint(jid),
          );
          ui.info(`stop-with-savepoint of job ${jid} triggered (${requestId})`);
          status = await pollUntil(
            `the savepoint of job ${jid}`,
            remaining(),
            async () => {
              const s = await rest.savepointStatus(jid, requestId);
              return s.done ? { done: s, status: 'completed' } : { status: 'in progress' };
            },
            (line) => ui.info(line),
          );
          if (!status.tasksNotRunning || attempt === attempts) break;
          ui.info(
            `Flink refused the savepoint for now, the job running on (${status.failure}); asking again in 2s (${attempt}/${attempts})`,
          );
          await new Promise((r) => setTimeout(r, Math.min(2_000, remaining())));
        }
        if (status.failure || !status.location) {
          throw new OperationError(
            `the savepoint of job ${jid} failed (${status.failure ?? 'no location'}); nothing was deleted`,
          );
        }
        savepoint = status.location;
        ui.info(`savepoint completed: ${savepoint}`);
      });
    } else if (deployment && upgradeMode !== 'stateless') {
      ui.warning(`--force: deleting ${ns}/${p.clusterId} (upgradeMode ${upgradeMode}) without a savepoint`);
    }

    const ha = await kube.list('v1', 'ConfigMap', ns, {
      labelSelector: `app=${p.clusterId},configmap-type=high-availability`,
    });
    if (!deployment && ha.items.length === 0) {
      ui.info(`${ns}/${p.clusterId} does not exist: nothing to delete`);
      return { clusterId: p.clusterId, namespace: ns, deleted: false };
    }
    await ui.group(`Delete ${ns}/${p.clusterId} and its HA ConfigMaps`, () =>
      removeCluster(kube, p, remaining(), ui),
    );
    // The history keeps the revision, no longer deployed: a later deploy starts fresh, and the
    // savepoint stays on record.
    const store = new HistoryStore(kube, ns, p.clusterId, options.env);
    const history = await store.read();
    const cur = current(history);
    if (cur) {
      await store.write(
        update(
          history,
          cur.revision,
          {
            state: 'superseded',
            reason: savepoint
              ? `deleted by flinkship delete after savepoint ${savepoint}`
              : `deleted by flinkship delete without a savepoint${options.force ? ' (--force)' : ''}`,
          },
          new Date(),
        ),
      );
      ui.info(`release history: revision ${cur.revision} marked deleted (${store.where})`);
    }
    return {
      clusterId: p.clusterId,
      namespace: ns,
      deleted: true,
      ...(savepoint ? { savepoint } : {}),
      ...(job ? { jobId: (job as JobOverview).jid } : {}),
    };
  }
}
