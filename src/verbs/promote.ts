// `flinkship promote --from staging --to production`: the digest the source environment verified is
// copied to the destination's repository (registry to registry, by digest) and deployed there with the
// release lifecycle. This file is the verb's options and rendering; the work is src/operations/promote.ts.
import { PASSWORD_ENV } from '../build/credentials.js';
import { CLUSTER_OPTIONS } from '../deploy/options.js';
import { renderDeploySummary } from '../deploy/render.js';
import { COMMON_OPTIONS, originOf, type OptionDefs } from '../options/options.js';
import { promote, SOURCE_PASSWORD_ENV, type PromoteResult } from '../operations/promote.js';
import { formatBytes } from '../promote/copy.js';
import { DEPLOY_OPTIONS } from './deploy.js';
import { defineVerb } from './verb.js';

const { env: _env, ...CLUSTER } = CLUSTER_OPTIONS;

export const PROMOTE_OPTIONS = {
  ...COMMON_OPTIONS,
  from: {
    kind: 'string',
    description: "The source environment; default: the destination's promoteFrom, which it must name.",
    valueName: 'name',
  },
  to: {
    kind: 'string',
    required: true,
    description: 'The destination environment: it names the source in promoteFrom.',
    valueName: 'name',
  },
  image: {
    kind: 'string',
    description:
      "The image to promote, repository@sha256:..., instead of the source's current revision; the source must have run it (deployed and verified).",
    valueName: 'ref',
  },
  ...CLUSTER,
  kubeconfig: {
    ...CLUSTER.kubeconfig,
    description: `${CLUSTER.kubeconfig.description} For the destination, and the source unless source-kubeconfig is given.`,
  },
  context: {
    ...CLUSTER.context,
    description: "The destination's kubeconfig context; without it, the destination environment's context.",
  },
  'source-kubeconfig': {
    kind: 'string',
    description:
      "The source cluster's kubeconfig file (or, as an action input, its content); default: kubeconfig.",
    valueName: 'file',
  },
  'source-context': {
    kind: 'string',
    description: "The source's kubeconfig context; without it, the source environment's context.",
    valueName: 'name',
  },
  force: {
    kind: 'boolean',
    default: false,
    description:
      'Promote although the source revision is not verified or soaked: loud in the log and in the promotion record; refused when the destination sets promotion.requireVerified.',
  },
  reason: {
    kind: 'string',
    description: 'Why: one line, kept in the promotion record and the job summary.',
    valueName: 'text',
  },
  'dry-run': {
    kind: 'boolean',
    default: false,
    description:
      'Print what would move (blobs to mount, upload or already there, bytes) and what the deploy would do; write nothing.',
  },
  'registry-username': {
    kind: 'string',
    description: "The destination registry's user; without it, the Docker config file is used.",
    valueName: 'user',
  },
  'registry-password': {
    kind: 'string',
    only: 'inputs',
    description: "The destination registry's password or token (masked).",
  },
  'registry-password-stdin': {
    kind: 'boolean',
    only: 'flags',
    default: false,
    description: `Read the destination registry's password from stdin (otherwise from ${PASSWORD_ENV}).`,
  },
  'source-registry-username': {
    kind: 'string',
    description: `The source registry's user (its password from ${SOURCE_PASSWORD_ENV}, or the source-registry-password input); without it, the destination's login on the same registry, else the Docker config file.`,
    valueName: 'user',
  },
  'source-registry-password': {
    kind: 'string',
    only: 'inputs',
    description: "The source registry's password or token (masked).",
  },
  'client-image': DEPLOY_OPTIONS['client-image'],
  'flink-home': DEPLOY_OPTIONS['flink-home'],
  'github-token': DEPLOY_OPTIONS['github-token'],
} as const satisfies OptionDefs;

function copyLine(r: PromoteResult): string {
  const c = r.copy;
  const n = (a: string) => c.blobs.filter((b) => b.action === a).length;
  const would = r.dryRun ? 'would be ' : '';
  return `${c.manifests.length} manifest(s), ${c.blobs.length} blob(s): ${n('present')} already there, ${n('mounted')} ${would}mounted (${formatBytes(c.bytes.mounted)}), ${n('uploaded')} ${would}uploaded (${formatBytes(c.bytes.uploaded)})`;
}

function outcome(r: PromoteResult): string {
  if (r.dryRun) return 'dry run: nothing was written';
  if (r.unchanged) return `${r.to} already ran this digest with this configuration: nothing changed`;
  return `${r.to} revision ${r.deploy!.revision} (${r.deploy!.upgradePath}), ${r.deploy!.jobState ?? 'deployed'}`;
}

export const promoteVerb = defineVerb({
  name: 'promote',
  options: PROMOTE_OPTIONS,
  run: (options, ui): Promise<PromoteResult> => {
    const sourceUser = options['source-registry-username'];
    const sourcePassword =
      options['source-registry-password'] ??
      (sourceUser !== undefined ? process.env[SOURCE_PASSWORD_ENV] : undefined);
    return promote(
      {
        config: options.config,
        ...(options.from !== undefined ? { from: options.from } : {}),
        to: options.to,
        ...(options.image !== undefined ? { image: options.image } : {}),
        ...(options.kubeconfig !== undefined ? { kubeconfig: options.kubeconfig } : {}),
        ...(options.context !== undefined ? { context: options.context } : {}),
        ...(options['source-kubeconfig'] !== undefined
          ? { sourceKubeconfig: options['source-kubeconfig'] }
          : {}),
        ...(options['source-context'] !== undefined ? { sourceContext: options['source-context'] } : {}),
        timeout: options.timeout,
        ...(options['rest-url'] !== undefined ? { restUrl: options['rest-url'] } : {}),
        ...(options['client-image'] !== undefined ? { clientImage: options['client-image'] } : {}),
        ...(options['flink-home'] !== undefined ? { flinkHome: options['flink-home'] } : {}),
        ...(options['github-token'] !== undefined ? { githubToken: options['github-token'] } : {}),
        registry: {
          ...(options['registry-username'] !== undefined ? { username: options['registry-username'] } : {}),
          ...(options['registry-password'] !== undefined ? { password: options['registry-password'] } : {}),
          passwordStdin: options['registry-password-stdin'],
        },
        sourceRegistry: {
          ...(sourceUser !== undefined ? { username: sourceUser } : {}),
          ...(sourcePassword !== undefined ? { password: sourcePassword } : {}),
        },
        force: options.force,
        ...(options.reason !== undefined ? { reason: options.reason } : {}),
        dryRun: options['dry-run'],
        origin: originOf(options),
      },
      ui,
    );
  },
  text: (r) =>
    [
      `promote ${r.from} → ${r.to}: ${outcome(r)}`,
      `source:   ${r.from} revision ${r.sourceRevision} (${r.sourceImage})${r.verifiedAt ? `, verified ${r.verifiedAt}` : ''}`,
      ...(r.forced ? [`FORCED:   ${r.forced}`] : []),
      `image:    ${r.image}`,
      `copy:     ${copyLine(r)}`,
      ...(r.before ? [`before:   ${r.to} revision ${r.before.revision} (${r.before.image})`] : []),
      '',
    ].join('\n'),
  json: (r) => ({
    from: r.from,
    to: r.to,
    sourceRevision: r.sourceRevision,
    sourceImage: r.sourceImage,
    image: r.image,
    digest: r.digest,
    verifiedAt: r.verifiedAt ?? null,
    forced: r.forced ?? null,
    dryRun: r.dryRun,
    unchanged: r.unchanged,
    copy: r.copy,
    before: r.before ?? null,
    promotion: r.promotion ?? null,
    revision: r.deploy?.revision ?? null,
    upgradePath: r.deploy?.upgradePath ?? null,
    jobState: r.deploy?.jobState ?? null,
  }),
  outputs: (r) => ({
    image: r.image,
    digest: r.digest,
    'source-revision': String(r.sourceRevision),
    'source-image': r.sourceImage,
    revision: r.deploy ? String(r.deploy.revision) : '',
    'upgrade-path': r.deploy?.upgradePath ?? '',
    changed: String(!r.dryRun && !r.unchanged),
    forced: r.forced ? 'true' : 'false',
    'bytes-uploaded': String(r.copy.bytes.uploaded),
    'bytes-mounted': String(r.copy.bytes.mounted),
    promotion: r.promotion ? JSON.stringify(r.promotion) : '',
  }),
  summary: (r) =>
    [
      `## Flinkship promote: ${r.from} → ${r.to}\n`,
      '| | |\n|---|---|',
      `| Outcome | ${outcome(r)} |`,
      `| Freight | \`${r.digest}\` |`,
      `| From | ${r.from} revision ${r.sourceRevision}: \`${r.sourceImage}\` |`,
      `| Verified | ${r.verifiedAt ?? 'no'}${r.forced ? ` — **forced**: ${r.forced}` : ''} |`,
      `| To | \`${r.image}\` |`,
      `| Copy | ${copyLine(r)} |`,
      ...(r.promotion?.reason ? [`| Reason | ${r.promotion.reason} |`] : []),
      ...(r.promotion?.promotedBy ? [`| Promoted by | ${r.promotion.promotedBy} |`] : []),
      '',
      ...(r.deploy && !r.unchanged ? [renderDeploySummary(r.deploy)] : []),
    ].join('\n'),
});
