// The env verbs' inputs, checked once and turned into one typed settings object: flags and inputs,
// the spec's environment, and the files they name. Everything that can be wrong is found here, before
// any cluster, container or download is touched.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { locateSpecField } from '../build/locate.js';
import { originOf, optionLabel, type Origin } from '../options/options.js';
import { resolveNamedEnvironment } from '../plan/plan.js';
import { loadSpec } from '../spec/load.js';
import type { LoadedSpec, ResolvedEnvironment } from '../spec/types.js';
import { InputError, type InputIssue } from '../util/errors.js';
import { DURATION_HINT, parseDuration } from '../util/quantity.js';
import { DEFAULT_LOG_TOPIC, DEFAULT_MATCH, FLUENT_BIT_IMAGE, type FluentBitSettings } from './fluentBit.js';
import { KIND_NODE_IMAGE, REGISTRY_PORT, type KindSettings } from './kindConfig.js';
import { bootstrapAddress, isUrl } from './strimzi.js';

export const CLUSTER_MODES = ['kind', 'existing'] as const;
export type ClusterMode = (typeof CLUSTER_MODES)[number];
export const DEFAULT_KAFKA_CLUSTER = 'my-cluster';
export const DEFAULT_KAFKA_NAMESPACE = 'kafka';
export const DEFAULT_FLUENT_BIT_NAMESPACE = 'logging';

/** The options every env verb takes (see ENV_OPTIONS in src/verbs/env.ts). */
export interface EnvOptionValues {
  config: string;
  env: string;
  cluster?: string;
  kubeconfig?: string;
  'strimzi-manifests': string;
  timeout: string;
  keep: boolean;
  diagnostics: string;
}

export interface KindPlan {
  /** The kind cluster's name. */
  name: string;
  /** Where Flinkship keeps its files for this cluster: the config, the certs.d tree. */
  workDir: string;
  configFile: string;
  settings: KindSettings;
}

export interface EnvSettings {
  loaded: LoadedSpec;
  env: ResolvedEnvironment;
  mode: ClusterMode;
  /** existing: the kubeconfig to use (undefined: KUBECONFIG or ~/.kube/config); kind: where it is written. */
  kubeconfig?: string;
  context?: string;
  kind?: KindPlan;
  strimzi: {
    source: string;
    namespace: string;
    cluster: string;
    topics: string[];
    /** The Kafka's spec.kafka.image when the spec names a mirror; the smoke test's console consumer runs it. */
    kafkaImage?: string;
  };
  fluentBit: FluentBitSettings;
  timeoutMs: number;
  keep: boolean;
  diagnosticsDir: string;
  origin: Origin;
  /** Which field each problem would be reported at; for later located errors (e.g. a bad kind config). */
  field: (p: string[]) => Omit<InputIssue, 'message'>;
}

export function kindWorkDir(name: string): string {
  return path.join(process.env.RUNNER_TEMP || tmpdir(), `flinkship-kind-${name}`);
}

export function kindClusterName(jobName: string): string {
  return `flinkship-${jobName}`.slice(0, 40).replace(/-+$/, '');
}

export function resolveEnvSettings(options: EnvOptionValues): EnvSettings {
  const origin = originOf(options);
  const flagFile = origin === 'flags' ? '<flags>' : '<inputs>';
  const flag = (name: string, message: string): InputIssue => ({
    file: flagFile,
    field: optionLabel(name, origin),
    message,
  });
  const issues: InputIssue[] = [];

  const timeoutMs = parseDuration(options.timeout);
  if (timeoutMs === undefined || timeoutMs <= 0) {
    issues.push(flag('timeout', `found "${options.timeout}"; expected ${DURATION_HINT}`));
  }
  if (options.cluster !== undefined && !(CLUSTER_MODES as readonly string[]).includes(options.cluster)) {
    issues.push(flag('cluster', `found "${options.cluster}"; valid: kind or existing`));
  }
  const source = options['strimzi-manifests'];
  if (!isUrl(source) && !existsSync(source)) {
    issues.push(
      flag(
        'strimzi-manifests',
        `no such file or directory: ${source}; give the Strimzi release's install directory, its YAML file, or an https:// URL`,
      ),
    );
  }
  if (issues.length > 0) throw new InputError(issues);

  const loaded = loadSpec(options.config);
  const env = resolveNamedEnvironment(loaded, options.env);
  const field = (p: string[]): Omit<InputIssue, 'message'> => {
    const f = locateSpecField(loaded, env.name, p);
    return { file: loaded.file, ...f.at, field: f.name };
  };

  let mode: ClusterMode;
  if (options.cluster !== undefined) mode = options.cluster as ClusterMode;
  else if (env.cluster === undefined) mode = 'kind';
  else if ((CLUSTER_MODES as readonly string[]).includes(env.cluster)) mode = env.cluster as ClusterMode;
  else {
    throw new InputError([
      {
        ...field(['cluster']),
        message: `found "${env.cluster}"; an integration environment runs on kind or existing (or give ${optionLabel('cluster', origin)})`,
      },
    ]);
  }

  let kind: KindPlan | undefined;
  if (mode === 'kind') {
    const spec = env.kind ?? {};
    let userConfig: KindSettings['userConfig'];
    if (spec.config !== undefined) {
      const file = path.resolve(loaded.dir, spec.config);
      if (!existsSync(file) || !statSync(file).isFile()) {
        throw new InputError([
          {
            ...field(['kind', 'config']),
            message: `no such file: ${file}; expected your kind config file, relative to ${loaded.file}`,
          },
        ]);
      }
      userConfig = { file, text: readFileSync(file, 'utf8') };
    }
    const name = kindClusterName(loaded.spec.name);
    const workDir = kindWorkDir(name);
    kind = {
      name,
      workDir,
      configFile: path.join(workDir, 'kind-config.yaml'),
      settings: {
        name,
        nodeImage: spec.nodeImage ?? KIND_NODE_IMAGE,
        workers: spec.workers ?? 0,
        extraPortMappings: spec.extraPortMappings ?? [],
        loadImages: spec.loadImages ?? [],
        ...(userConfig ? { userConfig } : {}),
        ...(spec.registry === false
          ? {}
          : {
              registry: {
                port: spec.registryPort ?? REGISTRY_PORT,
                certsDir: path.join(workDir, 'certs.d'),
                ...(spec.registryImage ? { image: spec.registryImage } : {}),
              },
            }),
      },
    };
  }

  const kafkaNamespace = env.kafka?.namespace ?? DEFAULT_KAFKA_NAMESPACE;
  const kafkaCluster = env.kafka?.cluster ?? DEFAULT_KAFKA_CLUSTER;
  return {
    loaded,
    env,
    mode,
    kubeconfig: options.kubeconfig ?? (kind ? path.join(kind.workDir, 'kubeconfig') : undefined),
    context: mode === 'existing' ? env.context : undefined,
    kind,
    strimzi: {
      source,
      namespace: kafkaNamespace,
      cluster: kafkaCluster,
      topics: env.kafka?.topics ?? [],
      ...(env.kafka?.image ? { kafkaImage: env.kafka.image } : {}),
    },
    fluentBit: {
      namespace: env.fluentBit?.namespace ?? DEFAULT_FLUENT_BIT_NAMESPACE,
      match: env.fluentBit?.match ?? DEFAULT_MATCH,
      topic: env.fluentBit?.topic ?? DEFAULT_LOG_TOPIC,
      brokers: bootstrapAddress(kafkaCluster, kafkaNamespace),
      image: env.fluentBit?.image ?? FLUENT_BIT_IMAGE,
    },
    timeoutMs: timeoutMs!,
    keep: options.keep,
    diagnosticsDir: path.resolve(options.diagnostics),
    origin,
    field,
  };
}
