// `flinkship history --env <name>` and `flinkship status --env <name>`: the release history of an
// environment's cluster-id (release/history.ts), and the live state next to its current revision.
// Read-only: nothing is written, no lease is taken.
import { COMMON_OPTIONS, type OptionDefs, type OptionsOf, originOf } from '../options/options.js';
import { CLUSTER_OPTIONS, parseClusterOptionsFor } from '../deploy/options.js';
import { withCleanup } from '../deploy/cleanup.js';
import { directTransport, FlinkRest, serviceProxyTransport } from '../executors/flinkRest.js';
import { Kube, type V1Deployment } from '../executors/kube.js';
import { plan, resolveNamedEnvironment } from '../plan/plan.js';
import { current, HistoryStore, publicRevision, type Revision } from '../release/history.js';
import { loadSpec } from '../spec/load.js';
import { InputError } from '../util/errors.js';
import type { Ui } from '../ui/ui.js';
import { defineVerb } from './verb.js';

export const HISTORY_OPTIONS = { ...COMMON_OPTIONS, ...CLUSTER_OPTIONS } as const satisfies OptionDefs;

type PublicRevision = Omit<Revision, 'submission'>;

export interface HistoryResult {
  environment: string;
  clusterId: string;
  namespace: string;
  revisions: PublicRevision[];
}

async function target(
  options: OptionsOf<typeof HISTORY_OPTIONS>,
  ui: Ui,
  cleanup: Parameters<typeof parseClusterOptionsFor>[0],
) {
  const loaded = loadSpec(options.config);
  const env = resolveNamedEnvironment(loaded, options.env);
  const cluster = parseClusterOptionsFor(cleanup, options, originOf(options), loaded, env);
  if (cluster.issues.length) throw new InputError(cluster.issues);
  const p = plan(loaded, env.name);
  const kube = Kube.load(cluster.options!.target, { ui });
  return { env, p, kube, restUrl: cluster.options!.restUrl };
}

function short(image: string): string {
  const [repo, digest] = image.split('@');
  return digest ? `${repo!.split('/').pop()}@${digest.replace('sha256:', '').slice(0, 12)}` : image;
}

function restoredText(r: PublicRevision): string {
  if (!r.restoredFrom) return '-';
  return r.restoredFrom.kind === 'last-state'
    ? 'last-state'
    : `${r.restoredFrom.kind} ${r.restoredFrom.path ?? ''}`.trim();
}

/** The revisions as a table, newest first. */
export function historyTable(revisions: PublicRevision[]): string {
  const rows = [
    ['REV', 'STATE', 'PATH', 'IMAGE', 'CONFIG', 'FLINK', 'RESTORED FROM', 'HEALTH', 'CREATED', 'BY'],
  ];
  for (const r of [...revisions].reverse()) {
    rows.push([
      String(r.revision),
      r.state,
      r.rollbackOf !== undefined
        ? `rollback of ${r.rollbackOf}`
        : r.promotion
          ? `${r.path}, promoted from ${r.promotion.from} r${r.promotion.sourceRevision}${r.promotion.forced ? ' (FORCED)' : ''}`
          : r.path,
      short(r.image),
      r.configHash.replace('sha256:', '').slice(0, 12),
      r.flinkVersion,
      restoredText(r),
      r.health ? `${r.health.healthy ? 'healthy' : 'unhealthy'}: ${r.health.reason}` : (r.reason ?? '-'),
      r.createdAt.replace(/\.\d+Z$/, 'Z'),
      r.actor ?? '-',
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.min(60, Math.max(...rows.map((row) => row[i]!.length))));
  return (
    rows
      .map((row) =>
        row
          .map((c, i) => (c.length > widths[i]! ? `${c.slice(0, widths[i]! - 1)}…` : c.padEnd(widths[i]!)))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

export const historyVerb = defineVerb({
  name: 'history',
  options: HISTORY_OPTIONS,
  run: (options, ui): Promise<HistoryResult> =>
    withCleanup(ui, async (cleanup) => {
      const { env, p, kube } = await target(options, ui, cleanup);
      const h = await new HistoryStore(kube, p.namespace, p.clusterId, env.name).read();
      return {
        environment: env.name,
        clusterId: p.clusterId,
        namespace: p.namespace,
        revisions: h.revisions.map(publicRevision),
      };
    }),
  text: (r) =>
    r.revisions.length
      ? `${r.clusterId} in ${r.namespace}: ${r.revisions.length} revision(s)\n${historyTable(r.revisions)}`
      : `${r.clusterId} in ${r.namespace}: no release history\n`,
  json: (r) => r,
  outputs: (r) => ({
    'cluster-id': r.clusterId,
    namespace: r.namespace,
    'current-revision': String(
      current({
        historyVersion: 1,
        clusterId: r.clusterId,
        environment: r.environment,
        revisions: r.revisions as Revision[],
      })?.revision ?? '',
    ),
    revisions: JSON.stringify(r.revisions),
  }),
  summary: (r) =>
    `## Flinkship history: ${r.clusterId} (${r.environment})\n\n\`\`\`\n${r.revisions.length ? historyTable(r.revisions) : 'no release history\n'}\`\`\`\n`,
});

export interface StatusResult extends HistoryResult {
  current?: PublicRevision;
  deployment: { exists: boolean; ready?: number; replicas?: number };
  job?: {
    id: string;
    state: string;
    /** The job ID the current revision gave it: does the cluster run what the history says? */
    matchesCurrent: boolean;
    completedCheckpoints?: number;
    failedCheckpoints?: number;
    lastCheckpoint?: { path: string; at: string };
    restarts?: number;
  };
  /** Why the job could not be read. */
  restError?: string;
}

export const statusVerb = defineVerb({
  name: 'status',
  options: HISTORY_OPTIONS,
  run: (options, ui): Promise<StatusResult> =>
    withCleanup(ui, async (cleanup) => {
      const { env, p, kube, restUrl } = await target(options, ui, cleanup);
      const h = await new HistoryStore(kube, p.namespace, p.clusterId, env.name).read();
      const cur = current(h);
      const d = await kube.get<V1Deployment>({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: p.clusterId,
        namespace: p.namespace,
      });
      const result: StatusResult = {
        environment: env.name,
        clusterId: p.clusterId,
        namespace: p.namespace,
        revisions: h.revisions.map(publicRevision),
        ...(cur ? { current: publicRevision(cur) } : {}),
        deployment: d
          ? { exists: true, ready: d.status?.readyReplicas ?? 0, replicas: d.spec?.replicas ?? 1 }
          : { exists: false },
      };
      if (!d) return result;
      const rest = new FlinkRest(
        restUrl ? directTransport(restUrl) : serviceProxyTransport(kube, p.namespace, `${p.clusterId}-rest`),
      );
      try {
        const job = await rest.currentJob();
        if (job) {
          const [counts, snaps, restarts] = await Promise.all([
            rest.checkpointCounts(job.jid).catch(() => undefined),
            rest.latestSnapshots(job.jid).catch(() => undefined),
            rest.jobMetric(job.jid, 'numRestarts').catch(() => undefined),
          ]);
          result.job = {
            id: job.jid,
            state: job.state,
            matchesCurrent: cur?.jobId === job.jid,
            ...(counts ? { completedCheckpoints: counts.completed, failedCheckpoints: counts.failed } : {}),
            ...(snaps?.checkpoint
              ? {
                  lastCheckpoint: {
                    path: snaps.checkpoint.path,
                    at: new Date(snaps.checkpoint.at).toISOString(),
                  },
                }
              : {}),
            ...(restarts !== undefined ? { restarts } : {}),
          };
        }
      } catch (err) {
        result.restError = (err as Error).message;
      }
      return result;
    }),
  text: (r) => statusText(r),
  json: (r) => r,
  outputs: (r) => ({
    'cluster-id': r.clusterId,
    namespace: r.namespace,
    'current-revision': String(r.current?.revision ?? ''),
    'job-id': r.job?.id ?? '',
    'job-state': r.job?.state ?? '',
  }),
  summary: (r) =>
    `## Flinkship status: ${r.clusterId} (${r.environment})\n\n\`\`\`\n${statusText(r)}\`\`\`\n`,
});

function statusText(r: StatusResult): string {
  const lines = [`${r.clusterId} in ${r.namespace} (${r.environment})`];
  lines.push(
    `Deployment: ${r.deployment.exists ? `${r.deployment.ready}/${r.deployment.replicas} ready` : 'absent'}`,
    `job:        ${r.job ? `${r.job.id} ${r.job.state}, restarts ${r.job.restarts ?? '?'}, checkpoints ${r.job.completedCheckpoints ?? '?'} completed / ${r.job.failedCheckpoints ?? '?'} failed` : r.restError ? `unknown (${r.restError})` : 'none'}`,
    `checkpoint: ${r.job?.lastCheckpoint ? `${r.job.lastCheckpoint.path} at ${r.job.lastCheckpoint.at}` : 'none yet'}`,
    `revision:   ${r.current ? `${r.current.revision} ${r.current.image} (${r.current.path}${r.current.health ? `, ${r.current.health.healthy ? 'healthy' : 'unhealthy'}` : ''})` : 'none recorded'}`,
  );
  if (r.job && r.current && !r.job.matchesCurrent) {
    lines.push(
      `note:       the running job ${r.job.id} is not the one revision ${r.current.revision} started (${r.current.jobId ?? 'unknown'})`,
    );
  }
  const open = r.revisions.at(-1);
  if (open?.state === 'pending')
    lines.push(
      `pending:    revision ${open.revision} (step ${open.progress ?? 'started'}): an earlier run was cut off; deploy again to converge`,
    );
  return `${lines.join('\n')}\n`;
}
