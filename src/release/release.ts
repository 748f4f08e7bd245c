// The release lifecycle of one deploy, run while the deploy lease is held: read the history, observe the
// cluster, decide the path (release/decide.ts), write the revision `pending` before anything destructive,
// carry out the path step by step (recording each step), wait and gate, then mark the revision deployed,
// or failed and roll back to the previous deployed revision from the savepoint taken before the upgrade.
import type { ClientChoice } from '../deploy/clientImage.js';
import type { RunCleanup } from '../deploy/cleanup.js';
import {
  makeRecord,
  RECORD_ANNOTATION,
  readRecord,
  type DeploymentRecord,
  type Provenance,
} from '../deploy/record.js';
import { collectDiagnostics } from '../deploy/readiness.js';
import { submit } from '../deploy/submit.js';
import { removeCluster } from '../deploy/teardown.js';
import type { FlinkRest } from '../executors/flinkRest.js';
import type { Kube, V1Deployment } from '../executors/kube.js';
import type { Origin } from '../options/options.js';
import { DEFAULT_CLIENT_WORK_DIR, planSubmission, type Plan } from '../plan/plan.js';
import type { LoadedSpec, ResolvedEnvironment } from '../spec/types.js';
import { OperationError } from '../util/errors.js';
import { parseImageRef } from '../util/imageRef.js';
import type { Ui } from '../ui/ui.js';
import { decideUpgrade, type UpgradePath } from './decide.js';
import {
  append,
  current,
  find,
  HistoryStore,
  markDeployed,
  nextRevisionNumber,
  pending,
  update,
  type History,
  type PromotionRecord,
  type Revision,
  type StoredSubmission,
} from './history.js';
import {
  newJobId,
  observeCluster,
  releasePolicy,
  removeJobManager,
  restoreOptions,
  stripJobGraphs,
  upgradeDesired,
  waitAndGate,
  type ReleasePolicy,
} from './lifecycle.js';
import { takeSavepoint } from './snapshot.js';

export interface ReleaseContext {
  kube: Kube;
  rest: FlinkRest;
  explicitUrl: boolean;
  loaded: LoadedSpec;
  env: ResolvedEnvironment;
  desired: Plan;
  image: string;
  client: ClientChoice;
  origin: Origin;
  cleanup: RunCleanup;
  ui: Ui;
  provenance: Provenance;
  /** Set by `flinkship promote`: where the image comes from, stored on the new revision. */
  promotion?: PromotionRecord;
  remaining: (what: string) => number;
  /** Called once the release holds a decision, before anything is written (deploy applies RBAC there). */
  beforeChange?: () => Promise<void>;
}

export type ReleaseAction = 'created' | 'replaced' | 'upgraded' | 'unchanged' | 'resumed' | 'rolled-back';

export interface ReleaseOutcome {
  action: ReleaseAction;
  path: UpgradePath['path'] | 'rollback';
  revision: Revision;
  record: DeploymentRecord;
  jobId?: string;
  jobState?: string;
}

/** Thrown when the gate failed: says what failed and what was rolled back to (if anything). */
export class ReleaseFailure extends OperationError {
  constructor(
    message: string,
    readonly failed: Revision,
    readonly rolledBackTo?: Revision,
  ) {
    super(message);
  }
}

const PATH_ACTION: Record<UpgradePath['path'], ReleaseAction> = {
  create: 'created',
  unchanged: 'unchanged',
  await: 'resumed',
  stateless: 'replaced',
  savepoint: 'upgraded',
  'from-savepoint': 'upgraded',
  'recover-savepoint': 'upgraded',
  'last-state': 'upgraded',
  refuse: 'unchanged',
};

/** The record on the Deployment, from a revision. */
function recordOf(ctx: ReleaseContext, r: Revision): DeploymentRecord {
  return {
    ...makeRecord({
      environment: ctx.env.name,
      clusterId: ctx.desired.clusterId,
      image: r.image,
      configHash: r.configHash,
      upgradeMode: r.upgradeMode,
      provenance: {
        ...(r.commit ? { commit: r.commit } : {}),
        ...(r.runUrl ? { runUrl: r.runUrl } : {}),
        ...(r.actor ? { actor: r.actor } : {}),
      },
      time: new Date(r.createdAt),
      ...(r.restoredFrom?.path ? { savepoint: r.restoredFrom.path } : {}),
    }),
    revision: r.revision,
    ...(r.promotion ? { promotion: r.promotion } : {}),
  };
}

export async function release(ctx: ReleaseContext): Promise<ReleaseOutcome> {
  const { kube, rest, desired, ui, env } = ctx;
  const ns = desired.namespace;
  const what = `${ns}/${desired.clusterId}`;
  const policy = releasePolicy(env);
  const store = new HistoryStore(kube, ns, desired.clusterId, env.name);

  // Observe: history, cluster, job, HA metadata.
  const { history: read, observation } = await ui.group(`Observe ${what}`, async () => {
    let h = await store.read();
    const o = await observeCluster(kube, rest, ns, desired.clusterId, ui);
    h = seedFromRecord(h, o.deployment, env.flinkVersion);
    const cur = current(h);
    ui.info(
      `release history (${store.where}): ${h.revisions.length} revision(s)${cur ? `, current ${cur.revision} (${cur.image})` : ''}${h.revisions.at(-1)?.state === 'pending' ? `, revision ${h.revisions.at(-1)!.revision} pending from an earlier run` : ''}`,
    );
    return { history: h, ...o };
  });
  let history: History = read;
  const want = upgradeDesired(env, ctx.image, desired.configHash, desired.sql?.digest);
  const { decision, resume, abandon } = decideUpgrade(want, history, observation, what);
  ui.info(`decision: ${decision.path}${'reason' in decision ? `: ${decision.reason}` : ''}`);
  if (decision.path === 'refuse') throw new OperationError(decision.reason);
  await ctx.beforeChange?.();

  const save = async (h: History) => {
    history = h;
    await store.write(h);
  };
  const now = () => new Date();

  if (decision.path === 'unchanged') {
    ui.info(
      `${what} already runs ${ctx.image} with config ${desired.configHash} (revision ${decision.revision.revision}): nothing to change`,
    );
    return {
      action: 'unchanged',
      path: 'unchanged',
      revision: decision.revision,
      record: recordOf(ctx, decision.revision),
    };
  }

  if (abandon) {
    await save(
      update(
        history,
        abandon.revision,
        { state: 'failed', reason: `superseded by a deploy of ${ctx.image} before it completed` },
        now(),
      ),
    );
    ui.warning(
      `revision ${abandon.revision} (${abandon.image}) was left pending by an earlier run: marked failed`,
    );
  }

  const previous = current(history);
  let rev: Revision;
  if (resume) {
    rev = resume;
    ui.info(
      `continuing revision ${rev.revision}, left pending at step "${rev.progress ?? 'started'}" by an earlier run`,
    );
  } else {
    const stamp = now().toISOString();
    const digest = parseImageRef(ctx.image)?.digest;
    rev = {
      revision: nextRevisionNumber(history),
      state: 'pending',
      image: ctx.image,
      ...(digest ? { digest } : {}),
      configHash: desired.configHash,
      ...(desired.sql ? { sqlDigest: desired.sql.digest } : {}),
      flinkVersion: env.flinkVersion,
      upgradeMode: env.upgradeMode,
      path: decision.path,
      ...(previous ? { previous: previous.revision } : {}),
      progress: 'started',
      createdAt: stamp,
      updatedAt: stamp,
      ...ctx.provenance,
      submission: storedSubmission(ctx),
      ...(ctx.promotion ? { promotion: ctx.promotion } : {}),
    };
    await save(append(history, rev, policy.historyLimit));
    ui.info(`revision ${rev.revision}: pending (${store.where})`);
  }
  const patch = async (p: Partial<Revision>) => {
    await save(update(history, rev.revision, p, now()));
    rev = find(history, rev.revision)!;
  };

  if (decision.path !== 'await') {
    await ui.group(`Upgrade ${what} (${decision.path})`, () => carryOut(decision));
  }
  return gateAndFinish();

  async function carryOut(
    d: Exclude<UpgradePath, { path: 'unchanged' | 'refuse' | 'await' }>,
  ): Promise<void> {
    let restorePath: string | undefined;
    let jobId = newJobId();
    switch (d.path) {
      case 'create':
      case 'stateless':
        // Fresh: whatever is left of an old cluster goes, its HA metadata too (the job ID rotates).
        await removeCluster(kube, desired, ctx.remaining('removing the old cluster'), ui);
        break;
      case 'savepoint': {
        const sp = await takeSavepoint(
          rest,
          {
            jobId: d.jobId,
            stop: true,
            timeoutMs: Math.min(policy.savepointTimeoutMs, ctx.remaining('the savepoint')),
            formatType: policy.savepointFormat,
          },
          ui,
        );
        if (!sp.ok) {
          await patch({
            state: 'failed',
            reason: `the stop-with-savepoint of job ${d.jobId} failed: ${sp.reason}`,
          });
          throw new OperationError(
            `the stop-with-savepoint of job ${d.jobId} failed: ${sp.reason}. Nothing was deleted: the old job keeps running (revision ${previous?.revision ?? '?'}); revision ${rev.revision} is marked failed`,
          );
        }
        await patch({
          savepoint: sp.location,
          restoredFrom: { kind: 'savepoint', path: sp.location },
          progress: 'savepoint-taken',
        });
        restorePath = sp.location;
        ui.info(`revision ${rev.revision}: savepoint recorded (${store.where})`);
        await removeCluster(kube, desired, ctx.remaining('removing the old cluster'), ui);
        break;
      }
      case 'recover-savepoint': {
        // The statistics of a job that just stopped may name its savepoint a moment later: asked again
        // every 2 s, for at most a minute.
        let snaps = await rest
          .latestSnapshots(d.jobId)
          .catch(() => ({}) as Awaited<ReturnType<FlinkRest['latestSnapshots']>>);
        for (let i = 0; i < 30 && !snaps.savepoint; i++) {
          ui.info(
            `waiting for Flink to report the savepoint of the stopped job ${d.jobId}: ${i * 2}s of 60s`,
          );
          await new Promise((r) => setTimeout(r, Math.min(2_000, ctx.remaining('reading the savepoint'))));
          snaps = await rest.latestSnapshots(d.jobId).catch(() => snaps);
        }
        if (!snaps.savepoint) {
          await patch({
            state: 'failed',
            reason: `job ${d.jobId} is FINISHED and Flink reports no savepoint of it`,
          });
          throw new OperationError(
            `job ${d.jobId} of ${what} is FINISHED and Flink reports no savepoint of it, so its state cannot be carried over. Nothing was deleted. Deploy with upgradeMode: stateless, or restore by hand`,
          );
        }
        ui.info(`the stopped job's savepoint: ${snaps.savepoint.path}`);
        await patch({
          savepoint: snaps.savepoint.path,
          restoredFrom: { kind: 'savepoint', path: snaps.savepoint.path },
          progress: 'savepoint-taken',
        });
        restorePath = snaps.savepoint.path;
        await removeCluster(kube, desired, ctx.remaining('removing the old cluster'), ui);
        break;
      }
      case 'from-savepoint':
        restorePath = d.savepoint;
        if (rev.restoredFrom?.path !== d.savepoint) {
          await patch({
            savepoint: d.savepoint,
            restoredFrom: { kind: 'savepoint', path: d.savepoint },
            progress: 'savepoint-taken',
          });
        }
        await removeCluster(kube, desired, ctx.remaining('removing the old cluster'), ui);
        break;
      case 'last-state': {
        jobId = d.jobId;
        if (d.running && policy.rollback && !rev.savepoint) {
          // The rollback point: a savepoint of the running job, which keeps running. The new job claims
          // the HA checkpoints and may subsume them, so they cannot serve as one.
          const sp = await takeSavepoint(
            rest,
            {
              jobId: d.jobId,
              stop: false,
              timeoutMs: Math.min(policy.savepointTimeoutMs, ctx.remaining('the savepoint')),
              formatType: policy.savepointFormat,
            },
            ui,
          );
          if (sp.ok) await patch({ savepoint: sp.location });
          else
            ui.warning(
              `no rollback point: the savepoint of job ${d.jobId} failed (${sp.reason}); upgrading from the HA checkpoints anyway`,
            );
        }
        const snaps = d.running ? await rest.latestSnapshots(d.jobId).catch(() => undefined) : undefined;
        await patch({
          jobId,
          restoredFrom: { kind: 'last-state', ...(snaps?.checkpoint ? { path: snaps.checkpoint.path } : {}) },
        });
        await removeJobManager(kube, ns, desired.clusterId, ctx.remaining('removing the JobManager'), ui);
        await stripJobGraphs(kube, ns, desired.clusterId, ui);
        break;
      }
    }
    await patch({ jobId, progress: 'removed' });
    await submitRevision(ctx, rev, { jobId, ...(restorePath ? { path: restorePath } : {}) }, policy);
    await patch({ progress: 'submitted' });
  }

  async function gateAndFinish(): Promise<ReleaseOutcome> {
    const gated = await ui.group(`Wait for ${desired.clusterId} to run, then gate it`, () =>
      waitAndGate(
        kube,
        rest,
        ns,
        desired.clusterId,
        ctx.explicitUrl,
        policy.gate,
        ctx.remaining('the job ran'),
        ui,
        rev.jobId,
      ),
    );
    if (gated.verdict.healthy) {
      await save(markDeployed(history, rev.revision, { health: gated.verdict, progress: 'running' }, now()));
      rev = find(history, rev.revision)!;
      const record = recordOf(ctx, rev);
      await annotate(kube, desired, record);
      return {
        action: PATH_ACTION[decision.path],
        path: decision.path,
        revision: rev,
        record,
        ...(gated.jobId ? { jobId: gated.jobId } : {}),
        ...(gated.state ? { jobState: gated.state } : {}),
      };
    }
    await patch({ state: 'failed', health: gated.verdict, reason: `health gate: ${gated.verdict.reason}` });
    await ui.group(`Diagnostics of ${what}`, async () => {
      const sections = await collectDiagnostics(kube, ns, desired.clusterId, rest, gated.jobId);
      for (const s of sections) {
        ui.info(`# ${s.title}`);
        for (const line of s.lines) ui.info(line);
      }
    });
    const failed = rev;
    const target = failed.previous !== undefined ? find(history, failed.previous) : undefined;
    const why = `revision ${failed.revision} (${failed.image}) failed its health gate: ${gated.verdict.reason} (the diagnostics are above)`;
    if (!policy.rollback) {
      throw new ReleaseFailure(
        `${why}. health.rollback is false for ${env.name}: it was left as it is`,
        failed,
      );
    }
    const refusal = rollbackRefusal(failed, target);
    if (refusal) throw new ReleaseFailure(`${why}. No automatic rollback: ${refusal}`, failed);
    const back = await ui.group(`Roll back ${what} to revision ${target!.revision}`, () =>
      rollback(ctx, store, history, failed, target!, policy),
    );
    history = back.history;
    throw new ReleaseFailure(
      back.healthy
        ? `${why}. Rolled back to revision ${target!.revision} (${target!.image}) as revision ${back.revision.revision}${failed.savepoint ? `, restored from the savepoint taken before the upgrade (${failed.savepoint})` : ''}; it passed its health gate`
        : `${why}. The rollback to revision ${target!.revision} (as revision ${back.revision.revision}) failed its health gate too: ${back.revision.health?.reason ?? back.revision.reason}`,
      failed,
      back.revision,
    );
  }
}

/** Why revision `failed` cannot be rolled back to `target` automatically; undefined when it can. */
export function rollbackRefusal(failed: Revision, target: Revision | undefined): string | undefined {
  if (!target) return 'there is no earlier revision to go back to';
  if (!target.submission)
    return `revision ${target.revision} has no stored submission (recorded before release histories)`;
  if (target.flinkVersion !== failed.flinkVersion) {
    return `revision ${target.revision} runs Flink ${target.flinkVersion} and revision ${failed.revision} Flink ${failed.flinkVersion}: a rollback across Flink versions is refused`;
  }
  if (target.upgradeMode !== 'stateless' && failed.upgradeMode !== 'stateless' && !failed.savepoint) {
    return `no savepoint was taken before revision ${failed.revision}, so its predecessor's state cannot be restored (the failed job's own checkpoints are not used)`;
  }
  return undefined;
}

/**
 * Replaces the failed revision's cluster (no savepoint of it: its state is suspect) by `target`'s
 * stored submission, restored from the savepoint taken just before the failed upgrade; gates it.
 */
export async function rollback(
  ctx: ReleaseContext,
  store: HistoryStore,
  history: History,
  failed: Revision,
  target: Revision,
  policy: ReleasePolicy,
): Promise<{ history: History; revision: Revision; healthy: boolean }> {
  const { kube, desired, ui } = ctx;
  const stamp = new Date().toISOString();
  const restorePath = target.upgradeMode === 'stateless' ? undefined : failed.savepoint;
  let rev: Revision = {
    revision: nextRevisionNumber(history),
    state: 'pending',
    image: target.image,
    ...(target.digest ? { digest: target.digest } : {}),
    configHash: target.configHash,
    ...(target.sqlDigest ? { sqlDigest: target.sqlDigest } : {}),
    flinkVersion: target.flinkVersion,
    upgradeMode: target.upgradeMode,
    path: 'rollback',
    previous: failed.revision,
    rollbackOf: failed.revision,
    jobId: newJobId(),
    ...(restorePath ? { restoredFrom: { kind: 'savepoint', path: restorePath } } : {}),
    progress: 'started',
    createdAt: stamp,
    updatedAt: stamp,
    ...ctx.provenance,
    ...(target.submission ? { submission: target.submission } : {}),
  };
  history = append(history, rev, policy.historyLimit);
  await store.write(history);
  ui.info(
    `revision ${rev.revision}: pending, a rollback to revision ${target.revision}${restorePath ? ` from ${restorePath}` : ''}`,
  );
  await removeCluster(kube, desired, ctx.remaining('removing the failed cluster'), ui);
  history = update(history, rev.revision, { progress: 'removed' }, new Date());
  await store.write(history);
  await submitRevision(
    ctx,
    rev,
    { jobId: rev.jobId!, ...(restorePath ? { path: restorePath } : {}) },
    policy,
    target.submission,
  );
  history = update(history, rev.revision, { progress: 'submitted' }, new Date());
  await store.write(history);
  const gated = await waitAndGate(
    kube,
    ctx.rest,
    desired.namespace,
    desired.clusterId,
    ctx.explicitUrl,
    policy.gate,
    ctx.remaining('the rolled-back job ran'),
    ui,
    rev.jobId,
  );
  if (gated.verdict.healthy) {
    history = markDeployed(history, rev.revision, { health: gated.verdict, progress: 'running' }, new Date());
    history = update(history, failed.revision, { state: 'rolled-back' }, new Date());
  } else {
    history = update(
      history,
      rev.revision,
      { state: 'failed', health: gated.verdict, reason: `health gate: ${gated.verdict.reason}` },
      new Date(),
    );
  }
  await store.write(history);
  rev = find(history, rev.revision)!;
  if (gated.verdict.healthy) {
    await annotate(kube, desired, {
      ...makeRecord({
        environment: ctx.env.name,
        clusterId: desired.clusterId,
        image: rev.image,
        configHash: rev.configHash,
        upgradeMode: rev.upgradeMode,
        provenance: ctx.provenance,
        time: new Date(rev.createdAt),
        ...(restorePath ? { savepoint: restorePath } : {}),
      }),
      revision: rev.revision,
    });
  }
  return { history, revision: rev, healthy: gated.verdict.healthy };
}

/** Submits a revision with the Flink client: the spec's plan, or (rollback) a stored submission. */
async function submitRevision(
  ctx: ReleaseContext,
  rev: Revision,
  restore: { jobId: string; path?: string },
  policy: ReleasePolicy,
  replay?: StoredSubmission,
): Promise<void> {
  const extraOptions = restoreOptions(rev.flinkVersion, restore, policy);
  ctx.ui.info(
    `submitting revision ${rev.revision} as job ${restore.jobId}${restore.path ? `, restoring from ${restore.path}` : rev.path === 'last-state' ? ', restoring from the HA checkpoints (last-state)' : ', without state'}`,
  );
  const result = await ctx.ui.group(`Submit ${ctx.desired.clusterId} with the Flink client`, () =>
    submit(
      {
        kube: ctx.kube,
        loaded: ctx.loaded,
        desired: ctx.desired,
        image: rev.image,
        client: ctx.client,
        timeoutMs: ctx.remaining('submitting'),
        origin: ctx.origin,
        cleanup: ctx.cleanup,
        extraOptions,
        ...(replay ? { replay } : {}),
      },
      ctx.ui,
    ),
  );
  if (result.exitCode !== 0) {
    const tail = result.output
      .filter((l) => l.trim() !== '')
      .slice(-15)
      .join('\n');
    throw new OperationError(
      `revision ${rev.revision}: the Flink client (${result.how}) ${result.timedOut ? 'timed out' : `exited ${result.exitCode}`}; its last lines:\n${tail}`,
    );
  }
}

function storedSubmission(ctx: ReleaseContext): StoredSubmission {
  const s = planSubmission(ctx.loaded, ctx.env.name, {
    image: ctx.image,
    clientWorkDir: DEFAULT_CLIENT_WORK_DIR,
  });
  return {
    argv: s.argv,
    ...(s.podTemplate ? { podTemplate: s.podTemplate } : {}),
    clientWorkDir: DEFAULT_CLIENT_WORK_DIR,
  };
}

async function annotate(kube: Kube, desired: Plan, record: DeploymentRecord): Promise<void> {
  await kube.apply({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: desired.clusterId,
      namespace: desired.namespace,
      annotations: { [RECORD_ANNOTATION]: JSON.stringify(record) },
    },
  });
}

/**
 * A cluster deployed before release histories existed has only the record on its Deployment: it
 * becomes revision 1 (deployed, without a stored submission), so upgrades and `history` see it.
 */
function seedFromRecord(h: History, deployment: V1Deployment | undefined, flinkVersion: string): History {
  if (h.revisions.length || !deployment) return h;
  const observed = readRecord(deployment.metadata?.annotations);
  if (observed.state !== 'present') return h;
  const r = observed.record;
  return {
    ...h,
    revisions: [
      {
        revision: 1,
        state: 'deployed',
        image: r.image,
        ...(r.digest ? { digest: r.digest } : {}),
        configHash: r.configHash,
        flinkVersion,
        upgradeMode: r.upgradeMode,
        path: 'recorded',
        createdAt: r.time,
        updatedAt: r.time,
        ...(r.commit ? { commit: r.commit } : {}),
        ...(r.runUrl ? { runUrl: r.runUrl } : {}),
        ...(r.actor ? { actor: r.actor } : {}),
      },
    ],
  };
}

/**
 * `flinkship rollback`: back to revision `toRevision` (default: the one before the current): its stored
 * submission (image and config as they ran). The current job, when it runs, is first stopped with a
 * savepoint: no stateful job is removed before its savepoint completed. The rolled-back job restores
 * from that savepoint (`from: 'current'`, the default: no record is lost or processed twice), or from
 * the savepoint taken when the target was replaced (`from: 'rollback-point'`, as the automatic rollback
 * does: the state the target itself left; what was processed since is processed again). A current job
 * that does not run has no savepoint to give: the rollback point is used, and the log says so.
 */
export async function rollbackOnDemand(
  ctx: ReleaseContext,
  toRevision?: number,
  from: 'current' | 'rollback-point' = 'current',
): Promise<ReleaseOutcome> {
  const { kube, rest, desired, ui, env } = ctx;
  const ns = desired.namespace;
  const what = `${ns}/${desired.clusterId}`;
  const policy = releasePolicy(env);
  const store = new HistoryStore(kube, ns, desired.clusterId, env.name);
  let history = await store.read();
  const { observation } = await observeCluster(kube, rest, ns, desired.clusterId, ui);
  const cur = current(history);
  const p = pending(history);
  if (p) {
    throw new OperationError(
      `revision ${p.revision} of ${what} is pending (an earlier run was cut off): run the deploy again so it converges, then roll back`,
    );
  }
  if (!cur)
    throw new OperationError(
      `${what} has no deployed revision in its history (${store.where}): nothing to roll back`,
    );
  const target =
    toRevision !== undefined
      ? find(history, toRevision)
      : [...history.revisions].reverse().find((r) => r.revision < cur.revision && r.state === 'superseded');
  if (!target) {
    throw new OperationError(
      toRevision !== undefined
        ? `${what} has no revision ${toRevision}; its history holds ${history.revisions.map((r) => r.revision).join(', ')} (flinkship history --env ${env.name})`
        : `${what} has no earlier deployed revision than ${cur.revision} to roll back to`,
    );
  }
  if (target.revision === cur.revision)
    throw new OperationError(`revision ${target.revision} is the current one`);
  // The rollback point: the savepoint taken when the target was replaced.
  const replacedBy = history.revisions.find((r) => r.previous === target.revision && r.savepoint);
  const job = observation.job;
  const running = cur.upgradeMode !== 'stateless' && typeof job === 'object' && job.state === 'RUNNING';
  const fromCurrent = from === 'current' && running;
  if (from === 'current' && !running && cur.upgradeMode !== 'stateless') {
    ui.warning(
      `the current job does not run, so it has no savepoint to give: restoring from the rollback point`,
    );
  }
  let stand: Revision = {
    ...cur,
    ...(fromCurrent
      ? { savepoint: '(the savepoint taken below)' }
      : replacedBy?.savepoint
        ? { savepoint: replacedBy.savepoint }
        : {}),
  };
  const refusal = rollbackRefusal(stand, target);
  if (refusal)
    throw new OperationError(`cannot roll back ${what} to revision ${target.revision}: ${refusal}`);
  await ctx.beforeChange?.();
  if (running && typeof job === 'object') {
    const sp = await ui.group(
      `Stop the current job ${job.jid} with a savepoint (kept in revision ${cur.revision})`,
      () =>
        takeSavepoint(
          rest,
          {
            jobId: job.jid,
            stop: true,
            timeoutMs: Math.min(policy.savepointTimeoutMs, ctx.remaining('the savepoint')),
            formatType: policy.savepointFormat,
          },
          ui,
        ),
    );
    if (!sp.ok) {
      throw new OperationError(
        `the stop-with-savepoint of the current job ${job.jid} failed (${sp.reason}); nothing was changed`,
      );
    }
    history = update(
      history,
      cur.revision,
      { reason: `stopped for a rollback to revision ${target.revision}; its state: ${sp.location}` },
      new Date(),
    );
    await store.write(history);
    if (fromCurrent) stand = { ...stand, savepoint: sp.location };
  }
  const back = await ui.group(`Roll back ${what} to revision ${target.revision}`, () =>
    rollback(ctx, store, history, stand, target, policy),
  );
  if (!back.healthy) {
    throw new ReleaseFailure(
      `the rollback to revision ${target.revision} (as revision ${back.revision.revision}) failed its health gate: ${back.revision.health?.reason ?? back.revision.reason}`,
      back.revision,
    );
  }
  const r = back.revision;
  return {
    action: 'rolled-back',
    path: 'rollback',
    revision: r,
    record: recordOf(ctx, r),
    ...(r.jobId ? { jobId: r.jobId } : {}),
    jobState: 'RUNNING',
  };
}
