// The release lifecycle on the testbed's REAL kind cluster: real JobManagers and TaskManagers in pods,
// a real Kafka broker, and the fixture's stateful SequenceJob, whose output proves state continuity:
// the numbers n are exactly 0..M (no record lost, none repeated: the sink is exactly-once and the topic
// is read read_committed) and each key's count runs 1..c (its keyed state was never reset).
//
// One cluster-id goes through, in order: create; a savepoint upgrade killed right after its savepoint
// completed, then run again; a version that fails on its first record, rolled back automatically; a
// last-state upgrade killed right after the JobManager was removed, then run again; `flinkship
// rollback`; and a savepoint that cannot complete, which leaves the old job running. Nothing passes
// --rest-url.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kube } from '../../src/executors/kube.js';
import { cli, type CliRun } from '../helpers/cli.js';
import { ok } from '../helpers/run.js';
import { fixtureImage, kafka, readCommitted, until } from './kindFixture.js';
import { testbed } from './testbed.js';

const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const ns = `kl-${run}`;
const kafkaNs = `kl-kafka-${run}`;
const clusterId = `seq-${run}`;
const image = `flinkship-kl/log-cleaner:${run}`;
const TOPIC = 'sequence';
let dir: string;
let kube: Kube;

interface Version {
  label: string;
  mode?: 'savepoint' | 'last-state';
  fail?: boolean;
  /** state.savepoints.dir of this version's job. */
  savepoints?: string;
}

function spec(v: Version): string {
  const args = [
    '--brokers',
    `my-cluster-kafka-bootstrap.${kafkaNs}:9092`,
    '--output-topic',
    TOPIC,
    '--rate',
    '10',
    '--label',
    v.label,
    ...(v.fail ? ['--fail-on-record'] : []),
  ];
  return `name: sequence-job
flinkVersion: '1.20'
image:
  repository: flinkship-kl/log-cleaner
job:
  jar: target/log-cleaner.jar
  entryClass: dev.flinkship.logcleaner.SequenceJob
  args: [${args.map((a) => `'${a}'`).join(', ')}]
  parallelism: 1
  upgradeMode: ${v.mode ?? 'savepoint'}
flinkConfiguration:
  execution.checkpointing.interval: 2s
  state.backend.type: hashmap
  state.checkpoints.dir: file:///opt/flink/state/${clusterId}/checkpoints
  state.savepoints.dir: ${v.savepoints ?? `file:///opt/flink/state/${clusterId}/savepoints`}
  high-availability.type: kubernetes
  high-availability.storageDir: file:///opt/flink/state/${clusterId}/ha
  # A small cpu request (the node has 2 cores) with room to start the JVM quickly.
  kubernetes.jobmanager.cpu.limit-factor: 8
  kubernetes.taskmanager.cpu.limit-factor: 8
  restart-strategy.type: fixed-delay
  restart-strategy.fixed-delay.attempts: 1000
  restart-strategy.fixed-delay.delay: 2s
health: { window: 10s, checkpoints: 2, timeout: 4m }
jobManager:
  resource: { cpu: 0.2, memory: 1024m }
taskManager:
  resource: { cpu: 0.2, memory: 1024m }
  slots: 1
podTemplate:
  spec:
    containers:
      - name: flink-main-container
        volumeMounts: [{ name: state, mountPath: /opt/flink/state }]
    volumes:
      - name: state
        hostPath: { path: /var/lib/flinkship-state, type: Directory }
environments:
  integration:
    clusterId: ${clusterId}
    namespace: ${ns}
    createNamespace: true
`;
}

function args(file: string): string[] {
  return [
    'deploy',
    ...['--config', file, '--env', 'integration', '--image', image],
    ...['--kubeconfig', testbed('FLINKSHIP_TESTBED_KIND_KUBECONFIG')],
    ...['--flink-home', testbed('FLINKSHIP_TESTBED_FLINK_HOME'), '--timeout', '10m', '--output', 'json'],
  ];
}

function write(v: Version): string {
  const file = path.join(dir, `flinkship-${v.label}.yaml`);
  writeFileSync(file, spec(v));
  return file;
}

async function deploy(v: Version): Promise<CliRun> {
  return cli(...args(write(v)));
}

/**
 * Runs `flinkship deploy` as its own process (dist/cli.js, as users run it) and kills it with SIGKILL
 * as soon as its log shows `at`: a deployer that dies between two steps. Bounded.
 */
async function deployKilledAt(
  v: Version,
  at: RegExp,
): Promise<{ killed: boolean; log: string; match?: string }> {
  const child = spawn(process.execPath, [path.resolve('dist/cli.js'), ...args(write(v))], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the deploy never reached ${at}; its log:\n${log}`));
    }, 600_000);
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      log += d;
      const m = at.exec(log);
      if (m && !child.killed) {
        child.kill('SIGKILL');
        clearTimeout(timer);
        resolve({ killed: true, log, match: m[1] ?? m[0] });
      }
    });
    child.on('close', () => {
      clearTimeout(timer);
      resolve({ killed: false, log });
    });
  });
}

interface HistoryRow {
  revision: number;
  state: string;
  path: string;
  savepoint?: string;
  restoredFrom?: { kind: string; path?: string };
  rollbackOf?: number;
  jobId?: string;
  progress?: string;
  health?: { healthy: boolean; reason: string };
}

async function history(): Promise<HistoryRow[]> {
  const r = await cli(
    'history',
    ...['--config', path.join(dir, 'flinkship-v1.yaml'), '--env', 'integration'],
    ...['--kubeconfig', testbed('FLINKSHIP_TESTBED_KIND_KUBECONFIG'), '--output', 'json'],
  );
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out).revisions;
}

/**
 * The continuity check over every committed record: n is exactly 0..M, each key's counts are 1..c in
 * the order of n, and the labels appear in the order given (every record of one before the next's).
 */
async function continuity(labels: string[]): Promise<{ records: number; byLabel: Record<string, number> }> {
  const lines = await readCommitted(kafkaNs, TOPIC);
  const rows = lines
    .map((l) => l.split(','))
    .map(([n, key, count, label]) => ({
      n: Number(n),
      key: Number(key),
      count: Number(count),
      label: label!,
    }))
    .sort((a, b) => a.n - b.n);
  expect(rows.length).toBeGreaterThan(0);
  const gaps: string[] = [];
  rows.forEach((r, i) => {
    if (r.n !== i) gaps.push(`position ${i} holds n=${r.n}`);
  });
  expect(gaps.slice(0, 5), 'n must be exactly 0..M: no record lost, none repeated').toEqual([]);
  const counts = new Map<number, number>();
  const resets: string[] = [];
  for (const r of rows) {
    const want = (counts.get(r.key) ?? 0) + 1;
    if (r.count !== want) resets.push(`n=${r.n} key ${r.key}: count ${r.count}, expected ${want}`);
    counts.set(r.key, r.count);
  }
  expect(resets.slice(0, 5), "each key's count must run 1..c: its state was kept").toEqual([]);
  const order = rows.map((r) => r.label).filter((l, i, all) => i === 0 || all[i - 1] !== l);
  expect(order).toEqual(labels);
  const byLabel: Record<string, number> = {};
  for (const r of rows) byLabel[r.label] = (byLabel[r.label] ?? 0) + 1;
  return { records: rows.length, byLabel };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'kind-lifecycle-'));
  kube = Kube.load({ kubeconfig: testbed('FLINKSHIP_TESTBED_KIND_KUBECONFIG') });
  await fixtureImage(dir, image);
  await kafka(kube, kafkaNs, [TOPIC]);
}, 1_200_000);

afterAll(async () => {
  for (const name of [ns, kafkaNs]) await kube?.delete({ apiVersion: 'v1', kind: 'Namespace', name });
  await ok('docker', ['rmi', image]).catch(() => undefined);
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the release lifecycle of a stateful job on a real kind cluster', { timeout: 900_000 }, () => {
  let stopSavepoint = '';

  it('creates revision 1 and gates it healthy', async () => {
    const r = await deploy({ label: 'v1' });
    expect(r.code, r.err).toBe(0);
    const out = JSON.parse(r.out);
    expect(out).toMatchObject({ action: 'created', revision: 1, upgradePath: 'create', jobState: 'RUNNING' });
    expect(out.health).toMatchObject({ healthy: true });
    expect(out.health.reason).toMatch(/^RUNNING for \d+s with [2-9]\d* completed checkpoint/);
    expect((await continuity(['v1'])).records).toBeGreaterThan(0);
  });

  it('a savepoint upgrade killed right after its savepoint completed converges when run again, losing nothing', async () => {
    const killed = await deployKilledAt({ label: 'v2' }, /savepoint completed: (\S+)/);
    expect(killed.killed, killed.log).toBe(true);
    stopSavepoint = killed.match!;
    // Killed as soon as Flink reported the savepoint: whether the run recorded it first is a race, and
    // either way the next run must restore from exactly that savepoint.
    const pending = (await history()).at(-1)!;
    expect(pending).toMatchObject({ revision: 2, state: 'pending', path: 'savepoint' });
    const recorded = pending.savepoint === stopSavepoint;
    if (!recorded) expect(pending.savepoint).toBeUndefined();
    // The re-run takes the dead deployer's Lease over at once (its process is gone from this machine),
    // then continues revision 2.
    const again = await deploy({ label: 'v2' });
    expect(again.code, again.err).toBe(0);
    expect(again.err).toContain('a process of this machine that no longer exists');
    const out = JSON.parse(again.out);
    expect(out).toMatchObject({
      revision: 2,
      // Recorded: submit from it; not recorded: the stopped job's JobManager still answers, and Flink
      // names the savepoint it took.
      upgradePath: recorded ? 'from-savepoint' : 'recover-savepoint',
      restoredFrom: { kind: 'savepoint', path: stopSavepoint },
    });
    expect(again.err).toContain('continuing revision 2');
    const c = await continuity(['v1', 'v2']);
    expect(c.byLabel.v2).toBeGreaterThan(0);
    expect((await history()).map((h) => [h.revision, h.state])).toEqual([
      [1, 'superseded'],
      [2, 'deployed'],
    ]);
  });

  it('a version that fails on its first record is rolled back automatically, from the savepoint taken before it', async () => {
    const r = await deploy({ label: 'v3', fail: true });
    expect(r.code, r.err).toBe(1);
    // Whichever the gate sees first: the restart, or the exception that caused it.
    expect(r.err).toMatch(
      /revision 3 \(\S+\) failed its health gate: (the job restarted \d+ time|the job's exception history has \d+ entr)/,
    );
    expect(r.err).toContain('Rolled back to revision 2');
    expect(r.err).toContain('SequenceJob: failing on purpose (--fail-on-record)');
    const h = await history();
    expect(h.map((x) => [x.revision, x.state, x.path])).toEqual([
      [1, 'superseded', 'create'],
      [2, 'superseded', 'savepoint'],
      [3, 'rolled-back', 'savepoint'],
      [4, 'deployed', 'rollback'],
    ]);
    expect(h[2]!.health?.healthy).toBe(false);
    expect(h[3]!.rollbackOf).toBe(3);
    expect(h[3]!.restoredFrom).toEqual({ kind: 'savepoint', path: h[2]!.savepoint });
    // The failed version committed nothing; v2's state went on from the savepoint.
    const c = await continuity(['v1', 'v2']);
    expect(c.byLabel.v3).toBeUndefined();
  });

  it('a last-state upgrade killed right after the JobManager was removed converges when run again, losing nothing', async () => {
    const v5: Version = { label: 'v5', mode: 'last-state' };
    const killed = await deployKilledAt(v5, /JobManager Deployment \S+ deleted; its HA ConfigMaps are kept/);
    expect(killed.killed, killed.log).toBe(true);
    const pending = (await history()).at(-1)!;
    expect(pending).toMatchObject({ revision: 5, state: 'pending', path: 'last-state' });
    expect(pending.savepoint, 'the rollback point, taken while the old job ran on').toMatch(/savepoint-/);
    const again = await deploy(v5);
    expect(again.code, again.err).toBe(0);
    expect(again.err).toContain('a process of this machine that no longer exists');
    const out = JSON.parse(again.out);
    expect(out).toMatchObject({
      revision: 5,
      upgradePath: 'last-state',
      restoredFrom: { kind: 'last-state' },
    });
    // Last-state keeps the job ID: the HA checkpoints belong to it.
    expect(out.jobId).toBe(pending.jobId);
    const c = await continuity(['v1', 'v2', 'v5']);
    expect(c.byLabel.v5).toBeGreaterThan(0);
  });

  it("flinkship rollback goes back to the previous revision with the current job's state", async () => {
    const r = await cli(
      'rollback',
      ...['--config', path.join(dir, 'flinkship-v1.yaml'), '--env', 'integration'],
      ...['--kubeconfig', testbed('FLINKSHIP_TESTBED_KIND_KUBECONFIG')],
      ...['--flink-home', testbed('FLINKSHIP_TESTBED_FLINK_HOME'), '--timeout', '10m', '--output', 'json'],
    );
    expect(r.code, r.err).toBe(0);
    const out = JSON.parse(r.out);
    expect(out).toMatchObject({ action: 'rolled-back', revision: 6, jobState: 'RUNNING' });
    expect(r.err).toMatch(/stop-with-savepoint of job [0-9a-f]{32} triggered/);
    const h = await history();
    expect(h.map((x) => [x.revision, x.state])).toEqual([
      [1, 'superseded'],
      [2, 'superseded'],
      [3, 'rolled-back'],
      [4, 'superseded'],
      [5, 'rolled-back'],
      [6, 'deployed'],
    ]);
    // Revision 4's image and config (label v2), from the savepoint just taken of revision 5's job.
    expect(h[5]).toMatchObject({ rollbackOf: 5, restoredFrom: { kind: 'savepoint' } });
    expect(out.restoredFrom).toEqual(h[5]!.restoredFrom);
    const c = await continuity(['v1', 'v2', 'v5', 'v2']);
    expect(c.byLabel.v5).toBeGreaterThan(0);
  });

  it('a savepoint that cannot complete leaves the old job running and untouched', async () => {
    // A last-state upgrade to a version whose savepoints cannot be written, then a savepoint upgrade.
    const v7 = await deploy({
      label: 'v7',
      mode: 'last-state',
      savepoints: 'file:///proc/flinkship-no-savepoints',
    });
    expect(v7.code, v7.err).toBe(0);
    expect(JSON.parse(v7.out)).toMatchObject({ revision: 7, upgradePath: 'last-state' });
    const before = (await history()).at(-1)!;
    const r = await deploy({ label: 'v8' });
    expect(r.code, r.err).toBe(1);
    expect(r.err).toMatch(/the stop-with-savepoint of job [0-9a-f]{32} failed/);
    expect(r.err).toContain('Nothing was deleted: the old job keeps running (revision 7)');
    const status = await cli(
      'status',
      ...['--config', path.join(dir, 'flinkship-v8.yaml'), '--env', 'integration'],
      ...['--kubeconfig', testbed('FLINKSHIP_TESTBED_KIND_KUBECONFIG'), '--output', 'json'],
    );
    expect(status.code, status.err).toBe(0);
    const s = JSON.parse(status.out);
    expect(s.job).toMatchObject({ id: before.jobId, state: 'RUNNING', matchesCurrent: true });
    expect(s.current.revision).toBe(7);
    expect((await history()).at(-1)).toMatchObject({ revision: 8, state: 'failed' });
    // It keeps producing: more v7 records are committed after the failed attempt.
    const labels = ['v1', 'v2', 'v5', 'v2', 'v7'];
    const seen = (await continuity(labels)).byLabel.v7!;
    await until('more committed v7 records', 120_000, async () => {
      const now = (await continuity(labels)).byLabel.v7!;
      return { ...(now > seen ? { done: now } : {}), seen: `${now} v7 records (had ${seen})` };
    });
  });
});
