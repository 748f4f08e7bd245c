// The options deploy and delete share: which cluster, how long to wait, where Flink's REST API is.
// Parsed once here into types; below this nothing sees the raw strings.
import { existsSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { optionLabel, type OptionDefs, type Origin } from '../options/options.js';
import { locateSpecField } from '../build/locate.js';
import type { KubeTarget } from '../executors/kube.js';
import { writeTemporaryKubeconfig } from '../executors/kubeconfigFile.js';
import type { RunCleanup } from './cleanup.js';
import type { LoadedSpec, ResolvedEnvironment } from '../spec/types.js';
import { type InputIssue } from '../util/errors.js';
import { DURATION_HINT, parseDuration } from '../util/quantity.js';

/** How the Flink client runs: deploy's, and every verb that deploys through it (env smoke, up, promote, …). */
export const CLIENT_OPTIONS = {
  'client-image': {
    kind: 'string',
    description:
      'The image the Flink client runs from (docker run): a trusted Flink image by digest, or "job" for the job image, whose code then runs with the deployer\'s rights; default: deploy.clientImage, else the official image of the Flink version.',
    valueName: 'ref|job',
  },
  'flink-home': {
    kind: 'string',
    description: 'Run the Flink client from this FLINK_HOME instead of from an image (docker run).',
    valueName: 'dir',
  },
} as const satisfies OptionDefs;

export const CLUSTER_OPTIONS = {
  env: {
    kind: 'string',
    required: true,
    description: 'The environment of the spec to act on.',
    valueName: 'name',
  },
  kubeconfig: {
    kind: 'string',
    description:
      'The kubeconfig file (as an action input, also its content, e.g. from a secret); without it, KUBECONFIG or ~/.kube/config.',
    valueName: 'file',
  },
  context: {
    kind: 'string',
    description: "The kubeconfig context; without it, the environment's context, else the current one.",
    valueName: 'name',
  },
  timeout: {
    kind: 'string',
    default: '5m',
    description: 'The bound of the whole run, every wait included (e.g. 90s, 5m).',
    valueName: 'duration',
  },
  'rest-url': {
    kind: 'string',
    description:
      "Flink's REST API at this URL, instead of through the API server's service proxy (/api/v1/namespaces/<ns>/services/<cluster-id>-rest:rest/proxy).",
    valueName: 'url',
  },
} as const satisfies OptionDefs;

export interface ClusterOptions {
  target: KubeTarget;
  timeoutMs: number;
  restUrl?: string;
}

function issue(origin: Origin, name: string, message: string): InputIssue {
  return { file: origin === 'flags' ? '<flags>' : '<inputs>', field: optionLabel(name, origin), message };
}

/**
 * Checks the cluster options without touching anything; every problem is returned, located. An action
 * input holding kubeconfig content is written to a file in `temporaryDir`, which the caller removes.
 */
export function parseClusterOptions(
  raw: { kubeconfig?: string; context?: string; timeout: string; 'rest-url'?: string },
  origin: Origin,
  loaded: LoadedSpec,
  env: ResolvedEnvironment,
): { options?: ClusterOptions; issues: InputIssue[]; temporaryDir?: string } {
  const issues: InputIssue[] = [];
  const timeoutMs = parseDuration(raw.timeout);
  if (timeoutMs === undefined || timeoutMs <= 0) {
    issues.push(issue(origin, 'timeout', `found "${raw.timeout}"; expected ${DURATION_HINT}`));
  }
  let restUrl: string | undefined;
  if (raw['rest-url'] !== undefined) {
    try {
      const url = new URL(raw['rest-url']);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
      restUrl = raw['rest-url'].replace(/\/$/, '');
    } catch {
      issues.push(
        issue(
          origin,
          'rest-url',
          `found "${raw['rest-url']}"; expected an http(s) URL such as http://127.0.0.1:8081`,
        ),
      );
    }
  }
  let kubeconfig = raw.kubeconfig;
  let temporaryDir: string | undefined;
  if (kubeconfig !== undefined && origin === 'inputs' && isKubeconfigContent(kubeconfig)) {
    // Credentials are masked when the kubeconfig is loaded (Kube.load).
    kubeconfig = writeTemporaryKubeconfig(kubeconfig);
    temporaryDir = path.dirname(kubeconfig);
  }
  if (kubeconfig !== undefined && (!existsSync(kubeconfig) || !statSync(kubeconfig).isFile())) {
    issues.push(
      issue(
        origin,
        'kubeconfig',
        // An input may hold the content itself (from a secret): never echo it.
        origin === 'inputs'
          ? 'is neither an existing file nor kubeconfig content (the value is not shown: it may hold credentials); give the path of a kubeconfig file, or its content as YAML over several lines or as JSON'
          : `no such file: ${kubeconfig}; expected the path of a kubeconfig file`,
      ),
    );
  }
  // The context comes from the flag, else from the spec (whose line is then the place to fix).
  const contextFromSpec = raw.context === undefined && env.context !== undefined;
  const specContext = locateSpecField(loaded, env.name, ['context']);
  const target: KubeTarget = {
    ...(kubeconfig !== undefined ? { kubeconfig } : {}),
    ...((raw.context ?? env.context) !== undefined ? { context: raw.context ?? env.context } : {}),
    labels: {
      kubeconfig: issueLabel(issue(origin, 'kubeconfig', '')),
      context: contextFromSpec
        ? { file: loaded.file, field: specContext.name, ...specContext.at }
        : issueLabel(issue(origin, 'context', '')),
    },
  };
  const temporary = temporaryDir ? { temporaryDir } : {};
  if (issues.length) return { issues, ...temporary };
  return {
    options: { target, timeoutMs: timeoutMs!, ...(restUrl ? { restUrl } : {}) },
    issues,
    ...temporary,
  };
}

/** An action input holding a kubeconfig itself (YAML or JSON), as a secret would, rather than a path. */
export function isKubeconfigContent(value: string): boolean {
  if (value.trimStart().startsWith('{')) return true;
  return value.includes('\n') && /^\s*(apiVersion\s*:|clusters\s*:|kind\s*:)/m.test(value);
}

function issueLabel(i: InputIssue): Omit<InputIssue, 'message'> {
  const { message: _m, ...rest } = i;
  return rest;
}

/** Parses the cluster options, and has the run's cleanup remove a kubeconfig written from an input. */
export function parseClusterOptionsFor(
  cleanup: RunCleanup,
  ...args: Parameters<typeof parseClusterOptions>
): ReturnType<typeof parseClusterOptions> {
  const parsed = parseClusterOptions(...args);
  const dir = parsed.temporaryDir;
  if (dir) {
    cleanup.add('remove the kubeconfig written from the kubeconfig input', () =>
      rmSync(dir, { recursive: true, force: true }),
    );
  }
  return parsed;
}
