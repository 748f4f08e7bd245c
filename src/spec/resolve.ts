// One environment's view of the spec: its values merged over the top level, `{env}` substituted, defaults
// filled in. Pure: the plan and the validator both build on it.
import type {
  AccountSpec,
  ConfigValue,
  EnvironmentSpec,
  LoadedSpec,
  Overridable,
  ResolvedEnvironment,
  Spec,
  UpgradeMode,
} from './types.js';
import { InputError } from '../util/errors.js';

export const OVERRIDABLE_KEYS = [
  'image',
  'job',
  'flinkConfiguration',
  'jobManager',
  'taskManager',
  'podTemplate',
  'deploy',
  'upgrade',
  'health',
] as const satisfies readonly (keyof Overridable)[];

/** The official image each supported Flink version defaults to. */
const DEFAULT_BASE_IMAGES: Record<string, string> = {
  '1.19': 'flink:1.19.3-scala_2.12-java17',
  '1.20': 'flink:1.20.3-scala_2.12-java17',
  '2.0': 'flink:2.0.1-scala_2.12-java17',
  '2.1': 'flink:2.1.1-scala_2.12-java17',
  '2.2': 'flink:2.2.0-scala_2.12-java17',
  '2.3': 'flink:2.3.0-scala_2.12-java17',
};

export function defaultBaseImage(flinkVersion: string): string {
  return DEFAULT_BASE_IMAGES[flinkVersion] ?? `flink:${flinkVersion}-java17`;
}

/** Flink's own defaults for the process sizes, made explicit so that plans show what will run. */
export const DEFAULT_RESOURCES = {
  jobManager: { cpu: 1, memory: '1600m' },
  taskManager: { cpu: 1, memory: '1728m' },
} as const;

/** Preview environments get one cluster-id per pull request: `<clusterId>-pr-<n>`. */
export const PREVIEW_SUFFIX_RESERVE = '-pr-999999'.length;
export const MAX_CLUSTER_ID_LENGTH = 45;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Objects merge key by key; arrays and scalars from `over` replace those of `base`. */
export function deepMerge<T>(base: T, over: unknown): T {
  if (over === undefined) return base;
  if (!isPlainObject(base) || !isPlainObject(over)) return over as T;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = deepMerge(out[k], v);
  return out as T;
}

export function substituteEnv<T>(value: T, envName: string): T {
  if (typeof value === 'string') return value.replaceAll('{env}', envName) as T;
  if (Array.isArray(value)) return value.map((v) => substituteEnv(v, envName)) as T;
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituteEnv(v, envName)])) as T;
  }
  return value;
}

export function isPreviewEnvironment(envName: string, env: EnvironmentSpec): boolean {
  return envName === 'preview' || env.ttl !== undefined;
}

export function haEnabled(conf: Record<string, ConfigValue>): boolean {
  const type = conf['high-availability.type'] ?? conf['high-availability'];
  return type !== undefined && String(type).toLowerCase() !== 'none' && String(type) !== '';
}

function accountOf(process: AccountSpec | undefined): AccountSpec {
  return {
    ...(process?.serviceAccount !== undefined ? { serviceAccount: process.serviceAccount } : {}),
    ...(process?.serviceAccountAnnotations !== undefined
      ? { serviceAccountAnnotations: process.serviceAccountAnnotations }
      : {}),
  };
}

/** The top level's variables with an environment's over them: same name replaced in place, new ones appended. */
export function mergeEnvVars<T extends { name: string }>(base: T[] | undefined, over: T[] | undefined): T[] {
  const out = [...(Array.isArray(base) ? base : [])];
  for (const v of Array.isArray(over) ? over : []) {
    const at = out.findIndex((b) => b.name === v.name);
    if (at >= 0) out[at] = v;
    else out.push(v);
  }
  return out;
}

export function resolveEnvironment(spec: Spec, envName: string): ResolvedEnvironment {
  const env: EnvironmentSpec = spec.environments?.[envName] ?? {};
  let merged: Overridable = {};
  for (const key of OVERRIDABLE_KEYS) {
    const value = deepMerge(spec[key], env[key]);
    if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
  }
  merged = substituteEnv(merged, envName);

  const upgradeMode: UpgradeMode = env.upgradeMode ?? merged.job?.upgradeMode ?? 'stateless';
  const clusterId = substituteEnv(env.clusterId ?? spec.name, envName);
  const namespace = substituteEnv(env.namespace ?? 'default', envName);
  return {
    name: envName,
    jobName: spec.name,
    flinkVersion: spec.flinkVersion,
    clusterId,
    namespace,
    createNamespace: env.createNamespace ?? false,
    context: env.context,
    cluster: env.cluster,
    serviceAccount: merged.jobManager?.serviceAccount ?? env.serviceAccount ?? `${clusterId}-flink`,
    ownedServiceAccount: env.serviceAccount ?? `${clusterId}-flink`,
    restServiceType: env.restServiceType ?? 'ClusterIP',
    upgradeMode,
    image: {
      ...merged.image,
      base: merged.image?.base ?? defaultBaseImage(spec.flinkVersion),
      repository: merged.image?.repository ?? spec.image.repository,
    },
    job: { ...merged.job, upgradeMode },
    flinkConfiguration: merged.flinkConfiguration ?? {},
    jobManager: {
      resource: { ...DEFAULT_RESOURCES.jobManager, ...merged.jobManager?.resource },
      replicas: merged.jobManager?.replicas ?? 1,
      ...accountOf(merged.jobManager),
    },
    taskManager: {
      resource: { ...DEFAULT_RESOURCES.taskManager, ...merged.taskManager?.resource },
      slots: merged.taskManager?.slots ?? 1,
      ...accountOf(merged.taskManager),
    },
    podTemplate: merged.podTemplate,
    deploy: merged.deploy ?? {},
    env: substituteEnv(mergeEnvVars(spec.env, env.env), envName),
    upgrade: merged.upgrade ?? {},
    health: merged.health ?? {},
    kafka: env.kafka,
    fluentBit: env.fluentBit,
    kind: env.kind,
    ttl: env.ttl,
    promoteFrom: env.promoteFrom,
    promotion: env.promotion ?? {},
    ...(typeof env.url === 'string'
      ? { url: expandUrl(substituteEnv(env.url, envName), clusterId, namespace) }
      : {}),
  };
}

/** The placeholders an environment's `url` may hold besides {env}. */
export const URL_PLACEHOLDERS = ['{env}', '{cluster-id}', '{namespace}'] as const;

/** An environment's url with its {cluster-id} and {namespace} substituted, each URL-encoded. */
export function expandUrl(url: string, clusterId: string, namespace: string): string {
  return url
    .replaceAll('{cluster-id}', encodeURIComponent(clusterId))
    .replaceAll('{namespace}', encodeURIComponent(namespace));
}

/**
 * The jar of a jar job. A SQL job gets an InputError (exit 2, before anything is touched) where `what`
 * needs a jar: validate, plan and diff take SQL jobs; building their image (the SQL runner baked in)
 * does not exist yet.
 */
export function jobJar(loaded: LoadedSpec, env: ResolvedEnvironment, what: string): string {
  if (env.job.jar !== undefined) return env.job.jar;
  const envPath = ['environments', env.name, 'job', 'sql'];
  const at = loaded.has(envPath) ? envPath : ['job', 'sql'];
  throw new InputError([
    {
      file: loaded.file,
      ...loaded.locate(at),
      field: at.join('.'),
      message: `${what} takes a jar job only; a SQL job (job.sql) is built, deployed, upgraded and previewed from its own repository, but ${what} carries the job's jar`,
    },
  ]);
}
