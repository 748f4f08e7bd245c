// `flinkship rollback --env <name> [--to-revision N]`: back to an earlier revision of the release
// history, as the automatic rollback after a failed health gate does it (release/release.ts).
import { COMMON_OPTIONS, optionLabel, originOf, type OptionDefs } from '../options/options.js';
import { CLUSTER_OPTIONS } from '../deploy/options.js';
import { renderDeploySummary, renderDeployText, type DeployResult } from '../deploy/render.js';
import { deploy } from '../operations/deploy.js';
import { InputError } from '../util/errors.js';
import { defineVerb } from './verb.js';
import { DEPLOY_OPTIONS } from './deploy.js';

export const ROLLBACK_OPTIONS = {
  ...COMMON_OPTIONS,
  ...CLUSTER_OPTIONS,
  'to-revision': {
    kind: 'string',
    description:
      'The revision to go back to (see flinkship history); default: the one deployed before the current.',
    valueName: 'n',
  },
  'restore-from': {
    kind: 'enum',
    values: ['current', 'rollback-point'] as const,
    default: 'current',
    description:
      'Where the rolled-back job takes its state from: current (a savepoint of the running job, taken first: nothing lost or processed twice) or rollback-point (the savepoint taken when the target revision was replaced, as the automatic rollback does).',
  },
  'client-image': DEPLOY_OPTIONS['client-image'],
  'flink-home': DEPLOY_OPTIONS['flink-home'],
  'github-token': DEPLOY_OPTIONS['github-token'],
} as const satisfies OptionDefs;

export const rollbackVerb = defineVerb({
  name: 'rollback',
  options: ROLLBACK_OPTIONS,
  run: (options, ui): Promise<DeployResult> => {
    const origin = originOf(options);
    const raw = options['to-revision'];
    let toRevision: number | undefined;
    if (raw !== undefined) {
      toRevision = Number(raw);
      if (!/^[1-9][0-9]{0,8}$/.test(raw)) {
        throw new InputError([
          {
            file: origin === 'flags' ? '<flags>' : '<inputs>',
            field: optionLabel('to-revision', origin),
            message: `found "${raw}"; expected a revision number such as 3 (flinkship history lists them)`,
          },
        ]);
      }
    }
    return deploy(
      {
        config: options.config,
        env: options.env,
        image: '',
        rollback: { ...(toRevision !== undefined ? { toRevision } : {}), from: options['restore-from'] },
        kubeconfig: options.kubeconfig,
        context: options.context,
        timeout: options.timeout,
        restUrl: options['rest-url'],
        clientImage: options['client-image'],
        flinkHome: options['flink-home'],
        githubToken: options['github-token'],
        origin,
      },
      ui,
    );
  },
  text: (r) => renderDeployText(r),
  json: (r) => ({
    clusterId: r.clusterId,
    namespace: r.namespace,
    image: r.image,
    revision: r.revision,
    jobId: r.jobId ?? null,
    jobState: r.jobState ?? null,
    restoredFrom: r.restoredFrom ?? null,
    health: r.health ?? null,
    action: r.action,
    environment: r.environment,
  }),
  outputs: (r) => ({
    'cluster-id': r.clusterId,
    namespace: r.namespace,
    image: r.image,
    revision: String(r.revision),
    'job-id': r.jobId ?? '',
    'job-state': r.jobState ?? '',
    'restored-from': r.restoredFrom?.path ?? '',
  }),
  summary: (r) => renderDeploySummary(r),
});
