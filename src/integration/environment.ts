// `env up`: the cluster (kind, or the current one), then Strimzi and Fluent Bit in parallel; and the
// diagnostics of a failed run. Observe, act, wait; every wait bounded by the run's --timeout.
// (`env down` is in teardown.ts.)
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { optionLabel } from '../options/options.js';
import { Kind, KindRegistry, kindNetwork, writeKindFiles } from '../executors/kind.js';
import { DockerEngine } from '../executors/docker.js';
import { Kube } from '../executors/kube.js';
import { kubeconfigSecrets } from '../executors/kubeconfigSecrets.js';
import type { KubeObject } from '../plan/objects.js';
import type { Ui } from '../ui/ui.js';
import { InputError } from '../util/errors.js';
import { Deadline } from '../util/deadline.js';
import {
  collectDiagnostics,
  renderDiagnostics,
  writeDiagnosticsFile,
  type Diagnostics,
} from './diagnostics.js';
import { installFluentBit, installStrimzi } from './install.js';
import {
  KindConfigError,
  kindConfig,
  localRegistryHostingConfigMap,
  REGISTRY_NAME,
  registryCertsFiles,
} from './kindConfig.js';
import type { EnvSettings } from './settings.js';
import { InvalidManifests, bootstrapAddress, loadStrimziManifests } from './strimzi.js';
import { StepTimer, renderTimings, type StepTiming } from './timings.js';

export interface EnvUpResult {
  env: string;
  cluster: 'kind' | 'existing';
  kindCluster?: string;
  kubeconfig?: string;
  context: string;
  server: string;
  registry?: string;
  kafka: { namespace: string; cluster: string; bootstrap: string; topics: string[] };
  fluentBit: { namespace: string; match: string; topic: string };
  timings: StepTiming[];
  totalSeconds: number;
}

/** Reads what the run needs from files and URLs, before anything is touched; bad content is an InputError. */
export async function readInputs(
  s: EnvSettings,
): Promise<{ manifests: KubeObject[]; kindConfigText?: string }> {
  let manifests: KubeObject[];
  try {
    manifests = await loadStrimziManifests(s.strimzi.source);
  } catch (err) {
    if (!(err instanceof InvalidManifests)) throw err;
    throw new InputError([
      {
        file: s.origin === 'flags' ? '<flags>' : '<inputs>',
        field: optionLabel('strimzi-manifests', s.origin),
        message: err.message,
      },
    ]);
  }
  let kindConfigText: string | undefined;
  if (s.kind) {
    try {
      kindConfigText = kindConfig(s.kind.settings);
    } catch (err) {
      if (!(err instanceof KindConfigError)) throw err;
      throw new InputError([{ ...s.field(['kind', 'config']), message: err.message }]);
    }
  }
  return { manifests, kindConfigText };
}

/** Masks every credential a kubeconfig holds, and the file as a whole. */
export function maskKubeconfig(file: string, ui: Ui): void {
  const text = readFileSync(file, 'utf8');
  ui.secret(text.trim());
  for (const s of kubeconfigSecrets(text)) ui.secret(s);
}

/** In the kind work dir: present when this env up's cluster made the docker network (its name inside). */
export const createdNetworkMarker = (workDir: string): string => path.join(workDir, 'created-network');

async function createKindCluster(
  s: EnvSettings,
  configText: string,
  deadline: Deadline,
  ui: Ui,
): Promise<Kind> {
  const plan = s.kind!;
  const kind = await Kind.install(ui);
  mkdirSync(plan.workDir, { recursive: true });
  const registry = plan.settings.registry;
  if (registry) {
    writeKindFiles(
      Object.fromEntries(
        Object.entries(registryCertsFiles(registry.port)).map(([rel, content]) => [
          path.join(registry.certsDir, rel),
          content,
        ]),
      ),
    );
    await new KindRegistry(REGISTRY_NAME, registry.port, registry.image).ensureRunning(ui);
  }
  writeKindFiles({ [plan.configFile]: configText });
  ui.info(`kind config ${plan.configFile}:\n${configText}`);
  if ((await kind.clusters()).includes(plan.name)) {
    ui.info(`kind cluster ${plan.name} exists already; exporting its kubeconfig`);
    await kind.run(['export', 'kubeconfig', '--name', plan.name, '--kubeconfig', s.kubeconfig!]);
  } else {
    // kind makes its docker network when there is none and leaves it behind: env down removes it then.
    const marker = createdNetworkMarker(plan.workDir);
    if (!existsSync(marker) && !(await new DockerEngine().inspectNetwork(kindNetwork()))) {
      writeFileSync(marker, `${kindNetwork()}\n`);
    }
    const waitSeconds = Math.max(
      30,
      Math.min(300, Math.floor(deadline.remainingMs('kind create cluster') / 1000)),
    );
    await kind.create({
      name: plan.name,
      configFile: plan.configFile,
      kubeconfig: s.kubeconfig!,
      waitSeconds,
    });
  }
  if (registry) await new KindRegistry(REGISTRY_NAME, registry.port).connect();
  return kind;
}

export async function envUp(s: EnvSettings, ui: Ui): Promise<EnvUpResult> {
  const { manifests, kindConfigText } = await readInputs(s);
  // From here on something may be created: the action's post step has something to take down.
  process.env.FLINKSHIP_ENV_UP_STARTED = 'true';
  const deadline = new Deadline(s.timeoutMs);
  const timer = new StepTimer();
  let kube: Kube | undefined;
  try {
    if (s.kind) {
      const kind = await ui.group(`kind cluster ${s.kind.name}`, () =>
        timer.time('kind cluster', () => createKindCluster(s, kindConfigText!, deadline, ui)),
      );
      const images = s.kind.settings.loadImages ?? [];
      if (images.length > 0) {
        await ui.group(`kind load docker-image ${images.join(' ')} (kind.loadImages)`, () =>
          timer.time('kind.loadImages', () => kind.loadImage(s.kind!.name, ...images)),
        );
      }
      maskKubeconfig(s.kubeconfig!, ui);
      // Later steps and commands (the deploy verb, kubectl) find the cluster the usual way.
      process.env.KUBECONFIG = s.kubeconfig;
    }
    kube = Kube.load(
      { kubeconfig: s.kubeconfig, context: s.context, labels: { context: { ...s.field(['context']) } } },
      { ui },
    );
    const k = kube;
    if (s.kind?.settings.registry) {
      await k.apply(localRegistryHostingConfigMap(s.kind.settings.registry.port));
    }
    // Strimzi and Fluent Bit do not depend on each other (Fluent Bit retries until Kafka answers).
    await ui.group(
      `Strimzi ${s.strimzi.namespace} and Fluent Bit ${s.fluentBit.namespace}, in parallel`,
      () =>
        Promise.all([
          installStrimzi(k, { ...s.strimzi, manifests }, deadline, prefixed(ui, '[strimzi] '), (n, f) =>
            timer.time(n, f),
          ),
          installFluentBit(k, s.fluentBit, deadline, prefixed(ui, '[fluent-bit] '), (n, f) =>
            timer.time(n, f),
          ),
        ]),
    );
  } catch (err) {
    if (err instanceof InputError) throw err;
    await reportFailure(s, kube, err as Error, timer, ui);
    throw err;
  }
  await ui.summary(
    `## Flinkship integration environment: ${s.env.name}\n\n${renderTimings(timer.steps, timer.totalSeconds())}\n`,
  );
  return {
    env: s.env.name,
    cluster: s.mode,
    ...(s.kind ? { kindCluster: s.kind.name } : {}),
    ...(s.kubeconfig ? { kubeconfig: s.kubeconfig } : {}),
    context: kube.context,
    server: kube.server,
    ...(s.kind?.settings.registry ? { registry: `localhost:${s.kind.settings.registry.port}` } : {}),
    kafka: {
      namespace: s.strimzi.namespace,
      cluster: s.strimzi.cluster,
      bootstrap: bootstrapAddress(s.strimzi.cluster, s.strimzi.namespace),
      topics: s.strimzi.topics,
    },
    fluentBit: { namespace: s.fluentBit.namespace, match: s.fluentBit.match, topic: s.fluentBit.topic },
    timings: timer.steps,
    totalSeconds: timer.totalSeconds(),
  };
}

/** After a failed step: the diagnostics, their summary and the timings so far. Never hides the first error. */
export async function reportFailure(
  s: EnvSettings,
  kube: Kube | undefined,
  err: Error,
  timer: StepTimer | undefined,
  ui: Ui,
): Promise<Diagnostics | undefined> {
  ui.error(err.message);
  let diagnostics: Diagnostics | undefined;
  try {
    diagnostics = await ui.group(`Diagnostics → ${s.diagnosticsDir}`, () => diagnose(s, kube, ui));
    for (const f of diagnostics.findings) ui.info(f);
  } catch (e) {
    ui.warning(`collecting diagnostics failed: ${(e as Error).message}`);
  }
  const parts = [
    `## Flinkship integration environment: ${s.env.name} failed`,
    '',
    '```',
    err.message,
    '```',
    '',
  ];
  if (timer) parts.push(renderTimings(timer.steps, timer.totalSeconds()), '');
  if (diagnostics) parts.push(renderDiagnostics(diagnostics));
  await ui.summary(parts.join('\n'));
  return diagnostics;
}

export async function diagnose(s: EnvSettings, kube: Kube | undefined, ui: Ui): Promise<Diagnostics> {
  let k = kube;
  if (!k) {
    try {
      k = Kube.load({ kubeconfig: s.kubeconfig, context: s.context });
    } catch (e) {
      const line = `no cluster to collect from: ${(e as Error).message}`;
      writeDiagnosticsFile(s.diagnosticsDir, 'findings.txt', line + '\n');
      return { dir: s.diagnosticsDir, files: ['findings.txt'], findings: [line] };
    }
  }
  const kindName = s.kind?.name;
  return collectDiagnostics(
    k,
    {
      dir: s.diagnosticsDir,
      namespaces: [...new Set([s.strimzi.namespace, s.fluentBit.namespace, s.env.namespace])],
      strimziNamespace: s.strimzi.namespace,
      flink: { namespace: s.env.namespace, clusterId: s.env.clusterId },
      ...(kindName
        ? { exportKindLogs: async (dir: string) => (await Kind.install(ui)).exportLogs(kindName, dir) }
        : {}),
    },
    ui,
  );
}

/** A Ui whose lines carry a prefix, for steps that run side by side. */
export function prefixed(ui: Ui, prefix: string): Ui {
  return {
    ...ui,
    group: (title, fn) => {
      ui.info(`${prefix}${title}`);
      return fn();
    },
    info: (m) => ui.info(prefix + m),
    warning: (m, at) => ui.warning(prefix + m, at),
    error: (m, at) => ui.error(prefix + m, at),
    issues: (i) => ui.issues(i),
    setOutput: (n, v) => ui.setOutput(n, v),
    summary: (m) => ui.summary(m),
    secret: (v) => ui.secret(v),
    mask: (t) => ui.mask(t),
  };
}
