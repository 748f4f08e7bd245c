// Which way a deploy goes, decided from (desired, history, what the cluster shows) alone: pure, so every
// branch is a unit test. The rules follow the Flink Kubernetes Operator's reconcilers (savepoint:
// stop-with-savepoint, then submit from it; last-state: keep the HA metadata, drop the job graph,
// resubmit with the same job ID), plus what a deployer that can be killed at any step needs: the
// history's pending revision and the cluster's state say where a killed run stopped, so a re-run
// continues from there and never drops the savepoint it took.
import type { UpgradeMode } from '../spec/types.js';
import { current, pending, type History, type Revision } from './history.js';

export interface UpgradeDesired {
  image: string;
  configHash: string;
  flinkVersion: string;
  upgradeMode: UpgradeMode;
  /** What a savepoint upgrade may fall back to when the job is not running. */
  fallback: 'none' | 'last-state';
  /** last-state: the newest checkpoint must be younger than this. */
  maxCheckpointAgeMs?: number;
  /** A SQL job: the digest of the spec's script, which the image must carry (sha256:...). */
  sqlDigest?: string;
}

/** The job as Flink's REST API shows it: a job, none, or no answer. */
export type ObservedJob = { jid: string; state: string } | 'none' | 'unreachable';

export interface ClusterObservation {
  /** The JobManager Deployment `<cluster-id>` exists. */
  deployment: boolean;
  job: ObservedJob;
  /** HA metadata: the job IDs whose ConfigMap holds at least one `checkpointID-` entry. */
  haCheckpointJobs: string[];
  /** When the newest completed checkpoint was taken (epoch ms), when REST told. */
  latestCheckpointAt?: number;
  now: number;
}

export type UpgradePath =
  /** Nothing runs and no state is left: submit fresh. */
  | { path: 'create'; reason: string }
  | { path: 'unchanged'; revision: Revision }
  /** A pending revision's job was submitted (killed run): wait for it and gate it. */
  | { path: 'await'; revision: Revision; reason: string }
  | { path: 'stateless'; reason: string }
  /** Stop the running job `jobId` with a savepoint, then submit from it. */
  | { path: 'savepoint'; reason: string; jobId: string }
  /** The state is already in a savepoint a killed run took: remove what is left, submit from it. */
  | { path: 'from-savepoint'; reason: string; savepoint: string }
  /** The job was stopped with a savepoint that was not recorded: read it from Flink, then as above. */
  | { path: 'recover-savepoint'; reason: string; jobId: string }
  /** Keep the HA metadata of job `jobId`, drop its job graph, resubmit with the same job ID. */
  | { path: 'last-state'; reason: string; jobId: string; running: boolean }
  | { path: 'refuse'; reason: string };

export interface UpgradeDecision {
  decision: UpgradePath;
  /** The pending revision this run continues (same image and config): its number is reused. */
  resume?: Revision;
  /** A pending revision of another image or config: marked failed, superseded before it completed. */
  abandon?: Revision;
}

function sameTarget(r: Revision, d: UpgradeDesired): boolean {
  return r.image === d.image && r.configHash === d.configHash;
}

/** The first 12 hex digits of a sha256 digest, as the messages show it. */
export function shortDigest(hash: string): string {
  return hash.replace(/^sha256:/, '').slice(0, 12);
}

export function describeChange(from: Revision | undefined, d: UpgradeDesired): string {
  if (!from) return 'no deployed revision is recorded';
  const changes: string[] = [];
  if (from.image !== d.image) changes.push(`image ${from.image} → ${d.image}`);
  if (from.configHash !== d.configHash)
    changes.push(`config ${shortDigest(from.configHash)} → ${shortDigest(d.configHash)}`);
  if (from.flinkVersion !== d.flinkVersion) changes.push(`Flink ${from.flinkVersion} → ${d.flinkVersion}`);
  return changes.length ? `revision ${from.revision}: ${changes.join('; ')}` : `revision ${from.revision}`;
}

export function decideUpgrade(
  desired: UpgradeDesired,
  history: History,
  observed: ClusterObservation,
  what: string,
): UpgradeDecision {
  const p = pending(history);
  const resume = p && sameTarget(p, desired) ? p : undefined;
  const abandon = p && !resume ? p : undefined;
  const with_ = (decision: UpgradePath): UpgradeDecision => ({
    decision,
    ...(resume ? { resume } : {}),
    ...(abandon ? { abandon } : {}),
  });
  const cur = current(history);
  const job = observed.job;
  const running = typeof job === 'object' && job.state === 'RUNNING';
  const jobText =
    typeof job === 'object'
      ? `job ${job.jid} is ${job.state}`
      : job === 'none'
        ? 'it runs no job'
        : 'its REST API does not answer';
  // The state of a stopped job lives in the savepoint a pending revision restores from (a savepoint
  // upgrade records it as soon as it completed; a rollback before it starts).
  const taken = p?.restoredFrom?.kind === 'savepoint' ? p.restoredFrom.path : undefined;
  const change = describeChange(cur, desired);

  // A SQL job's image carries the script it was built from, and a revision records it: an image that ran
  // another script than the spec's was not built from it (its runner would refuse the spec's digest at
  // its start). Refused before anything is touched.
  const ranOther = desired.sqlDigest
    ? [...history.revisions]
        .reverse()
        .find(
          (r) => r.image === desired.image && r.sqlDigest !== undefined && r.sqlDigest !== desired.sqlDigest,
        )
    : undefined;
  if (ranOther) {
    return with_({
      path: 'refuse',
      reason: `${desired.image} ran the SQL script ${shortDigest(ranOther.sqlDigest!)} in ${what} (revision ${ranOther.revision}); the spec's script is ${shortDigest(desired.sqlDigest!)}, so that image was not built from it. Nothing was changed. Build the image from this spec (flinkship build) and deploy the digest it outputs`,
    });
  }

  // A killed run had already submitted this revision, and that job is there: wait and gate it.
  // (last-state keeps the job ID, so there only a recorded submission tells the new job from the old.)
  const submitted = resume?.progress === 'submitted' || resume?.progress === 'running';
  if (
    observed.deployment &&
    resume?.jobId &&
    typeof job === 'object' &&
    job.jid === resume.jobId &&
    (resume.path !== 'last-state' || submitted)
  ) {
    return with_({
      path: 'await',
      revision: resume,
      reason: `revision ${resume.revision} was submitted by an earlier run (job ${resume.jobId} is ${job.state}); waiting for it and gating it`,
    });
  }
  if (observed.deployment && !p && cur && sameTarget(cur, desired)) {
    return with_({ path: 'unchanged', revision: cur });
  }

  const lastStateBlock = (): string | undefined => {
    if (cur && cur.flinkVersion !== desired.flinkVersion) {
      return `the Flink version changes (${cur.flinkVersion} → ${desired.flinkVersion}), which only a savepoint upgrade may do`;
    }
    if (observed.haCheckpointJobs.length === 0) {
      return 'its HA metadata holds no checkpoint (no ConfigMap with a checkpointID- entry; is high-availability.type: kubernetes set, and has the job completed a checkpoint?)';
    }
    if (observed.haCheckpointJobs.length > 1) {
      return `its HA metadata holds checkpoints of ${observed.haCheckpointJobs.length} jobs (${observed.haCheckpointJobs.join(', ')}), so which one to keep is not clear`;
    }
    if (desired.maxCheckpointAgeMs !== undefined) {
      if (observed.latestCheckpointAt === undefined) {
        return `upgrade.maxCheckpointAge is set and the age of the newest checkpoint cannot be read (${jobText})`;
      }
      const age = observed.now - observed.latestCheckpointAt;
      if (age > desired.maxCheckpointAgeMs) {
        return `its newest checkpoint is ${Math.round(age / 1000)}s old, older than upgrade.maxCheckpointAge (${Math.round(desired.maxCheckpointAgeMs / 1000)}s)`;
      }
    }
    return undefined;
  };
  const lastState = (reason: string): UpgradePath => ({
    path: 'last-state',
    reason,
    jobId:
      typeof job === 'object' && observed.haCheckpointJobs.includes(job.jid)
        ? job.jid
        : observed.haCheckpointJobs[0]!,
    running,
  });

  if (!observed.deployment) {
    if (desired.upgradeMode === 'stateless') {
      return with_({ path: 'create', reason: `${what} does not exist` });
    }
    if (taken) {
      return with_({
        path: 'from-savepoint',
        savepoint: taken,
        reason: `an earlier run stopped revision ${p!.previous ?? '?'} with savepoint ${taken} and was cut off; submitting from it`,
      });
    }
    if (observed.haCheckpointJobs.length > 0) {
      const block = lastStateBlock();
      const allowed = desired.upgradeMode === 'last-state' || desired.fallback === 'last-state';
      if (!block && allowed) {
        return with_(
          lastState(
            `${what} has no JobManager but its HA metadata holds checkpoints: resubmitting from them (last-state)`,
          ),
        );
      }
      return with_({
        path: 'refuse',
        reason: `${what} has no JobManager, but its HA metadata holds checkpoints of job ${observed.haCheckpointJobs.join(', ')}; ${block ?? `upgradeMode is ${desired.upgradeMode} and upgrade.fallback is not last-state`}. Nothing was changed. Restore from them with upgradeMode: last-state (or upgrade.fallback: last-state), or drop that state with \`flinkship delete --force\` first`,
      });
    }
    if (cur) {
      return with_({
        path: 'refuse',
        reason: `${what} has no JobManager and no HA checkpoints, but revision ${cur.revision} is recorded as deployed and no savepoint of it was recorded: its state would be lost. Nothing was changed. ${cur.savepoint ? `Its last recorded savepoint is ${cur.savepoint}. ` : ''}To start without state, run \`flinkship delete --env <env> --force\` (which clears the record) and deploy again`,
      });
    }
    return with_({ path: 'create', reason: `${what} does not exist` });
  }

  if (desired.upgradeMode === 'stateless') {
    return with_({
      path: 'stateless',
      reason: `${what} changes (${change}); upgradeMode stateless: its state may go`,
    });
  }
  if (taken && !running) {
    return with_({
      path: 'from-savepoint',
      savepoint: taken,
      reason: `an earlier run stopped the job with savepoint ${taken} and was cut off (${jobText}); removing the old cluster and submitting from it`,
    });
  }
  if (running) {
    const { jid } = job as { jid: string };
    if (desired.upgradeMode === 'last-state') {
      const block = lastStateBlock();
      if (!block) return with_(lastState(`${what} changes (${change}); upgradeMode last-state`));
      return with_({
        path: 'savepoint',
        jobId: jid,
        reason: `${what} changes (${change}); upgradeMode last-state, but ${block}: upgrading with a savepoint instead`,
      });
    }
    return with_({
      path: 'savepoint',
      jobId: jid,
      reason: `${what} changes (${change}); upgradeMode savepoint`,
    });
  }
  if (typeof job === 'object' && job.state === 'FINISHED') {
    return with_({
      path: 'recover-savepoint',
      jobId: job.jid,
      reason: `job ${job.jid} of ${what} is FINISHED (stopped with a savepoint by an earlier run that was cut off?); reading its savepoint from Flink`,
    });
  }
  // The job does not run: no savepoint can be taken.
  const block = lastStateBlock();
  if (!block && (desired.upgradeMode === 'last-state' || desired.fallback === 'last-state')) {
    return with_(
      lastState(
        `${what} changes (${change}) and ${jobText}, so no savepoint can be taken; ${desired.upgradeMode === 'last-state' ? 'upgradeMode last-state' : 'falling back to last-state (upgrade.fallback)'}: resubmitting from the HA checkpoints`,
      ),
    );
  }
  return with_({
    path: 'refuse',
    reason: `${what} changes (${change}), but ${jobText}, so no savepoint can be taken${block ? `, and last-state is not possible: ${block}` : ', and upgrade.fallback is not last-state'}. Nothing was changed. Get the job running again, or allow last-state (upgrade.fallback: last-state), or drop its state with \`flinkship delete --force\``,
  });
}
