// `flinkship env up|smoke|down`: the integration environment. up brings up the cluster (kind, or the
// current kubeconfig's), Strimzi with Kafka and its topics, and Fluent Bit; smoke deploys the fixture job
// with the deploy operation and checks its output end to end; down collects diagnostics when asked and
// deletes what up made. The work is in src/integration and src/operations/smoke.ts; this file is the
// verbs' options and rendering.
import { COMMON_OPTIONS, type OptionDefs } from '../options/options.js';
import { CLIENT_OPTIONS } from '../deploy/options.js';
import { envUp, type EnvUpResult } from '../integration/environment.js';
import { envDown, type EnvDownResult } from '../integration/teardown.js';
import type { SmokeResult } from '../integration/smoke.js';
import { resolveEnvSettings } from '../integration/settings.js';
import { STRIMZI_DEFAULT_MANIFESTS } from '../integration/strimzi.js';
import { smoke } from '../operations/smoke.js';
import { defineVerb } from './verb.js';

export const ENV_COMMON_OPTIONS = {
  ...COMMON_OPTIONS,
  env: {
    kind: 'string',
    default: 'integration',
    description: 'The environment of the spec that describes the integration environment.',
    valueName: 'name',
  },
  cluster: {
    kind: 'string',
    description:
      "kind (create a kind cluster) or existing (use the current kubeconfig); default: the environment's cluster, else kind.",
    valueName: 'kind|existing',
  },
  kubeconfig: {
    kind: 'string',
    description:
      "existing: the kubeconfig to use (default KUBECONFIG or ~/.kube/config); kind: where to write the cluster's.",
    valueName: 'path',
  },
  timeout: {
    kind: 'string',
    default: '10m',
    description: 'The bound of the whole run, every wait included (e.g. 90s, 10m).',
    valueName: 'duration',
  },
  keep: {
    kind: 'boolean',
    default: false,
    description:
      'Leave the cluster (or, on an existing cluster, the objects) in place when the run ends or fails.',
  },
  diagnostics: {
    kind: 'string',
    default: 'flinkship-diagnostics',
    description: 'The directory diagnostics are written to when a run fails (upload it as an artifact).',
    valueName: 'dir',
  },
  'strimzi-manifests': {
    kind: 'string',
    default: STRIMZI_DEFAULT_MANIFESTS,
    description:
      "The Strimzi 1.2.0 cluster operator's install manifests: a directory, a YAML file, or an https:// URL of the release file (its sha256 must match the pinned one).",
    valueName: 'dir|url',
  },
} as const satisfies OptionDefs;

export const ENV_UP_OPTIONS = ENV_COMMON_OPTIONS;

export const SMOKE_OPTIONS = {
  ...ENV_COMMON_OPTIONS,
  image: {
    kind: 'string',
    description:
      'The job image to deploy and to run the log producer from (by digest); not needed with smoke-command.',
    valueName: 'ref',
  },
  expected: {
    kind: 'string',
    description:
      'The file of expected records of the output topic, one JSON per line (default: producer/expected-clean.jsonl beside the spec).',
    valueName: 'file',
  },
  'smoke-command': {
    kind: 'string',
    description: 'Run this shell command as the smoke test instead of the fixture check (KUBECONFIG is set).',
    valueName: 'command',
  },
  // How the fixture's deploy runs the Flink client, as `flinkship deploy` takes them.
  ...CLIENT_OPTIONS,
} as const satisfies OptionDefs;

/** The smoke request's Flink client, from the verb's options. */
export function clientOf(options: { 'client-image'?: string; 'flink-home'?: string }): {
  clientImage?: string;
  flinkHome?: string;
} {
  return {
    ...(options['client-image'] !== undefined ? { clientImage: options['client-image'] } : {}),
    ...(options['flink-home'] !== undefined ? { flinkHome: options['flink-home'] } : {}),
  };
}

export const ENV_DOWN_OPTIONS = {
  ...ENV_COMMON_OPTIONS,
  diagnose: {
    kind: 'boolean',
    default: false,
    description: 'Collect diagnostics before deleting.',
  },
} as const satisfies OptionDefs;

function renderUpText(r: EnvUpResult): string {
  return [
    `integration environment ${r.env} is up on ${r.cluster === 'kind' ? `kind cluster ${r.kindCluster}` : `context ${r.context}`} (${r.server})`,
    ...(r.kubeconfig ? [`kubeconfig: ${r.kubeconfig}`] : []),
    ...(r.registry ? [`registry: ${r.registry}`] : []),
    `kafka: ${r.kafka.bootstrap} (topics: ${r.kafka.topics.join(', ') || 'none'})`,
    `fluent-bit: ${r.fluentBit.namespace}, ${r.fluentBit.match} → ${r.fluentBit.topic}`,
    `time: ${r.totalSeconds.toFixed(1)} s (${r.timings.map((t) => `${t.step} ${t.seconds.toFixed(1)} s`).join(', ')})`,
    '',
  ].join('\n');
}

function upOutputs(r: EnvUpResult): Record<string, string> {
  return {
    kubeconfig: r.kubeconfig ?? '',
    context: r.context,
    'kind-cluster': r.kindCluster ?? '',
    registry: r.registry ?? '',
    'kafka-bootstrap': r.kafka.bootstrap,
    timings: JSON.stringify(r.timings),
  };
}

export const envUpVerb = defineVerb({
  name: 'env up',
  options: ENV_UP_OPTIONS,
  async run(options, ui): Promise<EnvUpResult> {
    return envUp(resolveEnvSettings(options), ui);
  },
  text: renderUpText,
  json: (r) => r,
  outputs: upOutputs,
  summary: () => '', // envUp writes its own summary (also when it fails)
});

export const envSmokeVerb = defineVerb({
  name: 'env smoke',
  options: SMOKE_OPTIONS,
  run: (options, ui): Promise<SmokeResult> =>
    smoke(
      {
        settings: resolveEnvSettings(options),
        ...(options.image !== undefined ? { image: options.image } : {}),
        ...(options.expected !== undefined ? { expected: options.expected } : {}),
        ...(options['smoke-command'] !== undefined ? { smokeCommand: options['smoke-command'] } : {}),
        ...clientOf(options),
      },
      ui,
    ),
  text: (r) =>
    r.mode === 'command'
      ? `smoke command passed: ${r.command}\n`
      : `smoke test passed: ${r.records} records as expected (${r.attempts} attempts)\n`,
  json: (r) => r,
  outputs: (r) => ({ smoke: r.mode === 'command' ? 'command' : `${r.records} records` }),
  summary: (r) =>
    r.mode === 'command'
      ? `Smoke command passed: \`${r.command}\`\n`
      : `Smoke test passed: ${r.records} records of the output topic, as expected.\n`,
});

export const envDownVerb = defineVerb({
  name: 'env down',
  options: ENV_DOWN_OPTIONS,
  async run(options, ui): Promise<EnvDownResult> {
    const s = resolveEnvSettings(options);
    return envDown(s, { diagnose: options.diagnose }, ui);
  },
  text: (r) =>
    r.kept
      ? `kept the integration environment ${r.env}\n`
      : `deleted: ${r.deleted.join(', ') || 'nothing was left'}\n`,
  json: (r) => r,
  outputs: (r) => ({ diagnostics: r.diagnostics?.dir ?? '' }),
  summary: (r) => (r.kept ? '' : `Deleted: ${r.deleted.join(', ') || 'nothing was left'}\n`),
});
