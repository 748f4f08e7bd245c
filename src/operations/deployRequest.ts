// The deploy request: what to deploy where, typed, and its check, which contacts nothing outside.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { locateSpecField } from '../build/locate.js';
import { chooseClient, clientImageProblem, type ClientChoice } from '../deploy/clientImage.js';
import type { RunCleanup } from '../deploy/cleanup.js';
import { imageProblem } from '../deploy/decide.js';
import { parseClusterOptionsFor, type ClusterOptions } from '../deploy/options.js';
import { optionLabel, type Origin } from '../options/options.js';
import { plan, resolveNamedEnvironment, type Plan } from '../plan/plan.js';
import { isPreviewEnvironment } from '../spec/resolve.js';
import { loadSpec } from '../spec/load.js';
import { forPullRequest } from '../spec/preview.js';
import type { PromotionRecord } from '../release/history.js';
import type { LoadedSpec, ResolvedEnvironment } from '../spec/types.js';
import { InputError, type InputIssue } from '../util/errors.js';

/**
 * What to deploy where, typed: the deploy verb maps its parsed flags or inputs to it, and other
 * operations (the integration smoke test) build it directly. Its values are checked by `deploy` with
 * the messages the verb's flags and inputs had, so `origin` says which of them to name.
 */
export interface DeployRequest {
  /** The spec file. */
  config: string;
  /** The environment of the spec to deploy. */
  env: string;
  /** The image, by digest (a tag only in integration and preview); none for a rollback. */
  image: string;
  /** Roll back instead of deploying `image`: to this revision, or to the one before the current. */
  rollback?: { toRevision?: number; from?: 'current' | 'rollback-point' };
  kubeconfig?: string;
  context?: string;
  /** The bound of the whole run, as given (e.g. 5m): messages quote it. */
  timeout: string;
  restUrl?: string;
  clientImage?: string;
  flinkHome?: string;
  githubToken?: string;
  /** A pull request's preview: the preview environment's cluster-id gets `-pr-<n>` (spec/preview.ts). */
  pullRequest?: number;
  /** Set by `flinkship promote`: where the image comes from; stored on the revision and in GitHub's record. */
  promotion?: PromotionRecord;
  /** Which entry point the values came from: a message names a flag (--image) or an input (image). */
  origin: Origin;
}

function issue(origin: Origin, name: string, message: string): InputIssue {
  return { file: origin === 'flags' ? '<flags>' : '<inputs>', field: optionLabel(name, origin), message };
}

/** A request whose every value was found valid, with what the checks resolved. */
export interface CheckedDeploy extends ClusterOptions {
  loaded: LoadedSpec;
  env: ResolvedEnvironment;
  client: ClientChoice;
  desired: Plan;
}

/**
 * Checks the spec, the cluster options, the image and the client, and throws every problem at once,
 * located; nothing outside is contacted.
 */
export function checkDeployRequest(request: DeployRequest, cleanup: RunCleanup): CheckedDeploy {
  const { origin } = request;
  const spec = loadSpec(request.config);
  // Checked before the preview narrowing: an unknown environment is named as such.
  resolveNamedEnvironment(spec, request.env);
  const loaded =
    request.pullRequest === undefined
      ? spec
      : forPullRequest(spec, request.env, request.pullRequest, optionLabel('env', origin));
  const env = resolveNamedEnvironment(loaded, request.env);
  const issues: InputIssue[] = [];
  const cluster = parseClusterOptionsFor(
    cleanup,
    {
      timeout: request.timeout,
      ...(request.kubeconfig !== undefined ? { kubeconfig: request.kubeconfig } : {}),
      ...(request.context !== undefined ? { context: request.context } : {}),
      ...(request.restUrl !== undefined ? { 'rest-url': request.restUrl } : {}),
    },
    origin,
    loaded,
    env,
  );
  issues.push(...cluster.issues);
  const tagAllowed =
    env.name === 'integration' ||
    env.cluster !== undefined ||
    isPreviewEnvironment(env.name, loaded.spec.environments?.[env.name] ?? {});
  const badImage = request.rollback ? undefined : imageProblem(request.image, tagAllowed);
  if (badImage) issues.push(issue(origin, 'image', badImage));
  const flinkHome = request.flinkHome;
  if (flinkHome !== undefined && !existsSync(path.join(flinkHome, 'bin', 'flink'))) {
    issues.push(
      issue(
        origin,
        'flink-home',
        `${flinkHome}/bin/flink does not exist; expected a Flink distribution (FLINK_HOME)`,
      ),
    );
  }
  const clientFlag = request.clientImage;
  if (clientFlag !== undefined) {
    const problem =
      flinkHome !== undefined
        ? `found both ${optionLabel('client-image', origin)} and ${optionLabel('flink-home', origin)}; give one: the client runs either from an image or from a FLINK_HOME`
        : clientImageProblem(clientFlag);
    if (problem) issues.push(issue(origin, 'client-image', problem));
  }
  if (issues.length) throw new InputError(issues);
  const specClient = env.deploy.clientImage;
  const client = chooseClient({
    flinkVersion: env.flinkVersion,
    ...(flinkHome !== undefined ? { flinkHome } : {}),
    ...(clientFlag !== undefined
      ? { flag: { value: clientFlag, label: optionLabel('client-image', origin) } }
      : {}),
    ...(specClient !== undefined
      ? {
          spec: {
            value: specClient,
            label: `${loaded.file}: ${locateSpecField(loaded, env.name, ['deploy', 'clientImage']).name}`,
          },
        }
      : {}),
  });
  const desired = plan(loaded, env.name, request.rollback ? {} : { image: request.image });
  return { ...cluster.options!, loaded, env, client, desired };
}
