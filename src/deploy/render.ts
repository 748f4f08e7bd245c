// How a deploy's result reads: one block for the terminal, a table for the job summary.
import type { DeploymentRecord } from './record.js';
import type { HealthVerdict, RestoredFrom } from '../release/history.js';

export interface DeployResult {
  environment: string;
  clusterId: string;
  namespace: string;
  context: string;
  image: string;
  /** Where Flink's REST API was reached (a URL; the service proxy path when no --rest-url). */
  restUrl: string;
  /** The environment's link for people (spec `url`), when it has one. */
  url?: string;
  jobId?: string;
  jobState?: string;
  /** What deploy did. */
  action: 'created' | 'replaced' | 'upgraded' | 'unchanged' | 'resumed' | 'rolled-back';
  /** The revision of the release history that runs now. */
  revision: number;
  /** How it got there (release/decide.ts): create, stateless, savepoint, last-state, ... */
  upgradePath: string;
  health?: HealthVerdict;
  restoredFrom?: RestoredFrom;
  /** The savepoint taken of the previous revision before this one replaced it. */
  savepoint?: string;
  record: DeploymentRecord;
  /** The GitHub deployment, in Actions. */
  githubDeployment?: { id: number; environmentUrl: string };
  /** API requests this deploy sent through Flinkship's own client (the Flink client's are not counted). */
  apiRequests: number;
}

const VERB: Record<DeployResult['action'], string> = {
  created: 'deployed',
  replaced: 'replaced (stateless: deleted, then submitted again)',
  upgraded: 'upgraded with its state',
  unchanged: 'unchanged: the same image and configuration were already deployed',
  resumed: 'deployed (continuing a run that was cut off)',
  'rolled-back': 'rolled back',
};

function restoredText(r: DeployResult): string {
  if (!r.restoredFrom) return 'no state (fresh start)';
  if (r.restoredFrom.kind === 'last-state')
    return `last-state (HA checkpoints${r.restoredFrom.path ? `, newest ${r.restoredFrom.path}` : ''})`;
  return `${r.restoredFrom.kind} ${r.restoredFrom.path ?? ''}`.trim();
}

export function renderDeployText(r: DeployResult): string {
  return [
    `${r.clusterId} in ${r.namespace} (context ${r.context}): ${VERB[r.action]}`,
    `revision:  ${r.revision} (${r.upgradePath})`,
    `image:     ${r.image}`,
    `state:     ${restoredText(r)}`,
    ...(r.health ? [`health:    ${r.health.healthy ? 'healthy' : 'UNHEALTHY'}: ${r.health.reason}`] : []),
    `config:    ${r.record.configHash}`,
    `REST:      ${r.restUrl}`,
    ...(r.url ? [`url:       ${r.url}`] : []),
    `job:       ${r.jobId ? `${r.jobId} ${r.jobState ?? ''}`.trim() : 'unknown (REST not reachable)'}`,
    ...(r.githubDeployment
      ? [`GitHub deployment ${r.githubDeployment.id}: ${r.githubDeployment.environmentUrl}`]
      : []),
    '',
  ].join('\n');
}

export function renderDeploySummary(r: DeployResult): string {
  const rows: [string, string][] = [
    ['Environment', r.environment],
    ['Cluster id', `\`${r.clusterId}\``],
    ['Namespace', `\`${r.namespace}\` (context \`${r.context}\`)`],
    ['Image', `\`${r.image}\``],
    ['Config hash', `\`${r.record.configHash}\``],
    ['Result', VERB[r.action]],
    ['Revision', `${r.revision} (${r.upgradePath})`],
    ['State', restoredText(r)],
    ...(r.health
      ? [
          ['Health gate', `${r.health.healthy ? '✅ healthy' : '❌ unhealthy'}: ${r.health.reason}`] as [
            string,
            string,
          ],
        ]
      : []),
    ['Job', r.jobId ? `\`${r.jobId}\` ${r.jobState ?? ''}` : 'unknown (REST not reachable)'],
    ['REST', r.restUrl],
    ...(r.url ? [['Link', r.url] as [string, string]] : []),
    ...(r.record.commit ? [['Commit', `\`${r.record.commit}\``] as [string, string]] : []),
    ...(r.record.runUrl ? [['Run', r.record.runUrl] as [string, string]] : []),
  ];
  return [
    `## Flinkship deploy: ${r.clusterId} → ${r.environment}`,
    '',
    '| | |',
    '|---|---|',
    ...rows.map(([k, v]) => `| ${k} | ${v.replace(/\|/g, '\\|')} |`),
    '',
  ].join('\n');
}
