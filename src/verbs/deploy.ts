// `flinkship deploy --env <name> --image <repository@sha256:...>`: submit the job in native
// application mode with the real Flink client and wait until it runs. This file is the verb's options
// and rendering; the work is the deploy operation (src/operations/deploy.ts), called with a typed request.
import { COMMON_OPTIONS, originOf, type OptionDefs, type OptionsOf } from '../options/options.js';
import { CLIENT_OPTIONS, CLUSTER_OPTIONS } from '../deploy/options.js';
import { renderDeploySummary, renderDeployText, type DeployResult } from '../deploy/render.js';
import { deploy, type DeployRequest } from '../operations/deploy.js';
import { defineVerb } from './verb.js';

export type { DeployResult } from '../deploy/render.js';

export const DEPLOY_OPTIONS = {
  ...COMMON_OPTIONS,
  ...CLUSTER_OPTIONS,
  image: {
    kind: 'string',
    required: true,
    description:
      'The image to deploy, by digest (repository@sha256:...), as the build outputs it; a tag only in integration and preview.',
    valueName: 'ref',
  },
  ...CLIENT_OPTIONS,
  'github-token': {
    kind: 'string',
    only: 'inputs',
    description:
      'A token with deployments: write, to record a GitHub deployment and its status (masked); the action defaults it to github.token.',
  },
} as const satisfies OptionDefs;

export const deployVerb = defineVerb({
  name: 'deploy',
  options: DEPLOY_OPTIONS,
  run: (options, ui): Promise<DeployResult> => deploy(deployRequestOf(options), ui),
  text: (r) => renderDeployText(r),
  json: (r) => ({
    clusterId: r.clusterId,
    namespace: r.namespace,
    image: r.image,
    restUrl: r.restUrl,
    url: r.url ?? null,
    jobId: r.jobId ?? null,
    jobState: r.jobState ?? null,
    record: r.record,
    action: r.action,
    revision: r.revision,
    upgradePath: r.upgradePath,
    restoredFrom: r.restoredFrom ?? null,
    savepoint: r.savepoint ?? null,
    health: r.health ?? null,
    context: r.context,
    environment: r.environment,
    ...(r.githubDeployment ? { githubDeployment: r.githubDeployment } : {}),
  }),
  outputs: (r) => ({
    'cluster-id': r.clusterId,
    namespace: r.namespace,
    image: r.image,
    'rest-url': r.restUrl,
    url: r.url ?? '',
    'job-id': r.jobId ?? '',
    'job-state': r.jobState ?? '',
    revision: String(r.revision),
    'upgrade-path': r.upgradePath,
    'restored-from': r.restoredFrom?.path ?? '',
    savepoint: r.savepoint ?? '',
    health: r.health ? JSON.stringify(r.health) : '',
    record: JSON.stringify(r.record),
  }),
  summary: (r) => renderDeploySummary(r),
});

/** The parsed flags or inputs as the deploy operation takes them. */
export function deployRequestOf(options: OptionsOf<typeof DEPLOY_OPTIONS>): DeployRequest {
  return {
    config: options.config,
    env: options.env,
    image: options.image,
    kubeconfig: options.kubeconfig,
    context: options.context,
    timeout: options.timeout,
    restUrl: options['rest-url'],
    clientImage: options['client-image'],
    flinkHome: options['flink-home'],
    githubToken: options['github-token'],
    origin: originOf(options),
  };
}
