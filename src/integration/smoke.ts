// `env smoke`: deploy the fixture job through the deploy verb, start the log producer, and read
// `logs-clean` back with the Strimzi Kafka image's console consumer until it holds exactly the expected
// records, or the time is up. Or run the user's own command instead.
import { spawn } from 'node:child_process';
import { Kube } from '../executors/kube.js';
import type { KubeObject } from '../plan/objects.js';
import type { Ui } from '../ui/ui.js';
import { OperationError } from '../util/errors.js';
import { podFinished } from './conditions.js';
import type { Deadline } from '../util/deadline.js';
import { CONSUMER, LOG_PRODUCER, compareRecords, consumerPod, logProducerPod, recordsOf } from './fixture.js';
import { bootstrapAddress } from './strimzi.js';
import type { EnvSettings } from './settings.js';
import { jobJar } from '../spec/resolve.js';

export interface SmokeResult {
  mode: 'fixture' | 'command';
  records?: number;
  command?: string;
  attempts?: number;
}

/** The value after `--name` (or `--name=value`) in the job's args. */
export function jobArg(args: readonly unknown[] | undefined, name: string): string | undefined {
  const list = (args ?? []).map(String);
  for (let i = 0; i < list.length; i++) {
    if (list[i] === name) return list[i + 1];
    if (list[i]!.startsWith(`${name}=`)) return list[i]!.slice(name.length + 1);
  }
  return undefined;
}

/** Runs the user's smoke command through the shell, with KUBECONFIG set; its output goes to the log. */
export async function runSmokeCommand(
  command: string,
  s: EnvSettings,
  deadline: Deadline,
  ui: Ui,
): Promise<void> {
  const timeoutMs = deadline.remainingMs(`the smoke command ran`);
  await new Promise<void>((resolve, reject) => {
    const child = spawn('sh', ['-c', command], {
      env: { ...process.env, ...(s.kubeconfig ? { KUBECONFIG: s.kubeconfig } : {}) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(
        new OperationError(
          `the smoke command \`${command}\` ran longer than ${Math.round(timeoutMs / 1000)}s and was stopped`,
        ),
      );
    }, timeoutMs);
    let pending = '';
    const onData = (d: Buffer) => {
      const lines = (pending + d.toString('utf8')).split('\n');
      pending = lines.pop()!;
      for (const l of lines) ui.info(l);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new OperationError(`the smoke command \`${command}\` could not start: ${err.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (pending) ui.info(pending);
      if (code === 0) resolve();
      else reject(new OperationError(`the smoke command \`${command}\` exited with ${code}`));
    });
  });
}

async function recreatePod(kube: Kube, pod: KubeObject, deadline: Deadline, ui: Ui): Promise<void> {
  const ref = {
    apiVersion: 'v1',
    kind: 'Pod',
    name: pod.metadata!.name!,
    namespace: pod.metadata!.namespace!,
  };
  if (await kube.delete(ref)) {
    await kube.waitFor(
      {
        ...ref,
        describe: `Pod ${ref.namespace}/${ref.name} deleted`,
        timeoutMs: deadline.remainingMs(`the old pod ${ref.name} was deleted`),
        check: (o) => ({ done: o === undefined, status: o ? 'still there' : 'gone' }),
      },
      ui,
    );
  }
  await kube.apply(pod);
}

/** The fixture's end-to-end check; the job must have been deployed already. */
export async function fixtureSmoke(
  kube: Kube,
  s: EnvSettings,
  input: { image: string; expected: string[] },
  deadline: Deadline,
  ui: Ui,
): Promise<SmokeResult> {
  const outputTopic = jobArg(s.env.job.args, '--output-topic') ?? 'logs-clean';
  const jar = jobJar(s.loaded, s.env, 'the fixture smoke test').split('/').pop()!;
  await ui.group(`Log producer ${s.env.namespace}/${LOG_PRODUCER}`, () =>
    recreatePod(kube, logProducerPod(s.env.namespace, input.image, jar), deadline, ui),
  );
  const brokers = bootstrapAddress(s.strimzi.cluster, s.strimzi.namespace);
  let attempt = 0;
  let last: ReturnType<typeof compareRecords> | undefined;
  for (;;) {
    attempt++;
    const name = `${CONSUMER}-${attempt}`;
    const pod = consumerPod({
      namespace: s.strimzi.namespace,
      brokers,
      topic: outputTopic,
      // One more than expected: an extra record must show up, not be cut off.
      maxMessages: input.expected.length + 1,
      idleTimeoutMs: 30_000,
      name,
      ...(s.strimzi.kafkaImage ? { image: s.strimzi.kafkaImage } : {}),
    });
    const output = await ui.group(`Consume ${outputTopic} (attempt ${attempt})`, async () => {
      await recreatePod(kube, pod, deadline, ui);
      const done = await kube.waitFor(
        {
          apiVersion: 'v1',
          kind: 'Pod',
          namespace: s.strimzi.namespace,
          name,
          describe: `console consumer ${s.strimzi.namespace}/${name} finished`,
          timeoutMs: deadline.remainingMs(`${outputTopic} was consumed`),
          check: (o) => podFinished(o as never),
        },
        ui,
      );
      const log = await kube.podLog(s.strimzi.namespace, name, 'consumer', 10_000);
      await kube.delete({ apiVersion: 'v1', kind: 'Pod', namespace: s.strimzi.namespace, name });
      ui.info(
        `consumer ${name}: ${(done as { status?: { phase?: string } } | undefined)?.status?.phase ?? '?'}`,
      );
      return log;
    });
    const records = recordsOf(output);
    last = compareRecords(input.expected, records);
    ui.info(
      `${outputTopic}: ${records.length} records; ${input.expected.length - last.missing.length} of ${input.expected.length} expected, ${last.unexpected.length} unexpected`,
    );
    if (last.unexpected.length > 0) break;
    if (last.ok) return { mode: 'fixture', records: records.length, attempts: attempt };
    if (deadline.leftMs() < 45_000) break;
  }
  const lines = [
    ...last.missing.map((r) => `  missing:    ${r}`),
    ...last.unexpected.map((r) => `  unexpected: ${r}`),
  ];
  throw new OperationError(
    `the smoke test failed: ${outputTopic} does not hold exactly the expected records after ${attempt} attempts:\n${lines.join('\n')}`,
  );
}
