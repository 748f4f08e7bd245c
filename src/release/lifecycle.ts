// What the release lifecycle does to a cluster, step by step, shared by deploy and rollback: observe
// (Deployment, job, HA metadata), remove a JobManager while keeping its HA metadata (last-state), strip
// the job graph from the HA ConfigMaps, the options a submission restores with, and the gated wait.
import { randomBytes } from 'node:crypto';
import type { KubernetesObject } from '@kubernetes/client-node';
import { deploymentAvailable, jobManagerFailure, waitForJob } from '../deploy/readiness.js';
import type { FlinkRest } from '../executors/flinkRest.js';
import type { Kube, V1Deployment } from '../executors/kube.js';
import { httpFailureOf, withRetry } from '../executors/retry.js';
import { isFlink2 } from '../plan/flinkConfig.js';
import { OperationError } from '../util/errors.js';
import type { Ui } from '../ui/ui.js';
import type { ClusterObservation, ObservedJob } from './decide.js';
import { evaluateGate, sampleJob, verdictOf, type GatePolicy } from './gate.js';
import type { HealthSample, HealthVerdict } from './history.js';
import type { ReleasePolicy } from './policy.js';

export { releasePolicy, upgradeDesired, type ReleasePolicy } from './policy.js';

/** A fresh job ID (32 hex digits), as Flink's JobID prints. */
export function newJobId(): string {
  return randomBytes(16).toString('hex');
}

export interface Restore {
  jobId: string;
  /** A savepoint or checkpoint to restore from; absent: fresh, or last-state from the HA store. */
  path?: string;
}

/**
 * The options a submission gets beyond the plan (outside its configHash: where a job restores from is
 * not part of what is deployed). The JobManager stays up when the job ends, so that a stopped job's
 * savepoint can still be read by a run that was cut off (the operator does the same).
 */
export function restoreOptions(
  flinkVersion: string,
  restore: Restore,
  policy: Pick<ReleasePolicy, 'claimMode' | 'allowNonRestoredState'>,
): string[] {
  const v2 = isFlink2(flinkVersion);
  const out = [
    `-D$internal.pipeline.job-id=${restore.jobId}`,
    '-Dexecution.shutdown-on-application-finish=false',
  ];
  if (restore.path) {
    out.push(
      v2 ? `-Dexecution.state-recovery.path=${restore.path}` : `-Dexecution.savepoint.path=${restore.path}`,
      v2
        ? `-Dexecution.state-recovery.claim-mode=${policy.claimMode}`
        : `-Dexecution.savepoint-restore-mode=${policy.claimMode}`,
      v2
        ? `-Dexecution.state-recovery.ignore-unclaimed-state=${policy.allowNonRestoredState}`
        : `-Dexecution.savepoint.ignore-unclaimed-state=${policy.allowNonRestoredState}`,
    );
  }
  return out;
}

const HA_SELECTOR = (clusterId: string) => `app=${clusterId},configmap-type=high-availability`;
const JOB_GRAPH_PREFIXES = ['jobGraph-', 'executionPlan-'];

interface ConfigMap extends KubernetesObject {
  data?: Record<string, string>;
}

/** The job IDs whose HA ConfigMap (`<cluster-id>-<job-id>-config-map`) holds a `checkpointID-` entry. */
export async function haCheckpointJobs(kube: Kube, namespace: string, clusterId: string): Promise<string[]> {
  const list = await kube.list<ConfigMap>('v1', 'ConfigMap', namespace, {
    labelSelector: HA_SELECTOR(clusterId),
  });
  const ids: string[] = [];
  const pattern = new RegExp(
    `^${clusterId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-([0-9a-f]{32})-config-map$`,
  );
  for (const cm of list.items) {
    const m = pattern.exec(cm.metadata?.name ?? '');
    if (m && Object.keys(cm.data ?? {}).some((k) => k.startsWith('checkpointID-'))) ids.push(m[1]!);
  }
  return ids.sort();
}

/** What the cluster shows: the Deployment, the job (bounded tries), the HA metadata. */
export async function observeCluster(
  kube: Kube,
  rest: FlinkRest,
  namespace: string,
  clusterId: string,
  ui: Ui,
): Promise<{ observation: ClusterObservation; deployment?: V1Deployment }> {
  const deployment = await kube.get<V1Deployment>({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    name: clusterId,
    namespace,
  });
  let job: ObservedJob = 'none';
  let latestCheckpointAt: number | undefined;
  if (deployment) {
    try {
      const j = await withRetry(
        `read the job of ${clusterId} at ${rest.transport.url}`,
        () => rest.currentJob(),
        { policy: { attempts: 3, baseDelayMs: 1_000, maxDelayMs: 3_000 } },
      );
      job = j ? { jid: j.jid, state: j.state } : 'none';
      if (j)
        latestCheckpointAt = (
          (await rest.latestSnapshots(j.jid).catch(() => ({}))) as { checkpoint?: { at: number } }
        ).checkpoint?.at;
    } catch (err) {
      ui.info(`Flink's REST API of ${clusterId} does not answer: ${(err as Error).message}`);
      job = 'unreachable';
    }
  }
  const haCheckpoints = await haCheckpointJobs(kube, namespace, clusterId);
  ui.info(
    `observed: Deployment ${deployment ? 'present' : 'absent'}; ${typeof job === 'object' ? `job ${job.jid} ${job.state}` : job === 'none' ? 'no job' : 'REST API unreachable'}; HA checkpoints of ${haCheckpoints.length ? haCheckpoints.join(', ') : 'no job'}`,
  );
  return {
    observation: {
      deployment: deployment !== undefined,
      job,
      haCheckpointJobs: haCheckpoints,
      ...(latestCheckpointAt ? { latestCheckpointAt } : {}),
      now: Date.now(),
    },
    ...(deployment ? { deployment } : {}),
  };
}

/**
 * last-state: deletes the JobManager Deployment (its TaskManagers, ConfigMaps and Services with it) and
 * waits until it is gone, keeping the HA ConfigMaps, which have no owner.
 */
export async function removeJobManager(
  kube: Kube,
  namespace: string,
  clusterId: string,
  timeoutMs: number,
  ui: Ui,
): Promise<void> {
  const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name: clusterId, namespace };
  if (await kube.delete(ref, { propagationPolicy: 'Foreground' })) {
    await kube.waitFor(
      {
        ...ref,
        describe: `Deployment ${namespace}/${clusterId} to be deleted`,
        timeoutMs,
        check: (d) => ({ done: d === undefined, status: d ? 'still there' : 'gone' }),
      },
      ui,
    );
  }
  ui.info(`JobManager Deployment ${namespace}/${clusterId} deleted; its HA ConfigMaps are kept`);
}

/**
 * Removes the job graph (`jobGraph-` in 1.x, `executionPlan-` in 2.x) from the HA ConfigMaps, so the new
 * JobManager runs the new job's main instead of recovering the old graph; the checkpoints stay. A write
 * that conflicts is read and done again, bounded.
 */
export async function stripJobGraphs(
  kube: Kube,
  namespace: string,
  clusterId: string,
  ui: Ui,
): Promise<void> {
  for (let attempt = 1; attempt <= 5; attempt++) {
    const list = await kube.list<ConfigMap>('v1', 'ConfigMap', namespace, {
      labelSelector: HA_SELECTOR(clusterId),
    });
    let conflicted = false;
    for (const cm of list.items) {
      const keys = Object.keys(cm.data ?? {}).filter((k) => JOB_GRAPH_PREFIXES.some((p) => k.startsWith(p)));
      if (!keys.length) continue;
      const data = { ...cm.data };
      for (const k of keys) delete data[k];
      try {
        await kube.replace({ ...cm, apiVersion: 'v1', kind: 'ConfigMap', data } as ConfigMap & {
          apiVersion: string;
          kind: string;
          metadata: { name: string; namespace: string };
        });
        ui.info(`HA ConfigMap ${namespace}/${cm.metadata?.name}: removed ${keys.join(', ')}`);
      } catch (err) {
        if (httpFailureOf(err)?.status === 409) {
          conflicted = true;
          continue;
        }
        throw err;
      }
    }
    if (!conflicted) return;
  }
  throw new OperationError(
    `the HA ConfigMaps of ${namespace}/${clusterId} kept changing; could not remove the job graph`,
  );
}

/**
 * Waits until the job runs (as deploy's readiness does), then gates it: samples every 2 s until the
 * gate decides. A job that never runs is an unhealthy verdict, not an exception, so the caller can roll
 * back.
 */
export async function waitAndGate(
  kube: Kube,
  rest: FlinkRest,
  namespace: string,
  clusterId: string,
  explicitUrl: boolean,
  policy: GatePolicy,
  timeoutMs: number,
  ui: Ui,
  expectedJobId?: string,
): Promise<{ verdict: HealthVerdict; jobId?: string; state?: string }> {
  const started = Date.now();
  let jid: string | undefined;
  try {
    const deploymentRef = { apiVersion: 'apps/v1', kind: 'Deployment', name: clusterId, namespace };
    await kube.waitFor<V1Deployment>(
      {
        ...deploymentRef,
        describe: `Deployment ${namespace}/${clusterId} Available`,
        timeoutMs,
        check: deploymentAvailable,
      },
      ui,
    );
    ui.info(`Deployment ${namespace}/${clusterId} is Available`);
    const job = await waitForJob(
      rest,
      explicitUrl,
      Math.max(1_000, timeoutMs - (Date.now() - started)),
      ui,
      () => jobManagerFailure(kube, namespace, clusterId),
      true,
    );
    jid = job.jid;
  } catch (err) {
    if (!(err instanceof OperationError)) throw err;
    return {
      verdict: { healthy: false, reason: `the job did not run: ${err.message}`, samples: [] },
    };
  }
  if (expectedJobId && jid !== expectedJobId) {
    ui.warning(`the job runs as ${jid}, not as the job ID Flinkship gave it (${expectedJobId})`);
  }
  const samples: HealthSample[] = [];
  const limit = Math.min(policy.timeoutMs, Math.max(1_000, timeoutMs - (Date.now() - started)));
  const gatePolicy = { ...policy, timeoutMs: limit };
  const gateStart = Date.now();
  let shown = '';
  for (let i = 0; i < Math.ceil(limit / 2_000) + 2; i++) {
    try {
      samples.push(await sampleJob(rest, jid, Date.now() - gateStart));
    } catch (err) {
      samples.push({
        atMs: Date.now() - gateStart,
        state: `UNREACHABLE (${(err as Error).message.slice(0, 120)})`,
        completedCheckpoints: samples.at(-1)?.completedCheckpoints ?? 0,
        failedCheckpoints: samples.at(-1)?.failedCheckpoints ?? 0,
        numRestarts: samples.at(-1)?.numRestarts ?? 0,
        exceptions: samples.at(-1)?.exceptions ?? 0,
      });
    }
    const d = evaluateGate(gatePolicy, samples);
    if (d.done) {
      const verdict = verdictOf(d, samples);
      ui.info(`health gate: ${d.healthy ? 'healthy' : 'UNHEALTHY'}: ${d.reason}`);
      return { verdict, jobId: jid, state: samples.at(-1)!.state };
    }
    if (d.status !== shown) {
      shown = d.status;
      ui.info(
        `health gate of job ${jid}: ${d.status}; ${Math.round((Date.now() - gateStart) / 1000)}s of at least ${Math.round(policy.windowMs / 1000)}s (at most ${Math.round(limit / 1000)}s)`,
      );
    }
    await new Promise((r) => setTimeout(r, Math.max(0, Math.min(2_000, gateStart + limit - Date.now()))));
  }
  const last = evaluateGate({ ...gatePolicy, timeoutMs: 0 }, samples) as {
    done: true;
    healthy: boolean;
    reason: string;
  };
  return { verdict: verdictOf(last, samples), jobId: jid, state: samples.at(-1)?.state };
}
