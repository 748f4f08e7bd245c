// What a failed run leaves behind, so that nobody needs to reproduce it: events, the description and
// logs of every pod that is not Ready, the Strimzi operator's logs, the Flink JobManager's logs and the
// job's exceptions, and `kind export logs`. Written to a directory (uploaded as an artifact) and
// summarized for the job summary. Collecting never throws: a part that fails says why in its file.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import type { Kube } from '../executors/kube.js';
import type { Ui } from '../ui/ui.js';

interface Pod {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  spec?: { containers?: { name: string }[] };
  status?: {
    phase?: string;
    conditions?: { type?: string; status?: string; reason?: string; message?: string }[];
    containerStatuses?: {
      name: string;
      ready?: boolean;
      restartCount?: number;
      state?: Record<string, unknown>;
    }[];
  };
}
interface Event {
  lastTimestamp?: string | Date;
  eventTime?: string | Date;
  type?: string;
  reason?: string;
  message?: string;
  involvedObject?: { kind?: string; name?: string; namespace?: string };
  metadata?: { creationTimestamp?: Date };
}

export interface DiagnosticsRequest {
  dir: string;
  namespaces: string[];
  strimziNamespace: string;
  flink?: { namespace: string; clusterId: string };
  /** `kind export logs` into the directory, when the cluster is a kind cluster. */
  exportKindLogs?: (dir: string) => Promise<unknown>;
}

export interface Diagnostics {
  dir: string;
  files: string[];
  /** One line per finding, for the job summary. */
  findings: string[];
}

export function isPodReady(pod: Pod): boolean {
  if (pod.status?.phase === 'Succeeded') return true;
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

export function podProblem(pod: Pod): string {
  const waiting = pod.status?.containerStatuses
    ?.map((c) => {
      const [state, detail] = Object.entries(c.state ?? {})[0] ?? [];
      const reason = (detail as { reason?: string } | undefined)?.reason;
      return `${c.name}: ${state ?? 'unknown'}${reason ? ` (${reason})` : ''}, ${c.restartCount ?? 0} restarts`;
    })
    .join('; ');
  return `${pod.status?.phase ?? 'Unknown'}${waiting ? ` — ${waiting}` : ''}`;
}

function eventLine(e: Event): string {
  const at = e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp;
  const when = at instanceof Date ? at.toISOString() : (at ?? '');
  const what = `${e.involvedObject?.kind ?? ''}/${e.involvedObject?.name ?? ''}`;
  return `${when}\t${e.type ?? ''}\t${e.reason ?? ''}\t${what}\t${e.message ?? ''}`;
}

/** One file of the diagnostics directory (the run's artifact), creating its directories. */
export function writeDiagnosticsFile(dir: string, name: string, text: string): void {
  const file = path.join(dir, name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
}

export async function collectDiagnostics(kube: Kube, req: DiagnosticsRequest, ui: Ui): Promise<Diagnostics> {
  mkdirSync(req.dir, { recursive: true });
  const files: string[] = [];
  const findings: string[] = [];
  const write = (name: string, text: string) => {
    writeDiagnosticsFile(req.dir, name, text);
    files.push(name);
  };
  const attempt = async (what: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (err) {
      const line = `${what}: could not be collected (${(err as Error).message})`;
      findings.push(line);
      ui.warning(line);
    }
  };

  for (const ns of req.namespaces) {
    await attempt(`events in ${ns}`, async () => {
      const events = (await kube.list<Event & { apiVersion?: string }>('v1', 'Event', ns)).items;
      const sorted = events.map(eventLine).sort();
      write(`events/${ns}.tsv`, sorted.join('\n') + '\n');
      const warnings = events.filter((e) => e.type === 'Warning');
      if (warnings.length > 0) findings.push(`${ns}: ${warnings.length} warning events (events/${ns}.tsv)`);
    });
    await attempt(`pods in ${ns}`, async () => {
      const pods = (await kube.list<Pod & { apiVersion?: string }>('v1', 'Pod', ns)).items;
      for (const pod of pods.filter((p) => !isPodReady(p))) {
        const name = pod.metadata?.name ?? '?';
        findings.push(`pod ${ns}/${name} is not Ready: ${podProblem(pod)}`);
        const related = (
          await kube.list<Event & { apiVersion?: string }>('v1', 'Event', ns, {
            fieldSelector: `involvedObject.name=${name}`,
          })
        ).items;
        write(`pods/${ns}_${name}.describe.yaml`, stringify({ pod, events: related.map(eventLine) }));
        for (const c of pod.spec?.containers ?? []) {
          write(`pods/${ns}_${name}_${c.name}.log`, await kube.podLog(ns, name, c.name, 2000));
        }
      }
    });
  }

  await attempt('the Strimzi operator logs', async () => {
    const ops = (
      await kube.list<Pod & { apiVersion?: string }>('v1', 'Pod', req.strimziNamespace, {
        labelSelector: 'name=strimzi-cluster-operator',
      })
    ).items;
    for (const pod of ops) {
      const name = pod.metadata?.name ?? '?';
      write(`strimzi/${name}.log`, await kube.podLog(req.strimziNamespace, name, undefined, 5000));
    }
    if (ops.length === 0) findings.push(`no Strimzi operator pod in ${req.strimziNamespace}`);
  });

  if (req.flink) {
    const { namespace, clusterId } = req.flink;
    await attempt(`the Flink JobManager of ${clusterId}`, async () => {
      const jms = (
        await kube.list<Pod & { apiVersion?: string }>('v1', 'Pod', namespace, {
          labelSelector: `app=${clusterId},component=jobmanager`,
        })
      ).items;
      for (const pod of jms) {
        const name = pod.metadata?.name ?? '?';
        write(`flink/${name}.log`, await kube.podLog(namespace, name, 'flink-main-container', 5000));
      }
      if (jms.length === 0) findings.push(`no JobManager pod of ${clusterId} in ${namespace}`);
      const overview = await kube.serviceProxy(namespace, `${clusterId}-rest`, 'rest', '/jobs/overview', {
        timeoutMs: 10_000,
      });
      if (overview.status !== 200) {
        findings.push(`the JobManager REST API of ${clusterId} answered ${overview.status}`);
        return;
      }
      const jobs =
        (JSON.parse(overview.body) as { jobs?: { jid: string; name: string; state: string }[] }).jobs ?? [];
      for (const job of jobs) {
        findings.push(`Flink job ${job.name} (${job.jid}): ${job.state}`);
        const ex = await kube.serviceProxy(
          namespace,
          `${clusterId}-rest`,
          'rest',
          `/jobs/${job.jid}/exceptions`,
          {
            timeoutMs: 10_000,
          },
        );
        write(`flink/${job.jid}.exceptions.json`, ex.body);
      }
    });
  }

  if (req.exportKindLogs) {
    await attempt('kind export logs', async () => {
      await req.exportKindLogs!(path.join(req.dir, 'kind'));
      files.push('kind/');
    });
  }
  write('findings.txt', findings.join('\n') + '\n');
  return { dir: req.dir, files, findings };
}

export function renderDiagnostics(d: Diagnostics): string {
  const lines = d.findings.length ? d.findings.map((f) => `- ${f}`) : ['- nothing stood out'];
  return `### Diagnostics\n\nWritten to \`${d.dir}\` (${d.files.length} files).\n\n${lines.join('\n')}\n`;
}
