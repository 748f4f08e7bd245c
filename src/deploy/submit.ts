// Running the real Flink client for a deploy: from a trusted image (docker run) or a local FLINK_HOME,
// with the plan's argv and a kubeconfig holding a short-lived token of the deployer ServiceAccount.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import {
  dockerAuth,
  fromDockerConfigWithHelpers,
  readDockerConfig,
  registryHost,
} from '../build/credentials.js';
import type { Origin } from '../options/options.js';
import type { ClientChoice } from './clientImage.js';
import type { RunCleanup } from './cleanup.js';
import { clientKubeconfig, deployerName, deployerObjects, type ClientCluster } from './deployer.js';
import { DockerEngine } from '../executors/docker.js';
import {
  handOverWorkDir,
  makeClientWorkDir,
  removeClientWorkDir,
  runClientFromHome,
  runClientInImage,
  writePodTemplate,
  type ClientResult,
} from '../executors/flinkClient.js';
import type { Kube } from '../executors/kube.js';
import { writeKubeconfig } from '../executors/kubeconfigFile.js';
import { DEFAULT_CLIENT_WORK_DIR, planSubmission, type Plan } from '../plan/plan.js';
import { isSensitiveKey } from '../plan/redact.js';
import { OperationError } from '../util/errors.js';
import { parseImageRef } from '../util/imageRef.js';
import type { LoadedSpec } from '../spec/types.js';
import type { StoredSubmission } from '../release/history.js';
import type { Ui } from '../ui/ui.js';

/** The cluster as the Flink client must see it: server, CA as data (the file may not be in its container). */
async function clientCluster(kube: Kube): Promise<ClientCluster> {
  const c = kube.config.getCurrentCluster()!;
  const caData = c.caData ?? (c.caFile ? (await readFile(c.caFile)).toString('base64') : undefined);
  return {
    server: c.server,
    ...(caData ? { caData } : {}),
    ...(c.skipTLSVerify ? { insecureSkipTlsVerify: true } : {}),
    ...(c.tlsServerName ? { tlsServerName: c.tlsServerName } : {}),
  };
}

export interface SubmitRequest {
  /** The user's own credentials: they create the deployer's account, and delete it again. */
  kube: Kube;
  loaded: LoadedSpec;
  desired: Plan;
  /** The job image, as deployed. */
  image: string;
  client: ClientChoice;
  timeoutMs: number;
  origin: Origin;
  cleanup: RunCleanup;
  /** Options beyond the plan: the job ID and where the job restores from (release/lifecycle.ts). */
  extraOptions?: string[];
  /** Submit this stored submission (a rollback) instead of planning the spec again. */
  replay?: StoredSubmission;
}

/**
 * Runs `flink run[-application] --target kubernetes-application` with the plan's -D options and a
 * kubeconfig holding a short-lived token of the deployer ServiceAccount (see deploy/deployer.ts).
 * The deployer's account, the work directory (kubeconfig, pod template) and the client's container
 * exist only for the client's run: each is registered with the run's cleanup as soon as it exists, so a
 * cancelled run removes it too.
 */
export async function submit(request: SubmitRequest, ui: Ui): Promise<ClientResult> {
  const { kube, loaded, desired, client, timeoutMs, cleanup } = request;
  const removeDeployer = await createDeployer(kube, desired, cleanup, ui);
  try {
    return await runClient();
  } finally {
    await removeDeployer();
  }

  async function runClient(): Promise<ClientResult> {
    const expirationSeconds = Math.max(600, Math.ceil(timeoutMs / 1000) + 60);
    const token = await kube.serviceAccountToken(desired.namespace, deployerName(desired), expirationSeconds);
    ui.secret(token);
    const hostWorkDir = await makeClientWorkDir();
    const removeWorkDir = cleanup.add(`remove ${hostWorkDir} (the client's kubeconfig)`, () =>
      removeClientWorkDir(hostWorkDir),
    );
    try {
      const flinkHome = client.from === 'home' ? client.dir : undefined;
      const clientWorkDir = flinkHome ? hostWorkDir : DEFAULT_CLIENT_WORK_DIR;
      // The same plan, with the files where the client will see them; or, for a rollback, exactly what
      // was submitted then (its secret values are registered before anything runs).
      const forClient = request.replay
        ? replayed(request.replay, clientWorkDir)
        : planned(planSubmission(loaded, desired.environment, { image: request.image, clientWorkDir }));
      // Secret configuration values reach the client, never the log (the client may echo its argv).
      for (const value of forClient.secrets) ui.secret(value);
      writeKubeconfig(hostWorkDir, clientKubeconfig(await clientCluster(kube), token, desired.namespace));
      if (forClient.podTemplate) {
        await writePodTemplate(hostWorkDir, forClient.podTemplate);
      }
      const argv = [...forClient.argv];
      const shown = [...forClient.shown];
      // Before the jar: what follows the jar is the job's own arguments.
      const extra = [`-Dkubernetes.config.file=${clientWorkDir}/kubeconfig`, ...(request.extraOptions ?? [])];
      for (const a of [argv, shown]) a.splice(3, 0, ...extra);
      ui.info(`flink ${shown.join(' ')}`);
      const run = { argv, hostWorkDir, clientWorkDir, timeoutMs };
      const onLine = (line: string) => ui.info(line);
      if (client.from === 'home') return await runClientFromHome(client.dir, run, onLine);

      const user = await handOverWorkDir(hostWorkDir);
      const engine = new DockerEngine();
      await engine.ping();
      const image = await clientImage(engine, client, request, ui);
      const name = `flinkship-client-${desired.clusterId}-${randomBytes(4).toString('hex')}`;
      const removeContainer = cleanup.add(`remove the Flink client's container ${name}`, async () => {
        await engine.removeContainer(name);
      });
      try {
        const labels = {
          'app.kubernetes.io/managed-by': 'flinkship',
          'app.kubernetes.io/component': 'flink-client',
          'app.kubernetes.io/instance': desired.clusterId,
          'flinkship.dev/namespace': desired.namespace,
        };
        return await runClientInImage(engine, { image, name, labels, user }, run, onLine);
      } finally {
        await removeContainer();
      }
    } finally {
      await removeWorkDir();
    }
  }
}

function planned(s: ReturnType<typeof planSubmission>) {
  return {
    argv: s.argv,
    shown: s.plan.client.argv,
    ...(s.podTemplate ? { podTemplate: s.podTemplate } : {}),
    secrets: s.secrets,
  };
}

/**
 * A stored submission as the client will run it: the pod template's path moved to the client's work
 * directory. Its argv holds real values; the log shows the configuration values Flink deems sensitive
 * as ******, and they are registered as secrets.
 */
function replayed(
  stored: StoredSubmission,
  clientWorkDir: string,
): { argv: string[]; shown: string[]; podTemplate?: string; secrets: string[] } {
  const from = `${stored.clientWorkDir}/`;
  const argv = stored.argv.map((a) =>
    a.startsWith('-D') && a.includes(`=${from}`) ? a.replace(`=${from}`, `=${clientWorkDir}/`) : a,
  );
  const secrets: string[] = [];
  const shown = argv.map((a) => {
    const m = /^-D([^=]+)=(.*)$/.exec(a);
    if (m && isSensitiveKey(m[1]!) && m[2]) {
      secrets.push(m[2]);
      return `-D${m[1]}=******`;
    }
    return a;
  });
  return { argv, shown, ...(stored.podTemplate ? { podTemplate: stored.podTemplate } : {}), secrets };
}

/** Applies the deployer's ServiceAccount, Role and RoleBinding; returns what deletes them again. */
async function createDeployer(
  kube: Kube,
  desired: Plan,
  cleanup: RunCleanup,
  ui: Ui,
): Promise<() => Promise<void>> {
  const objects = deployerObjects(desired);
  const remove = cleanup.add(
    `delete the deployer's account ${desired.namespace}/${deployerName(desired)}`,
    async () => {
      // Deleting the ServiceAccount invalidates every token issued for it.
      for (const obj of objects) {
        await kube.delete({
          apiVersion: obj.apiVersion,
          kind: obj.kind,
          name: obj.metadata.name,
          namespace: desired.namespace,
        });
      }
      ui.info(`ServiceAccount, Role and RoleBinding ${desired.namespace}/${deployerName(desired)}: deleted`);
    },
  );
  // They do not depend on each other (a RoleBinding may name a Role that does not exist yet).
  const stored = await Promise.all(objects.map((obj) => kube.apply(obj)));
  objects.forEach((obj, i) =>
    ui.info(
      `${obj.kind} ${obj.metadata.name}: applied (resourceVersion ${stored[i]!.metadata?.resourceVersion}), deleted again after the submission`,
    ),
  );
  return remove;
}

/**
 * The image the client runs from, present in the engine, by digest: a trusted image (pulled with the
 * Docker config's login for its registry), or the job image when the user opted in.
 */
async function clientImage(
  engine: DockerEngine,
  client: Exclude<ClientChoice, { from: 'home' }>,
  request: SubmitRequest,
  ui: Ui,
): Promise<string> {
  const ref = client.from === 'job-image' ? request.image : client.image;
  if (client.from === 'job-image') {
    ui.warning(
      `the Flink client runs from the job image ${ref} (${client.source}): the job's code runs with the deployer's rights in ${request.desired.namespace}`,
    );
  } else {
    ui.info(`the Flink client runs from ${ref} (${client.source})`);
  }
  if (!(await engine.inspect(ref))) {
    const host = registryHost(ref);
    const login = await fromDockerConfigWithHelpers(await readDockerConfig(), host, request.origin, ui);
    try {
      await engine.pull(ref, login && dockerAuth(login, host), (line) => ui.info(`pull: ${line}`));
    } catch (err) {
      throw new OperationError(
        `could not pull ${ref}, the image the Flink client runs from (${client.source}): ${(err as Error).message}. Give a Flink image your runner can pull, by digest (--client-image or deploy.clientImage), or --flink-home`,
      );
    }
  }
  if (client.from === 'job-image' || client.byDigest) return ref;
  // A default without a digest in Flinkship's table: run it by the digest the engine pulled.
  const repository = parseImageRef(ref)!.repository;
  const digested = (await engine.inspect(ref))?.repoDigests.find((d) =>
    [repository, `docker.io/library/${repository}`, `docker.io/${repository}`].includes(d.split('@')[0]!),
  );
  if (!digested)
    throw new OperationError(
      `the Docker engine reports no digest for ${ref}; pass --client-image <image>@sha256:...`,
    );
  ui.info(
    `${ref} is ${digested}: the client runs by that digest; pin it with --client-image or deploy.clientImage`,
  );
  return digested;
}
