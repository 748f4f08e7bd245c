// The SQL fixture (fixtures/log-cleaner-sql) shipped like the jar fixture, on the testbed's REAL kind
// cluster: `flinkship build` bakes the SQL runner, the Kafka connector (from a Maven repository on
// loopback) and the script into an image FROM the testbed's Flink image and checks the script with Flink's
// own parser in it; the image is loaded into the kind node; `flinkship deploy` submits it in native
// application mode, where the runner runs every INSERT as one job in the JobManager pod and TaskManager
// pods read from and write to a real Kafka broker. The records are counted exactly: each cleaned record
// once (the dedup's state), also after a savepoint upgrade to a changed script, which restores that state;
// a version that cannot run is rolled back automatically to the one before, from its savepoint.
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kube } from '../../src/executors/kube.js';
import { cli, type CliRun } from '../helpers/cli.js';
import { serveMavenRepo, type MavenRepo } from '../helpers/maven-repo.js';
import { ok, run as runCommand } from '../helpers/run.js';
import { kafka, kindEnv, readCommitted, until } from './kindFixture.js';
import { testbed } from './testbed.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const FIXTURE = path.join(ROOT, 'fixtures/log-cleaner-sql');
const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const ns = `ks-${run}`;
const kafkaNs = `ks-kafka-${run}`;
const clusterId = `log-cleaner-sql-${run}`;
const REPOSITORY = 'flinkship-ks/log-cleaner-sql';
let dir: string;
let kube: Kube;
let maven: MavenRepo;
let cache: string;

/** The fixture's spec, its Kafka address pointed at this suite's broker, and the kind environment. */
function spec(): string {
  const fixture = readFileSync(path.join(FIXTURE, 'flinkship.yaml'), 'utf8');
  const connectors = fixture.slice(fixture.indexOf('  connectors:'), fixture.indexOf('  parallelism:'));
  return `name: log-cleaner-sql
flinkVersion: '1.20'
image:
  base: ${testbed('FLINKSHIP_TESTBED_FLINK_BASE_IMAGE')}
  repository: ${REPOSITORY}
job:
  sql: log-cleaner.sql
${connectors}  parallelism: 1
  upgradeMode: savepoint
flinkConfiguration:
  execution.checkpointing.interval: 2s
  execution.checkpointing.mode: EXACTLY_ONCE
  state.backend.type: hashmap
  execution.checkpointing.dir: file:///opt/flink/state/${clusterId}/checkpoints
  execution.checkpointing.savepoint-dir: file:///opt/flink/state/${clusterId}/savepoints
  high-availability.type: kubernetes
  high-availability.storageDir: file:///opt/flink/state/${clusterId}/ha
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

/** The fixture's script with this suite's broker, and `edit` applied. */
function script(edit: (sql: string) => string = (s) => s): string {
  const sql = readFileSync(path.join(FIXTURE, 'log-cleaner.sql'), 'utf8').replaceAll(
    'my-cluster-kafka-bootstrap.kafka:9092',
    `my-cluster-kafka-bootstrap.${kafkaNs}:9092`,
  );
  return edit(sql);
}

/** `flinkship build --no-push` of the spec with `sql` (as a user runs it: dist/cli.js), loaded into kind. */
async function image(label: string, sql: string): Promise<string> {
  writeFileSync(path.join(dir, 'log-cleaner.sql'), sql);
  const git = (...args: string[]) =>
    ok('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: dir });
  await git('add', '-A');
  await git('commit', '-q', '--allow-empty', '-m', label);
  const r = await runCommand(
    'node',
    [
      path.join(ROOT, 'dist/cli.js'),
      ...['build', '--config', path.join(dir, 'flinkship.yaml'), '--env', 'integration'],
      ...['--no-push', '--tag', `${label}-${run}`, '--maven-repository', maven.url, '--output', 'json'],
    ],
    { cwd: dir, env: { RUNNER_TOOL_CACHE: cache }, timeoutMs: 600_000 },
  );
  expect(r.code, r.stderr).toBe(0);
  const ref = `${REPOSITORY}:${label}-${run}`;
  expect((JSON.parse(r.stdout) as { tags: string[] }).tags).toContain(ref);
  await ok(
    testbed('FLINKSHIP_TESTBED_KIND'),
    ['load', 'docker-image', ref, '--name', testbed('FLINKSHIP_TESTBED_KIND_CLUSTER')],
    { env: kindEnv(), timeoutMs: 600_000 },
  );
  return ref;
}

async function deploy(ref: string): Promise<CliRun> {
  return cli(
    'deploy',
    ...['--config', path.join(dir, 'flinkship.yaml'), '--env', 'integration', '--image', ref],
    ...['--kubeconfig', testbed('FLINKSHIP_TESTBED_KIND_KUBECONFIG')],
    ...['--flink-home', testbed('FLINKSHIP_TESTBED_FLINK_HOME'), '--timeout', '10m', '--output', 'json'],
  );
}

/** Fluent Bit's records (the application's JSON merged in), produced into `logs` in the broker's pod. */
async function produce(records: object[]): Promise<void> {
  await ok(
    testbed('FLINKSHIP_TESTBED_KUBECTL'),
    [
      ...['-n', kafkaNs, 'exec', '-i', 'deploy/kafka', '--', 'kafka-class', 'kafka.tools.ConsoleProducer'],
      ...['--bootstrap-server', 'localhost:9092', '--topic', 'logs'],
    ],
    { env: kindEnv(), input: records.map((r) => JSON.stringify(r)).join('\n') + '\n', timeoutMs: 120_000 },
  );
}

interface Clean {
  eventtime: number;
  message: string;
  source: string;
}

/** Waits until logs-clean holds `count` committed records (bounded), then returns them all. */
async function cleaned(count: number): Promise<Clean[]> {
  return until(`${count} committed records in logs-clean`, 240_000, async () => {
    const rows = (await readCommitted(kafkaNs, 'logs-clean')).map((l) => JSON.parse(l) as Clean);
    return { ...(rows.length >= count ? { done: rows } : {}), seen: `${rows.length} records` };
  });
}

/** The release history's revisions (`flinkship history`). */
async function revisions(): Promise<{ revision: number; state: string; sqlDigest?: string }[]> {
  const h = await cli(
    'history',
    ...['--config', path.join(dir, 'flinkship.yaml'), '--env', 'integration'],
    ...['--kubeconfig', testbed('FLINKSHIP_TESTBED_KIND_KUBECONFIG'), '--output', 'json'],
  );
  expect(h.code, h.err).toBe(0);
  return (JSON.parse(h.out) as { revisions: { revision: number; state: string; sqlDigest?: string }[] })
    .revisions;
}

const record = (t: string, message: string, source = 'app') => ({ timestamp: t, message, source });

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'kind-sql-'));
  cache = await mkdtemp(path.join(tmpdir(), 'kind-sql-maven-'));
  kube = Kube.load({ kubeconfig: testbed('FLINKSHIP_TESTBED_KIND_KUBECONFIG') });
  maven = await serveMavenRepo(path.join(homedir(), '.m2', 'repository'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'flinkship.yaml'), spec());
  copyFileSync(path.join(FIXTURE, 'log-cleaner.sql'), path.join(dir, 'log-cleaner.sql'));
  await ok('git', ['init', '-q', '-b', 'main'], { cwd: dir });
  await kafka(kube, kafkaNs, ['logs', 'logs-clean']);
}, 1_200_000);

afterAll(async () => {
  for (const name of [ns, kafkaNs]) await kube?.delete({ apiVersion: 'v1', kind: 'Namespace', name });
  await maven?.close();
  for (const label of ['v1', 'v2', 'v3', 'v4']) {
    await ok('docker', ['rmi', `${REPOSITORY}:${label}-${run}`]).catch(() => undefined);
  }
  if (dir) await rm(dir, { recursive: true, force: true });
  if (cache) await rm(cache, { recursive: true, force: true });
});

describe('the SQL fixture on a real kind cluster', { timeout: 1_200_000 }, () => {
  let v2: string;

  it('deploys: the runner runs the one INSERT as one job, which cleans and deduplicates records exactly', async () => {
    const v1 = await image('v1', script());
    const r = await deploy(v1);
    expect(r.code, r.err).toBe(0);
    const out = JSON.parse(r.out);
    expect(out).toMatchObject({ action: 'created', revision: 1, jobState: 'RUNNING' });
    // The revision records the script's digest, the one the runner was told to run (--sha256).
    const digest = `sha256:${createHash('sha256')
      .update(readFileSync(path.join(dir, 'log-cleaner.sql')))
      .digest('hex')}`;
    expect(await revisions()).toMatchObject([{ revision: 1, sqlDigest: digest }]);
    expect(out.health).toMatchObject({ healthy: true });
    // The application's one job, named by the script's SET, its tasks all running.
    const jobs = JSON.parse(
      (await kube.serviceProxy(ns, `${clusterId}-rest`, 'rest', '/jobs/overview')).body,
    ) as { jobs: { name: string; state: string }[] };
    expect(jobs.jobs.map((j) => [j.name, j.state])).toEqual([['log-cleaner-sql', 'RUNNING']]);
    // The JobManager ran the runner with the script the image holds.
    const jm = (
      await kube.list<{ metadata?: { name?: string } }>('v1', 'Pod', ns, {
        labelSelector: `app=${clusterId},component=jobmanager`,
      })
    ).items[0]!;
    const log = await ok(testbed('FLINKSHIP_TESTBED_KUBECTL'), ['-n', ns, 'logs', jm.metadata!.name!], {
      env: kindEnv(),
    });
    expect(log).toContain('dev.flinkship.sqlrunner.SqlRunner');

    await produce([
      record('1700000000', 'started', 'api'),
      record('1700000001.25', 'request served', 'api'),
      record('1700000001.25', 'request served', 'api'), // a duplicate: dropped by the dedup
      record(' 1700000002 ', '  trimmed  ', ' worker '),
      record('1700000003', '   ', 'api'), // a blank message: dropped
      { message: 'no timestamp', source: 'api' }, // dropped
    ]);
    const rows = await cleaned(3);
    expect(rows).toEqual([
      { eventtime: 1700000000000, message: 'started', source: 'api' },
      { eventtime: 1700000001250, message: 'request served', source: 'api' },
      { eventtime: 1700000002000, message: 'trimmed', source: 'worker' },
    ]);
  });

  it('a savepoint upgrade to a changed script restores the dedup state: old records stay deduplicated', async () => {
    v2 = await image(
      'v2',
      script((s) =>
        s.replace(
          "SET 'table.exec.source.idle-timeout' = '30 s';",
          "SET 'table.exec.source.idle-timeout' = '45 s';",
        ),
      ),
    );
    const r = await deploy(v2);
    expect(r.code, r.err).toBe(0);
    const out = JSON.parse(r.out);
    expect(out).toMatchObject({ revision: 2, upgradePath: 'savepoint', jobState: 'RUNNING' });
    expect(out.restoredFrom).toMatchObject({ kind: 'savepoint' });
    // Two records seen before the upgrade, one new: only the new one comes out, once.
    await produce([
      record('1700000000', 'started', 'api'),
      record('1700000001.25', 'request served', 'api'),
      record('1700000010', 'after the upgrade', 'api'),
    ]);
    const rows = await cleaned(4);
    expect(rows.slice(3)).toEqual([
      { eventtime: 1700000010000, message: 'after the upgrade', source: 'api' },
    ]);
    // Nothing more arrives for the duplicates: wait for a record sent after them, then count.
    await produce([record('1700000011', 'marker', 'api')]);
    const all = await cleaned(5);
    expect(all.map((x) => x.message)).toEqual([
      'started',
      'request served',
      'trimmed',
      'after the upgrade',
      'marker',
    ]);
  });

  it('a version whose source cannot reach Kafka fails its health gate and is rolled back to v2 with its state', async () => {
    const v3 = await image(
      'v3',
      script((s) =>
        s.replaceAll(`my-cluster-kafka-bootstrap.${kafkaNs}:9092`, `no-such-broker.${kafkaNs}.invalid:9092`),
      ),
    );
    const r = await deploy(v3);
    expect(r.code, r.err).toBe(1);
    expect(r.err).toMatch(/revision 3 \(\S+\) failed its health gate/);
    expect(r.err).toContain('Rolled back to revision 2');
    await produce([
      record('1700000000', 'started', 'api'),
      record('1700000020', 'after the rollback', 'api'),
    ]);
    const rows = await cleaned(6);
    expect(rows.map((x) => x.message)).toEqual([
      'started',
      'request served',
      'trimmed',
      'after the upgrade',
      'marker',
      'after the rollback',
    ]);
  });

  /** The jobs as Flink's REST API lists them, and the release history's revisions. */
  async function running(): Promise<{ jobs: string[]; revisions: { revision: number; state: string }[] }> {
    const overview = JSON.parse(
      (await kube.serviceProxy(ns, `${clusterId}-rest`, 'rest', '/jobs/overview')).body,
    ) as { jobs: { jid: string; state: string }[] };
    return {
      jobs: overview.jobs.map((j) => `${j.jid} ${j.state}`),
      revisions: (await revisions()).map((r) => ({ revision: r.revision, state: r.state })),
    };
  }

  it("refuses, before touching anything, the running image when the spec's script changed since it was built", async () => {
    // The spec's script is v3's now (the last image built); v2 (revision 4, the rollback) runs, and
    // its revisions recorded v2's script.
    const before = await running();
    const r = await deploy(v2);
    expect(r.code, r.err).toBe(1);
    expect(r.err).toMatch(
      /ran the SQL script [0-9a-f]{12} in \S+ \(revision 4\); the spec's script is [0-9a-f]{12}, so that image was not built from it\. Nothing was changed\./,
    );
    expect(await running()).toEqual(before);
  });

  it('an image built from another script refuses to run at its start, and the deploy rolls back', async () => {
    // An image that never ran here (so no revision says which script it holds), built from a changed
    // script; the spec's script is v1's: its runner is given v1's SHA-256 and finds its own script.
    const v4 = await image(
      'v4',
      script((s) =>
        s.replace(
          "SET 'table.exec.source.idle-timeout' = '30 s';",
          "SET 'table.exec.source.idle-timeout' = '40 s';",
        ),
      ),
    );
    writeFileSync(path.join(dir, 'log-cleaner.sql'), script());
    const r = await deploy(v4);
    expect(r.code, r.err).toBe(1);
    expect(r.err).toContain('is not the one this deploy runs: its sha256 is');
    expect(r.err).toContain('Rolled back to revision 4');
    // v2 runs again with its state: a record seen long ago stays deduplicated, a new one comes out.
    await produce([
      record('1700000000', 'started', 'api'),
      record('1700000030', 'after the refused image', 'api'),
    ]);
    const rows = await cleaned(7);
    expect(rows.map((x) => x.message)).toEqual([
      'started',
      'request served',
      'trimmed',
      'after the upgrade',
      'marker',
      'after the rollback',
      'after the refused image',
    ]);
  });
});
