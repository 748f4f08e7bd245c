// What the waits look for in an object's status, as pure checks that also say what they saw.
import type { WaitCheck } from '../executors/kube.js';

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}
interface WithStatus {
  metadata?: { generation?: number };
  status?: { conditions?: Condition[]; observedGeneration?: number } & Record<string, unknown>;
}

function conditionText(c: Condition): string {
  const why = [c.reason, c.message].filter(Boolean).join(': ');
  return `${c.type}=${c.status}${why ? ` (${why})` : ''}`;
}

/** Done when condition `type` is True (and, where the controller reports it, for the current generation). */
export function conditionCheck(type: string, obj: WithStatus | undefined): WaitCheck {
  if (!obj) return { done: false, status: 'not found' };
  const conditions = obj.status?.conditions ?? [];
  const wanted = conditions.find((c) => c.type === type);
  const generation = obj.metadata?.generation;
  const observed = obj.status?.observedGeneration;
  const stale = generation !== undefined && observed !== undefined && observed < generation;
  if (wanted?.status === 'True' && !stale) return { done: true, status: conditionText(wanted) };
  if (conditions.length === 0) return { done: false, status: 'no conditions yet' };
  const shown = conditions.map(conditionText).join(', ');
  return { done: false, status: stale ? `${shown} (for generation ${observed}, not ${generation})` : shown };
}

/** `kubectl rollout status` for a DaemonSet. */
export function daemonSetRolledOut(obj: WithStatus | undefined): WaitCheck {
  if (!obj) return { done: false, status: 'not found' };
  const s = (obj.status ?? {}) as Record<string, number | undefined>;
  const desired = s.desiredNumberScheduled ?? 0;
  const updated = s.updatedNumberScheduled ?? 0;
  const available = s.numberAvailable ?? 0;
  const generation = obj.metadata?.generation ?? 0;
  const observed = s.observedGeneration ?? 0;
  const status = `${available}/${desired} available, ${updated}/${desired} updated`;
  if (observed < generation)
    return { done: false, status: `${status} (generation ${generation} not observed yet)` };
  return { done: updated === desired && available === desired, status };
}

/** A Pod that ran to its end: done when Succeeded or Failed (the caller tells them apart). */
export function podFinished(obj: { status?: { phase?: string } } | undefined): WaitCheck {
  if (!obj) return { done: false, status: 'not found' };
  const phase = obj.status?.phase ?? 'Pending';
  return { done: phase === 'Succeeded' || phase === 'Failed', status: phase };
}
