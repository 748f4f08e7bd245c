// The `flink` testbed component: the real Flink 1.20.3 client from Maven Central jars (FLINK_HOME),
// the Flink images (1.20.3 and 2.2.0) that run native Kubernetes mode, and a real Flink REST endpoint (a
// MiniCluster running a stateful job with checkpoints), also reachable through the staging API
// server's service proxy. These tests use each the way the toolkit will.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RequestOptions } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppsV1Api, CoreV1Api, KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { ok as okCommand, run as runCommand } from '../helpers/run.js';
import { testbed } from './testbed.js';

const ok = (cmd: string, args: string[], env: NodeJS.ProcessEnv = {}) => okCommand(cmd, args, { env });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll `probe` every `intervalMs` until it returns a value, or fail saying what was last seen. */
async function pollUntil<T>(
  what: string,
  timeoutMs: number,
  intervalMs: number,
  probe: () => Promise<{ done?: T; seen: string }>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let seen = 'nothing';
  for (let i = 0; i < Math.ceil(timeoutMs / intervalMs) + 1 && Date.now() < deadline; i++) {
    const r = await probe();
    seen = r.seen;
    if (r.done !== undefined) return r.done;
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${seen}`);
}

interface JobOverview {
  jid: string;
  name: string;
  state: string;
  tasks: { total: number; running: number };
}

interface CheckpointStats {
  counts: { completed: number; failed: number; restored: number };
  latest: { restored: { is_savepoint: boolean; external_path: string } | null };
}

const JOB_NAME = 'flinkship-testbed-counter';

async function getJson<T>(path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(`${testbed('FLINKSHIP_TESTBED_FLINK_REST_URL')}${path}`, {
    ...init,
    signal: AbortSignal.timeout(10_000),
  });
  const body = await res.text();
  if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${path}: HTTP ${res.status}: ${body}`);
  return JSON.parse(body) as T;
}

async function runningJobs(): Promise<JobOverview[]> {
  const { jobs } = await getJson<{ jobs: JobOverview[] }>('/jobs/overview');
  return jobs.filter((j) => j.state === 'RUNNING');
}

/**
 * The one RUNNING job with every task running; waits (bounded) while the MiniCluster resubmits after a
 * stop (another suite's delete stops it with a savepoint). A job turns RUNNING before its tasks do, and
 * Flink refuses a savepoint until they all run.
 */
async function theRunningJob(): Promise<JobOverview> {
  return pollUntil('exactly one RUNNING job with all its tasks running', 60_000, 500, async () => {
    const jobs = await runningJobs();
    const job = jobs.length === 1 ? jobs[0] : undefined;
    return {
      done: job && job.tasks.running === job.tasks.total ? job : undefined,
      seen: JSON.stringify(jobs),
    };
  });
}

/** Wait for an asynchronous REST operation (savepoint trigger/stop) to leave IN_PROGRESS. */
async function savepointResult(
  jobId: string,
  requestId: string,
): Promise<{ location?: string; 'failure-cause'?: unknown }> {
  return pollUntil(`savepoint ${requestId} of job ${jobId}`, 60_000, 500, async () => {
    const r = await getJson<{
      status: { id: string };
      operation?: { location?: string; 'failure-cause'?: unknown };
    }>(`/jobs/${jobId}/savepoints/${requestId}`);
    return { done: r.status.id === 'COMPLETED' ? (r.operation ?? {}) : undefined, seen: JSON.stringify(r) };
  });
}

describe('testbed flink: FLINK_HOME (the real client from Maven Central jars)', () => {
  const flink = () => `${testbed('FLINKSHIP_TESTBED_FLINK_HOME')}/bin/flink`;

  it('flink --version reports 1.20.3', async () => {
    const out = await ok(flink(), ['--version']);
    expect(out).toMatch(/^Version: 1\.20\.3, Commit ID: [0-9a-f]{7}$/m);
  });

  it('knows the kubernetes-application target, so flink-kubernetes is loaded through ServiceLoader', async () => {
    // In 1.20 application mode is the `run-application` action; `run` lists session targets only.
    const help = (
      await ok(flink(), ['run-application', '--target', 'kubernetes-application', '--help'])
    ).replace(/\s+/g, ' ');
    expect(help).toContain('Action "run-application" runs an application in Application Mode.');
    expect(help).toContain(
      'For the "run" action the currently available targets are: "remote", "local", "kubernetes-session".',
    );
    expect(help).toContain(
      'For the "run-application" action the currently available targets are: "kubernetes-application".',
    );
  });

  it('lists the MiniCluster job through the REST endpoint (flink list -m)', async () => {
    const job = await theRunningJob();
    const address = new URL(testbed('FLINKSHIP_TESTBED_FLINK_REST_URL')).host;
    const out = await ok(flink(), ['list', '-r', '-m', address]);
    expect(out).toMatch(new RegExp(`^\\S+ \\S+ : ${job.jid} : ${JOB_NAME} \\(RUNNING\\)$`, 'm'));
  });
});

describe('testbed flink: FLINK_HOME deploys in native application mode', () => {
  // The real client creates a JobManager Deployment on the staging API server (kwok runs no
  // containers, so nothing starts): this proves the FLINK_HOME, flink-kubernetes included, does
  // what the toolkit's deploy will ask of it, and shows the objects Flink 1.20 creates.
  //
  // The client authenticates with a ServiceAccount token, as a CI deployer does. It cannot use the
  // testbed's admin kubeconfig: its client key is an EC key, and the fabric8 client shaded into
  // flink-kubernetes reads EC keys only with BouncyCastle, which Flink's distribution does not ship
  // ("JcaPEMKeyConverter is provided by BouncyCastle, an optional dependency").
  const run = Date.now().toString(36);
  const clusterId = `tb-flink-${run}`;
  const namespace = 'flinkship-testbed';
  const deployer = `tb-flink-deployer-${run}`;
  let admin: KubeConfig;
  let dir: string;

  beforeAll(async () => {
    admin = new KubeConfig();
    admin.loadFromFile(testbed('FLINKSHIP_TESTBED_STAGING_KUBECONFIG'));
    const core = admin.makeApiClient(CoreV1Api);
    const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
    await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: deployer } } });
    // What the native Kubernetes client touches when it deploys an application cluster.
    await rbac.createNamespacedRole({
      namespace,
      body: {
        metadata: { name: deployer },
        rules: [
          {
            apiGroups: ['apps'],
            resources: ['deployments'],
            verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
          },
          {
            apiGroups: [''],
            resources: ['services', 'configmaps', 'pods'],
            verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
          },
        ],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name: deployer },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: deployer },
        subjects: [{ kind: 'ServiceAccount', name: deployer, namespace }],
      },
    });
    const token = await core.createNamespacedServiceAccountToken({
      name: deployer,
      namespace,
      body: { spec: { audiences: [], expirationSeconds: 600 } },
    });
    const cluster = admin.getCurrentCluster();
    if (!cluster) throw new Error('the staging kubeconfig names no current cluster');
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [cluster],
      users: [{ name: deployer, token: token.status?.token }],
      contexts: [{ name: 'deployer', cluster: cluster.name, user: deployer, namespace }],
      currentContext: 'deployer',
    });
    dir = await mkdtemp(join(tmpdir(), 'tb-flink-'));
    await writeFile(join(dir, 'kubeconfig'), kc.exportConfig(), { mode: 0o600 });
  });

  afterAll(async () => {
    const apps = admin.makeApiClient(AppsV1Api);
    const core = admin.makeApiClient(CoreV1Api);
    const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
    const ignore = () => undefined;
    await apps
      .deleteNamespacedDeployment({ name: clusterId, namespace, propagationPolicy: 'Background' })
      .catch(ignore);
    await rbac.deleteNamespacedRoleBinding({ name: deployer, namespace }).catch(ignore);
    await rbac.deleteNamespacedRole({ name: deployer, namespace }).catch(ignore);
    await core.deleteNamespacedServiceAccount({ name: deployer, namespace }).catch(ignore);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('flink run-application --target kubernetes-application creates the Deployment, Services and ConfigMap', async () => {
    const apps = admin.makeApiClient(AppsV1Api);
    const core = admin.makeApiClient(CoreV1Api);
    const image = testbed('FLINKSHIP_TESTBED_FLINK_BASE_IMAGE');
    await ok(`${testbed('FLINKSHIP_TESTBED_FLINK_HOME')}/bin/flink`, [
      'run-application',
      '--target',
      'kubernetes-application',
      `-Dkubernetes.cluster-id=${clusterId}`,
      `-Dkubernetes.namespace=${namespace}`,
      `-Dkubernetes.config.file=${join(dir, 'kubeconfig')}`,
      `-Dkubernetes.container.image.ref=${image}`,
      '-Dkubernetes.rest-service.exposed.type=ClusterIP',
      'local:///opt/flink/usrlib/job.jar',
    ]);
    const deployment = await apps.readNamespacedDeployment({ name: clusterId, namespace });
    expect(deployment.metadata?.labels).toMatchObject({ type: 'flink-native-kubernetes', app: clusterId });
    const container = deployment.spec?.template.spec?.containers[0];
    expect(container?.name).toBe('flink-main-container');
    expect(container?.image).toBe(image);

    const rest = await core.readNamespacedService({ name: `${clusterId}-rest`, namespace });
    expect(rest.spec?.ports?.map((p) => [p.name, p.port])).toEqual([['rest', 8081]]);
    expect(rest.metadata?.ownerReferences?.map((o) => [o.kind, o.name])).toEqual([['Deployment', clusterId]]);

    const config = await core.readNamespacedConfigMap({ name: `flink-config-${clusterId}`, namespace });
    expect(Object.keys(config.data ?? {}).sort()).toEqual(['config.yaml', 'log4j-console.properties']);
    expect(config.data?.['config.yaml']).toContain(`cluster-id: ${clusterId}`);
    expect(config.metadata?.ownerReferences?.map((o) => [o.kind, o.name])).toEqual([
      ['Deployment', clusterId],
    ]);
  });
});

describe('testbed flink: the Flink 1.20.3 image', () => {
  const docker = (args: string[]) => ok('docker', args, { DOCKER_HOST: testbed('DOCKER_HOST') });
  const image = () => testbed('FLINKSHIP_TESTBED_FLINK_BASE_IMAGE');

  it('runs the Flink client from /opt/flink as the flink user (9999:9999)', async () => {
    const out = await docker([
      'run',
      '--rm',
      '--user',
      '9999:9999',
      image(),
      'bash',
      '-c',
      'echo "uid=$(id -u) gid=$(id -g) user=$(id -un) pwd=$(pwd) home=$FLINK_HOME"; command -v flink; flink --version',
    ]);
    const lines = out.trim().split('\n');
    expect(lines[0]).toBe('uid=9999 gid=9999 user=flink pwd=/opt/flink home=/opt/flink');
    expect(lines[1]).toBe('/opt/flink/bin/flink');
    expect(lines[2]).toMatch(/^Version: 1\.20\.3, Commit ID: [0-9a-f]{7}$/);
  });

  it('has the /opt/flink layout, owned by flink, with real plugin jars in opt/', async () => {
    const out = await docker([
      'run',
      '--rm',
      image(),
      'bash',
      '-c',
      'cd /opt/flink && for d in bin conf lib opt plugins usrlib log; do stat -c "%n %u:%g %F" "$d"; done; ls opt; ls lib | grep -c "^flink-.*\\.jar$"',
    ]);
    const lines = out.trim().split('\n');
    expect(lines.slice(0, 7)).toEqual(
      ['bin', 'conf', 'lib', 'opt', 'plugins', 'usrlib', 'log'].map((d) => `${d} 9999:9999 directory`),
    );
    // flink-s3-fs-hadoop stops at 1.20.1 on Maven Central.
    expect(lines.slice(7, 9)).toEqual([
      'flink-metrics-prometheus-1.20.3.jar',
      'flink-s3-fs-hadoop-1.20.1.jar',
    ]);
    expect(Number(lines[9])).toBeGreaterThanOrEqual(10);
    // A real metrics plugin: its factory class is in the jar (zip entry names are stored as plain text).
    const factory = await docker([
      'run',
      '--rm',
      image(),
      'bash',
      '-c',
      'grep -a -o "org/apache/flink/metrics/prometheus/PrometheusReporterFactory.class" /opt/flink/opt/flink-metrics-prometheus-1.20.3.jar | head -n 1',
    ]);
    expect(factory.trim()).toBe('org/apache/flink/metrics/prometheus/PrometheusReporterFactory.class');
  });

  it('the entrypoint runs commands as flink when started as root, and enables ENABLE_BUILT_IN_PLUGINS', async () => {
    const out = await docker([
      'run',
      '--rm',
      '-e',
      'ENABLE_BUILT_IN_PLUGINS=flink-s3-fs-hadoop-1.20.1.jar;flink-metrics-prometheus-1.20.3.jar',
      image(),
      'bash',
      '-c',
      'echo "uid=$(id -u) gid=$(id -g) home=$HOME"; cd /opt/flink/plugins && find . -name "*.jar" | sort',
    ]);
    expect(out.trim().split('\n')).toEqual([
      'uid=9999 gid=9999 home=/opt/flink',
      './flink-metrics-prometheus-1.20.3/flink-metrics-prometheus-1.20.3.jar',
      './flink-s3-fs-hadoop-1.20.1/flink-s3-fs-hadoop-1.20.1.jar',
    ]);
  });

  it('the entrypoint prints usage with no arguments, and refuses standalone mode and unknown plugins', async () => {
    const env = { DOCKER_HOST: testbed('DOCKER_HOST') };
    const usage = await runCommand('docker', ['run', '--rm', image()], { env });
    expect(usage.code).toBe(0);
    expect(usage.stdout.split('\n')[0]).toBe(
      'flinkship-testbed/flink: Flink 1.20.3 assembled from Maven Central jars.',
    );
    const standalone = await runCommand('docker', ['run', '--rm', image(), 'jobmanager'], { env });
    expect(standalone.code).toBe(2);
    expect(standalone.stderr).toContain("standalone 'jobmanager' is not supported by this image");
    const plugin = await runCommand(
      'docker',
      ['run', '--rm', '-e', 'ENABLE_BUILT_IN_PLUGINS=nope.jar', image(), 'true'],
      {
        env,
      },
    );
    expect(plugin.code).toBe(1);
    expect(plugin.stderr).toContain('plugin nope.jar is not in /opt/flink/opt');
  });

  it('kubernetes-taskmanager.sh starts KubernetesTaskExecutorRunner with the memory BashJavaUtils computes', async () => {
    // No JobManager answers here: the runner starts, logs its JVM options, and is stopped by timeout.
    const r = await runCommand(
      'docker',
      [
        'run',
        '--rm',
        image(),
        'bash',
        '-c',
        'timeout 20 kubernetes-taskmanager.sh -D taskmanager.resource-id=tm-1 -D taskmanager.memory.process.size=1024m 2>&1 | grep -m 3 -E "starting|Starting Kubernetes TaskExecutor runner|OS current user"',
      ],
      { env: { DOCKER_HOST: testbed('DOCKER_HOST') } },
    );
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe(
      'kubernetes-taskmanager.sh: starting org.apache.flink.kubernetes.taskmanager.KubernetesTaskExecutorRunner with -Xmx161061270 -Xms161061270 -XX:MaxDirectMemorySize=201326592 -XX:MaxMetaspaceSize=268435456',
    );
    expect(lines[1]).toContain('Starting Kubernetes TaskExecutor runner (Version: 1.20.3,');
    expect(lines[2]).toMatch(/OS current user: flink$/);
  });

  it('carries the version label', async () => {
    const label = await docker([
      'image',
      'inspect',
      '-f',
      '{{ index .Config.Labels "org.opencontainers.image.version" }}',
      image(),
    ]);
    expect(label.trim()).toBe('1.20.3');
  });
});

describe('testbed flink: the Flink 2.2.0 image', () => {
  it('runs the 2.2.0 client as flink, with RocksDB in lib/ and the S3 plugin in opt/', async () => {
    const out = await ok(
      'docker',
      [
        'run',
        '--rm',
        testbed('FLINKSHIP_TESTBED_FLINK2_BASE_IMAGE'),
        'bash',
        '-c',
        'id -u; flink --version; ls lib | grep -E "^(flink-statebackend-rocksdb|flink-kubernetes)-"; ls opt',
      ],
      { DOCKER_HOST: testbed('DOCKER_HOST') },
    );
    const lines = out.trim().split('\n');
    expect(lines[0]).toBe('9999');
    expect(lines[1]).toMatch(/^Version: 2\.2\.0, Commit ID: [0-9a-f]{7}$/);
    expect(lines.slice(2)).toEqual([
      'flink-kubernetes-2.2.0.jar',
      'flink-statebackend-rocksdb-2.2.0.jar',
      'flink-metrics-prometheus-2.2.0.jar',
      'flink-s3-fs-hadoop-2.2.0.jar',
    ]);
  });
});

describe('testbed flink: REST endpoint (MiniCluster)', () => {
  it('/overview reports Flink 1.20.3', async () => {
    const overview = await getJson<Record<string, unknown>>('/overview');
    expect(overview['flink-version']).toBe('1.20.3');
    expect(overview['taskmanagers']).toBe(1);
  });

  it('/jobs/overview shows one RUNNING job whose completed checkpoints increase', async () => {
    const job = await theRunningJob();
    expect(job.name).toBe(JOB_NAME);
    const first = (await getJson<CheckpointStats>(`/jobs/${job.jid}/checkpoints`)).counts.completed;
    const later = await pollUntil(
      `completed checkpoints of ${job.jid} to pass ${first}`,
      30_000,
      500,
      async () => {
        const c = (await getJson<CheckpointStats>(`/jobs/${job.jid}/checkpoints`)).counts.completed;
        return { done: c > first ? c : undefined, seen: `${c} completed` };
      },
    );
    expect(later).toBeGreaterThan(first);
  });

  it('stops with a savepoint, and the MiniCluster resubmits the job restored from it', async () => {
    const job = await theRunningJob();
    const { 'request-id': requestId } = await getJson<{ 'request-id': string }>(`/jobs/${job.jid}/stop`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ drain: false }),
    });
    const op = await savepointResult(job.jid, requestId);
    expect(op['failure-cause']).toBeUndefined();
    expect(op.location).toMatch(/^file:\/.*\/savepoints\/savepoint-[0-9a-f]{6}-[0-9a-f]{12}$/);

    const stopped = await pollUntil(`job ${job.jid} to be FINISHED`, 30_000, 500, async () => {
      const d = await getJson<{ state: string }>(`/jobs/${job.jid}`);
      return { done: d.state === 'FINISHED' ? d.state : undefined, seen: d.state };
    });
    expect(stopped).toBe('FINISHED');

    const next = await theRunningJob();
    expect(next.jid).not.toBe(job.jid);
    const restored = await pollUntil(`job ${next.jid} to report its restore`, 30_000, 500, async () => {
      const s = await getJson<CheckpointStats>(`/jobs/${next.jid}/checkpoints`);
      return { done: s.latest.restored ?? undefined, seen: JSON.stringify(s.latest) };
    });
    expect(restored.is_savepoint).toBe(true);
    expect(restored.external_path).toBe(op.location);
  });
});

describe("testbed flink: the REST API through the staging API server's service proxy", () => {
  const proxyPath = () => testbed('FLINKSHIP_TESTBED_FLINK_PROXY_PATH');

  /** A request to the staging API server with the kubeconfig's own credentials. */
  async function viaApiServer(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: unknown }> {
    const kc = new KubeConfig();
    kc.loadFromFile(testbed('FLINKSHIP_TESTBED_STAGING_KUBECONFIG'));
    const server = kc.getCurrentCluster()?.server;
    if (!server) throw new Error('the staging kubeconfig names no current cluster');
    const url = new URL(`${server}${path}`);
    const opts: RequestOptions = { method, timeout: 15_000 };
    await kc.applyToHTTPSOptions(opts);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        { ...opts, headers: { ...opts.headers, ...(payload ? { 'content-type': 'application/json' } : {}) } },
        (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (d: string) => (text += d));
          res.on('end', () => {
            try {
              resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) });
            } catch {
              reject(new Error(`${method} ${url.pathname}: HTTP ${res.statusCode}: ${text}`));
            }
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${url.pathname} timed out`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  it('answers /overview like the direct endpoint', async () => {
    const viaProxy = await viaApiServer('GET', `${proxyPath()}/overview`);
    expect(viaProxy.status).toBe(200);
    expect((viaProxy.json as Record<string, unknown>)['flink-version']).toBe('1.20.3');
    expect((viaProxy.json as Record<string, unknown>)['flink-commit']).toBe(
      (await getJson<Record<string, unknown>>('/overview'))['flink-commit'],
    );
  });

  it('takes a savepoint through the proxy (POST) without stopping the job', async () => {
    const job = await theRunningJob();
    const trigger = await viaApiServer('POST', `${proxyPath()}/jobs/${job.jid}/savepoints`, {
      'cancel-job': false,
    });
    expect(trigger.status).toBe(202);
    const requestId = (trigger.json as { 'request-id': string })['request-id'];
    const done = await pollUntil(`savepoint ${requestId} through the proxy`, 60_000, 500, async () => {
      const r = await viaApiServer('GET', `${proxyPath()}/jobs/${job.jid}/savepoints/${requestId}`);
      const s = r.json as { status: { id: string }; operation?: { location?: string } };
      return { done: s.status.id === 'COMPLETED' ? s.operation : undefined, seen: JSON.stringify(r.json) };
    });
    expect(done?.location).toMatch(/^file:\/.*\/savepoints\/savepoint-[0-9a-f]{6}-[0-9a-f]{12}$/);
    expect((await getJson<{ state: string }>(`/jobs/${job.jid}`)).state).toBe('RUNNING');
  });
});

describe('testbed flink: FLINK2_HOME (the real Flink 2.2.0 client from Maven Central jars)', () => {
  const flink = () => `${testbed('FLINKSHIP_TESTBED_FLINK2_HOME')}/bin/flink`;

  it('flink --version reports 2.2.0', async () => {
    const out = await ok(flink(), ['--version']);
    expect(out).toMatch(/^Version: 2\.2\.0, Commit ID: [0-9a-f]{7}$/m);
  });

  it('reads conf/config.yaml, the only file 2.x reads', async () => {
    const out = await ok('ls', [`${testbed('FLINKSHIP_TESTBED_FLINK2_HOME')}/conf`]);
    expect(out.trim().split('\n')).toEqual([
      'config.yaml',
      'log4j-cli.properties',
      'log4j-console.properties',
    ]);
  });

  it('`run` knows the kubernetes-application target, so flink-kubernetes is loaded through ServiceLoader', async () => {
    // In 2.x application mode is a target of `run`; without flink-kubernetes on the classpath the
    // list is only "remote", "local".
    const help = (await ok(flink(), ['run', '--help'])).replace(/\s+/g, ' ');
    expect(help).toContain('Action "run" compiles and runs a program.');
    expect(help).toContain(
      'For the "run" action the currently available targets are: "remote", "local", "kubernetes-session", "kubernetes-application".',
    );
    expect(help).not.toContain('run-application');
  });

  it('has no `run-application` action any more', async () => {
    const r = await runCommand(flink(), ['run-application', '--target', 'kubernetes-application', '--help']);
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n').slice(0, 3)).toEqual([
      '"run-application" is not a valid action.',
      '',
      'Valid actions are "run", "list", "info", "savepoint", "stop", or "cancel".',
    ]);
  });
});
