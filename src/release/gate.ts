// The health gate: after every change, is the new job healthy? The verdict is a pure function of the
// samples (evaluateGate), unit-tested with no cluster; sampleJob reads one sample from Flink's REST API.
// Everything is counted from the job's (re)start: a new JobManager starts its checkpoint statistics,
// restart counter and exception history at zero, so a fresh job needs no baseline.
import type { FlinkRest } from '../executors/flinkRest.js';
import type { HealthSample, HealthVerdict } from './history.js';

export interface GatePolicy {
  /** Completed checkpoints needed after the start (0 when the job does not checkpoint). */
  checkpoints: number;
  /** Observe at least this long. */
  windowMs: number;
  /** Restarts tolerated within the window. */
  maxRestarts: number;
  /** Give up (unhealthy) when the conditions are not met after this long. */
  timeoutMs: number;
}

export type GateDecision = { done: false; status: string } | { done: true; healthy: boolean; reason: string };

const TERMINAL = new Set(['FAILED', 'CANCELED', 'CANCELLING', 'FAILING', 'FINISHED', 'SUSPENDED']);

/**
 * Decides from the samples so far (oldest first) whether the gate has passed, failed or must look
 * again. Fails at once on a restart beyond the budget, a new exception or a terminal state; passes once
 * the window has passed with the job RUNNING and enough checkpoints; fails at the timeout otherwise.
 */
export function evaluateGate(policy: GatePolicy, samples: HealthSample[]): GateDecision {
  const last = samples.at(-1);
  if (!last) return { done: false, status: 'no sample yet' };
  if (last.numRestarts > policy.maxRestarts) {
    return {
      done: true,
      healthy: false,
      reason: `the job restarted ${last.numRestarts} time(s) (at most ${policy.maxRestarts} allowed)`,
    };
  }
  // Every restart leaves an entry in the exception history; beyond the restarts allowed, any entry fails.
  if (last.exceptions > policy.maxRestarts) {
    return {
      done: true,
      healthy: false,
      reason: `the job's exception history has ${last.exceptions} entr${last.exceptions === 1 ? 'y' : 'ies'} since it started (at most ${policy.maxRestarts} allowed)`,
    };
  }
  if (TERMINAL.has(last.state)) {
    return { done: true, healthy: false, reason: `the job is ${last.state}` };
  }
  const enough = last.completedCheckpoints >= policy.checkpoints;
  const status = `${last.state}, ${last.completedCheckpoints}/${policy.checkpoints} checkpoints, ${last.numRestarts} restarts`;
  if (last.state === 'RUNNING' && enough && last.atMs >= policy.windowMs) {
    return {
      done: true,
      healthy: true,
      reason: `RUNNING for ${Math.round(last.atMs / 1000)}s with ${last.completedCheckpoints} completed checkpoint(s), ${last.numRestarts} restarts and no exceptions`,
    };
  }
  if (last.atMs >= policy.timeoutMs) {
    const why =
      last.state !== 'RUNNING'
        ? `the job was ${last.state}, not RUNNING`
        : `only ${last.completedCheckpoints} of ${policy.checkpoints} checkpoints completed${last.failedCheckpoints ? ` (${last.failedCheckpoints} failed)` : ''}`;
    return {
      done: true,
      healthy: false,
      reason: `after ${Math.round(policy.timeoutMs / 1000)}s ${why}`,
    };
  }
  return { done: false, status };
}

/** The samples a verdict keeps: the first, the last, and every one where something changed. */
export function keptSamples(samples: HealthSample[], max = 8): HealthSample[] {
  const kept: HealthSample[] = [];
  for (const s of samples) {
    const prev = kept.at(-1);
    if (
      !prev ||
      prev.state !== s.state ||
      prev.completedCheckpoints !== s.completedCheckpoints ||
      prev.numRestarts !== s.numRestarts ||
      prev.exceptions !== s.exceptions
    ) {
      kept.push(s);
    }
  }
  const last = samples.at(-1);
  if (last && kept.at(-1) !== last) kept.push(last);
  return kept.length <= max ? kept : [...kept.slice(0, max - 1), kept.at(-1)!];
}

export function verdictOf(decision: GateDecision & { done: true }, samples: HealthSample[]): HealthVerdict {
  return { healthy: decision.healthy, reason: decision.reason, samples: keptSamples(samples) };
}

/** One sample of job `jid`: its state, checkpoint counts, restarts (metric numRestarts), exceptions. */
export async function sampleJob(rest: FlinkRest, jid: string, atMs: number): Promise<HealthSample> {
  const [job, checkpoints, restarts, exceptions] = await Promise.all([
    rest.job(jid),
    rest.checkpointCounts(jid),
    rest.jobMetric(jid, 'numRestarts'),
    rest.exceptionCount(jid),
  ]);
  return {
    atMs,
    state: job.state,
    completedCheckpoints: checkpoints.completed,
    failedCheckpoints: checkpoints.failed,
    numRestarts: restarts ?? 0,
    exceptions,
  };
}
