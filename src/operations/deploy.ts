// The deploy operation: submit the job in native application mode with the real Flink client, with
// least-privilege RBAC, wait until it runs, and record what was deployed on the JobManager Deployment.
// The deploy verb and the integration smoke test call it with a typed DeployRequest.
// Observe, decide, act: nothing is written before the input, the kubeconfig and the permissions
// have been checked; then the deploy lease is taken (one deployer per cluster-id), and only while it is
// held is the cluster observed, the decision made and anything but the namespace written.
import { readGitContext } from '../build/gitContext.js';
import { withCleanup, type RunCleanup } from '../deploy/cleanup.js';
import { deployPermissions } from '../deploy/decide.js';
import {
  release,
  ReleaseFailure,
  rollbackOnDemand,
  type ReleaseContext,
  type ReleaseOutcome,
} from '../release/release.js';
import { recordFailureOnGitHub, recordSuccessOnGitHub } from '../deploy/github.js';
import {
  acquireLease,
  keepLeaseAlive,
  RENEWED_LEASE_SECONDS,
  leaseLabels,
  localHolderIdentity,
  releaseLease,
} from '../deploy/lease.js';
import { makeRecord, provenance } from '../deploy/record.js';
import type { DeployResult } from '../deploy/render.js';
import { gitHubContextFromEnv } from '../executors/github.js';
import { directTransport, FlinkRest, serviceProxyTransport } from '../executors/flinkRest.js';
import { describePermission, Kube } from '../executors/kube.js';
import { isRunScoped } from '../plan/kubernetes.js';
import { checkNamedAccounts, namedAccountPermissions } from '../deploy/accounts.js';
import { isPreviewEnvironment } from '../spec/resolve.js';
import { previewGitHubEnvironment } from '../spec/preview.js';
import { Deadline, systemClock, type Clock } from '../util/deadline.js';
import { InputError, OperationError } from '../util/errors.js';
import type { Ui } from '../ui/ui.js';
import { checkDeployRequest, type DeployRequest } from './deployRequest.js';

export type { DeployRequest } from './deployRequest.js';

/** Deploys, releasing what the run holds (the lease, temporary files) also when it fails or is cancelled. */
export function deploy(request: DeployRequest, ui: Ui, clock: Clock = systemClock): Promise<DeployResult> {
  return withCleanup(ui, (cleanup) => runDeploy(request, ui, cleanup, clock));
}

async function runDeploy(
  request: DeployRequest,
  ui: Ui,
  cleanup: RunCleanup,
  clock: Clock,
): Promise<DeployResult> {
  const { origin } = request;
  const started = clock.now();

  // 1. Input: the spec, the flags, the image. Nothing outside is contacted.
  const { loaded, env, client, desired, target, timeoutMs, restUrl } = checkDeployRequest(request, cleanup);
  const deadline = new Deadline(timeoutMs, {
    clock,
    start: started,
    expired: (what) => `the --timeout of ${request.timeout} passed before ${what}`,
  });
  const remaining = (what: string) => deadline.remainingMs(what);

  // 2. Preflight: the kubeconfig and context resolve, and the user may do everything deploy does.
  const kube = Kube.load(target, { ui });
  await ui.group(`Preflight: permissions in context ${kube.context} (${kube.server})`, async () => {
    const needed = [...deployPermissions(desired), ...namedAccountPermissions(env)];
    const missing = await kube.missingPermissions(needed);
    if (missing.length) {
      throw new InputError([
        {
          ...(target.labels?.context ?? { file: '<flags>', field: '--context' }),
          message: `the user of context ${kube.context} lacks ${missing.length} of the ${needed.length} permissions deploy needs (nothing was changed): ${missing.map(describePermission).join('; ')}. Grant them with a Role in namespace ${desired.namespace} (and a ClusterRole for namespaces when createNamespace is set), or use another context`,
        },
      ]);
    }
    ui.info(`all ${needed.length} permissions granted (SelfSubjectAccessReview)`);
    const accountIssues = await checkNamedAccounts(kube, loaded, env, ui);
    if (accountIssues.length) throw new InputError(accountIssues);
  });

  // 3. The deploy lease: one deployer at a time per cluster-id. The Lease lives in the namespace, so
  // the namespace (when the spec creates it) is the only write before it is held.
  const github = gitHubContextFromEnv();
  const token = request.githubToken;
  if (token) ui.secret(token);
  const transientEnvironment = isPreviewEnvironment(env.name, loaded.spec.environments?.[env.name] ?? {});
  // A pull request's preview is its own GitHub environment, so that previews of two pull requests both show.
  const githubEnvironment =
    request.pullRequest === undefined ? env.name : previewGitHubEnvironment(env.name, request.pullRequest);
  let outcome: { released: ReleaseOutcome; rest: FlinkRest };
  try {
    // Short and renewed while the run holds it: a deployer killed at any step frees it within a minute.
    const leaseRequest = {
      clusterId: desired.clusterId,
      namespace: desired.namespace,
      labels: leaseLabels(desired),
      identity: localHolderIdentity('deploy', github?.runUrl),
      durationSeconds: RENEWED_LEASE_SECONDS,
    };
    const lease = await ui.group(`Take the deploy lease of ${desired.clusterId}`, async () => {
      for (const ns of desired.kubernetes.filter((o) => o.kind === 'Namespace')) {
        const stored = await kube.apply(ns);
        ui.info(
          `Namespace ${ns.metadata.name}: applied (resourceVersion ${stored.metadata?.resourceVersion})`,
        );
      }
      const held = await acquireLease(kube, leaseRequest, deadline, request.timeout, ui);
      if (!held) {
        throw new OperationError(
          `namespace ${desired.namespace} does not exist and environment ${env.name} does not create it: create it, or set createNamespace: true for ${env.name} in ${loaded.file}`,
        );
      }
      return held;
    });
    const stopRenewing = keepLeaseAlive(kube, lease, leaseRequest, ui);
    const releaseHeld = cleanup.add(`release the deploy lease of ${desired.clusterId}`, () => {
      stopRenewing();
      return releaseLease(kube, lease, ui);
    });
    try {
      outcome = await deployHoldingLease();
    } finally {
      await releaseHeld();
    }
  } catch (err) {
    if (github && token) {
      await recordFailureOnGitHub(token, github, err, ui, {
        environment: githubEnvironment,
        clusterId: desired.clusterId,
        image: request.image,
        configHash: desired.configHash,
        transientEnvironment,
      });
      // The rollback's own outcome: the environment runs the rolled-back revision again.
      const back = err instanceof ReleaseFailure ? err.rolledBackTo : undefined;
      if (back?.state === 'deployed') {
        await recordSuccessOnGitHub(token, github, ui, {
          environment: githubEnvironment,
          clusterId: desired.clusterId,
          image: back.image,
          record: {
            ...makeRecord({
              environment: env.name,
              clusterId: desired.clusterId,
              image: back.image,
              configHash: back.configHash,
              upgradeMode: back.upgradeMode,
              provenance: provenance(await readGitContext(loaded.dir)),
              time: new Date(back.createdAt),
              ...(back.restoredFrom?.path ? { savepoint: back.restoredFrom.path } : {}),
            }),
            revision: back.revision,
          },
          environmentUrl:
            env.url ??
            restUrl ??
            `${kube.server.replace(/\/$/, '')}/api/v1/namespaces/${desired.namespace}/services/${desired.clusterId}-rest:rest/proxy`,
          transientEnvironment,
        }).catch((e: unknown) =>
          ui.warning(`the rollback could not be recorded as a GitHub deployment (${(e as Error).message})`),
        );
      }
    }
    throw err;
  }
  const { released, rest } = outcome;
  const record = released.record;

  // 4. While the lease is held: the release lifecycle (release/release.ts): observe, decide, record the
  // revision pending, act (RBAC first), wait and gate, roll back when the gate fails.
  async function deployHoldingLease(): Promise<typeof outcome> {
    const rest = new FlinkRest(
      restUrl
        ? directTransport(restUrl)
        : serviceProxyTransport(kube, desired.namespace, `${desired.clusterId}-rest`),
    );
    const git = await readGitContext(loaded.dir);
    const released = await (request.rollback ? rollbackOf : release)({
      kube,
      rest,
      explicitUrl: restUrl !== undefined,
      loaded,
      env,
      desired,
      image: request.image,
      client,
      origin,
      cleanup,
      ui,
      provenance: provenance(git),
      ...(request.promotion ? { promotion: request.promotion } : {}),
      remaining,
      // RBAC converges even when nothing else changes; then the submission.
      beforeChange: () =>
        ui.group(`Apply the RBAC objects in ${desired.namespace}`, async () => {
          // They do not depend on each other (a RoleBinding may name a Role that does not exist yet), so
          // they are applied in parallel.
          const objects = desired.kubernetes.filter((o) => o.kind !== 'Namespace' && !isRunScoped(o));
          const stored = await Promise.all(objects.map((obj) => kube.apply(obj)));
          objects.forEach((obj, i) =>
            ui.info(
              `${obj.kind} ${obj.metadata.name}: applied (resourceVersion ${stored[i]!.metadata?.resourceVersion})`,
            ),
          );
        }),
    });
    return { released, rest };
  }

  function rollbackOf(ctx: ReleaseContext): Promise<ReleaseOutcome> {
    return rollbackOnDemand(ctx, request.rollback?.toRevision, request.rollback?.from);
  }

  const githubDeployment =
    github && token
      ? await recordSuccessOnGitHub(token, github, ui, {
          environment: githubEnvironment,
          clusterId: desired.clusterId,
          image: record.image,
          record,
          environmentUrl: env.url ?? rest.transport.url,
          transientEnvironment,
        })
      : undefined;

  return {
    environment: env.name,
    clusterId: desired.clusterId,
    namespace: desired.namespace,
    context: kube.context,
    image: record.image,
    restUrl: rest.transport.url,
    ...(env.url ? { url: env.url } : {}),
    ...(released.jobId ? { jobId: released.jobId } : {}),
    ...(released.jobState ? { jobState: released.jobState } : {}),
    action: released.action,
    revision: released.revision.revision,
    upgradePath: released.path,
    ...(released.revision.health ? { health: released.revision.health } : {}),
    ...(released.revision.restoredFrom ? { restoredFrom: released.revision.restoredFrom } : {}),
    ...(released.revision.savepoint ? { savepoint: released.revision.savepoint } : {}),
    record,
    ...(githubDeployment ? { githubDeployment } : {}),
    apiRequests: kube.requests,
  };
}
