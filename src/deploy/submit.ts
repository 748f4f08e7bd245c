// Running the real Flink client for a deploy: from the job image (docker run) or a local FLINK_HOME,
// with the plan's argv and a kubeconfig holding a short-lived token of the deployer ServiceAccount.
import { chmod, chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  dockerAuth,
  fromDockerConfigWithHelpers,
  readDockerConfig,
  registryHost,
} from '../build/credentials.js';
import type { Origin } from '../cli/options.js';
import { clientKubeconfig, deployerName, type ClientCluster } from './deployer.js';
import { DockerEngine } from '../executors/docker.js';
import {
  FLINK_USER,
  runClientFromHome,
  runClientInImage,
  type ClientResult,
} from '../executors/flinkClient.js';
import type { Kube } from '../executors/kube.js';
import { DEFAULT_CLIENT_WORK_DIR, planSubmission, type Plan } from '../plan/plan.js';
import type { LoadedSpec } from '../spec/types.js';
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

/**
 * Runs `flink run[-application] --target kubernetes-application` with the plan's -D options and a
 * kubeconfig holding a short-lived token of the deployer ServiceAccount (see deploy/deployer.ts).
 * The work directory (kubeconfig, pod template) exists only for the client's run.
 */
export async function submit(
  kube: Kube,
  loaded: LoadedSpec,
  desired: Plan,
  image: string,
  flinkHome: string | undefined,
  timeoutMs: number,
  ui: Ui,
  origin: Origin = 'flags',
): Promise<ClientResult> {
  const expirationSeconds = Math.max(600, Math.ceil(timeoutMs / 1000) + 60);
  const token = await kube.serviceAccountToken(desired.namespace, deployerName(desired), expirationSeconds);
  ui.secret(token);
  const hostWorkDir = await mkdtemp(path.join(tmpdir(), 'flinkship-client-'));
  try {
    const clientWorkDir = flinkHome ? hostWorkDir : DEFAULT_CLIENT_WORK_DIR;
    // The same plan, with the files where the client will see them.
    const forClient = planSubmission(loaded, desired.environment, { image, clientWorkDir });
    // Secret configuration values reach the client, never the log (the client may echo its argv).
    for (const value of forClient.secrets) ui.secret(value);
    const kubeconfigPath = path.join(hostWorkDir, 'kubeconfig');
    await writeFile(kubeconfigPath, clientKubeconfig(await clientCluster(kube), token, desired.namespace), {
      mode: 0o600,
    });
    if (forClient.podTemplate) {
      await writeFile(path.join(hostWorkDir, 'pod-template.yaml'), forClient.podTemplate, {
        mode: 0o600,
      });
    }
    const argv = [...forClient.argv];
    const shown = [...forClient.plan.client.argv];
    // Before the jar: what follows the jar is the job's own arguments.
    for (const a of [argv, shown]) a.splice(3, 0, `-Dkubernetes.config.file=${clientWorkDir}/kubeconfig`);
    ui.info(`flink ${shown.join(' ')}`);
    const run = { argv, hostWorkDir, clientWorkDir, timeoutMs };
    const onLine = (line: string) => ui.info(line);
    if (flinkHome) return await runClientFromHome(flinkHome, run, onLine);

    // The official images' flink user (9999) reads the work directory; as root we hand it over,
    // otherwise the client runs as the current user, who owns it.
    const uid = process.getuid?.();
    let user = `${uid}:${process.getgid?.()}`;
    if (uid === 0) {
      await chown(hostWorkDir, 9999, 9999);
      for (const f of ['kubeconfig', 'pod-template.yaml']) {
        if (existsSync(path.join(hostWorkDir, f))) await chown(path.join(hostWorkDir, f), 9999, 9999);
      }
      user = FLINK_USER;
    }
    await chmod(hostWorkDir, 0o700);
    const engine = new DockerEngine();
    await engine.ping();
    const host = registryHost(image);
    const docker = await readDockerConfig();
    // The job image may be private: the Docker config's login for its registry, helpers included.
    const login = await fromDockerConfigWithHelpers(docker, host, origin, ui);
    return await runClientInImage(engine, image, run, user, onLine, login && dockerAuth(login, host));
  } finally {
    await rm(hostWorkDir, { recursive: true, force: true });
  }
}
