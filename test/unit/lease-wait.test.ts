// Taking the deploy lease, driven by a fake clock and a fake API server: the waiting and takeover
// decisions (how long to watch, when to give up, when a holder's lease has expired) are checked in
// simulated time, so no test waits out a real --timeout. The real API server's part (create/409,
// replace at a resourceVersion, the watch) is in test/integration/deploy-lease.test.ts.
import { describe, expect, it } from 'vitest';
import type { KubernetesObject } from '@kubernetes/client-node';
import {
  acquireLease,
  microTime,
  type LeaseKube,
  type LeaseObject,
  type LeaseRequest,
} from '../../src/deploy/lease.js';
import type { WaitSpec } from '../../src/executors/kube.js';
import type { Ui } from '../../src/ui/ui.js';
import { Deadline, type Clock } from '../../src/util/deadline.js';
import { OperationError } from '../../src/util/errors.js';

const ME = 'ana@laptop pid 4242 (deploy 0a1b2c3d)';
const OTHER = 'https://github.com/acme/jobs/actions/runs/41 (deploy 99887766)';
const T0 = Date.parse('2026-03-04T12:05:00.000Z');

class FakeClock implements Clock {
  constructor(public t: number) {}
  now(): number {
    return this.t;
  }
  sleep(ms: number): Promise<void> {
    this.t += ms;
    return Promise.resolve();
  }
}

const request: LeaseRequest = {
  clusterId: 'log-cleaner',
  namespace: 'jobs',
  labels: {},
  identity: ME,
  durationSeconds: 80,
};

function apiError(status: number): Error {
  return Object.assign(new Error(`HTTP ${status}`), { code: status });
}

/**
 * One Lease in one namespace, with resourceVersions, as the API server keeps it. A watch (waitFor)
 * lets simulated time pass: until `releasedAfterMs` when set (the holder deletes its Lease then), else
 * for the whole timeout, after which it fails as the real one does.
 */
function fakeApiServer(clock: FakeClock, stored: LeaseObject | undefined, releasedAfterMs?: number) {
  let version = 1;
  const calls: string[] = [];
  const watches: number[] = [];
  const state = { lease: stored };
  const save = (obj: LeaseObject): LeaseObject => {
    state.lease = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++version) } };
    return state.lease;
  };
  const kube = {
    create: async <T extends KubernetesObject>(obj: T): Promise<T> => {
      calls.push('create');
      if (state.lease) throw apiError(409);
      return save(obj as unknown as LeaseObject) as unknown as T;
    },
    get: async <T extends KubernetesObject>(): Promise<T | undefined> => {
      calls.push('get');
      return state.lease as unknown as T | undefined;
    },
    replace: async <T extends KubernetesObject>(obj: T): Promise<T> => {
      calls.push('replace');
      if (!state.lease) throw apiError(404);
      if (obj.metadata?.resourceVersion !== state.lease.metadata?.resourceVersion) throw apiError(409);
      return save(obj as unknown as LeaseObject) as unknown as T;
    },
    waitFor: async <T extends KubernetesObject>(spec: WaitSpec<T>, ui: Ui): Promise<T | undefined> => {
      calls.push('waitFor');
      watches.push(spec.timeoutMs);
      ui.info(`waiting for ${spec.describe}: ${spec.check(state.lease as unknown as T | undefined).status}`);
      if (releasedAfterMs !== undefined && releasedAfterMs < spec.timeoutMs) {
        await clock.sleep(releasedAfterMs);
        state.lease = undefined;
        if (spec.check(undefined).done) return undefined;
      }
      await clock.sleep(spec.timeoutMs);
      throw new OperationError(`timed out waiting for ${spec.describe}`);
    },
  } as LeaseKube;
  return { kube, calls, watches, state };
}

function recordingUi(): { ui: Ui; lines: string[] } {
  const lines: string[] = [];
  const ui: Partial<Ui> = {
    info: (m) => void lines.push(m),
    warning: (m) => void lines.push(`warning: ${m}`),
  };
  return { ui: ui as Ui, lines };
}

/** Another deployer's Lease, renewed `renewedAgoS` seconds before T0, lasting `durationS`. */
function theirs(renewedAgoS: number, durationS: number): LeaseObject {
  const renewed = microTime(new Date(T0 - renewedAgoS * 1000));
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'log-cleaner-flinkship', namespace: 'jobs', resourceVersion: '1' },
    spec: {
      holderIdentity: OTHER,
      acquireTime: renewed,
      renewTime: renewed,
      leaseDurationSeconds: durationS,
      leaseTransitions: 2,
    },
  };
}

describe('acquireLease in simulated time', () => {
  it('creates an absent Lease at once, stamped with the clock’s time, without waiting', async () => {
    const clock = new FakeClock(T0);
    const api = fakeApiServer(clock, undefined);
    const { ui, lines } = recordingUi();
    const held = await acquireLease(api.kube, request, new Deadline(20_000, { clock }), '20s', ui);
    expect(api.calls).toEqual(['create']);
    expect(clock.t).toBe(T0);
    expect(held?.expiresAt).toEqual(new Date(T0 + 80_000));
    expect(api.state.lease?.spec?.acquireTime).toBe('2026-03-04T12:05:00.000000Z');
    expect(lines).toEqual([`Lease jobs/log-cleaner-flinkship taken by ${ME} for 80s`]);
  });

  it("watches another holder's live Lease for the whole --timeout, then fails naming the holder, having written nothing", async () => {
    const clock = new FakeClock(T0);
    const api = fakeApiServer(clock, theirs(5, 600));
    const { ui, lines } = recordingUi();
    const failure = await acquireLease(api.kube, request, new Deadline(20_000, { clock }), '20s', ui).catch(
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(OperationError);
    expect((failure as Error).message).toBe(
      `the deploy lease of log-cleaner (Lease jobs/log-cleaner-flinkship) is held by ${OTHER} since 12:04:55 UTC, live until 12:14:55 UTC, and it was not released within the --timeout of 20s, so nothing was deployed. Wait for that run to end and try again; if it died, its lease expires at 12:14:55 UTC, or delete it: kubectl delete lease -n jobs log-cleaner-flinkship`,
    );
    // One watch of exactly the time left, then a read; no create after the first, no replace.
    expect(api.watches).toEqual([20_000]);
    expect(api.calls).toEqual(['create', 'get', 'waitFor', 'get']);
    expect(clock.t).toBe(T0 + 20_000);
    expect(api.state.lease?.metadata?.resourceVersion).toBe('1');
    expect(lines).toEqual([
      `waiting for the deploy lease of log-cleaner: held by ${OTHER} since 12:04:55 UTC`,
    ]);
  });

  it('watches a live Lease only until it expires (and a second), then takes it over', async () => {
    const clock = new FakeClock(T0);
    // Renewed 55 s ago for 60 s: it expires 5 s from now, well within the --timeout of 60 s.
    const api = fakeApiServer(clock, theirs(55, 60));
    const { ui, lines } = recordingUi();
    const held = await acquireLease(api.kube, request, new Deadline(60_000, { clock }), '60s', ui);
    expect(api.watches).toEqual([6_000]);
    expect(api.calls).toEqual(['create', 'get', 'waitFor', 'get', 'replace']);
    expect(clock.t).toBe(T0 + 6_000);
    expect(held?.expiresAt).toEqual(new Date(T0 + 6_000 + 80_000));
    expect(api.state.lease?.spec).toEqual({
      holderIdentity: ME,
      leaseDurationSeconds: 80,
      acquireTime: '2026-03-04T12:05:06.000000Z',
      renewTime: '2026-03-04T12:05:06.000000Z',
      leaseTransitions: 3,
    });
    expect(lines.at(-1)).toBe(
      `Lease jobs/log-cleaner-flinkship taken over from ${OTHER}, whose lease expired, by ${ME} for 80s`,
    );
  });

  it('takes an already expired Lease over at once, without watching', async () => {
    const clock = new FakeClock(T0);
    const api = fakeApiServer(clock, theirs(600, 60));
    const { ui } = recordingUi();
    await acquireLease(api.kube, request, new Deadline(20_000, { clock }), '20s', ui);
    expect(api.calls).toEqual(['create', 'get', 'replace']);
    expect(clock.t).toBe(T0);
  });

  it('takes the Lease when its holder releases it during the watch', async () => {
    const clock = new FakeClock(T0);
    const api = fakeApiServer(clock, theirs(5, 600), 3_000);
    const { ui, lines } = recordingUi();
    const held = await acquireLease(api.kube, request, new Deadline(20_000, { clock }), '20s', ui);
    expect(api.calls).toEqual(['create', 'get', 'waitFor', 'create']);
    expect(clock.t).toBe(T0 + 3_000);
    expect(held?.expiresAt).toEqual(new Date(T0 + 3_000 + 80_000));
    expect(lines.at(-1)).toBe(`Lease jobs/log-cleaner-flinkship taken by ${ME} for 80s`);
  });

  it('fails at once when the --timeout is already used up, without watching', async () => {
    const clock = new FakeClock(T0);
    const api = fakeApiServer(clock, theirs(5, 600));
    const deadline = new Deadline(1_000, { clock });
    await clock.sleep(1_000);
    const { ui } = recordingUi();
    await expect(acquireLease(api.kube, request, deadline, '1s', ui)).rejects.toThrow(
      'and it was not released within the --timeout of 1s, so nothing was deployed',
    );
    expect(api.calls).toEqual(['create', 'get']);
  });
});

describe('Deadline', () => {
  it('counts down on its clock and names what it was used up before', async () => {
    const clock = new FakeClock(T0);
    const d = new Deadline(90_000, { clock });
    expect(d.at).toBe(T0 + 90_000);
    await clock.sleep(30_000);
    expect(d.remainingMs('x')).toBe(60_000);
    await clock.sleep(60_000);
    expect(d.passed()).toBe(true);
    expect(() => d.remainingMs('Kafka was Ready')).toThrow(
      new OperationError('the --timeout of 90s was used up before Kafka was Ready; give a longer --timeout'),
    );
    const deploy = new Deadline(1_000, {
      clock,
      expired: (what) => `the --timeout of 1s passed before ${what}`,
    });
    await clock.sleep(1_000);
    expect(() => deploy.remainingMs('submitting')).toThrow('the --timeout of 1s passed before submitting');
  });
});
