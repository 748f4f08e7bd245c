// `flinkship deploy` of a Flink 2.x job with the real Flink 2.2.0 client (the testbed's second
// FLINK_HOME, --flink-home) against the real staging API server: the plan's 2.x argv (`flink run
// --target kubernetes-application`, no `run-application`) and its -D options, as the 2.x client reads
// them. kwok runs the JobManager pod (no container really starts), so the stand-in 1.20 base image
// serves as the job image; the MiniCluster's REST API stands for the JobManager's.
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubernetesObject, V1ConfigMap, V1Deployment, V1Service } from '@kubernetes/client-node';
import { KubeConfig } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { clientKubeconfig } from '../../src/deploy/deployer.js';
import { Kube } from '../../src/executors/kube.js';
import { plan } from '../../src/plan/plan.js';
import { loadSpec } from '../../src/spec/load.js';
import { run as runCommand } from '../helpers/run.js';
import { testbed } from './testbed.js';
import { cli } from '../helpers/cli.js';
import { asDeployer, pushJobImage, stagingAdmin } from '../helpers/deploy.js';

const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const clusterId = `f2-${run}`;
const namespace = `deploy-f2-${run}`;
let dir: string;
let image: string;
let admin: Kube;

function spec(name = clusterId, extraConfig = ''): string {
  return `name: ${name}
flinkVersion: '2.2'
image:
  repository: ${testbed('FLINKSHIP_TESTBED_STAGING_REGISTRY')}/flinkship-deploy-flink2-test/job
job:
  jar: job.jar
  entryClass: dev.example.Job
  upgradeMode: stateless
flinkConfiguration:
  execution.checkpointing.interval: 10s
  state.savepoints.dir: file:///tmp/savepoints
  state.backend.type: hashmap
  state.backend.incremental: true
${extraConfig}# The health gate samples the testbed's MiniCluster job (it checkpoints every 2 s): a short window.
health: { window: 1s, checkpoints: 1 }
jobManager:
  resource: { cpu: 0.5, memory: 1024m }
taskManager:
  resource: { cpu: 0.5, memory: 1024m }
environments:
  staging:
    namespace: ${namespace}
    createNamespace: true
    context: staging
`;
}

/** Flink's reading of a YAML config: nested mappings joined with dots. */
function flatten(value: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      Object.assign(out, flatten(v as Record<string, unknown>, `${prefix}${k}.`));
    } else out[`${prefix}${k}`] = v;
  }
  return out;
}

const get = <T extends KubernetesObject>(kind: string, apiVersion: string, name: string) =>
  admin.get<T>({ apiVersion, kind, name, namespace });

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'deploy-flink2-test-'));
  admin = stagingAdmin();
  image = await pushJobImage('deploy-flink2-test', run);
});

afterAll(async () => {
  await admin?.delete({ apiVersion: 'v1', kind: 'Namespace', name: namespace });
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('flinkship deploy: a Flink 2.x job with the real Flink 2.2.0 client (--flink-home)', () => {
  let r: { code: number; out: string; err: string };

  beforeAll(async () => {
    const file = path.join(dir, 'flinkship.yaml');
    await writeFile(file, spec());
    r = await cli(
      'deploy',
      '--config',
      file,
      '--env',
      'staging',
      '--image',
      image,
      '--kubeconfig',
      testbed('FLINKSHIP_TESTBED_STAGING_KUBECONFIG'),
      '--rest-url',
      testbed('FLINKSHIP_TESTBED_FLINK_REST_URL'),
      '--flink-home',
      testbed('FLINKSHIP_TESTBED_FLINK2_HOME'),
      '--output',
      'json',
    );
  });

  it('exits 0, having run `flink run --target kubernetes-application` from the 2.x home', () => {
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ clusterId, namespace, image, action: 'created' });
    const submitted = r.err.split('\n').find((l) => l.includes('flink run'));
    expect(submitted, r.err).toBeDefined();
    expect(submitted).toContain('flink run --target kubernetes-application -Dkubernetes.config.file=');
    expect(r.err).not.toContain('run-application');
  });

  it('the 2.x client created the JobManager Deployment, running the image by digest', async () => {
    const d = await get<V1Deployment>('Deployment', 'apps/v1', clusterId);
    expect(d?.metadata?.labels).toMatchObject({ type: 'flink-native-kubernetes', app: clusterId });
    const container = d?.spec?.template.spec?.containers[0];
    expect(container?.name).toBe('flink-main-container');
    expect(container?.image).toBe(image);
  });

  it('the ConfigMap holds config.yaml (the 2.x file) with the plan’s keys', async () => {
    const cm = await get<V1ConfigMap>('ConfigMap', 'v1', `flink-config-${clusterId}`);
    expect(cm?.metadata?.labels).toMatchObject({ type: 'flink-native-kubernetes', app: clusterId });
    expect(Object.keys(cm?.data ?? {})).toContain('config.yaml');
    expect(Object.keys(cm?.data ?? {})).not.toContain('flink-conf.yaml');
    const conf = parse(cm?.data?.['config.yaml'] ?? '') as Record<string, unknown>;
    // Flink 2.x writes the effective configuration as nested YAML; -D values stay strings.
    expect(flatten(conf)).toMatchObject({
      'kubernetes.cluster-id': clusterId,
      'kubernetes.namespace': namespace,
      'kubernetes.container.image.ref': image,
      'kubernetes.service-account': `${clusterId}-flink`,
      'kubernetes.jobmanager.cpu.amount': '0.5',
      'kubernetes.taskmanager.cpu.amount': '0.5',
      'jobmanager.memory.process.size': '1024m',
      'execution.target': 'kubernetes-application',
      'execution.checkpointing.interval': '10s',
      'state.savepoints.dir': 'file:///tmp/savepoints',
      'state.backend.type': 'hashmap',
      'state.backend.incremental': 'true',
      '$internal.application.main': 'dev.example.Job',
      'pipeline.jars': ['local:///opt/flink/usrlib/job.jar'],
    });
  });

  it('the JobManager container got the cpu and memory of the plan (kubernetes.jobmanager.cpu.amount is the 2.x key)', async () => {
    const d = await get<V1Deployment>('Deployment', 'apps/v1', clusterId);
    const resources = d?.spec?.template.spec?.containers[0]?.resources;
    expect(resources?.requests).toEqual({ cpu: '500m', memory: '1Gi' });
    expect(resources?.limits).toEqual({ cpu: '500m', memory: '1Gi' });
  });

  it('the rest Service exists, owned by the Deployment', async () => {
    const rest = await get<V1Service>('Service', 'v1', `${clusterId}-rest`);
    expect(rest?.metadata?.labels).toMatchObject({ type: 'flink-native-kubernetes', app: clusterId });
    expect(rest?.spec?.ports?.map((p) => [p.name, p.port])).toEqual([['rest', 8081]]);
    expect(rest?.metadata?.ownerReferences?.map((o) => [o.kind, o.name])).toEqual([
      ['Deployment', clusterId],
    ]);
  });
});

/**
 * Runs the 2.2.0 client directly to submit `id`, as a deployer ServiceAccount for it with the Role
 * deploy gives (asDeployer), with `confDir` as its configuration directory when given.
 */
async function client2(id: string, args: string[], confDir?: string) {
  await asDeployer(admin, namespace, id, (token) => submit2(token, args, confDir));
}

async function submit2(token: string, args: string[], confDir?: string) {
  const kc = new KubeConfig();
  kc.loadFromFile(testbed('FLINKSHIP_TESTBED_STAGING_KUBECONFIG'));
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('the staging kubeconfig names no current cluster');
  const kubeconfig = path.join(dir, 'client-kubeconfig');
  await writeFile(
    kubeconfig,
    clientKubeconfig({ server: cluster.server, caData: cluster.caData }, token, namespace),
    {
      mode: 0o600,
    },
  );
  const r = await runCommand(
    path.join(testbed('FLINKSHIP_TESTBED_FLINK2_HOME'), 'bin', 'flink'),
    [
      'run',
      '--target',
      'kubernetes-application',
      `-Dkubernetes.config.file=${kubeconfig}`,
      ...args,
      '-c',
      'dev.example.Job',
      'local:///opt/flink/usrlib/job.jar',
    ],
    { env: confDir ? { FLINK_CONF_DIR: confDir } : {}, timeoutMs: 120_000 },
  );
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
}

/** The configuration in the ConfigMap the JobManager of `id` reads, flattened as Flink reads it. */
async function clusterConfig(id: string): Promise<Record<string, unknown>> {
  const cm = await get<V1ConfigMap>('ConfigMap', 'v1', `flink-config-${id}`);
  if (!cm?.data?.['config.yaml'])
    throw new Error(`no config.yaml in ConfigMap ${namespace}/flink-config-${id}`);
  return flatten(parse(cm.data['config.yaml']) as Record<string, unknown>);
}

describe("the plan's rendered config.yaml for 2.x, read by the real 2.2.0 client", () => {
  // deploy passes the configuration with -D; `flinkship plan` shows it as the config.yaml a 2.x
  // distribution reads. Submitting with that file as the client's only configuration (no -D but the
  // kubeconfig) must give Flink the same entries.
  const fileId = `${clusterId}-file`;

  it('yields every entry of the plan in the cluster Flink creates', async () => {
    const file = path.join(dir, 'file.yaml');
    await writeFile(file, spec(fileId));
    const p = plan(loadSpec(file), 'staging', { image });
    expect(p.flinkConfiguration.file.name).toBe('config.yaml');
    const conf = path.join(dir, 'conf');
    await mkdir(conf);
    await writeFile(path.join(conf, 'config.yaml'), p.flinkConfiguration.file.content);
    const home = testbed('FLINKSHIP_TESTBED_FLINK2_HOME');
    await copyFile(path.join(home, 'conf', 'log4j-cli.properties'), path.join(conf, 'log4j-cli.properties'));
    await client2(fileId, [], conf);

    const flat = await clusterConfig(fileId);
    expect(Object.keys(p.flinkConfiguration.entries)).toContain('state.backend.incremental');
    for (const [key, value] of Object.entries(p.flinkConfiguration.entries)) {
      expect([key, String(flat[key])]).toEqual([key, value]);
    }
    const d = await get<V1Deployment>('Deployment', 'apps/v1', fileId);
    expect(d?.spec?.template.spec?.containers[0]?.image).toBe(image);
    expect(d?.spec?.template.spec?.containers[0]?.resources?.requests).toEqual({
      cpu: '500m',
      memory: '1Gi',
    });
  });
});

describe('a key that is both a value and a prefix (state.backend and state.backend.*)', () => {
  it('the real 2.2.0 client keeps only the value in the ConfigMap, dropping the keys under it', async () => {
    // Why the validator refuses such configurations: the JobManager would run without state.backend.type
    // and state.backend.incremental. Should a later Flink keep them, this test says so.
    const id = `${clusterId}-prefix`;
    await client2(id, [
      `-Dkubernetes.cluster-id=${id}`,
      `-Dkubernetes.namespace=${namespace}`,
      `-Dkubernetes.container.image.ref=${image}`,
      '-Dkubernetes.rest-service.exposed.type=ClusterIP',
      '-Dstate.backend.type=rocksdb',
      '-Dstate.backend.incremental=true',
      '-Dstate.backend=hashmap',
    ]);
    const flat = await clusterConfig(id);
    expect(flat['kubernetes.cluster-id']).toBe(id);
    expect(flat['state.backend']).toBe('hashmap');
    expect(flat).not.toHaveProperty(['state.backend.type']);
    expect(flat).not.toHaveProperty(['state.backend.incremental']);
  });

  it('flinkship deploy refuses it with exit 2, naming the key, and creates nothing', async () => {
    const id = `${clusterId}-refused`;
    const file = path.join(dir, 'refused.yaml');
    await writeFile(file, spec(id, '  state.backend: hashmap\n'));
    const r = await cli(
      'deploy',
      '--config',
      file,
      '--env',
      'staging',
      '--image',
      image,
      '--kubeconfig',
      testbed('FLINKSHIP_TESTBED_STAGING_KUBECONFIG'),
      '--flink-home',
      testbed('FLINKSHIP_TESTBED_FLINK2_HOME'),
    );
    expect(r.code, r.err).toBe(2);
    expect(r.err).toContain(
      `${file}:14:3: flinkConfiguration["state.backend"]: "state.backend" has a value and is also the prefix of "state.backend.type", "state.backend.incremental";`,
    );
    expect(await get<V1Deployment>('Deployment', 'apps/v1', id)).toBeUndefined();
  });
});
