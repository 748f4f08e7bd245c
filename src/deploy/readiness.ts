// Is the deployment up? The JobManager Deployment Available, then the job RUNNING; and when it is not,
// the diagnostics a person needs to act: events, the JobManager pod's status and log, Flink's exceptions.
import type { JobOverview } from '../executors/flinkRest.js';
import type { CoreV1Event, Kube, V1Deployment, V1Pod, WaitCheck } from '../executors/kube.js';
import { describeError } from '../executors/retry.js';
import { pollUntil, type FlinkRest } from '../executors/flinkRest.js';
import type { Ui } from '../ui/ui.js';

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
  if (job.state === 'RUNNING') return { done: job, status };
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
      (await kube.podLog(namespace, pod.metadata!.name!, 'flink-main-container', 50)).trimEnd().split('\n'),
    );
  }
  if (rest && jobId) {
    await guard(`Flink's exceptions of job ${jobId}`, async () => (await rest.exceptions(jobId)).split('\n'));
  }
  return sections;
}

/** How long deploy tries to reach the REST API through the API server's service proxy. */
export const PROXY_REACH_MS = 60_000;

/** Waits for the job to be RUNNING through the REST API; unreachable through the proxy → a warning. */
export async function waitForJob(
  rest: FlinkRest,
  explicitUrl: boolean,
  timeoutMs: number,
  ui: Ui,
): Promise<JobOverview | undefined> {
  const where = rest.transport.url;
  if (!explicitUrl) {
    const reachMs = Math.min(timeoutMs, PROXY_REACH_MS);
    try {
      await pollUntil(
        `Flink's REST API at ${where}`,
        reachMs,
        async () => {
          await rest.jobs();
          return { done: true, status: 'answering' };
        },
        (line) => ui.info(line),
        2_000,
      );
    } catch (err) {
      ui.warning(
        `Flink's REST API did not answer through the API server's service proxy within ${Math.round(reachMs / 1000)}s (${(err as Error).message}); the job's state is not verified. Pass --rest-url when the proxy cannot reach the JobManager.`,
      );
      return undefined;
    }
  }
  const job = await pollUntil(
    `the job to be RUNNING (${where})`,
    timeoutMs,
    async () => jobRunning(await rest.currentJob()),
    (line) => ui.info(line),
  );
  ui.info(`job ${job.jid} (${job.name}) is RUNNING`);
  return job;
}
