// The plan: a pure function from (spec, environment, image reference) to everything that would be done.
// No I/O: `flinkship plan` prints it, the verbs carry it out, and tests pin it as golden files.
import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import { resolveEnvironment } from '../spec/resolve.js';
import type { LoadedSpec, ResolvedEnvironment, UpgradeMode } from '../spec/types.js';
import { InputError } from '../util/errors.js';
import { IMAGE_REF_HINT, parseImageRef } from '../util/imageRef.js';
import { didYouMean } from '../util/suggest.js';
import { effectiveConfiguration, isFlink2, renderConfigFile, type ConfigFile } from './flinkConfig.js';
import { planImage, SQL_RUNNER_CLASS, type ImagePlan } from './image.js';
import { maskSqlValues, statementLine, type SqlKind } from '../spec/sql.js';
import { accountConfiguration, planKubernetesObjects, type KubeObject } from './kubernetes.js';
import { planPodTemplate } from './podTemplate.js';
import { isSensitiveKey, REDACTED, redactConfiguration } from './redact.js';
import { releasePolicy } from '../release/policy.js';

/** Where the Flink client finds the files the plan generates (mounted there when it runs in a container). */
export const DEFAULT_CLIENT_WORK_DIR = '/flinkship';

export interface PlanOptions {
  /** The image to deploy; by digest for anything that runs. Absent: the digest the build will produce. */
  image?: string;
  clientWorkDir?: string;
}

export interface Plan {
  /** Bumped when the JSON shape changes incompatibly. */
  planVersion: 1;
  job: string;
  environment: string;
  flinkVersion: string;
  clusterId: string;
  namespace: string;
  context?: string;
  upgradeMode: UpgradeMode;
  image: {
    /** What kubernetes.container.image.ref is set to. */
    ref: string;
    /** False until a build or --image gives the digest. */
    resolved: boolean;
    byDigest: boolean;
    repository: string;
  };
  build: Pick<ImagePlan, 'base' | 'from' | 'pinned' | 'dockerfile' | 'context' | 'jarPath' | 'sqlPath'>;
  /** A SQL job: its script and statements, as validate split them (diff compares them). */
  sql?: {
    script: string;
    digest: string;
    /** Each statement on one line, secret values as ******; `hash` is of the statement as written. */
    statements: { kind: SqlKind; line: number; text: string; hash: string }[];
  };
  /** Sensitive values (Flink's GlobalConfiguration.isSensitive) show as ******, here and in client.argv. */
  flinkConfiguration: { entries: Record<string, string>; file: ConfigFile };
  /** Plain env values of secret-looking names show as ******. */
  podTemplate?: { path: string; content: string };
  kubernetes: KubeObject[];
  client: { argv: string[]; workDir: string };
  /** How a change is rolled out (docs/RELEASES.md): the upgrade settings and the health gate. */
  release: {
    upgrade: {
      savepointTimeout: string;
      savepointFormat: 'CANONICAL' | 'NATIVE';
      fallback: 'none' | 'last-state';
      claimMode: 'CLAIM' | 'NO_CLAIM';
      allowNonRestoredState: boolean;
      maxCheckpointAge?: string;
      historyLimit: number;
    };
    health: { checkpoints: number; window: string; maxRestarts: number; timeout: string; rollback: boolean };
  };
  /**
   * sha256 over everything that is deployed except the image, secret values included (so that a changed
   * secret redeploys): a changed hash means a changed deployment.
   */
  configHash: string;
}

/** A plan and what only the Flink client may see: the real values the plan shows as ******. */
export interface Submission {
  plan: Plan;
  /** The client argv with real values. */
  argv: string[];
  /** The pod template file as deployed. */
  podTemplate?: string;
  /** The values the plan hides, to register as secrets before the client runs. */
  secrets: string[];
}

export function environmentNames(loaded: LoadedSpec): string[] {
  return Object.keys(loaded.spec.environments ?? {});
}

/** The environment named by --env, or an InputError listing the ones there are. */
export function resolveNamedEnvironment(loaded: LoadedSpec, envName: string): ResolvedEnvironment {
  const names = environmentNames(loaded);
  if (!names.includes(envName)) {
    throw new InputError([
      {
        file: '<flags>',
        field: '--env',
        message: `found "${envName}"${didYouMean(envName, names)}; valid: ${names.length ? names.join(', ') : `no environments are defined in ${loaded.file}`}`,
      },
    ]);
  }
  return resolveEnvironment(loaded.spec, envName);
}

export function plan(loaded: LoadedSpec, envName: string, options: PlanOptions = {}): Plan {
  return planSubmission(loaded, envName, options).plan;
}

export function planSubmission(loaded: LoadedSpec, envName: string, options: PlanOptions = {}): Submission {
  const env = resolveNamedEnvironment(loaded, envName);
  const workDir = options.clientWorkDir ?? DEFAULT_CLIENT_WORK_DIR;

  let imageRef = `${env.image.repository}@<digest of the build>`;
  let byDigest = false;
  if (options.image !== undefined) {
    const parsed = parseImageRef(options.image);
    if (!parsed) {
      throw new InputError([
        {
          file: '<flags>',
          field: '--image',
          message: `found "${options.image}"; expected ${IMAGE_REF_HINT}`,
        },
      ]);
    }
    imageRef = options.image;
    byDigest = parsed.digest !== undefined;
  }

  const templates = planPodTemplate(env.podTemplate, env.env);
  const podTemplatePath = templates ? `${workDir}/pod-template.yaml` : undefined;
  const realTemplate = templates ? stringify(templates.real) : undefined;
  const entries = {
    ...effectiveConfiguration(env, imageRef, podTemplatePath),
    ...accountConfiguration(env),
  };
  const shown = redactConfiguration(entries);
  const image = planImage(env, loaded.file);
  const script = env.job.sql !== undefined ? loaded.scripts?.[env.job.sql] : undefined;
  // A SQL job's runner is given the script's SHA-256 too, and runs no other script: an image built
  // from another version of the script fails at its start instead of running under this spec.
  const sqlSha256 = script?.digest.replace(/^sha256:/, '');
  const argv = clientArgv(entries, env, image.jarPath, image.sqlPath, sqlSha256);
  // The configuration hash leaves the script's SHA-256 out: a SQL change is the image's (its script
  // layer), and the release lifecycle compares the script's digest on its own (release/decide.ts).
  const hashedArgv = clientArgv(entries, env, image.jarPath, image.sqlPath);

  const { repository: _r, ...build } = image;
  const p: Plan = {
    planVersion: 1,
    job: env.jobName,
    environment: env.name,
    flinkVersion: env.flinkVersion,
    clusterId: env.clusterId,
    namespace: env.namespace,
    ...(env.context ? { context: env.context } : {}),
    upgradeMode: env.upgradeMode,
    image: {
      ref: imageRef,
      resolved: options.image !== undefined,
      byDigest,
      repository: env.image.repository,
    },
    build,
    flinkConfiguration: { entries: shown.shown, file: renderConfigFile(env.flinkVersion, shown.shown) },
    ...(templates ? { podTemplate: { path: podTemplatePath!, content: stringify(templates.shown) } } : {}),
    kubernetes: planKubernetesObjects(env),
    ...(script
      ? {
          sql: {
            script: env.job.sql!,
            digest: script.digest,
            // Secret values of WITH options and SETs (Flink's rule) never reach a plan, a log or a
            // pull request comment; the hash of the whole statement still tells diff it changed.
            statements: script.statements.map((st) => ({
              kind: st.kind,
              line: st.start.line,
              text: maskSqlValues(statementLine(st), isSensitiveKey, REDACTED),
              hash: createHash('sha256').update(statementLine(st)).digest('hex').slice(0, 16),
            })),
          },
        }
      : {}),
    client: { argv: clientArgv(shown.shown, env, image.jarPath, image.sqlPath, sqlSha256), workDir },
    release: planRelease(env),
    configHash: configHash(entries, realTemplate, hashedArgv),
  };
  const secrets = [...shown.secrets, ...(templates?.secrets ?? [])];
  return { plan: p, argv, ...(realTemplate ? { podTemplate: realTemplate } : {}), secrets };
}

function seconds(ms: number): string {
  return ms % 60_000 === 0 && ms > 0 ? `${ms / 60_000}m` : `${ms / 1000}s`;
}

function planRelease(env: ResolvedEnvironment): Plan['release'] {
  const p = releasePolicy(env);
  return {
    upgrade: {
      savepointTimeout: seconds(p.savepointTimeoutMs),
      savepointFormat: p.savepointFormat,
      fallback: env.upgrade.fallback ?? 'none',
      claimMode: p.claimMode,
      allowNonRestoredState: p.allowNonRestoredState,
      ...(env.upgrade.maxCheckpointAge ? { maxCheckpointAge: env.upgrade.maxCheckpointAge } : {}),
      historyLimit: p.historyLimit,
    },
    health: {
      checkpoints: p.gate.checkpoints,
      window: seconds(p.gate.windowMs),
      maxRestarts: p.gate.maxRestarts,
      timeout: seconds(p.gate.timeoutMs),
      rollback: p.rollback,
    },
  };
}

/**
 * The client action for native application mode. Flink 2.x submits with `run --target
 * kubernetes-application` and has no `run-application` any more. Flink 1.x is the other way round:
 * its `run` looks for a pipeline executor for the target and fails with "No ExecutorFactory found to
 * execute the application" (seen with the real 1.20.3 client), so 1.x needs `run-application`.
 */
export function clientAction(flinkVersion: string): 'run' | 'run-application' {
  return isFlink2(flinkVersion) ? 'run' : 'run-application';
}

export function clientArgv(
  entries: Record<string, string>,
  env: ResolvedEnvironment,
  jarPath: string,
  sqlPath?: string,
  sqlSha256?: string,
): string[] {
  const argv = [clientAction(env.flinkVersion), '--target', 'kubernetes-application'];
  for (const [key, value] of Object.entries(entries)) {
    if (key === 'execution.target') continue;
    argv.push(`-D${key}=${value}`);
  }
  if (sqlPath !== undefined) {
    // A SQL job: Flinkship's SQL runner is the entry point, the script and its SHA-256 its arguments.
    argv.push('-c', SQL_RUNNER_CLASS, `local://${jarPath}`, '--script', sqlPath);
    if (sqlSha256 !== undefined) argv.push('--sha256', sqlSha256);
    return argv;
  }
  if (env.job.entryClass) argv.push('-c', env.job.entryClass);
  argv.push(`local://${jarPath}`, ...(env.job.args ?? []).map(String));
  return argv;
}

function configHash(
  entries: Record<string, string>,
  podTemplate: string | undefined,
  argv: string[],
): string {
  const withoutImage = Object.fromEntries(
    Object.entries(entries).filter(([k]) => k !== 'kubernetes.container.image.ref'),
  );
  const args = argv.filter((a) => !a.startsWith('-Dkubernetes.container.image.ref='));
  const hash = createHash('sha256').update(JSON.stringify({ withoutImage, podTemplate, args })).digest('hex');
  return `sha256:${hash}`;
}
