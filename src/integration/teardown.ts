// `env down`: diagnostics when asked, then delete what `env up` made — the kind cluster and its
// registry, or, on an existing cluster, the objects Flinkship applied (the Strimzi operator stays).
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { DockerEngine } from '../executors/docker.js';
import { Kind, KindRegistry } from '../executors/kind.js';
import { Kube } from '../executors/kube.js';
import type { KubeObject } from '../plan/objects.js';
import type { Ui } from '../ui/ui.js';
import { renderDiagnostics, type Diagnostics } from './diagnostics.js';
import { createdNetworkMarker, diagnose } from './environment.js';
import { LOG_PRODUCER } from './fixture.js';
import { FLUENT_BIT_NAME, fluentBitObjects } from './fluentBit.js';
import { REGISTRY_NAME } from './kindConfig.js';
import type { EnvSettings } from './settings.js';
import { kafka, kafkaNodePool, kafkaTopic } from './strimzi.js';

export interface EnvDownResult {
  env: string;
  cluster: 'kind' | 'existing';
  deleted: string[];
  kept: boolean;
  diagnostics?: Diagnostics;
}

/** Deletes what up made: the kind cluster (and its registry), or on an existing cluster the objects Flinkship applied. */
export async function envDown(
  s: EnvSettings,
  options: { diagnose: boolean },
  ui: Ui,
): Promise<EnvDownResult> {
  let diagnostics: Diagnostics | undefined;
  if (options.diagnose) {
    diagnostics = await ui.group(`Diagnostics → ${s.diagnosticsDir}`, () => diagnose(s, undefined, ui));
    await ui.summary(renderDiagnostics(diagnostics));
  }
  const result: EnvDownResult = {
    env: s.env.name,
    cluster: s.mode,
    deleted: [],
    kept: s.keep,
    ...(diagnostics ? { diagnostics } : {}),
  };
  if (s.keep) {
    ui.info(
      `keep: leaving the ${s.mode === 'kind' ? `kind cluster ${s.kind!.name}` : 'objects on the cluster'} in place`,
    );
    return result;
  }
  if (s.kind) {
    const kind = await Kind.install(ui);
    const plan = s.kind;
    await ui.group(`Delete kind cluster ${plan.name}`, async () => {
      // With the kubeconfig env up wrote the cluster's entry to, so that entry goes too.
      await kind.delete(plan.name, s.kubeconfig);
      result.deleted.push(`kind cluster ${plan.name}`);
      if (plan.settings.registry) {
        await new KindRegistry(REGISTRY_NAME, plan.settings.registry.port).remove();
        result.deleted.push(`registry container ${REGISTRY_NAME}`);
      }
      const marker = createdNetworkMarker(plan.workDir);
      if (existsSync(marker)) {
        const network = readFileSync(marker, 'utf8').trim();
        const docker = new DockerEngine();
        const left = await docker.inspectNetwork(network);
        if (left && left.containers > 0) {
          ui.info(`docker network ${network} stays: ${left.containers} other containers use it`);
        } else if (left) {
          await docker.removeNetwork(network);
          result.deleted.push(`docker network ${network}`);
        }
      }
      // The kind config, the registry's certs.d and the cluster's admin kubeconfig, unless it is the user's.
      rmSync(plan.workDir, { recursive: true, force: true });
      result.deleted.push(`work directory ${plan.workDir}`);
    });
    return result;
  }
  const kube = Kube.load({ kubeconfig: s.kubeconfig, context: s.context }, { ui });
  const owned: KubeObject[] = [
    ...s.strimzi.topics.map((t) => kafkaTopic(s.strimzi.cluster, s.strimzi.namespace, t)),
    kafka(s.strimzi.cluster, s.strimzi.namespace),
    kafkaNodePool(s.strimzi.cluster, s.strimzi.namespace),
    ...fluentBitObjects(s.fluentBit).reverse(),
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: LOG_PRODUCER, namespace: s.env.namespace } },
  ];
  await ui.group('Delete what env up applied', async () => {
    for (const o of owned) {
      const ref = {
        apiVersion: o.apiVersion,
        kind: o.kind,
        name: o.metadata.name,
        namespace: o.metadata.namespace,
      };
      try {
        if (await kube.delete(ref)) {
          const what = `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
          result.deleted.push(what);
          ui.info(`deleted ${what}`);
        }
      } catch (err) {
        // The Strimzi CRDs may be gone already (another env down): nothing of that kind is left.
        if (!/no matches for kind|not found|404/i.test((err as Error).message)) throw err;
      }
    }
  });
  ui.info(
    `the Strimzi operator in ${s.strimzi.namespace} and its CRDs stay: other Kafka clusters may use them (${FLUENT_BIT_NAME} and Kafka ${s.strimzi.cluster} are gone)`,
  );
  return result;
}
