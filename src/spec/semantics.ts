// Checks beyond what a JSON Schema can say: names Kubernetes and Flink will accept, supported versions,
// quantities that parse, and configuration that only makes sense together. Each check runs on every
// environment's merged view, and points at the line where the offending value was written.
import { prefixConflicts } from './configKeys.js';
import { deployIssues } from './deploySemantics.js';
import { envIssues } from './env.js';
import { pluginProblem } from './flinkDistribution.js';
import { checkKey, flinkOptions, memoryProblem, valueProblem } from './flinkOptions.js';
import type { InputIssue } from '../util/errors.js';
import { parseMemory } from '../util/quantity.js';
import { BASE_IMAGE_HINT, parseImageRef } from '../util/imageRef.js';
import { didYouMean } from '../util/suggest.js';
import { formatPath, type FieldPath, type SpecDocument } from './document.js';
import {
  MAX_CLUSTER_ID_LENGTH,
  PREVIEW_SUFFIX_RESERVE,
  URL_PLACEHOLDERS,
  defaultBaseImage,
  expandUrl,
  haEnabled,
  isPlainObject,
  isPreviewEnvironment,
  resolveEnvironment,
  substituteEnv,
} from './resolve.js';
import { quote } from './strings.js';
import type { EnvironmentSpec, Spec } from './types.js';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export function isDns1123Label(value: string): boolean {
  return value.length <= 63 && DNS1123_LABEL.test(value);
}
const LABEL_HINT =
  "a DNS-1123 label: at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit";

export function semanticIssues(doc: SpecDocument): InputIssue[] {
  const root = doc.value;
  if (!isPlainObject(root)) {
    const p = doc.locate([]);
    return [
      {
        file: doc.file,
        ...p,
        field: '(document)',
        message: `found ${root === null || root === undefined ? 'an empty document' : 'a ' + typeof root}; expected a mapping with name, flinkVersion, image and job`,
      },
    ];
  }
  const issues = new Map<string, InputIssue & { envs: string[] }>();
  const report = (path: FieldPath, message: string, env?: string, atKey = false) => {
    const field = formatPath(path);
    const key = `${field}\u0000${message}`;
    const existing = issues.get(key);
    if (existing) {
      if (env && !existing.envs.includes(env)) existing.envs.push(env);
      return;
    }
    const p = atKey ? doc.locateKey(path) : doc.locate(path);
    issues.set(key, { file: doc.file, line: p.line, col: p.col, field, message, envs: env ? [env] : [] });
  };
  const catalogue = typeof root.flinkVersion === 'string' ? flinkOptions(root.flinkVersion) : undefined;
  /** The first of `paths` the user actually wrote; the last one otherwise. */
  const where = (...paths: FieldPath[]): FieldPath =>
    paths.find((p) => doc.has(p)) ?? paths[paths.length - 1]!;

  // As written, in every scope: the base image, the entry class and the keys and values of Flink's options.
  const scopes: FieldPath[] = [[]];
  const envs = isPlainObject(root.environments) ? root.environments : {};
  for (const name of Object.keys(envs)) scopes.push(['environments', name]);
  for (const scope of scopes) {
    // Checked as written; {env} stands for an environment name, itself valid in any image reference.
    const base = getIn(root, [...scope, 'image', 'base']);
    const baseRef = typeof base === 'string' ? parseImageRef(base.replaceAll('{env}', 'env')) : undefined;
    if (typeof base === 'string' && !baseRef) {
      report([...scope, 'image', 'base'], `found ${quote(base)}; expected ${BASE_IMAGE_HINT}`);
    }
    // An official-style Flink image says its version in the tag (flink:1.20.3-scala_2.12-java17).
    const baseVersion =
      baseRef?.tag && /(^|\/)flink$/.test(baseRef.repository)
        ? /^(\d+\.\d+)(\.|-|$)/.exec(baseRef.tag)?.[1]
        : undefined;
    if (baseVersion && typeof root.flinkVersion === 'string' && baseVersion !== root.flinkVersion) {
      report(
        [...scope, 'image', 'base'],
        `found ${quote(String(base))}, an image of Flink ${baseVersion}, but flinkVersion is ${quote(root.flinkVersion)}; expected a Flink ${String(root.flinkVersion)} image such as ${defaultBaseImage(String(root.flinkVersion))}`,
      );
    }
    // The plugins the official Flink image (Docker Hub's library/flink, the default base) has in
    // /opt/flink/opt; another base image's are known only when it is built (planImage's check).
    const plugins = getIn(root, [...scope, 'image', 'plugins']);
    const pluginBase = typeof base === 'string' ? base : getIn(root, ['image', 'base']);
    const officialBase =
      pluginBase === undefined ||
      (typeof pluginBase === 'string' &&
        /^((docker\.io|index\.docker\.io)\/)?(library\/)?flink$/.test(
          parseImageRef(pluginBase.replaceAll('{env}', 'env'))?.repository ?? '',
        ));
    if (Array.isArray(plugins) && officialBase && typeof root.flinkVersion === 'string') {
      plugins.forEach((name, i) => {
        const problem = typeof name === 'string' ? pluginProblem(name, String(root.flinkVersion)) : undefined;
        if (problem) report([...scope, 'image', 'plugins', i], problem);
      });
    }
    const connectors = getIn(root, [...scope, 'job', 'connectors']);
    if (Array.isArray(connectors) && typeof root.flinkVersion === 'string') {
      connectors.forEach((c, i) => {
        const artifact = isPlainObject(c) ? c.artifact : undefined;
        const problem =
          typeof artifact === 'string' ? connectorProblem(artifact, String(root.flinkVersion)) : undefined;
        if (problem) report([...scope, 'job', 'connectors', i, 'artifact'], problem);
      });
    }
    const entryClass = getIn(root, [...scope, 'job', 'entryClass']);
    if (typeof entryClass === 'string' && /\.class$/.test(entryClass)) {
      report(
        [...scope, 'job', 'entryClass'],
        `found ${quote(entryClass)}; expected the class name without .class, such as ${entryClass.replace(/\.class$/, '')}`,
      );
    }
    const conf = getIn(root, [...scope, 'flinkConfiguration']);
    if (isPlainObject(conf)) {
      for (const key of Object.keys(conf)) {
        // A key that is also a prefix of others is reported as such (prefixConflicts).
        if (!catalogue || Object.keys(conf).some((k) => k.startsWith(`${key}.`))) continue;
        const verdict = checkKey(key, catalogue);
        if (verdict.kind === 'unknown') {
          report([...scope, 'flinkConfiguration', key], verdict.message!, undefined, true);
          continue;
        }
        const problem =
          verdict.option && valueProblem(key, verdict.option, conf[key], catalogue.flinkVersion);
        if (problem) report([...scope, 'flinkConfiguration', key], problem);
      }
    }
  }

  // A job is a jar job or a SQL job at the top level; an environment changes its fields, not its kind.
  const rootJob = isPlainObject(root.job) ? root.job : {};
  const sqlJob = typeof rootJob.sql === 'string';
  for (const name of Object.keys(envs)) {
    const envJob = getIn(root, ['environments', name, 'job']);
    if (!isPlainObject(envJob)) continue;
    const fields = sqlJob
      ? ['jar', 'entryClass', 'args']
      : typeof envJob.sql === 'string'
        ? []
        : ['libs', 'connectors'];
    if (!sqlJob && typeof envJob.sql === 'string') {
      report(
        ['environments', name, 'job', 'sql'],
        'the job is a jar job (job.jar at the top level); an environment cannot make it a SQL job: give job.sql at the top level instead of job.jar',
      );
    }
    for (const field of fields) {
      if (envJob[field] === undefined) continue;
      report(
        ['environments', name, 'job', field],
        sqlJob
          ? `the job is a SQL job (job.sql at the top level), which has no ${field}; remove it`
          : `${field} are the connector jars of a SQL job; a jar job shades its dependencies into its jar, or adds jars to /opt/flink/lib with image.libs`,
      );
    }
  }

  // Per-environment checks on the merged view; only when the parts they read are well-typed.
  const spec = root as unknown as Spec;
  const envNames = Object.keys(envs);
  for (const envName of envNames) {
    const envRaw = envs[envName];
    if (!isPlainObject(envRaw)) continue;
    const env = envRaw as EnvironmentSpec;
    const at = (...rel: (string | number)[]): FieldPath => ['environments', envName, ...rel];
    let resolved;
    try {
      resolved = resolveEnvironment(spec, envName);
    } catch {
      continue; // Shapes the schema already reported.
    }

    if (typeof resolved.namespace === 'string' && !isDns1123Label(resolved.namespace)) {
      report(
        at('namespace'),
        `found ${quote(resolved.namespace)}; expected ${LABEL_HINT}, such as flink-staging`,
      );
    }
    if (typeof resolved.clusterId === 'string') {
      const reserve = isPreviewEnvironment(envName, env) ? PREVIEW_SUFFIX_RESERVE : 0;
      const idPath = env.clusterId !== undefined ? at('clusterId') : ['name'];
      if (!isDns1123Label(resolved.clusterId)) {
        // An invalid name is reported once, at name; a clusterId of the environment's own, here.
        if (env.clusterId !== undefined)
          report(idPath, `cluster-id "${resolved.clusterId}" is not ${LABEL_HINT}`, envName);
      } else if (resolved.clusterId.length + reserve > MAX_CLUSTER_ID_LENGTH) {
        const suffix = reserve
          ? ` plus "-pr-<number>" (${reserve} characters reserved for pull-request previews)`
          : '';
        report(
          idPath,
          `cluster-id "${resolved.clusterId}" is ${resolved.clusterId.length} characters${suffix}; Flink's kubernetes.cluster-id allows at most ${MAX_CLUSTER_ID_LENGTH}: shorten it to ${MAX_CLUSTER_ID_LENGTH - reserve} or fewer`,
          envName,
        );
      }
    }

    const conf = resolved.flinkConfiguration;
    const confPath = (key: string) => where(at('flinkConfiguration', key), ['flinkConfiguration', key]);
    if (catalogue) {
      // Flink's memory model, as the process will get it: the size flinkship sets, this version's defaults.
      for (const [process, role] of [
        ['jobManager', 'jobmanager'],
        ['taskManager', 'taskmanager'],
      ] as const) {
        const bytes = parseMemory(String(resolved[process].resource.memory));
        if (bytes === undefined) continue;
        const problem = memoryProblem(role, bytes, conf, catalogue);
        // At the size where it is written; else at the memory setting that tips it over.
        const memoryKeys = Object.keys(conf)
          .filter((k) => k.startsWith(`${role}.memory.`))
          .flatMap((k): FieldPath[] => [at('flinkConfiguration', k), ['flinkConfiguration', k]]);
        if (problem)
          report(
            where(
              at(process, 'resource', 'memory'),
              [process, 'resource', 'memory'],
              ...memoryKeys,
              at(process),
              [process],
            ),
            `${process} memory ${String(resolved[process].resource.memory)}: ${problem}`,
            envName,
          );
      }
    }
    for (const conflict of prefixConflicts(conf)) {
      report(confPath(conflict.key), conflict.message, envName, true);
    }
    const ha = haEnabled(conf);
    if (ha && conf['high-availability.storageDir'] === undefined) {
      const typeKey =
        conf['high-availability.type'] !== undefined ? 'high-availability.type' : 'high-availability';
      report(
        confPath(typeKey),
        `high availability is on (${typeKey}: ${String(conf[typeKey])}) but high-availability.storageDir is not set; add it, e.g. high-availability.storageDir: s3://bucket/{env}/ha`,
        envName,
      );
    }
    const modePath = where(at('upgradeMode'), at('job', 'upgradeMode'), ['job', 'upgradeMode']);
    if (resolved.upgradeMode === 'last-state') {
      const missing: string[] = [];
      if (!ha) missing.push('high availability (high-availability.type: kubernetes)');
      if (conf['execution.checkpointing.interval'] === undefined)
        missing.push('checkpointing (execution.checkpointing.interval)');
      if (missing.length) {
        report(
          modePath,
          `upgradeMode last-state resumes from HA metadata and checkpoints, but ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not configured; configure ${missing.length > 1 ? 'them' : 'it'} or use savepoint`,
          envName,
        );
      }
    }
    // Flink 1.20 renamed state.savepoints.dir to execution.checkpointing.savepoint-dir (the old name still reads).
    const savepointKey =
      resolved.flinkVersion === '1.19' ? 'state.savepoints.dir' : 'execution.checkpointing.savepoint-dir';
    if (
      resolved.upgradeMode === 'savepoint' &&
      conf['state.savepoints.dir'] === undefined &&
      conf['execution.checkpointing.savepoint-dir'] === undefined
    ) {
      report(
        modePath,
        `upgradeMode savepoint needs somewhere to write savepoints, but ${savepointKey} is not set; add it to flinkConfiguration, e.g. ${savepointKey}: s3://bucket/{env}/savepoints`,
        envName,
      );
    }
    if (resolved.jobManager.replicas > 1 && !ha) {
      report(
        where(at('jobManager', 'replicas'), ['jobManager', 'replicas']),
        `found ${resolved.jobManager.replicas} JobManager replicas; more than 1 needs high availability (high-availability.type: kubernetes)`,
        envName,
      );
    }
    if (env.promoteFrom !== undefined && typeof env.promoteFrom === 'string') {
      if (env.promoteFrom === envName || !envNames.includes(env.promoteFrom)) {
        const others = envNames.filter((n) => n !== envName);
        const valid = others.length
          ? `another environment of this spec: ${others.join(', ')}`
          : 'another environment, but this spec has no other';
        report(
          at('promoteFrom'),
          `found ${quote(env.promoteFrom)}${didYouMean(env.promoteFrom, others)}; expected ${valid}`,
        );
      }
    }
    const mirrors: ['fluentBit' | 'kafka', string][] = [
      ['fluentBit', 'registry.acme.dev/mirror/fluent-bit:4.1.1'],
      ['kafka', 'registry.acme.dev/mirror/strimzi-kafka:1.2.0-kafka-4.3.1'],
    ];
    for (const [field, example] of mirrors) {
      const value: unknown = env[field];
      const image = isPlainObject(value) ? value.image : undefined;
      if (typeof image === 'string' && !parseImageRef(image)) {
        report(
          at(field, 'image'),
          `found ${quote(image)}; expected an image reference such as ${example} (a tag, a digest or both)`,
        );
      }
    }
    const registryImage: unknown = isPlainObject(env.kind) ? env.kind.registryImage : undefined;
    if (typeof registryImage === 'string' && !parseImageRef(registryImage)) {
      report(
        at('kind', 'registryImage'),
        `found ${quote(registryImage)}; expected an image reference such as registry.acme.dev/mirror/registry:2.8.3 (a tag, a digest or both)`,
      );
    }
    const loadImages: unknown = isPlainObject(env.kind) ? env.kind.loadImages : undefined;
    if (Array.isArray(loadImages)) {
      loadImages.forEach((image: unknown, i) => {
        if (typeof image === 'string' && image !== '' && !parseImageRef(image)) {
          report(
            at('kind', 'loadImages', i),
            `found ${quote(image)}; expected an image reference of your local Docker engine such as registry.acme.dev/mirror/fluent-bit:4.1.1`,
          );
        }
      });
    }
    if (typeof env.url === 'string') {
      const unknown = [...env.url.matchAll(/\{[^{}]*\}/g)]
        .map((m) => m[0])
        .filter((p) => !(URL_PLACEHOLDERS as readonly string[]).includes(p));
      let parsed: URL | undefined;
      try {
        parsed = new URL(expandUrl(substituteEnv(env.url, envName), 'cluster-id', 'namespace'));
      } catch {
        parsed = undefined;
      }
      if (unknown.length) {
        report(
          at('url'),
          `found the placeholder ${unknown[0]}${didYouMean(unknown[0]!, [...URL_PLACEHOLDERS])}; expected only ${URL_PLACEHOLDERS.join(', ')}`,
        );
      } else if (!parsed || !/^https?:$/.test(parsed.protocol) || !parsed.hostname) {
        report(
          at('url'),
          `found ${quote(env.url)}; expected an http(s) URL with a host, e.g. https://flink.example.com/{cluster-id}/`,
        );
      }
    }
    if (env.promotion !== undefined && env.promoteFrom === undefined) {
      report(
        at('promotion'),
        `found promotion settings, but ${envName} names no promoteFrom; expected promoteFrom: <the environment it takes verified images from> beside them`,
      );
    }
  }
  return [...finish(issues), ...deployIssues(doc), ...envIssues(doc)];
}

function finish(issues: Map<string, InputIssue & { envs: string[] }>): InputIssue[] {
  return [...issues.values()].map(({ envs, ...issue }) =>
    envs.length > 0 && !issue.field.startsWith(`environments.${envs[0]}`)
      ? {
          ...issue,
          message: `${issue.message} (environment${envs.length > 1 ? 's' : ''} ${envs.join(', ')})`,
        }
      : issue,
  );
}

function getIn(value: unknown, path: FieldPath): unknown {
  let cursor = value;
  for (const seg of path) {
    if (!isPlainObject(cursor) && !Array.isArray(cursor)) return undefined;
    cursor = (cursor as Record<string | number, unknown>)[seg];
  }
  return cursor;
}

/**
 * What a spec does that works but should not, reported and never refused: deprecated Flink keys, and
 * state that a stateful job or high availability keeps on the container's own disk.
 */
export function specWarnings(doc: SpecDocument): InputIssue[] {
  const root = doc.value;
  if (!isPlainObject(root) || typeof root.flinkVersion !== 'string') return [];
  const out: InputIssue[] = [...localStateWarnings(doc)];
  const catalogue = flinkOptions(root.flinkVersion);
  if (!catalogue) return out;
  const envs = isPlainObject(root.environments) ? root.environments : {};
  const scopes: FieldPath[] = [[], ...Object.keys(envs).map((e) => ['environments', e])];
  for (const scope of scopes) {
    const conf = getIn(root, [...scope, 'flinkConfiguration']);
    if (!isPlainObject(conf)) continue;
    for (const key of Object.keys(conf)) {
      const verdict = checkKey(key, catalogue);
      if (verdict.kind !== 'deprecated') continue;
      const path = [...scope, 'flinkConfiguration', key];
      const p = doc.locateKey(path);
      out.push({
        file: doc.file,
        line: p.line,
        col: p.col,
        field: formatPath(path),
        message: verdict.message!,
      });
    }
  }
  return out;
}

/** The state directories a stateful job or high availability needs, and what needs them. */
const STATE_DIRS: { keys: string[]; needs: 'stateful' | 'ha' }[] = [
  { keys: ['execution.checkpointing.dir', 'state.checkpoints.dir'], needs: 'stateful' },
  { keys: ['execution.checkpointing.savepoint-dir', 'state.savepoints.dir'], needs: 'stateful' },
  { keys: ['high-availability.storageDir'], needs: 'ha' },
];

/** The mount paths of every container's volumeMounts in a pod template. */
function mountPaths(podTemplate: unknown): string[] {
  const spec = isPlainObject(podTemplate) ? podTemplate.spec : undefined;
  const containers = isPlainObject(spec) && Array.isArray(spec.containers) ? spec.containers : [];
  return containers.flatMap((c: unknown) =>
    isPlainObject(c) && Array.isArray(c.volumeMounts)
      ? c.volumeMounts.flatMap((m: unknown) =>
          isPlainObject(m) && typeof m.mountPath === 'string' ? [m.mountPath.replace(/\/+$/, '')] : [],
        )
      : [],
  );
}

/**
 * A savepoint, last-state or HA job whose checkpoints, savepoints or HA metadata go to a `file://` path
 * that no volume of its pod template backs: the container's own disk, gone with the pod, and with it the
 * state an upgrade or a failover needs.
 */
function localStateWarnings(doc: SpecDocument): InputIssue[] {
  const root = doc.value as Record<string, unknown>;
  const envs = isPlainObject(root.environments) ? root.environments : {};
  const seen = new Map<string, InputIssue & { envs: string[] }>();
  for (const envName of Object.keys(envs)) {
    let resolved;
    try {
      resolved = resolveEnvironment(root as unknown as Spec, envName);
    } catch {
      continue;
    }
    const conf = resolved.flinkConfiguration;
    const stateful = resolved.upgradeMode === 'savepoint' || resolved.upgradeMode === 'last-state';
    const ha = haEnabled(conf);
    const mounts = mountPaths(resolved.podTemplate);
    for (const { keys, needs } of STATE_DIRS) {
      if ((needs === 'stateful' && !stateful) || (needs === 'ha' && !ha)) continue;
      const key = keys.find((k) => conf[k] !== undefined);
      const value = key === undefined ? undefined : String(conf[key]);
      if (!key || !value || !/^file:/i.test(value)) continue;
      let dir: string;
      try {
        dir = decodeURIComponent(new URL(value).pathname).replace(/\/+$/, '');
      } catch {
        continue;
      }
      if (mounts.some((m) => m === '' || dir === m || dir.startsWith(`${m}/`))) continue;
      const why = needs === 'ha' ? 'high availability' : `upgradeMode ${resolved.upgradeMode}`;
      const path: FieldPath = doc.has(['environments', envName, 'flinkConfiguration', key])
        ? ['environments', envName, 'flinkConfiguration', key]
        : ['flinkConfiguration', key];
      // Said as written ({env} and all), so that one line covers every environment it concerns.
      const written = String(getIn(root, path) ?? value);
      const message = `${key} is ${written}, on the container's own disk: no volume of the pod template is mounted there, so what ${why} keeps there is lost with the pod; mount a volume there (podTemplate) or use durable storage such as s3://`;
      const id = `${formatPath(path)}\u0000${message}`;
      const existing = seen.get(id);
      if (existing) {
        existing.envs.push(envName);
        continue;
      }
      const p = doc.locate(path);
      seen.set(id, {
        file: doc.file,
        line: p.line,
        col: p.col,
        field: formatPath(path),
        message,
        envs: [envName],
      });
    }
  }
  return [...seen.values()].map(({ envs: names, ...issue }) => ({
    ...issue,
    message: `${issue.message} (environment${names.length > 1 ? 's' : ''} ${names.join(', ')})`,
  }));
}

/**
 * An org.apache.flink artifact built for another Flink version than the job's: externalized connectors
 * say theirs after the dash (flink-sql-connector-kafka 3.4.0-1.20), the others are versioned as Flink.
 */
export function connectorProblem(artifact: string, flinkVersion: string): string | undefined {
  const [group, name, version] = artifact.split(':');
  if (group !== 'org.apache.flink' || name === undefined || version === undefined) return undefined;
  const external = /^(\d+\.\d+(?:\.\d+)?)-(\d+\.\d+)$/.exec(version);
  if (external) {
    return external[2] === flinkVersion
      ? undefined
      : `${name} ${version} is built for Flink ${external[2]}, but flinkVersion is "${flinkVersion}"; expected the release of ${name} for Flink ${flinkVersion}, whose version ends in -${flinkVersion}`;
  }
  const core = /^(\d+\.\d+)\.\d+/.exec(version);
  if (core && core[1] !== flinkVersion) {
    return `${name} ${version} is an artifact of Flink ${core[1]}, but flinkVersion is "${flinkVersion}"; expected ${name} ${flinkVersion}.<patch>`;
  }
  return undefined;
}
