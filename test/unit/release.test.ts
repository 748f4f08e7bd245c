// The release lifecycle's decisions as pure functions: which upgrade path (release/decide.ts), the
// health gate's verdict (release/gate.ts), the history's transitions (release/history.ts), the
// rollback target, and the options a submission restores with. No cluster.
import { describe, expect, it } from 'vitest';
import { decideUpgrade, type ClusterObservation, type UpgradeDesired } from '../../src/release/decide.js';
import { evaluateGate, keptSamples, type GatePolicy } from '../../src/release/gate.js';
import {
  append,
  current,
  emptyHistory,
  markDeployed,
  nextRevisionNumber,
  parseHistory,
  pending,
  publicRevision,
  update,
  type HealthSample,
  type History,
  type Revision,
} from '../../src/release/history.js';
import { releasePolicy, restoreOptions } from '../../src/release/lifecycle.js';
import { rollbackRefusal } from '../../src/release/release.js';
import { resolveEnvironment } from '../../src/spec/resolve.js';
import type { Spec } from '../../src/spec/types.js';

const JID_A = 'a'.repeat(32);
const JID_B = 'b'.repeat(32);
const T0 = '2026-12-01T10:00:00.000Z';

function rev(n: number, patch: Partial<Revision> = {}): Revision {
  return {
    revision: n,
    state: 'deployed',
    image: `repo@sha256:${String(n).repeat(64).slice(0, 64)}`,
    configHash: `sha256:config${n}`,
    flinkVersion: '1.20',
    upgradeMode: 'savepoint',
    path: 'create',
    createdAt: T0,
    updatedAt: T0,
    submission: { argv: ['run-application'], clientWorkDir: '/flinkship' },
    ...patch,
  };
}

function history(...revisions: Revision[]): History {
  return { ...emptyHistory('job', 'staging'), revisions };
}

const desired = (patch: Partial<UpgradeDesired> = {}): UpgradeDesired => ({
  image: 'repo@sha256:new',
  configHash: 'sha256:confignew',
  flinkVersion: '1.20',
  upgradeMode: 'savepoint',
  fallback: 'none',
  ...patch,
});

const seen = (patch: Partial<ClusterObservation> = {}): ClusterObservation => ({
  deployment: true,
  job: { jid: JID_A, state: 'RUNNING' },
  haCheckpointJobs: [],
  now: Date.parse('2026-12-01T12:00:00Z'),
  ...patch,
});

const decide = (d: UpgradeDesired, h: History, o: ClusterObservation) => decideUpgrade(d, h, o, 'ns/job');

describe('decideUpgrade: which path a deploy takes', () => {
  it('creates when nothing exists and nothing was deployed', () => {
    expect(decide(desired(), history(), seen({ deployment: false, job: 'none' })).decision.path).toBe(
      'create',
    );
  });

  it('is unchanged when the current revision has the same image and config and the cluster exists', () => {
    const cur = rev(1);
    const r = decide(desired({ image: cur.image, configHash: cur.configHash }), history(cur), seen());
    expect(r.decision).toEqual({ path: 'unchanged', revision: cur });
  });

  it("refuses an image that ran another SQL script than the spec's, before touching anything", () => {
    const old = `sha256:${'1'.repeat(64)}`;
    const now = `sha256:${'2'.repeat(64)}`;
    const cur = rev(2, { sqlDigest: old });
    const same = { image: cur.image, configHash: cur.configHash };
    const reason = (image: string, revision: number) =>
      `${image} ran the SQL script ${'1'.repeat(12)} in ns/job (revision ${revision}); the spec's script is ${'2'.repeat(12)}, so that image was not built from it. Nothing was changed. Build the image from this spec (flinkship build) and deploy the digest it outputs`;
    expect(decide(desired({ ...same, sqlDigest: now }), history(cur), seen()).decision).toEqual({
      path: 'refuse',
      reason: reason(cur.image, 2),
    });
    // Whatever else changes, and an older revision's image too: an image holds one script.
    const older = rev(1, { sqlDigest: old });
    const h = history(older, rev(2, { sqlDigest: now }));
    expect(decide(desired({ image: older.image, sqlDigest: now }), h, seen()).decision).toEqual({
      path: 'refuse',
      reason: reason(older.image, 1),
    });
    // The same script, a jar job, or a new image: no refusal (a new image's script is checked by the
    // runner at its start).
    expect(decide(desired({ ...same, sqlDigest: old }), history(cur), seen()).decision.path).toBe(
      'unchanged',
    );
    expect(decide(desired(same), history(cur), seen()).decision.path).toBe('unchanged');
    expect(decide(desired({ sqlDigest: now }), history(cur), seen()).decision.path).toBe('savepoint');
  });

  it('stops a RUNNING job with a savepoint in savepoint mode', () => {
    const r = decide(desired(), history(rev(1)), seen());
    expect(r.decision).toMatchObject({ path: 'savepoint', jobId: JID_A });
    expect((r.decision as { reason: string }).reason).toContain('upgradeMode savepoint');
  });

  it('replaces a stateless job', () => {
    expect(decide(desired({ upgradeMode: 'stateless' }), history(rev(1)), seen()).decision.path).toBe(
      'stateless',
    );
  });

  it('goes last-state with the running job ID when HA holds its checkpoints', () => {
    const r = decide(
      desired({ upgradeMode: 'last-state' }),
      history(rev(1)),
      seen({ haCheckpointJobs: [JID_A] }),
    );
    expect(r.decision).toMatchObject({ path: 'last-state', jobId: JID_A, running: true });
  });

  it('never takes last-state across Flink versions: a savepoint instead', () => {
    const r = decide(
      desired({ upgradeMode: 'last-state', flinkVersion: '2.2' }),
      history(rev(1)),
      seen({ haCheckpointJobs: [JID_A] }),
    );
    expect(r.decision).toMatchObject({ path: 'savepoint', jobId: JID_A });
    expect((r.decision as { reason: string }).reason).toContain('Flink version changes (1.20 → 2.2)');
  });

  it('refuses last-state without HA checkpoints when the job does not run, naming what is missing', () => {
    const r = decide(
      desired({ upgradeMode: 'last-state' }),
      history(rev(1)),
      seen({ job: { jid: JID_A, state: 'RESTARTING' } }),
    );
    expect(r.decision.path).toBe('refuse');
    expect((r.decision as { reason: string }).reason).toMatch(
      /no checkpoint \(no ConfigMap with a checkpointID- entry/,
    );
  });

  it('refuses last-state when the newest checkpoint is older than maxCheckpointAge', () => {
    const o = seen({
      job: { jid: JID_A, state: 'FAILING' },
      haCheckpointJobs: [JID_A],
      latestCheckpointAt: Date.parse('2026-12-01T11:00:00Z'),
    });
    const r = decide(desired({ upgradeMode: 'last-state', maxCheckpointAgeMs: 600_000 }), history(rev(1)), o);
    expect(r.decision.path).toBe('refuse');
    expect((r.decision as { reason: string }).reason).toContain(
      '3600s old, older than upgrade.maxCheckpointAge (600s)',
    );
  });

  it('refuses a savepoint upgrade of a job that is not running, unless fallback allows last-state', () => {
    const o = seen({ job: { jid: JID_A, state: 'RESTARTING' }, haCheckpointJobs: [JID_A] });
    const refused = decide(desired(), history(rev(1)), o);
    expect(refused.decision.path).toBe('refuse');
    expect((refused.decision as { reason: string }).reason).toContain('upgrade.fallback is not last-state');
    const fallback = decide(desired({ fallback: 'last-state' }), history(rev(1)), o);
    expect(fallback.decision).toMatchObject({ path: 'last-state', jobId: JID_A, running: false });
    expect((fallback.decision as { reason: string }).reason).toContain('falling back to last-state');
  });

  it('refuses when the REST API does not answer in savepoint mode', () => {
    const r = decide(desired(), history(rev(1)), seen({ job: 'unreachable' }));
    expect(r.decision.path).toBe('refuse');
    expect((r.decision as { reason: string }).reason).toContain('its REST API does not answer');
  });

  describe('a re-run after a crash converges', () => {
    const base = rev(1);
    const same = (p: Partial<Revision>) =>
      rev(2, {
        state: 'pending',
        image: 'repo@sha256:new',
        configHash: 'sha256:confignew',
        path: 'savepoint',
        previous: 1,
        ...p,
      });

    it('killed before the savepoint: the same pending revision stops the job again', () => {
      const p = same({ progress: 'started' });
      const r = decide(desired(), history(base, p), seen());
      expect(r.resume).toBe(p);
      expect(r.decision).toMatchObject({ path: 'savepoint', jobId: JID_A });
    });

    it('killed after the savepoint completed but before it was recorded: read it from the FINISHED job', () => {
      const r = decide(desired(), history(base, same({})), seen({ job: { jid: JID_A, state: 'FINISHED' } }));
      expect(r.decision).toMatchObject({ path: 'recover-savepoint', jobId: JID_A });
    });

    it('killed after the savepoint was recorded: submit from it, whether the old cluster is still there or not', () => {
      const p = same({
        savepoint: 'file:///sp/1',
        restoredFrom: { kind: 'savepoint', path: 'file:///sp/1' },
        progress: 'savepoint-taken',
      });
      for (const o of [
        seen({ job: { jid: JID_A, state: 'FINISHED' } }),
        seen({ job: 'unreachable' }),
        seen({ deployment: false, job: 'none' }),
      ]) {
        expect(decide(desired(), history(base, p), o).decision).toMatchObject({
          path: 'from-savepoint',
          savepoint: 'file:///sp/1',
        });
      }
    });

    it('killed after the submission: wait for that job and gate it', () => {
      const p = same({
        jobId: JID_B,
        progress: 'submitted',
        restoredFrom: { kind: 'savepoint', path: 'file:///sp/1' },
      });
      const r = decide(desired(), history(base, p), seen({ job: { jid: JID_B, state: 'RUNNING' } }));
      expect(r.decision).toMatchObject({ path: 'await' });
    });

    it('a last-state job with the same ID is the old one until the submission is recorded', () => {
      const p = same({ path: 'last-state', jobId: JID_A, progress: 'removed' });
      const r = decide(
        desired({ upgradeMode: 'last-state' }),
        history(base, p),
        seen({ haCheckpointJobs: [JID_A] }),
      );
      expect(r.decision).toMatchObject({ path: 'last-state', jobId: JID_A });
      const after = same({ path: 'last-state', jobId: JID_A, progress: 'submitted' });
      expect(
        decide(
          desired({ upgradeMode: 'last-state' }),
          history(base, after),
          seen({ haCheckpointJobs: [JID_A] }),
        ).decision.path,
      ).toBe('await');
    });

    it('killed after the JobManager was removed (last-state): resubmit from the HA checkpoints', () => {
      const p = same({ path: 'last-state', jobId: JID_A, progress: 'removed' });
      const r = decide(
        desired({ upgradeMode: 'last-state' }),
        history(base, p),
        seen({ deployment: false, job: 'none', haCheckpointJobs: [JID_A] }),
      );
      expect(r.decision).toMatchObject({ path: 'last-state', jobId: JID_A, running: false });
    });

    it('a pending revision of another image is abandoned, but its savepoint is carried over', () => {
      const p = same({
        image: 'repo@sha256:other',
        restoredFrom: { kind: 'savepoint', path: 'file:///sp/9' },
      });
      const r = decide(desired(), history(base, p), seen({ deployment: false, job: 'none' }));
      expect(r.abandon).toBe(p);
      expect(r.resume).toBeUndefined();
      expect(r.decision).toMatchObject({ path: 'from-savepoint', savepoint: 'file:///sp/9' });
    });

    it('never starts fresh when a deployed revision has neither a cluster nor a savepoint nor HA state', () => {
      const r = decide(desired(), history(base), seen({ deployment: false, job: 'none' }));
      expect(r.decision.path).toBe('refuse');
      expect((r.decision as { reason: string }).reason).toContain('its state would be lost');
    });
  });
});

describe('evaluateGate: the health verdict from samples', () => {
  const policy: GatePolicy = { checkpoints: 2, windowMs: 30_000, maxRestarts: 0, timeoutMs: 120_000 };
  const s = (atMs: number, p: Partial<HealthSample> = {}): HealthSample => ({
    atMs,
    state: 'RUNNING',
    completedCheckpoints: 0,
    failedCheckpoints: 0,
    numRestarts: 0,
    exceptions: 0,
    ...p,
  });

  it('waits until the window passed and enough checkpoints completed', () => {
    expect(evaluateGate(policy, [])).toEqual({ done: false, status: 'no sample yet' });
    expect(evaluateGate(policy, [s(0), s(31_000, { completedCheckpoints: 1 })]).done).toBe(false);
    expect(evaluateGate(policy, [s(10_000, { completedCheckpoints: 3 })]).done).toBe(false);
    expect(evaluateGate(policy, [s(0), s(31_000, { completedCheckpoints: 2 })])).toEqual({
      done: true,
      healthy: true,
      reason: 'RUNNING for 31s with 2 completed checkpoint(s), 0 restarts and no exceptions',
    });
  });

  it('fails at once on a restart, an exception or a terminal state', () => {
    expect(evaluateGate(policy, [s(2_000, { numRestarts: 1 })])).toMatchObject({
      done: true,
      healthy: false,
      reason: 'the job restarted 1 time(s) (at most 0 allowed)',
    });
    expect(evaluateGate(policy, [s(2_000, { exceptions: 1 })])).toMatchObject({ healthy: false });
    expect(evaluateGate(policy, [s(2_000, { state: 'FAILED' })])).toMatchObject({
      healthy: false,
      reason: 'the job is FAILED',
    });
  });

  it('tolerates restarts within maxRestarts, exceptions included', () => {
    const lenient = { ...policy, maxRestarts: 1 };
    expect(
      evaluateGate(lenient, [s(31_000, { numRestarts: 1, exceptions: 1, completedCheckpoints: 2 })]),
    ).toMatchObject({
      healthy: true,
    });
  });

  it('fails at the timeout, saying what was missing', () => {
    expect(evaluateGate(policy, [s(120_000, { completedCheckpoints: 1, failedCheckpoints: 3 })])).toEqual({
      done: true,
      healthy: false,
      reason: 'after 120s only 1 of 2 checkpoints completed (3 failed)',
    });
    expect(evaluateGate(policy, [s(120_000, { state: 'INITIALIZING' })])).toMatchObject({
      reason: 'after 120s the job was INITIALIZING, not RUNNING',
    });
  });

  it('keeps the samples where something changed, the first and the last', () => {
    const samples = [
      s(0),
      s(2000),
      s(4000, { completedCheckpoints: 1 }),
      s(6000, { completedCheckpoints: 1 }),
      s(8000, { completedCheckpoints: 1 }),
    ];
    expect(keptSamples(samples).map((x) => x.atMs)).toEqual([0, 4000, 8000]);
  });
});

describe('the release history', () => {
  it('numbers revisions, marks one deployed and supersedes the rest', () => {
    let h = history(rev(1), rev(2, { state: 'pending' }));
    expect(pending(h)?.revision).toBe(2);
    h = markDeployed(h, 2, { progress: 'running' }, new Date(T0));
    expect(h.revisions.map((r) => r.state)).toEqual(['superseded', 'deployed']);
    expect(current(h)?.revision).toBe(2);
    expect(nextRevisionNumber(h)).toBe(3);
  });

  it('is bounded, and never drops the current revision', () => {
    let h = history(rev(1));
    for (let n = 2; n <= 6; n++) h = append(h, rev(n, { state: 'failed' }), 3);
    expect(h.revisions.map((r) => r.revision)).toEqual([1, 5, 6]);
    expect(current(h)?.revision).toBe(1);
  });

  it('updates a revision in place with its time', () => {
    const h = update(history(rev(1)), 1, { savepoint: 'file:///sp' }, new Date('2026-12-02T00:00:00Z'));
    expect(h.revisions[0]).toMatchObject({ savepoint: 'file:///sp', updatedAt: '2026-12-02T00:00:00.000Z' });
  });

  it('refuses to read what it cannot parse, naming the object', () => {
    expect(() => parseHistory('{', 'Secret ns/x-flinkship-history')).toThrow(
      /Secret ns\/x-flinkship-history is not JSON/,
    );
    expect(() => parseHistory('{"revisions":[]}', 'S')).toThrow(/lacks historyVersion 1/);
  });

  it('shows no submissions (they hold secret values)', () => {
    expect(publicRevision(rev(1))).not.toHaveProperty('submission');
  });
});

describe('rollback', () => {
  it('goes back to the previous revision from the savepoint taken before the failed upgrade', () => {
    expect(rollbackRefusal(rev(2, { savepoint: 'file:///sp' }), rev(1))).toBeUndefined();
  });
  it('is refused across Flink versions, without a target, a submission or a savepoint', () => {
    expect(rollbackRefusal(rev(2, { savepoint: 'x', flinkVersion: '2.2' }), rev(1))).toContain(
      'across Flink versions',
    );
    expect(rollbackRefusal(rev(2), undefined)).toContain('no earlier revision');
    expect(rollbackRefusal(rev(2, { savepoint: 'x' }), rev(1, { submission: undefined }))).toContain(
      'no stored submission',
    );
    expect(rollbackRefusal(rev(2), rev(1))).toContain("the failed job's own checkpoints are not used");
    expect(
      rollbackRefusal(rev(2, { upgradeMode: 'stateless' }), rev(1, { upgradeMode: 'stateless' })),
    ).toBeUndefined();
  });
});

describe('restore options and policy', () => {
  const policy = { claimMode: 'NO_CLAIM' as const, allowNonRestoredState: false };
  it('uses the 1.x keys for 1.20 and the 2.x keys for 2.2, with a fixed job ID', () => {
    expect(restoreOptions('1.20', { jobId: JID_A, path: 'file:///sp' }, policy)).toEqual([
      `-D$internal.pipeline.job-id=${JID_A}`,
      '-Dexecution.shutdown-on-application-finish=false',
      '-Dexecution.savepoint.path=file:///sp',
      '-Dexecution.savepoint-restore-mode=NO_CLAIM',
      '-Dexecution.savepoint.ignore-unclaimed-state=false',
    ]);
    expect(
      restoreOptions('2.2', { jobId: JID_A, path: 'file:///sp' }, { ...policy, allowNonRestoredState: true }),
    ).toEqual([
      `-D$internal.pipeline.job-id=${JID_A}`,
      '-Dexecution.shutdown-on-application-finish=false',
      '-Dexecution.state-recovery.path=file:///sp',
      '-Dexecution.state-recovery.claim-mode=NO_CLAIM',
      '-Dexecution.state-recovery.ignore-unclaimed-state=true',
    ]);
    expect(restoreOptions('1.20', { jobId: JID_A }, policy)).toHaveLength(2);
  });

  it('defaults the gate from the spec: a checkpoint when checkpointing is on', () => {
    const spec: Spec = {
      name: 'job',
      flinkVersion: '1.20',
      image: { repository: 'repo' },
      job: { jar: 'a.jar' },
      flinkConfiguration: {
        'execution.checkpointing.interval': '10s',
        'execution.checkpointing.timeout': '2m',
      },
      environments: { staging: { health: { window: '1m', maxRestarts: 2, rollback: false } }, dev: {} },
    };
    expect(releasePolicy(resolveEnvironment(spec, 'staging'))).toMatchObject({
      gate: { checkpoints: 1, windowMs: 60_000, maxRestarts: 2, timeoutMs: 300_000 },
      rollback: false,
      savepointTimeoutMs: 120_000,
      claimMode: 'NO_CLAIM',
      historyLimit: 10,
    });
    expect(
      releasePolicy(resolveEnvironment({ ...spec, flinkConfiguration: {} }, 'dev')).gate.checkpoints,
    ).toBe(0);
  });
});
