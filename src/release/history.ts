// The release history of one cluster-id: every revision deploy, rollback and promotion made, in a
// Flinkship-owned Secret `<cluster-id>-flinkship-history` that nothing else owns (a replace of the
// Flink Deployment never takes it along). A Secret, not a ConfigMap: each revision keeps the exact
// submission (the Flink client's options, secret values included) so that a rollback redeploys what
// ran, not what the spec says today.
//
// The revision list is pure data with pure transitions (tested without a cluster); HistoryStore reads
// and writes it. Writes happen only while the deploy lease is held, so there is one writer.
import type { Kube } from '../executors/kube.js';
import type { UpgradeMode } from '../spec/types.js';

export const HISTORY_KEY = 'history.json';
export const DEFAULT_HISTORY_LIMIT = 10;

export type RevisionState = 'pending' | 'deployed' | 'failed' | 'superseded' | 'rolled-back';

/** Where a revision's job took its state from. */
export interface RestoredFrom {
  kind: 'savepoint' | 'checkpoint' | 'last-state';
  path?: string;
}

/** What the Flink client needs to submit a revision again, exactly as it was (rollback). */
export interface StoredSubmission {
  /** The client argv as planned for DEFAULT_CLIENT_WORK_DIR, real values included. */
  argv: string[];
  podTemplate?: string;
  clientWorkDir: string;
}

export interface HealthSample {
  /** Milliseconds since the job was (re)started, as deploy observed it. */
  atMs: number;
  state: string;
  completedCheckpoints: number;
  failedCheckpoints: number;
  numRestarts: number;
  exceptions: number;
}

export interface HealthVerdict {
  healthy: boolean;
  /** One line: why. */
  reason: string;
  /** The samples the verdict rests on (the first, the last, and at most a few between). */
  samples: HealthSample[];
}

/**
 * How a revision came by its image when `flinkship promote` made it (in Kargo's words: what freight moved,
 * from which stage and revision, verified when and by which run, who promoted it and why).
 */
export interface PromotionRecord {
  from: string;
  sourceRevision: number;
  /** The image the source ran, and the one copied here (same digest). */
  sourceImage: string;
  image: string;
  digest: string;
  /** When the source revision passed its health gate, and the run that deployed it. */
  verifiedAt?: string;
  verifiedBy?: string;
  promotedBy?: string;
  promotedAt: string;
  reason?: string;
  /** Set when --force promoted a revision the gate refused: what the gate said. */
  forced?: string;
  copy: { mounted: number; uploaded: number; present: number; bytesUploaded: number };
}

export interface Revision {
  revision: number;
  state: RevisionState;
  image: string;
  digest?: string;
  configHash: string;
  /** A SQL job: the digest of the script its image carries and its runner was told to run. */
  sqlDigest?: string;
  flinkVersion: string;
  upgradeMode: UpgradeMode;
  /** How it replaced the revision before it: created, stateless, savepoint, last-state, rollback. */
  path: string;
  /** The revision it replaced. */
  previous?: number;
  /** For a rollback: the revision that failed. */
  rollbackOf?: number;
  /** The job ID Flinkship gave the job ($internal.pipeline.job-id), known before it is submitted. */
  jobId?: string;
  /** The savepoint taken of the previous revision's job before this one replaced it: the rollback point. */
  savepoint?: string;
  restoredFrom?: RestoredFrom;
  /** How far a run got: a re-run after a crash reads it (together with what the cluster shows). */
  progress?: 'started' | 'savepoint-taken' | 'removed' | 'submitted' | 'running';
  health?: HealthVerdict;
  /** Why it failed or was rolled back. */
  reason?: string;
  createdAt: string;
  updatedAt: string;
  /** When it passed its health gate and became the deployed revision. */
  deployedAt?: string;
  /** When `flinkship promote` made it: where its image came from. */
  promotion?: PromotionRecord;
  commit?: string;
  runUrl?: string;
  actor?: string;
  submission?: StoredSubmission;
}

export interface History {
  historyVersion: 1;
  clusterId: string;
  environment: string;
  revisions: Revision[];
}

export function emptyHistory(clusterId: string, environment: string): History {
  return { historyVersion: 1, clusterId, environment, revisions: [] };
}

export function historyName(clusterId: string): string {
  return `${clusterId}-flinkship-history`;
}

/** The newest revision (highest number). */
export function latest(h: History): Revision | undefined {
  return h.revisions.at(-1);
}

/** The revision that is running as far as the history knows: the newest `deployed` one. */
export function current(h: History): Revision | undefined {
  return [...h.revisions].reverse().find((r) => r.state === 'deployed');
}

/** The newest revision when a run left it pending (crashed or killed). */
export function pending(h: History): Revision | undefined {
  const r = latest(h);
  return r?.state === 'pending' ? r : undefined;
}

export function find(h: History, revision: number): Revision | undefined {
  return h.revisions.find((r) => r.revision === revision);
}

export function nextRevisionNumber(h: History): number {
  return (latest(h)?.revision ?? 0) + 1;
}

/** Adds a revision and trims the oldest beyond `limit`, never the current one. */
export function append(h: History, r: Revision, limit: number): History {
  let revisions = [...h.revisions, r];
  while (revisions.length > Math.max(2, limit)) {
    const cur = current({ ...h, revisions });
    const drop = revisions.findIndex((x) => x !== cur && x !== r);
    if (drop < 0) break;
    revisions = revisions.filter((_, i) => i !== drop);
  }
  return { ...h, revisions };
}

/** The history with revision `n` changed by `patch` (and its updatedAt set). */
export function update(h: History, n: number, patch: Partial<Revision>, now: Date): History {
  return {
    ...h,
    revisions: h.revisions.map((r) =>
      r.revision === n ? { ...r, ...patch, updatedAt: now.toISOString() } : r,
    ),
  };
}

/**
 * Revision `n` became the running one: it is `deployed`, and every other `deployed` revision is
 * `superseded` (there is one running job per cluster-id).
 */
export function markDeployed(h: History, n: number, patch: Partial<Revision>, now: Date): History {
  const stamped = now.toISOString();
  return {
    ...h,
    revisions: h.revisions.map((r) => {
      if (r.revision === n)
        return { ...r, ...patch, state: 'deployed', updatedAt: stamped, deployedAt: stamped };
      if (r.state === 'deployed') return { ...r, state: 'superseded', updatedAt: stamped };
      return r;
    }),
  };
}

/** Parses the Secret's JSON; a history it cannot read is an error naming the object (never dropped). */
export function parseHistory(text: string, where: string): History {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`${where} is not JSON (${(err as Error).message})`);
  }
  const h = value as Partial<History>;
  if (!h || h.historyVersion !== 1 || !Array.isArray(h.revisions)) {
    throw new Error(`${where} lacks historyVersion 1 and a revisions list`);
  }
  return h as History;
}

/** The revision list without what only a rollback needs (submissions hold secret values). */
export function publicRevision(r: Revision): Omit<Revision, 'submission'> {
  const { submission: _s, ...rest } = r;
  return rest;
}

interface SecretObject {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; resourceVersion?: string };
  type?: string;
  data?: Record<string, string>;
}

/** Reads and writes the history Secret of one cluster-id. */
export class HistoryStore {
  constructor(
    private readonly kube: Pick<Kube, 'get' | 'apply'>,
    readonly namespace: string,
    readonly clusterId: string,
    readonly environment: string,
  ) {}

  get name(): string {
    return historyName(this.clusterId);
  }

  get where(): string {
    return `Secret ${this.namespace}/${this.name}`;
  }

  async read(): Promise<History> {
    const s = await this.kube.get<SecretObject>({
      apiVersion: 'v1',
      kind: 'Secret',
      name: this.name,
      namespace: this.namespace,
    });
    const text = s?.data?.[HISTORY_KEY];
    if (text === undefined) return emptyHistory(this.clusterId, this.environment);
    return parseHistory(Buffer.from(text, 'base64').toString('utf8'), `${this.where} (${HISTORY_KEY})`);
  }

  async write(h: History): Promise<void> {
    const secret: SecretObject = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: this.name,
        namespace: this.namespace,
        labels: {
          'app.kubernetes.io/managed-by': 'flinkship',
          'app.kubernetes.io/component': 'release-history',
          'flinkship.dev/cluster-id': this.clusterId,
          'flinkship.dev/environment': this.environment,
        },
      },
      type: 'Opaque',
      data: { [HISTORY_KEY]: Buffer.from(JSON.stringify(h)).toString('base64') },
    };
    await this.kube.apply(secret as Parameters<Kube['apply']>[0]);
  }
}
