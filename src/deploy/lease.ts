// One deployer at a time per cluster-id: deploy and delete hold a coordination.k8s.io/v1 Lease
// `<cluster-id>-flinkship` in the job's namespace from their first write to their end.
// The decision (may I take it?) is a pure function of (observed Lease, now, my identity); taking it is
// optimistic concurrency: create, or replace at the resourceVersion read, and a conflict means someone
// else won, so read again and decide again. A live Lease of another holder is waited for, with a
// watch, within --timeout. deploy's Lease is short and renewed while it runs (keepLeaseAlive); a Lease
// held by a process of this very machine that no longer exists is taken over at once (holderGone).
import { randomBytes } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import type { KubeObject } from '../plan/objects.js';
import { isNotFound, type Kube, type ObjectRef } from '../executors/kube.js';
import { describeError, httpFailureOf } from '../executors/retry.js';
import { leaseName, LIFETIME_ANNOTATION, RUN_LIFETIME } from '../plan/kubernetes.js';
import type { Plan } from '../plan/plan.js';
import type { Ui } from '../ui/ui.js';
import type { Deadline } from '../util/deadline.js';
import { OperationError } from '../util/errors.js';

/** The Lease's spec as the API server stores it (times as RFC 3339 strings with microseconds). */
export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface LeaseObject extends KubeObject {
  spec?: LeaseSpec;
}

export type LeaseDecision =
  /** Take it: create it (absent), or replace it (free, expired, or already this run's). */
  | { take: true; why: 'absent' | 'free' | 'expired' | 'ours' | 'holder-gone'; transitions: number }
  /** Another holder's Lease is live until `expiresAt`. */
  | { take: false; holder: string; since?: Date; expiresAt: Date };

/** Seconds a Lease outlives --timeout: the release, and the GitHub record after a failure, come after it. */
export const LEASE_MARGIN_SECONDS = 60;
/** How often a lost race (AlreadyExists, Conflict) is read and decided again before giving up. */
export const MAX_LEASE_RACES = 10;

export { leaseName };

export function leaseDurationSeconds(timeoutMs: number): number {
  return Math.ceil(timeoutMs / 1000) + LEASE_MARGIN_SECONDS;
}

/**
 * Who holds the Lease, as people read it: the GitHub run URL in Actions, else user@host pid; then the
 * verb and a nonce, because two runs can share both (two jobs of one workflow run, or two deploys in
 * one process), and only the very same run may count a Lease as its own.
 */
export function holderIdentity(
  who: { runUrl?: string; user: string; host: string; pid: number },
  verb: string,
  nonce: string,
): string {
  const name = who.runUrl ?? `${who.user}@${who.host} pid ${who.pid}`;
  return `${name} (${verb} ${nonce})`;
}

/** This process's identity for one run of `verb`. */
export function localHolderIdentity(verb: string, runUrl: string | undefined): string {
  let user = process.env.USER ?? 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (some containers): the environment's USER is all there is.
  }
  return holderIdentity(
    { ...(runUrl ? { runUrl } : {}), user, host: hostname(), pid: process.pid },
    verb,
    randomBytes(4).toString('hex'),
  );
}

function parseTime(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const t = new Date(value);
  return Number.isNaN(t.getTime()) ? undefined : t;
}

/**
 * May `me` take the Lease, given what was observed at `now`? A Lease is taken over only when it has
 * no holder, is already `me`'s, or has expired: renewTime (else acquireTime) + leaseDurationSeconds is
 * in the past. A Lease with a holder but no time at all cannot be live, so it counts as expired.
 */
export function decideLease(
  observed: LeaseSpec | undefined,
  now: Date,
  me: string,
  gone: (holder: string) => boolean = () => false,
): LeaseDecision {
  if (observed === undefined) return { take: true, why: 'absent', transitions: 0 };
  const transitions = observed.leaseTransitions ?? 0;
  const holder = observed.holderIdentity ?? '';
  if (holder === '') return { take: true, why: 'free', transitions: transitions + 1 };
  if (holder === me) return { take: true, why: 'ours', transitions };
  if (gone(holder)) return { take: true, why: 'holder-gone', transitions: transitions + 1 };
  const since = parseTime(observed.acquireTime);
  const renewed = parseTime(observed.renewTime) ?? since;
  const expiresAt = new Date((renewed?.getTime() ?? 0) + (observed.leaseDurationSeconds ?? 0) * 1000);
  if (expiresAt.getTime() <= now.getTime())
    return { take: true, why: 'expired', transitions: transitions + 1 };
  return { take: false, holder, ...(since ? { since } : {}), expiresAt };
}

/**
 * Whether `holder` names a process of this machine (`user@host pid N`, as localHolderIdentity writes it,
 * with this host's name) that no longer exists: a deployer killed here, whose Lease need not be waited
 * out. A holder elsewhere (another host, a GitHub run) is never judged gone.
 */
export function holderGone(
  holder: string,
  host = hostname(),
  alive: (pid: number) => boolean = processAlive,
): boolean {
  const m = /^\S+@(\S+) pid (\d+) \(/.exec(holder);
  if (!m || m[1] !== host) return false;
  return !alive(Number(m[2]));
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, as another user's.
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** RFC 3339 with microseconds, the form of a Kubernetes MicroTime. */
export function microTime(t: Date): string {
  return t.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** `12:03:10 UTC`: when a holder took the Lease, as a progress line says it. */
export function clockTime(t: Date): string {
  return `${t.toISOString().slice(11, 19)} UTC`;
}

export interface LeaseRequest {
  clusterId: string;
  namespace: string;
  labels: Record<string, string>;
  identity: string;
  durationSeconds: number;
}

/** The Lease as `request.identity` holds it from `now`. */
export function leaseObject(
  request: LeaseRequest,
  now: Date,
  transitions: number,
  resourceVersion?: string,
): LeaseObject {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name: leaseName(request.clusterId),
      namespace: request.namespace,
      labels: { ...request.labels },
      annotations: { [LIFETIME_ANNOTATION]: RUN_LIFETIME },
      ...(resourceVersion ? { resourceVersion } : {}),
    },
    spec: {
      holderIdentity: request.identity,
      leaseDurationSeconds: request.durationSeconds,
      acquireTime: microTime(now),
      renewTime: microTime(now),
      leaseTransitions: transitions,
    },
  };
}

/** Labelled as the plan shows the Lease. */
export function leaseLabels(plan: Plan): Record<string, string> {
  const lease = plan.kubernetes.find((o) => o.kind === 'Lease');
  return { ...(lease?.metadata.labels ?? {}) };
}

export interface HeldLease {
  ref: ObjectRef;
  identity: string;
  /** The version this run wrote: the release deletes exactly that one. */
  resourceVersion: string;
  expiresAt: Date;
}

function refOf(request: LeaseRequest): ObjectRef {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    name: leaseName(request.clusterId),
    namespace: request.namespace,
  };
}

function held(request: LeaseRequest, stored: LeaseObject, now: Date): HeldLease {
  return {
    ref: refOf(request),
    identity: request.identity,
    resourceVersion: stored.metadata?.resourceVersion ?? '',
    expiresAt: new Date(now.getTime() + request.durationSeconds * 1000),
  };
}

/** The part of the Kubernetes executor taking a Lease uses (a fake stands in for it in unit tests). */
export type LeaseKube = Pick<Kube, 'create' | 'get' | 'replace' | 'waitFor'>;

function isConflict(err: unknown): boolean {
  return httpFailureOf(err)?.status === 409;
}

/**
 * Takes the Lease of `request.clusterId`, waiting for another holder's live Lease until `deadline`
 * (whose clock also says what `now` is when deciding). Returns undefined when the namespace does not exist (there is nothing to hold a Lease
 * in). Throws an OperationError naming the holder when the deadline passes first.
 */
export async function acquireLease(
  kube: LeaseKube,
  request: LeaseRequest,
  deadline: Deadline,
  timeoutText: string,
  ui: Ui,
): Promise<HeldLease | undefined> {
  const ref = refOf(request);
  const where = `Lease ${request.namespace}/${ref.name}`;
  let races = 0;
  const lostRace = (why: string) => {
    races++;
    if (races > MAX_LEASE_RACES) {
      throw new OperationError(
        `could not take the deploy lease (${where}): other deployers won ${MAX_LEASE_RACES} races in a row (${why}); try again`,
      );
    }
    ui.info(`${where}: ${why}; reading it again (${races}/${MAX_LEASE_RACES})`);
  };
  // Create first: when nobody deploys, that is the one request taking the Lease needs.
  let current: LeaseObject | undefined;
  for (;;) {
    const now = new Date(deadline.now());
    if (current === undefined) {
      try {
        const created = await kube.create(leaseObject(request, now, 0));
        ui.info(`${where} taken by ${request.identity} for ${request.durationSeconds}s`);
        return held(request, created, now);
      } catch (err) {
        if (isNotFound(err)) return undefined;
        if (!isConflict(err)) throw err;
      }
      current = await kube.get<LeaseObject>(ref);
      if (current === undefined) {
        lostRace('it was deleted just after it was found');
        continue;
      }
    }
    const decision = decideLease(current.spec, now, request.identity, holderGone);
    if (decision.take) {
      try {
        const stored = await kube.replace(
          leaseObject(request, now, decision.transitions, current.metadata?.resourceVersion),
        );
        const previous = current.spec?.holderIdentity;
        ui.info(
          decision.why === 'expired'
            ? `${where} taken over from ${previous}, whose lease expired, by ${request.identity} for ${request.durationSeconds}s`
            : decision.why === 'holder-gone'
              ? `${where} taken over from ${previous}, a process of this machine that no longer exists, by ${request.identity} for ${request.durationSeconds}s`
              : `${where} taken by ${request.identity} for ${request.durationSeconds}s`,
        );
        return held(request, stored, now);
      } catch (err) {
        if (isNotFound(err)) {
          current = undefined;
          lostRace('it was deleted while taking it over');
          continue;
        }
        if (!isConflict(err)) throw err;
        lostRace('another deployer wrote it first (409 Conflict)');
        current = await kube.get<LeaseObject>(ref);
        continue;
      }
    }
    current = await waitForRelease(kube, ref, decision, request, deadline, timeoutText, ui);
  }
}

/**
 * Watches the Lease until it is released, expires or changes hands, within the deadline. Returns the
 * Lease as last seen (undefined: deleted), for the caller to decide again.
 */
async function waitForRelease(
  kube: LeaseKube,
  ref: ObjectRef,
  decision: Extract<LeaseDecision, { take: false }>,
  request: LeaseRequest,
  deadline: Deadline,
  timeoutText: string,
  ui: Ui,
): Promise<LeaseObject | undefined> {
  const since = decision.since ? ` since ${clockTime(decision.since)}` : '';
  const heldBy = `held by ${decision.holder}${since}`;
  const now = deadline.now();
  if (now >= deadline.at) {
    throw new OperationError(
      `the deploy lease of ${request.clusterId} (Lease ${request.namespace}/${ref.name}) is ${heldBy}, live until ${clockTime(decision.expiresAt)}, and it was not released within the --timeout of ${timeoutText}, so nothing was deployed. Wait for that run to end and try again; if it died, its lease expires at ${clockTime(decision.expiresAt)}, or delete it: kubectl delete lease -n ${request.namespace} ${ref.name}`,
    );
  }
  // Expiry is a matter of time, not of a change the watch would see: wait at most until then.
  const until = Math.min(deadline.at, decision.expiresAt.getTime() + 1_000);
  try {
    return await kube.waitFor<LeaseObject>(
      {
        ...ref,
        describe: `the deploy lease of ${request.clusterId}`,
        timeoutMs: Math.max(1, until - now),
        check: (lease) => {
          const d = decideLease(lease?.spec, new Date(deadline.now()), request.identity, holderGone);
          const handsChanged = !d.take && d.holder !== decision.holder;
          return { done: d.take || handsChanged, status: lease ? heldBy : 'released' };
        },
      },
      ui,
    );
  } catch (err) {
    if (!(err instanceof OperationError) || deadline.now() < until) throw err;
    return kube.get<LeaseObject>(ref);
  }
}

/**
 * Deletes the Lease if it is still the version this run wrote, also after a failure. A release that
 * fails is a warning: the Lease expires by itself, and the run's own outcome is what matters.
 */
export async function releaseLease(kube: Kube, lease: HeldLease, ui: Ui): Promise<void> {
  const where = `Lease ${lease.ref.namespace}/${lease.ref.name}`;
  try {
    const outcome = await kube.deleteUnchanged(lease.ref, lease.resourceVersion);
    if (outcome === 'deleted') ui.info(`${where} released`);
    else if (outcome === 'gone') ui.warning(`${where} was already gone when this run released it`);
    else {
      ui.warning(
        `${where} changed since this run took it (another deployer took it over, its lease having expired): left as it is`,
      );
    }
  } catch (err) {
    ui.warning(
      `could not release ${where} (${describeError(err)}); it expires at ${clockTime(lease.expiresAt)}, or delete it: kubectl delete lease -n ${lease.ref.namespace} ${lease.ref.name}`,
    );
  }
}

/** A held Lease lives this long without renewal: a deployer that died frees it within this time. */
export const RENEWED_LEASE_SECONDS = 60;

/**
 * Renews the Lease every third of its duration while a long run (a savepoint, an upgrade, a health
 * gate) holds it, so that it can be short: a deployer killed at any step frees it within
 * RENEWED_LEASE_SECONDS. Each renewal is a replace at the version this run wrote; when someone else
 * wrote it since (it expired and was taken over), renewing stops with a warning. Returns what stops it.
 */
export function keepLeaseAlive(
  kube: Pick<Kube, 'get' | 'replace'>,
  lease: HeldLease,
  request: LeaseRequest,
  ui: Ui,
): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const periodMs = (request.durationSeconds * 1000) / 3;
  const renew = async () => {
    if (stopped) return;
    try {
      const current = await kube.get<LeaseObject>(lease.ref);
      if (
        !current ||
        current.spec?.holderIdentity !== lease.identity ||
        current.metadata?.resourceVersion !== lease.resourceVersion
      ) {
        ui.warning(
          `the deploy lease ${lease.ref.namespace}/${lease.ref.name} was taken over or removed; no longer renewing it`,
        );
        stopped = true;
        return;
      }
      const now = new Date();
      const renewed: LeaseObject = {
        ...current,
        spec: { ...current.spec, renewTime: microTime(now), leaseDurationSeconds: request.durationSeconds },
      };
      const stored = await kube.replace(renewed);
      lease.resourceVersion = stored.metadata?.resourceVersion ?? lease.resourceVersion;
      lease.expiresAt = new Date(now.getTime() + request.durationSeconds * 1000);
    } catch (err) {
      ui.warning(
        `could not renew the deploy lease (${describeError(err)}); trying again in ${Math.round(periodMs / 1000)}s`,
      );
    }
    if (!stopped) timer = setTimeout(() => void renew(), periodMs);
  };
  timer = setTimeout(() => void renew(), periodMs);
  timer.unref?.();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
