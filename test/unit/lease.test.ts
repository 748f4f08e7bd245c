import { describe, expect, it } from 'vitest';
import { deployPermissions } from '../../src/deploy/decide.js';
import {
  clockTime,
  decideLease,
  holderGone,
  holderIdentity,
  leaseDurationSeconds,
  leaseLabels,
  leaseName,
  leaseObject,
  microTime,
} from '../../src/deploy/lease.js';
import { plan } from '../../src/plan/plan.js';
import { loadSpec } from '../../src/spec/load.js';

const ME = 'https://github.com/acme/jobs/actions/runs/42 (deploy 0a1b2c3d)';
const OTHER = 'https://github.com/acme/jobs/actions/runs/41 (deploy 99887766)';
const NOW = new Date('2026-03-04T12:05:00.000Z');

describe('holderGone: a deployer of this machine that no longer exists', () => {
  const dead = (pid: number) => pid !== 4242;
  it('is a live Lease of a process of this host that has exited', () => {
    expect(holderGone('root@vm pid 999 (deploy 0a1b2c3d)', 'vm', (pid) => pid === 4242)).toBe(true);
    expect(holderGone('root@vm pid 4242 (deploy 0a1b2c3d)', 'vm', (pid) => pid === 4242)).toBe(false);
  });
  it('never judges a holder elsewhere: another host or a GitHub run', () => {
    expect(holderGone('root@other pid 999 (deploy 0a1b2c3d)', 'vm', dead)).toBe(false);
    expect(holderGone(OTHER, 'vm', dead)).toBe(false);
  });
  it('this very process is alive', () => {
    expect(holderGone(`me@here pid ${process.pid} (deploy 00000000)`, 'here')).toBe(false);
  });
  it('lets decideLease take a live Lease over from a gone holder, counting a transition', () => {
    const live = {
      holderIdentity: 'root@vm pid 999 (deploy 1)',
      renewTime: '2026-03-04T12:04:59.000000Z',
      leaseDurationSeconds: 60,
      leaseTransitions: 1,
    };
    expect(decideLease(live, NOW, ME, () => true)).toEqual({
      take: true,
      why: 'holder-gone',
      transitions: 2,
    });
    expect(decideLease(live, NOW, ME, () => false)).toMatchObject({ take: false });
  });
});

describe('decideLease', () => {
  it('creates a Lease that does not exist', () => {
    expect(decideLease(undefined, NOW, ME)).toEqual({ take: true, why: 'absent', transitions: 0 });
  });

  it('takes a Lease without a holder, counting a transition', () => {
    expect(decideLease({ leaseTransitions: 2 }, NOW, ME)).toEqual({
      take: true,
      why: 'free',
      transitions: 3,
    });
    expect(decideLease({ holderIdentity: '' }, NOW, ME)).toEqual({ take: true, why: 'free', transitions: 1 });
  });

  it('waits for another holder whose Lease is live, saying who, since when and until when', () => {
    expect(
      decideLease(
        {
          holderIdentity: OTHER,
          acquireTime: '2026-03-04T12:03:10.000000Z',
          renewTime: '2026-03-04T12:03:10.000000Z',
          leaseDurationSeconds: 360,
          leaseTransitions: 4,
        },
        NOW,
        ME,
      ),
    ).toEqual({
      take: false,
      holder: OTHER,
      since: new Date('2026-03-04T12:03:10Z'),
      expiresAt: new Date('2026-03-04T12:09:10Z'),
    });
  });

  it('takes over another holder whose renewTime + leaseDurationSeconds is in the past', () => {
    const observed = {
      holderIdentity: OTHER,
      acquireTime: '2026-03-04T11:00:00.000000Z',
      renewTime: '2026-03-04T12:00:00.000000Z',
      leaseDurationSeconds: 300,
      leaseTransitions: 4,
    };
    expect(decideLease(observed, NOW, ME)).toEqual({ take: true, why: 'expired', transitions: 5 });
    // One millisecond earlier it is still live.
    expect(decideLease(observed, new Date(NOW.getTime() - 1), ME)).toMatchObject({ take: false });
  });

  it('reads expiry from renewTime, falling back to acquireTime; a Lease with no time at all is expired', () => {
    const live = {
      holderIdentity: OTHER,
      acquireTime: '2026-03-04T12:04:00.000000Z',
      leaseDurationSeconds: 120,
    };
    expect(decideLease(live, NOW, ME)).toMatchObject({
      take: false,
      expiresAt: new Date('2026-03-04T12:06:00Z'),
    });
    expect(decideLease({ holderIdentity: OTHER, leaseDurationSeconds: 120 }, NOW, ME)).toEqual({
      take: true,
      why: 'expired',
      transitions: 1,
    });
  });

  it('takes a Lease that is already its own, live or not, without counting a transition', () => {
    const mine = {
      holderIdentity: ME,
      renewTime: '2026-03-04T12:04:59.000000Z',
      leaseDurationSeconds: 360,
      leaseTransitions: 1,
    };
    expect(decideLease(mine, NOW, ME)).toEqual({ take: true, why: 'ours', transitions: 1 });
  });

  it('never counts the same run URL with another nonce as its own', () => {
    const sameRun = 'https://github.com/acme/jobs/actions/runs/42 (deploy ffffffff)';
    expect(
      decideLease(
        { holderIdentity: sameRun, renewTime: '2026-03-04T12:04:59.000000Z', leaseDurationSeconds: 360 },
        NOW,
        ME,
      ),
    ).toMatchObject({ take: false, holder: sameRun });
  });
});

describe('the Lease object', () => {
  it('names the holder by run URL in Actions, else by user@host pid, plus the verb and a nonce', () => {
    const who = { user: 'ana', host: 'laptop', pid: 4242 };
    expect(holderIdentity(who, 'delete', 'abcd0123')).toBe('ana@laptop pid 4242 (delete abcd0123)');
    expect(
      holderIdentity({ ...who, runUrl: 'https://github.com/acme/jobs/actions/runs/41' }, 'deploy', 'x'),
    ).toBe('https://github.com/acme/jobs/actions/runs/41 (deploy x)');
  });

  it('lasts the whole --timeout plus a margin', () => {
    expect(leaseDurationSeconds(300_000)).toBe(360);
    expect(leaseDurationSeconds(1_500)).toBe(62);
  });

  it('writes times as Kubernetes MicroTime (six fractional digits) and clock times in UTC', () => {
    expect(microTime(new Date('2026-03-04T12:03:10.123Z'))).toBe('2026-03-04T12:03:10.123000Z');
    expect(clockTime(new Date('2026-03-04T12:03:10.123Z'))).toBe('12:03:10 UTC');
  });

  it('is a coordination.k8s.io/v1 Lease <cluster-id>-flinkship, labelled as Flinkship’s, with the read resourceVersion', () => {
    const loaded = loadSpec('fixtures/log-cleaner/flinkship.yaml');
    const p = plan(loaded, 'staging', { image: `ghcr.io/acme/log-cleaner@sha256:${'ab'.repeat(32)}` });
    const lease = leaseObject(
      {
        clusterId: p.clusterId,
        namespace: p.namespace,
        labels: leaseLabels(p),
        identity: ME,
        durationSeconds: 360,
      },
      new Date('2026-03-04T12:03:10Z'),
      3,
      '12345',
    );
    expect(lease).toEqual({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: `${p.clusterId}-flinkship`,
        namespace: p.namespace,
        labels: expect.objectContaining({
          'app.kubernetes.io/managed-by': 'flinkship',
          'app.kubernetes.io/instance': p.clusterId,
          'app.kubernetes.io/component': 'deploy-lease',
        }),
        annotations: { 'flinkship.dev/lifetime': 'deleted when the deploy run ends' },
        resourceVersion: '12345',
      },
      spec: {
        holderIdentity: ME,
        leaseDurationSeconds: 360,
        acquireTime: '2026-03-04T12:03:10.000000Z',
        renewTime: '2026-03-04T12:03:10.000000Z',
        leaseTransitions: 3,
      },
    });
    expect(leaseName('log-cleaner')).toBe('log-cleaner-flinkship');
  });

  it("is in deploy's preflight: get, list, watch, create, update and delete leases in the namespace", () => {
    const loaded = loadSpec('fixtures/log-cleaner/flinkship.yaml');
    const p = plan(loaded, 'staging', { image: `ghcr.io/acme/log-cleaner@sha256:${'ab'.repeat(32)}` });
    const leases = deployPermissions(p).filter((x) => x.resource === 'leases');
    expect(leases).toEqual(
      ['get', 'list', 'watch', 'create', 'update', 'delete'].map((verb) => ({
        verb,
        group: 'coordination.k8s.io',
        resource: 'leases',
        namespace: p.namespace,
      })),
    );
  });
});
