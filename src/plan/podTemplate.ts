// The pod template the Flink client gets (kubernetes.pod-template-file.default): the spec's podTemplate
// with the spec's `env` in the container Flink runs in. Secrets come from Kubernetes (secretKeyRef) and
// are never in the file; a plain value whose name looks like a secret's is redacted where the plan shows it.
import { mergeEnvVars } from '../spec/resolve.js';
import type { EnvVar } from '../spec/types.js';
import { isSensitiveKey, REDACTED } from './redact.js';

/** The container of the JobManager and TaskManager pods that runs Flink (fixed by Flink). */
export const MAIN_CONTAINER = 'flink-main-container';

type K8sEnvVar = { name: string; value?: string; valueFrom?: EnvVar['valueFrom'] };
type Container = { name?: string; env?: K8sEnvVar[] } & Record<string, unknown>;

export interface PodTemplates {
  /** What is deployed. */
  real: Record<string, unknown>;
  /** What a plan shows. */
  shown: Record<string, unknown>;
  /** Plain values of secret-looking names, to mask in logs. */
  secrets: string[];
}

function k8sEnv(v: EnvVar, redact: boolean): K8sEnvVar {
  if (v.valueFrom) return { name: v.name, valueFrom: v.valueFrom };
  const value = String(v.value ?? '');
  return { name: v.name, value: redact && value && isSensitiveKey(v.name) ? REDACTED : value };
}

function withEnv(template: Record<string, unknown>, env: EnvVar[], redact: boolean): Record<string, unknown> {
  const pod = structuredClone(template) as { spec?: { containers?: Container[] } } & Record<string, unknown>;
  if (env.length === 0) return pod;
  pod.spec = { ...pod.spec, containers: [...(pod.spec?.containers ?? [])] };
  const containers = pod.spec.containers!;
  let main = containers.findIndex((c) => c.name === MAIN_CONTAINER);
  if (main < 0) main = containers.push({ name: MAIN_CONTAINER }) - 1;
  const container = containers[main]!;
  const ours = env.map((v) => k8sEnv(v, redact));
  containers[main] = { ...container, env: mergeEnvVars(container.env, ours) };
  return pod;
}

/** The pod template as deployed and as shown; undefined when the spec has neither podTemplate nor env. */
export function planPodTemplate(
  template: Record<string, unknown> | undefined,
  env: EnvVar[],
): PodTemplates | undefined {
  if (!template && env.length === 0) return undefined;
  const base = { apiVersion: 'v1', kind: 'Pod', ...template };
  const secrets = env
    .filter((v) => !v.valueFrom && isSensitiveKey(v.name) && String(v.value ?? '') !== '')
    .map((v) => String(v.value));
  return { real: withEnv(base, env, false), shown: withEnv(base, env, true), secrets };
}
