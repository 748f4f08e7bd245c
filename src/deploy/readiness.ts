// Is the deployment up? The JobManager Deployment Available, then the job RUNNING; and when it is not,
// the diagnostics a person needs to act: events, the JobManager pod's status and log, Flink's exceptions.
import type { JobOverview } from '../executors/flinkRest.js';
import type { CoreV1Event, Kube, V1Deployment, V1Pod, WaitCheck } from '../executors/kube.js';
import { describeError } from '../executors/retry.js';
import { OperationError } from '../util/errors.js';
import { pollUntil, type FlinkRest } from '../executors/flinkRest.js';
import type { Ui } from '../ui/ui.js';
import { MAIN_CONTAINER } from '../plan/podTemplate.js';

/** The labels Flink's native Kubernetes integration puts on the JobManager Deployment and its pods. */
export function jobManagerSelector(clusterId: string): string {
  return `app=${clusterId},component=jobmanager,type=flink-native-kubernetes`;
}

export function deploymentAvailable(d: V1Deployment | undefined): WaitCheck {
  if (!d) return { done: false, status: 'the Deployment does not exist' };
  const want = d.spec?.replicas ?? 1;
  const ready = d.status?.readyReplicas ?? 0;
  const conditions = d.status?.conditions ?? [];
  const progressing = conditions.find((c) => c.type === 'Progressing');
  const available = conditions.some((c) => c.type === 'Available' && c.status === 'True');
  const current = (d.status?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0);
  const status = `${ready}/${want} ready${available ? ', Available' : ''}`;
  if (progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded') {
    return { done: false, status, failed: `ProgressDeadlineExceeded: ${progressing.message ?? ''}` };
  }
  return { done: available && current && ready >= want, status };
}

const FAILED_STATES = new Set(['FAILED', 'CANCELED', 'CANCELLING', 'FAILING']);

export function jobRunning(job: JobOverview | undefined): {
  done?: JobOverview;
  failed?: string;
  status: string;
} {
  if (!job) return { status: 'no job yet' };
  const status = `job ${job.jid} (${job.name}) ${job.state}`;
  if (job.state === 'RUNNING') {
    // A RUNNING job may still wait for TaskManagers to register and take its tasks: it runs when
    // every task does (a finished task of a bounded source counts).
    const t = job.tasks;
    if (!t) return { done: job, status };
    const up = t.running + (t.finished ?? 0);
    return up >= t.total
      ? { done: job, status }
      : { status: `${status}, ${t.running}/${t.total} tasks running` };
  }
  if (FAILED_STATES.has(job.state)) return { failed: status, status };
  return { status };
}

function eventLine(e: CoreV1Event): string {
  const when = e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp;
  const time = when ? new Date(when as unknown as string).toISOString() : '';
  const count = e.count && e.count > 1 ? ` (x${e.count})` : '';
  return `${time} ${e.type ?? ''} ${e.reason ?? ''} ${e.involvedObject.kind}/${e.involvedObject.name}: ${e.message ?? ''}${count}`;
}

function podLines(pod: V1Pod): string[] {
  const lines = [`pod ${pod.metadata?.name}: phase ${pod.status?.phase ?? 'unknown'}`];
  for (const c of pod.status?.conditions ?? []) {
    if (c.status !== 'True')
      lines.push(
        `  condition ${c.type}=${c.status}${c.reason ? ` ${c.reason}` : ''}${c.message ? `: ${c.message}` : ''}`,
      );
  }
  for (const cs of pod.status?.containerStatuses ?? []) {
    const state = cs.state?.waiting
      ? `waiting ${cs.state.waiting.reason ?? ''} ${cs.state.waiting.message ?? ''}`
      : cs.state?.terminated
        ? `terminated ${cs.state.terminated.reason ?? ''} exit ${cs.state.terminated.exitCode}`
        : cs.state?.running
          ? 'running'
          : 'unknown';
    lines.push(`  container ${cs.name}: ${state.trim()}, ready ${cs.ready}, restarts ${cs.restartCount}`);
  }
  return lines;
}

/** Sections of text, each with a title: what went wrong, as the cluster and Flink saw it. */
export async function collectDiagnostics(
  kube: Kube,
  namespace: string,
  clusterId: string,
  rest: FlinkRest | undefined,
  jobId: string | undefined,
): Promise<{ title: string; lines: string[] }[]> {
  const sections: { title: string; lines: string[] }[] = [];
  const guard = async (title: string, fn: () => Promise<string[]>) => {
    try {
      sections.push({ title, lines: await fn() });
    } catch (err) {
      sections.push({ title, lines: [`(could not read: ${describeError(err)})`] });
    }
  };
  await guard(`Events of ${clusterId} in ${namespace}`, async () => {
    const events = await kube.list<CoreV1Event>('v1', 'Event', namespace);
    const mine = events.items
      .filter((e) => e.involvedObject.name?.startsWith(clusterId))
      .sort((a, b) => eventLine(a).localeCompare(eventLine(b)))
      .slice(-25);
    return mine.length ? mine.map(eventLine) : ['(no events)'];
  });
  let pods: V1Pod[] = [];
  await guard('JobManager pods', async () => {
    pods = (await kube.list<V1Pod>('v1', 'Pod', namespace, { labelSelector: jobManagerSelector(clusterId) }))
      .items;
    return pods.length ? pods.flatMap(podLines) : ['(no JobManager pod)'];
  });
  for (const pod of pods.slice(0, 2)) {
    await guard(`Log of ${pod.metadata?.name} (last 50 lines)`, async () =>
      (await kube.podLog(namespace, pod.metadata!.name!, MAIN_CONTAINER, 50)).trimEnd().split('\n'),
    );
    const restarts = pod.status?.containerStatuses?.find((c) => c.name === MAIN_CONTAINER)?.restartCount ?? 0;
    if (restarts > 0) {
      await guard(`Log of ${pod.metadata?.name} before its last restart (last 50 lines)`, async () =>
        (await kube.podLog(namespace, pod.metadata!.name!, MAIN_CONTAINER, 50, true)).trimEnd().split('\n'),
      );
    }
  }
  if (rest && jobId) {
    await guard(`Flink's exceptions of job ${jobId}`, async () => (await rest.exceptions(jobId)).split('\n'));
  }
  return sections;
}

/**
 * Waiting reasons of the JobManager's container that waiting longer does not cure: kubelet keeps
 * retrying, but the image or the pod spec has to change first. (ErrImagePull alone is not here: a
 * registry hiccup turns into ImagePullBackOff only when it lasts.)
 */
const FATAL_WAITING = new Set([
  'CrashLoopBackOff',
  'ImagePullBackOff',
  'ErrImageNeverPull',
  'InvalidImageName',
  'CreateContainerConfigError',
]);

/** Why a JobManager pod will not run the job, or undefined while it still may. */
export function jobManagerPodFailure(pod: V1Pod): { message: string; crashed: boolean } | undefined {
  const name = pod.metadata?.name ?? '?';
  const cs = pod.status?.containerStatuses?.find((c) => c.name === MAIN_CONTAINER);
  if (!cs) return undefined;
  // Flink's entrypoint exits non-zero when the cluster cannot start or the application's main fails
  // before a job exists (a missing entry class, an exception in main): the process is gone, and its
  // exception is in the log of the run that ended.
  const ended = cs.state?.terminated ?? cs.lastState?.terminated;
  if (ended && ended.exitCode !== 0) {
    const restarts = cs.restartCount ? `, restarted ${cs.restartCount}x` : '';
    return {
      message: `the JobManager pod ${name} exited with code ${ended.exitCode}${ended.reason ? ` (${ended.reason})` : ''}${restarts}`,
      crashed: true,
    };
  }
  const waiting = cs.state?.waiting;
  if (waiting?.reason && FATAL_WAITING.has(waiting.reason)) {
    return {
      message: `the JobManager pod ${name} is ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}`,
      crashed: false,
    };
  }
  return undefined;
}

/**
 * The exception in a Flink log: the first ERROR line, the exception after it and its causes without
 * stack frames; at most `max` lines, the innermost causes kept when there are more.
 */
export function exceptionSummary(log: string, max = 8): string[] {
  const lines = log.split('\n').map((l) => l.trimEnd());
  const start = lines.findIndex((l) => / ERROR /.test(l));
  if (start < 0) return [];
  const head = [lines[start]!];
  const causes: string[] = [];
  for (const l of lines.slice(start + 1)) {
    if (/^Caused by: /.test(l)) causes.push(l);
    else if (causes.length === 0 && head.length === 1 && /^[\w.$]+(Exception|Error)\b/.test(l)) head.push(l);
  }
  const room = Math.max(0, max - head.length);
  return [...head, ...causes.slice(Math.max(0, causes.length - room))].slice(0, max);
}

/**
 * The SQL runner's last line in a JobManager's log (sql-runner/: it writes its own lines, prefixed
 * `flinkship-sql-runner: `, and a refusal is the last it writes before it exits with code 2), or undefined.
 */
export function sqlRunnerMessage(log: string): string | undefined {
  const lines = log.split('\n').filter((l) => l.startsWith('flinkship-sql-runner: '));
  return lines.at(-1)?.trimEnd();
}

/**
 * Why the JobManager of `clusterId` will not run the job, with the exception from the log of the run
 * that ended; undefined while its pods may still come up.
 */
export async function jobManagerFailure(
  kube: Kube,
  namespace: string,
  clusterId: string,
): Promise<string | undefined> {
  const pods = (
    await kube.list<V1Pod>('v1', 'Pod', namespace, { labelSelector: jobManagerSelector(clusterId) })
  ).items;
  for (const pod of pods) {
    const failure = jobManagerPodFailure(pod);
    if (!failure) continue;
    if (!failure.crashed) return failure.message;
    const running = pod.status?.containerStatuses?.some((c) => c.name === MAIN_CONTAINER && c.state?.running);
    // Restarted: the exception is in the previous run's log; still terminated: in the current one.
    const log = await kube.podLog(namespace, pod.metadata!.name!, MAIN_CONTAINER, 300, running === true);
    // Flink's exception; else (a SQL job's runner that refused its script exits without one) the runner's line.
    const summary = exceptionSummary(log);
    if (summary.length === 0) {
      const runner = sqlRunnerMessage(log);
      if (runner) summary.push(runner);
    }
    return summary.length ? `${failure.message}:\n${summary.join('\n')}` : failure.message;
  }
  return undefined;
}

/**
 * Waits for the job to be RUNNING through the REST API, within `timeoutMs` in all. Through the service
 * proxy the API first has to answer: a JobManager still starting refuses, and one that crashed never
 * will, so `jobManager` (when given) is asked on every failed poll and its answer ends the wait.
 */
export async function waitForJob(
  rest: FlinkRest,
  explicitUrl: boolean,
  timeoutMs: number,
  ui: Ui,
  jobManager?: () => Promise<string | undefined>,
  /** Return a job that is RESTARTING too (a restart loop never has all its tasks running at once): the health gate judges it. */
  orRestarting = false,
): Promise<JobOverview> {
  const where = rest.transport.url;
  const started = Date.now();
  const failure = async (): Promise<string | undefined> => {
    try {
      return await jobManager?.();
    } catch {
      return undefined; // the API server's answer about pods is a hint, not a verdict
    }
  };
  if (!explicitUrl) {
    try {
      await pollUntil(
        `Flink's REST API at ${where}`,
        timeoutMs,
        async () => {
          try {
            await rest.jobs();
            return { done: true, status: 'answering' };
          } catch (err) {
            const failed = await failure();
            return { status: describeError(err), ...(failed ? { failed } : {}) };
          }
        },
        (line) => ui.info(line),
        2_000,
      );
    } catch (err) {
      if (err instanceof OperationError && /^timed out/.test(err.message)) {
        throw new OperationError(
          `${err.message}. If the API server cannot reach pods in this cluster, pass --rest-url.`,
          { cause: err },
        );
      }
      throw err;
    }
  }
  const job = await pollUntil(
    `the job to be RUNNING (${where})`,
    Math.max(1_000, timeoutMs - (Date.now() - started)),
    async () => {
      const current = await rest.currentJob();
      if (orRestarting && current?.state === 'RESTARTING') return { done: current, status: 'RESTARTING' };
      const seen = jobRunning(current);
      if (seen.done || seen.failed) return seen;
      const failed = await failure();
      return failed ? { ...seen, failed } : seen;
    },
    (line) => ui.info(line),
  );
  ui.info(`job ${job.jid} (${job.name}) is ${job.state}`);
  return job;
}
