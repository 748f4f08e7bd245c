// Savepoints through Flink's REST API: stop-with-savepoint (upgrade, delete) and a savepoint of a job
// that keeps running (the rollback point before a last-state upgrade). Bounded: a trigger Flink refuses
// because a task is not running yet is asked again a few times; the whole wait is bounded by timeoutMs.
import { FlinkRest, pollUntil, type SavepointStatus } from '../executors/flinkRest.js';
import { withRetry } from '../executors/retry.js';
import type { Ui } from '../ui/ui.js';

export interface SavepointRequest {
  jobId: string;
  /** true: stop the job with the savepoint (POST /jobs/:id/stop); false: the job keeps running. */
  stop: boolean;
  timeoutMs: number;
  formatType?: 'CANONICAL' | 'NATIVE';
  attempts?: number;
}

export type SavepointOutcome = { ok: true; location: string } | { ok: false; reason: string };

export async function takeSavepoint(
  rest: FlinkRest,
  req: SavepointRequest,
  ui: Ui,
): Promise<SavepointOutcome> {
  const started = Date.now();
  const left = () => Math.max(1_000, req.timeoutMs - (Date.now() - started));
  const attempts = req.attempts ?? 5;
  const what = req.stop ? 'stop-with-savepoint' : 'savepoint';
  let status: SavepointStatus = { done: false };
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const requestId = await withRetry(`${what} of job ${req.jobId}`, () =>
      req.stop
        ? rest.stopWithSavepoint(req.jobId, undefined, req.formatType)
        : rest.triggerSavepoint(req.jobId, undefined, req.formatType),
    );
    ui.info(`${what} of job ${req.jobId} triggered (${requestId}, format ${req.formatType ?? 'CANONICAL'})`);
    try {
      status = await pollUntil(
        `the savepoint of job ${req.jobId}`,
        left(),
        async () => {
          const s = await rest.savepointStatus(req.jobId, requestId);
          return s.done ? { done: s, status: 'completed' } : { status: 'in progress' };
        },
        (line) => ui.info(line),
      );
    } catch (err) {
      return { ok: false, reason: (err as Error).message };
    }
    if (!status.tasksNotRunning || attempt === attempts) break;
    ui.info(
      `Flink refused the savepoint for now, the job running on (${status.failure}); asking again in 2s (${attempt}/${attempts})`,
    );
    await new Promise((r) => setTimeout(r, Math.min(2_000, left())));
  }
  if (status.failure || !status.location) {
    return { ok: false, reason: status.failure ?? 'the savepoint completed without a location' };
  }
  ui.info(`savepoint completed: ${status.location}`);
  return { ok: true, location: status.location };
}
