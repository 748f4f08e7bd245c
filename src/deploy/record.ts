// The deployment record: what was deployed, from where, by whom, kept as JSON in an annotation on the
// JobManager Deployment. Deploy compares against it to decide; status, promote and rollback read it.
import { userInfo } from 'node:os';
import type { GitContext } from '../build/gitContext.js';
import type { PromotionRecord } from '../release/history.js';
import type { UpgradeMode } from '../spec/types.js';
import { parseImageRef } from '../util/imageRef.js';

export const RECORD_ANNOTATION = 'flinkship.dev/deployment-record';

export interface DeploymentRecord {
  recordVersion: 1;
  environment: string;
  clusterId: string;
  /** The image as deployed (repository@sha256:..., or a tag in integration and preview). */
  image: string;
  /** sha256:..., when the image is given by digest. */
  digest?: string;
  /** The plan's configHash: everything deployed except the image. */
  configHash: string;
  upgradeMode: UpgradeMode;
  commit?: string;
  runUrl?: string;
  actor?: string;
  /** When the deploy submitted, ISO 8601. */
  time: string;
  /** The savepoint the job was started from, when there was one. */
  savepoint?: string;
  /** The revision of the release history (release/history.ts) this is. */
  revision?: number;
  /** When `flinkship promote` deployed it: where the image came from. */
  promotion?: PromotionRecord;
}

/** Where a deploy runs from: the commit, the Actions run and who started it. */
export interface Provenance {
  commit?: string;
  runUrl?: string;
  actor?: string;
}

export function provenance(git: GitContext, env: NodeJS.ProcessEnv = process.env): Provenance {
  const runUrl =
    env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
      ? `${env.GITHUB_SERVER_URL ?? 'https://github.com'}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}${env.GITHUB_RUN_ATTEMPT ? `/attempts/${env.GITHUB_RUN_ATTEMPT}` : ''}`
      : undefined;
  let actor = env.GITHUB_ACTOR;
  if (!actor) {
    try {
      actor = userInfo().username;
    } catch {
      actor = undefined;
    }
  }
  return {
    ...(git.sha ? { commit: git.sha } : {}),
    ...(runUrl ? { runUrl } : {}),
    ...(actor ? { actor } : {}),
  };
}

export function makeRecord(fields: {
  environment: string;
  clusterId: string;
  image: string;
  configHash: string;
  upgradeMode: UpgradeMode;
  provenance: Provenance;
  time: Date;
  savepoint?: string;
}): DeploymentRecord {
  const digest = parseImageRef(fields.image)?.digest;
  return {
    recordVersion: 1,
    environment: fields.environment,
    clusterId: fields.clusterId,
    image: fields.image,
    ...(digest ? { digest } : {}),
    configHash: fields.configHash,
    upgradeMode: fields.upgradeMode,
    ...fields.provenance,
    time: fields.time.toISOString(),
    ...(fields.savepoint ? { savepoint: fields.savepoint } : {}),
  };
}

/** The record on a Deployment: absent, parsed, or unreadable (with why). */
export type ObservedRecord =
  | { state: 'absent' }
  | { state: 'present'; record: DeploymentRecord }
  | { state: 'unreadable'; reason: string };

export function readRecord(annotations: Record<string, string> | undefined): ObservedRecord {
  const text = annotations?.[RECORD_ANNOTATION];
  if (text === undefined) return { state: 'absent' };
  try {
    const value = JSON.parse(text) as Partial<DeploymentRecord>;
    if (
      value &&
      value.recordVersion === 1 &&
      typeof value.image === 'string' &&
      typeof value.configHash === 'string'
    ) {
      return { state: 'present', record: value as DeploymentRecord };
    }
    return { state: 'unreadable', reason: `${RECORD_ANNOTATION} lacks recordVersion 1, image or configHash` };
  } catch (err) {
    return { state: 'unreadable', reason: `${RECORD_ANNOTATION} is not JSON (${(err as Error).message})` };
  }
}
