// `flinkship preview up|down --pr <n>`: a pull request's own application cluster in the preview
// environment (`<cluster-id>-pr-<n>`, spec/preview.ts), deployed stateless through the deploy operation
// and taken down with everything it made; a GitHub deployment per pull request (`preview/pr-<n>`,
// transient) and one sticky pull request comment saying what runs, or what failed.
import type { V1Deployment } from '@kubernetes/client-node';
import { pullRequestNumber } from '../build/gitContext.js';
import { withCleanup } from '../deploy/cleanup.js';
import { CLUSTER_OPTIONS, parseClusterOptionsFor } from '../deploy/options.js';
import { renderDeploySummary, type DeployResult } from '../deploy/render.js';
import { removeCluster } from '../deploy/teardown.js';
import {
  deactivateDeployments,
  gitHubContextFromEnv,
  pullRequestState,
  upsertStickyComment,
} from '../executors/github.js';
import { readRecord } from '../deploy/record.js';
import { formatDuration, parseDuration } from '../util/quantity.js';
import { describePermission, Kube, type KubeTarget, type Permission } from '../executors/kube.js';
import { deploy } from '../operations/deploy.js';
import { COMMON_OPTIONS, optionLabel, originOf, type OptionDefs, type Origin } from '../options/options.js';
import { plan, resolveNamedEnvironment, type Plan } from '../plan/plan.js';
import type { KubeObject } from '../plan/objects.js';
import { htmlCode as code } from '../plan/diffRender.js';
import { historyName } from '../release/history.js';
import { loadSpec } from '../spec/load.js';
import type { LoadedSpec } from '../spec/types.js';
import { forPullRequest, previewGitHubEnvironment, pullRequestOf, sweepReason } from '../spec/preview.js';
import type { Ui } from '../ui/ui.js';
import { InputError } from '../util/errors.js';
import { DEPLOY_OPTIONS } from './deploy.js';
import { defineVerb } from './verb.js';

/** Marks the preview's pull request comment (the plan diff has its own). */
export const PREVIEW_MARKER = '<!-- flinkship:preview -->';

export const PREVIEW_COMMON = {
  ...COMMON_OPTIONS,
  ...CLUSTER_OPTIONS,
  env: {
    ...CLUSTER_OPTIONS.env,
    required: false,
    default: 'preview',
    description: 'The preview environment.',
  },
  pr: {
    kind: 'string',
    description: "The pull request's number; in a pull request's workflow run, default: the event's.",
    valueName: 'n',
  },
  'github-token': {
    kind: 'string',
    only: 'inputs',
    description:
      'A token with deployments: write and pull-requests: write, for the GitHub deployment and the comment (masked).',
  },
} as const satisfies OptionDefs;

export const PREVIEW_UP_OPTIONS = {
  ...PREVIEW_COMMON,
  image: {
    ...DEPLOY_OPTIONS.image,
    description: "The image built from the pull request's head, by digest (a tag is allowed in a preview).",
  },
  'client-image': DEPLOY_OPTIONS['client-image'],
  'flink-home': DEPLOY_OPTIONS['flink-home'],
} as const satisfies OptionDefs;

export interface PreviewDownResult {
  environment: string;
  pullRequest: number;
  clusterId: string;
  namespace: string;
  /** What was deleted, kind/name. */
  deleted: string[];
  deactivated: number;
}

export async function pullRequestFrom(raw: string | undefined, origin: Origin): Promise<number> {
  if (raw === undefined) {
    const n = await pullRequestNumber(process.env.GITHUB_EVENT_PATH);
    if (n !== undefined) return n;
  }
  if (raw === undefined || !/^[1-9][0-9]{0,8}$/.test(raw)) {
    throw new InputError([
      {
        file: origin === 'flags' ? '<flags>' : '<inputs>',
        field: optionLabel('pr', origin),
        message:
          raw === undefined
            ? "required outside a pull request's workflow run: the pull request's number"
            : `found "${raw}"; expected a pull request number such as 42`,
      },
    ]);
  }
  return Number(raw);
}

/** Writes the preview's comment when the run is a pull request's and has a token; a failure is a warning. */
async function comment(ui: Ui, token: string | undefined, pr: number, body: string): Promise<void> {
  const github = gitHubContextFromEnv();
  if (!github || !token) return;
  try {
    const c = await upsertStickyComment(
      token,
      { owner: github.owner, repo: github.repo, issueNumber: pr, marker: PREVIEW_MARKER, body },
      { apiUrl: github.apiUrl },
    );
    ui.info(`pull request #${pr}: comment ${c.action} (${c.url})`);
  } catch (err) {
    ui.warning(`the pull request comment could not be written: ${(err as Error).message}`);
  }
}

export const previewUpVerb = defineVerb({
  name: 'preview up',
  options: PREVIEW_UP_OPTIONS,
  run: async (options, ui): Promise<DeployResult & { pullRequest: number }> => {
    const origin = originOf(options);
    const pr = await pullRequestFrom(options.pr, origin);
    const token = options['github-token'];
    if (token) ui.secret(token);
    try {
      const result = await deploy(
        {
          config: options.config,
          env: options.env,
          image: options.image,
          pullRequest: pr,
          kubeconfig: options.kubeconfig,
          context: options.context,
          timeout: options.timeout,
          restUrl: options['rest-url'],
          clientImage: options['client-image'],
          flinkHome: options['flink-home'],
          githubToken: token,
          origin,
        },
        ui,
      );
      await comment(
        ui,
        token,
        pr,
        [
          PREVIEW_MARKER,
          `### Flinkship preview of #${pr}: running`,
          '',
          `| | |\n|---|---|`,
          `| Cluster | ${code(`${result.namespace}/${result.clusterId}`)} (context ${code(result.context)}) |`,
          `| Image | ${code(result.image)} |`,
          `| Job | ${result.jobState ?? 'submitted'}${result.jobId ? ` (${code(result.jobId)})` : ''} |`,
          // A | would end the table cell; in a URL it is %7C all the same.
          ...(result.url ? [`| Link | ${result.url.replace(/\|/g, '%7C')} |`] : []),
          `| Flink REST | ${result.restUrl} |`,
          `| Updated | ${new Date().toISOString()} |`,
        ].join('\n'),
      );
      return { ...result, pullRequest: pr };
    } catch (err) {
      if (!(err instanceof InputError)) {
        await comment(
          ui,
          token,
          pr,
          [
            PREVIEW_MARKER,
            `### Flinkship preview of #${pr}: failed`,
            '',
            `Image ${code(options.image)}, ${new Date().toISOString()}:`,
            '',
            '```text',
            (err as Error).message.replace(/```/g, "'''").slice(0, 4000),
            '```',
          ].join('\n'),
        );
      }
      throw err;
    }
  },
  text: (r) =>
    `preview of #${r.pullRequest}: ${r.clusterId} in ${r.namespace} (context ${r.context}), ${r.jobState ?? 'submitted'}\nimage: ${r.image}\n${r.url ? `url: ${r.url}\n` : ''}`,
  json: (r) => r,
  outputs: (r) => ({
    'cluster-id': r.clusterId,
    namespace: r.namespace,
    image: r.image,
    'rest-url': r.restUrl,
    url: r.url ?? '',
    'job-id': r.jobId ?? '',
    'job-state': r.jobState ?? '',
    'pull-request': String(r.pullRequest),
  }),
  summary: (r) => renderDeploySummary(r),
});

/** Everything a preview owns besides its application cluster: what the plan applies (not the shared namespace), its release history and its Lease. */
function ownedObjects(p: Plan): KubeObject[] {
  return [
    ...p.kubernetes.filter((o) => o.kind !== 'Namespace'),
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: historyName(p.clusterId), namespace: p.namespace },
    },
    {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: `${p.clusterId}-flinkship`, namespace: p.namespace },
    },
  ];
}

async function checkTakeDownPermissions(
  kube: Kube,
  p: Plan,
  target: KubeTarget,
  verb: string,
  extra: Permission[],
): Promise<void> {
  const ns = p.namespace;
  const needed: Permission[] = [
    { verb: 'get', group: 'apps', resource: 'deployments', namespace: ns },
    { verb: 'delete', group: 'apps', resource: 'deployments', namespace: ns },
    { verb: 'list', group: '', resource: 'configmaps', namespace: ns },
    { verb: 'delete', group: '', resource: 'configmaps', namespace: ns },
    ...ownedObjects(p).map((o) => ({
      verb: 'delete',
      group: o.apiVersion.includes('/') ? o.apiVersion.split('/')[0]! : '',
      resource: `${o.kind.toLowerCase()}s`,
      namespace: ns,
    })),
    ...extra,
  ];
  const missing = await kube.missingPermissions(needed);
  if (missing.length) {
    throw new InputError([
      {
        ...(target.labels?.context ?? { file: '<flags>', field: '--context' }),
        message: `the user of context ${kube.context} lacks permissions ${verb} needs (nothing was changed): ${missing.map(describePermission).join('; ')}`,
      },
    ]);
  }
}

/**
 * Deletes everything of pull request `pr`'s preview (idempotent), marks its GitHub deployments inactive
 * and updates its comment (in Actions, with a token).
 */
async function takeDown(
  kube: Kube,
  spec: LoadedSpec,
  envName: string,
  pr: number,
  timeoutMs: number,
  ui: Ui,
  token: string | undefined,
): Promise<PreviewDownResult> {
  const loaded = forPullRequest(spec, envName, pr, 'env');
  const p = plan(loaded, envName);
  const ns = p.namespace;
  const deleted: string[] = [];
  await ui.group(`Take down the preview of #${pr}: ${ns}/${p.clusterId}`, async () => {
    const present = await kube.get<V1Deployment>({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: p.clusterId,
      namespace: ns,
    });
    await removeCluster(kube, p, timeoutMs, ui);
    if (present) deleted.push(`Deployment/${p.clusterId}`);
    for (const o of ownedObjects(p)) {
      const gone = await kube.delete({
        apiVersion: o.apiVersion,
        kind: o.kind,
        name: o.metadata.name,
        namespace: ns,
      });
      if (gone) {
        deleted.push(`${o.kind}/${o.metadata.name}`);
        ui.info(`${o.kind} ${ns}/${o.metadata.name} deleted`);
      }
    }
    if (!deleted.length) ui.info(`nothing of #${pr} was left in ${ns}`);
  });
  let deactivated = 0;
  const github = gitHubContextFromEnv();
  if (github && token) {
    deactivated = await deactivateDeployments(
      token,
      {
        owner: github.owner,
        repo: github.repo,
        environment: previewGitHubEnvironment(envName, pr),
        description: `preview of #${pr} taken down`,
      },
      { apiUrl: github.apiUrl },
    ).catch((err: unknown) => {
      ui.warning(`the GitHub deployments of #${pr} could not be marked inactive: ${(err as Error).message}`);
      return 0;
    });
    await comment(
      ui,
      token,
      pr,
      `${PREVIEW_MARKER}\n### Flinkship preview of #${pr}: taken down\n\n${code(`${ns}/${p.clusterId}`)} and everything of it were deleted at ${new Date().toISOString()}.`,
    );
  }
  return {
    environment: envName,
    pullRequest: pr,
    clusterId: p.clusterId,
    namespace: ns,
    deleted,
    deactivated,
  };
}

export const previewDownVerb = defineVerb({
  name: 'preview down',
  options: PREVIEW_COMMON,
  run: (options, ui): Promise<PreviewDownResult> =>
    withCleanup(ui, async (cleanup) => {
      const origin = originOf(options);
      const pr = await pullRequestFrom(options.pr, origin);
      const token = options['github-token'];
      if (token) ui.secret(token);
      const spec = loadSpec(options.config);
      resolveNamedEnvironment(spec, options.env);
      const loaded = forPullRequest(spec, options.env, pr, optionLabel('env', origin));
      const env = resolveNamedEnvironment(loaded, options.env);
      const cluster = parseClusterOptionsFor(cleanup, options, origin, loaded, env);
      if (cluster.issues.length) throw new InputError(cluster.issues);
      const kube = Kube.load(cluster.options!.target, { ui });
      await checkTakeDownPermissions(
        kube,
        plan(loaded, env.name),
        cluster.options!.target,
        'preview down',
        [],
      );
      return takeDown(kube, spec, env.name, pr, cluster.options!.timeoutMs, ui, token);
    }),
  text: (r) =>
    `preview of #${r.pullRequest}: ${r.deleted.length ? `deleted ${r.deleted.join(', ')}` : 'nothing left to delete'} in ${r.namespace}\n`,
  json: (r) => r,
  outputs: (r) => ({
    'cluster-id': r.clusterId,
    namespace: r.namespace,
    deleted: String(r.deleted.length > 0),
    'pull-request': String(r.pullRequest),
  }),
  summary: (r) =>
    `## Flinkship preview of #${r.pullRequest}: taken down\n\n${r.deleted.length ? r.deleted.map((d) => `- \`${d}\``).join('\n') : 'Nothing was left.'}\n`,
});

export const PREVIEW_SWEEP_OPTIONS = {
  ...COMMON_OPTIONS,
  ...CLUSTER_OPTIONS,
  env: PREVIEW_COMMON.env,
  'github-token': {
    ...PREVIEW_COMMON['github-token'],
    description:
      "A token that may read the repository's pull requests (and write deployments and comments), to find closed ones (masked); without it only the ttl counts.",
  },
  'dry-run': {
    kind: 'boolean',
    default: false,
    description: 'List the previews that would be removed, and why; remove nothing.',
  },
} as const satisfies OptionDefs;

export interface SweptPreview {
  pullRequest: number;
  clusterId: string;
  /** When it was deployed (its record's time, else the oldest object's creation). */
  since: string;
  why?: string;
  removed: boolean;
}

export interface PreviewSweepResult {
  environment: string;
  namespace: string;
  ttl?: string;
  dryRun: boolean;
  previews: SweptPreview[];
}

export const previewSweepVerb = defineVerb({
  name: 'preview sweep',
  options: PREVIEW_SWEEP_OPTIONS,
  run: (options, ui): Promise<PreviewSweepResult> =>
    withCleanup(ui, async (cleanup) => {
      const origin = originOf(options);
      const token = options['github-token'];
      if (token) ui.secret(token);
      const spec = loadSpec(options.config);
      const env = resolveNamedEnvironment(spec, options.env);
      const cluster = parseClusterOptionsFor(cleanup, options, origin, spec, env);
      if (cluster.issues.length) throw new InputError(cluster.issues);
      const ttlMs = env.ttl === undefined ? undefined : parseDuration(env.ttl);
      const base = plan(spec, env.name);
      const ns = base.namespace;
      const kube = Kube.load(cluster.options!.target, { ui });
      await checkTakeDownPermissions(
        kube,
        plan(forPullRequest(spec, env.name, 1, optionLabel('env', origin)), env.name),
        cluster.options!.target,
        'preview sweep',
        [
          { verb: 'list', group: 'apps', resource: 'deployments', namespace: ns },
          { verb: 'list', group: '', resource: 'secrets', namespace: ns },
        ],
      );
      // Previews by what is left of them: their Deployment, or only their release history.
      const found = new Map<number, { clusterId: string; since: number }>();
      const note = (clusterId: string, since: number) => {
        const pr = pullRequestOf(base.clusterId, clusterId);
        if (pr === undefined) return;
        const seen = found.get(pr);
        if (!seen || since < seen.since) found.set(pr, { clusterId, since });
      };
      const deployments = await kube.list('apps/v1', 'Deployment', ns, {
        labelSelector: 'type=flink-native-kubernetes',
      });
      for (const d of deployments.items) {
        const record = readRecord((d as V1Deployment).metadata?.annotations);
        const time =
          record.state === 'present'
            ? Date.parse(record.record.time)
            : Date.parse(String(d.metadata?.creationTimestamp ?? ''));
        note(d.metadata?.name ?? '', time);
      }
      const secrets = await kube.list('v1', 'Secret', ns, {});
      for (const s of secrets.items) {
        const name = s.metadata?.name ?? '';
        if (name.endsWith('-flinkship-history'))
          note(
            name.slice(0, -'-flinkship-history'.length),
            Date.parse(String(s.metadata?.creationTimestamp ?? '')),
          );
      }
      const github = gitHubContextFromEnv() ?? undefined;
      const now = Date.now();
      const previews: SweptPreview[] = [];
      for (const [pr, { clusterId, since }] of [...found].sort((a, b) => a[0] - b[0])) {
        const ttl = env.ttl !== undefined && ttlMs !== undefined ? { text: env.ttl, ms: ttlMs } : undefined;
        // The pull request's state is asked only when the ttl alone does not remove it.
        const expired = sweepReason(pr, since, now, ttl, undefined, formatDuration);
        const state =
          expired || !github || !token
            ? undefined
            : await pullRequestState(
                token,
                { owner: github.owner, repo: github.repo, number: pr },
                { apiUrl: github.apiUrl },
              );
        const why = expired ?? sweepReason(pr, since, now, undefined, state, formatDuration);
        const entry: SweptPreview = {
          pullRequest: pr,
          clusterId,
          since: new Date(since).toISOString(),
          ...(why ? { why } : {}),
          removed: false,
        };
        if (why && !options['dry-run']) {
          await takeDown(kube, spec, env.name, pr, cluster.options!.timeoutMs, ui, token);
          entry.removed = true;
        }
        ui.info(
          `#${pr} ${clusterId}: ${why ? `${options['dry-run'] ? 'would be removed' : 'removed'} (${why})` : 'kept'}`,
        );
        previews.push(entry);
      }
      return {
        environment: env.name,
        namespace: ns,
        ...(env.ttl ? { ttl: env.ttl } : {}),
        dryRun: options['dry-run'],
        previews,
      };
    }),
  text: (r) =>
    `${r.previews.length} preview(s) in ${r.namespace}${r.ttl ? ` (ttl ${r.ttl})` : ''}${r.dryRun ? ', dry run' : ''}\n${r.previews
      .map(
        (p) =>
          `#${p.pullRequest} ${p.clusterId}: ${p.why ? `${r.dryRun ? 'would be removed' : 'removed'}: ${p.why}` : 'kept'}`,
      )
      .join('\n')}\n`,
  json: (r) => r,
  outputs: (r) => ({
    removed: r.previews
      .filter((p) => p.removed)
      .map((p) => String(p.pullRequest))
      .join(','),
    expired: r.previews
      .filter((p) => p.why)
      .map((p) => String(p.pullRequest))
      .join(','),
  }),
  summary: (r) =>
    `## Flinkship preview sweep${r.dryRun ? ' (dry run)' : ''}\n\n| PR | Cluster | Since | Outcome |\n|---|---|---|---|\n${r.previews
      .map(
        (p) =>
          `| #${p.pullRequest} | \`${p.clusterId}\` | ${p.since} | ${p.why ? `${r.dryRun ? 'would be removed' : 'removed'}: ${p.why}` : 'kept'} |`,
      )
      .join('\n')}\n`,
});
