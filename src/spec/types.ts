import type { SqlStatement } from './sql.js';
import type { InputIssue } from '../util/errors.js';
// The shape of flinkship.yaml once it has passed validation (see schema/flinkship.schema.json).

export type UpgradeMode = 'stateless' | 'savepoint' | 'last-state';
export const UPGRADE_MODES: readonly UpgradeMode[] = ['stateless', 'savepoint', 'last-state'];

export type ConfigValue = string | number | boolean;

export interface Resource {
  cpu?: number | string;
  memory?: string;
}

export interface ImageFile {
  source: string;
  target: string;
  env?: string;
}

export interface ImageSpec {
  base?: string;
  baseDigest?: string;
  repository?: string;
  plugins?: string[];
  libs?: string[];
  files?: ImageFile[];
  env?: Record<string, ConfigValue>;
  /** Secrets in the job's namespace the pods pull the image with (kubernetes.container.image.pull-secrets). */
  pullSecrets?: string[];
}

export interface JobSpec {
  /** A jar job: the jar, relative to the spec. One of jar and sql. */
  jar?: string;
  /** A SQL job: the script, relative to the spec, run by Flinkship's SQL runner. One of jar and sql. */
  sql?: string;
  /** A SQL job's connector and format jars, relative to the spec, put into /opt/flink/usrlib. */
  libs?: string[];
  /** A SQL job's connector and format jars from a Maven repository, resolved at build into /opt/flink/usrlib. */
  connectors?: { artifact: string; sha256?: string }[];
  entryClass?: string;
  args?: ConfigValue[];
  parallelism?: number;
  upgradeMode?: UpgradeMode;
}

/** The ServiceAccount a Flink process runs as. */
export interface AccountSpec {
  /** An existing ServiceAccount: Flinkship leaves it untouched, and checks its rights before a deploy. */
  serviceAccount?: string;
  /** Annotations of the ServiceAccount Flinkship creates (IRSA, GKE Workload Identity). */
  serviceAccountAnnotations?: Record<string, string>;
}

/** How deploy runs the Flink client. */
export interface DeploySpec {
  /** A trusted Flink image by digest, or `job` to run the client from the job image. */
  clientImage?: string;
}

/** How a changed stateful job is upgraded (release lifecycle). */
export interface UpgradeSpec {
  /** How long a savepoint may take; default: execution.checkpointing.timeout, else 10m. */
  savepointTimeout?: string;
  /** Savepoint format: CANONICAL (default, portable across state backends) or NATIVE (faster). */
  savepointFormat?: 'CANONICAL' | 'NATIVE';
  /** When a savepoint upgrade finds the job not running: none (refuse, default) or last-state. */
  fallback?: 'none' | 'last-state';
  /** How the new job claims the snapshot it restores from (execution.state-recovery.claim-mode). */
  claimMode?: 'CLAIM' | 'NO_CLAIM';
  /** Restore even when the new job has no operator for some of the savepoint's state. */
  allowNonRestoredState?: boolean;
  /** last-state: refuse when the newest checkpoint is older than this. */
  maxCheckpointAge?: string;
  /** How many revisions the release history keeps (default 10). */
  historyLimit?: number;
}

/** The health gate after every change, and what happens when it fails. */
export interface HealthSpec {
  /** Completed checkpoints needed after the (re)start; default 1 when checkpointing is on, else 0. */
  checkpoints?: number;
  /** Observe the job at least this long (default 30s). */
  window?: string;
  /** Restarts tolerated within the window (default 0). */
  maxRestarts?: number;
  /** Give up after this long (default 5m). */
  timeout?: string;
  /** Roll back automatically when the gate fails (default true). */
  rollback?: boolean;
}

/** An environment variable of the JobManager and TaskManagers: a plain value, or a key of a Kubernetes Secret. */
export interface EnvVar {
  name: string;
  value?: ConfigValue;
  valueFrom?: { secretKeyRef: { name: string; key: string; optional?: boolean } };
}

/** The keys an environment can override, and the top level holds. */
export interface Overridable {
  image?: ImageSpec;
  job?: JobSpec;
  flinkConfiguration?: Record<string, ConfigValue>;
  jobManager?: { resource?: Resource; replicas?: number } & AccountSpec;
  taskManager?: { resource?: Resource; slots?: number } & AccountSpec;
  podTemplate?: Record<string, unknown>;
  deploy?: DeploySpec;
  /** Merged by name (the environment's win), not replaced as other lists are. */
  env?: EnvVar[];
  upgrade?: UpgradeSpec;
  health?: HealthSpec;
}

export interface EnvironmentSpec extends Overridable {
  cluster?: string;
  clusterId?: string;
  namespace?: string;
  createNamespace?: boolean;
  context?: string;
  serviceAccount?: string;
  restServiceType?: 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'Headless_ClusterIP';
  upgradeMode?: UpgradeMode;
  kafka?: KafkaSpec;
  fluentBit?: FluentBitSpec;
  kind?: KindSpec;
  ttl?: string;
  promoteFrom?: string;
  promotion?: PromotionSpec;
  /**
   * Where people reach this environment's job (an Ingress to the Flink UI, a dashboard), with {cluster-id}
   * and {namespace} (and {env}) substituted: the GitHub deployment's environment_url and the preview comment's link.
   */
  url?: string;
}

/** What `flinkship promote` asks of the source revision before it moves it to this environment. */
export interface PromotionSpec {
  /** A duration: how long the source revision must have run since it passed its health gate. */
  soak?: string;
  /** Refuse --force. */
  requireVerified?: boolean;
}

/** Kafka (Strimzi) of the integration environment. */
export interface KafkaSpec {
  cluster?: string;
  namespace?: string;
  topics?: string[];
  /** Strimzi's Kafka image, for a mirror of it (STRIMZI_KAFKA_IMAGE): the Kafka's spec.kafka.image. */
  image?: string;
}

/** Fluent Bit of the integration environment. */
export interface FluentBitSpec {
  match?: string;
  topic?: string;
  namespace?: string;
  /** The Fluent Bit image, for a mirror of the pinned one (FLUENT_BIT_IMAGE). */
  image?: string;
}

/** The kind cluster of an environment with `cluster: kind`. */
export interface KindSpec {
  /** The user's own kind config file, relative to the spec; Flinkship adds the registry wiring to it. */
  config?: string;
  nodeImage?: string;
  workers?: number;
  extraPortMappings?: {
    containerPort: number;
    hostPort: number;
    protocol?: 'TCP' | 'UDP' | 'SCTP';
    listenAddress?: string;
  }[];
  /** A local registry at localhost:<registryPort> that the nodes pull from (default on, port 5001). */
  registry?: boolean;
  registryPort?: number;
  /** The local registry's image, for a mirror of the pinned one (REGISTRY_IMAGE). */
  registryImage?: string;
  /** Local images `kind load docker-image` puts on the nodes once the cluster exists. */
  loadImages?: string[];
}

export interface Spec extends Overridable {
  name: string;
  flinkVersion: string;
  image: ImageSpec & { repository: string };
  job: JobSpec;
  environments?: Record<string, EnvironmentSpec>;
}

/** A spec loaded from a file: the parsed value plus where it came from, for paths and error locations. */
export interface LoadedSpec {
  spec: Spec;
  /** The file as the user named it, for messages. */
  file: string;
  /** The directory relative paths in the spec (jar, libs, files) are resolved against. */
  dir: string;
  /** Source positions of every node, by field path. */
  /** Where `path` was written, or its closest written ancestor. */
  locate: (path: readonly (string | number)[]) => { line: number; col: number } | undefined;
  /** What works but should not (deprecated Flink keys), located; never a reason to refuse the spec. */
  warnings?: InputIssue[];
  /** Whether `path` itself was written. */
  has: (path: readonly (string | number)[]) => boolean;
  /** The SQL scripts the spec names (job.sql, per environment), read and split, by the path as written. */
  scripts?: Record<string, SqlScript>;
}

/** A SQL job's script as validate read it. */
export interface SqlScript {
  /** The file as messages name it. */
  file: string;
  digest: string;
  statements: SqlStatement[];
}

/** One environment's view of the spec: its values merged over the top level, `{env}` substituted. */
export interface ResolvedEnvironment {
  name: string;
  jobName: string;
  flinkVersion: string;
  clusterId: string;
  namespace: string;
  createNamespace: boolean;
  context?: string;
  cluster?: string;
  /** The JobManager's ServiceAccount: jobManager.serviceAccount (existing), else the one Flinkship owns. */
  serviceAccount: string;
  /** The name of the JobManager's ServiceAccount when Flinkship owns it (environments.<env>.serviceAccount). */
  ownedServiceAccount: string;
  restServiceType: 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'Headless_ClusterIP';
  upgradeMode: UpgradeMode;
  image: ImageSpec & { base: string; repository: string };
  job: JobSpec & { upgradeMode: UpgradeMode };
  flinkConfiguration: Record<string, ConfigValue>;
  jobManager: { resource: Resource; replicas: number } & AccountSpec;
  taskManager: { resource: Resource; slots: number } & AccountSpec;
  podTemplate?: Record<string, unknown>;
  deploy: DeploySpec;
  env: EnvVar[];
  upgrade: UpgradeSpec;
  health: HealthSpec;
  kafka?: KafkaSpec;
  fluentBit?: FluentBitSpec;
  kind?: KindSpec;
  ttl?: string;
  promoteFrom?: string;
  promotion: PromotionSpec;
  /** The environment's link for people, its placeholders substituted (see EnvironmentSpec.url). */
  url?: string;
}
