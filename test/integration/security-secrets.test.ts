// Secret configuration and env from Secrets through a real deploy (issue 12, point 4): the real Flink 1.20.3
// client (FLINK_HOME) against the staging API server. The printed argv and the whole output show ******,
// the client gets the real value, and `env` reaches the JobManager's flink-main-container via the pod template.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { V1ConfigMap, V1Deployment } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Kube } from '../../src/executors/kube.js';
import { cli, type CliRun } from '../helpers/cli.js';
import { pushJobImage, stagingAdmin } from '../helpers/deploy.js';
import { testbed } from './testbed.js';

const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const clusterId = `secsec-${run}`;
const namespace = `secsec-${run}`;
const SECRET = `secsec-s3-secret-${randomBytes(6).toString('hex')}`;
let dir: string;
let admin: Kube;
let result: CliRun;

function spec(): string {
  return `name: ${clusterId}
flinkVersion: '1.20'
image:
  repository: ${testbed('FLINKSHIP_TESTBED_STAGING_REGISTRY')}/flinkship-secsec/job
job:
  jar: job.jar
  entryClass: dev.example.Job
  upgradeMode: stateless
flinkConfiguration:
  execution.checkpointing.interval: 10s
  s3.secret-key: ${SECRET}
env:
  - { name: LOG_LEVEL, value: INFO }
  - name: AWS_SECRET_ACCESS_KEY
    valueFrom: { secretKeyRef: { name: s3-credentials, key: secret-key } }
# The health gate samples the testbed's MiniCluster job (it checkpoints every 2 s): a short window.
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
    env: [{ name: LOG_LEVEL, value: DEBUG }]
`;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'secsec-deploy-'));
  admin = stagingAdmin();
  const image = await pushJobImage('secsec', run);
  const file = path.join(dir, 'flinkship.yaml');
  await writeFile(file, spec());
  // The Secret the env refers to exists, as a user would have created it; Flinkship never reads it.
  await admin.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  await admin.apply({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 's3-credentials', namespace },
    stringData: { 'secret-key': SECRET },
  } as never);
  result = await cli(
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
    testbed('FLINKSHIP_TESTBED_FLINK_HOME'),
  );
});

afterAll(async () => {
  await admin?.delete({ apiVersion: 'v1', kind: 'Namespace', name: namespace });
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a deploy with a secret flinkConfiguration value and env from a Secret', () => {
  it('succeeds, printing the client argv with ****** and never the value', () => {
    expect(result.code, result.err).toBe(0);
    expect(result.err).toContain(' -Ds3.secret-key=****** ');
    expect(result.err).toContain(' -Dkubernetes.pod-template-file.default=');
    expect(result.out + result.err).not.toContain(SECRET);
  });

  it('gave the client the real value (Flink keeps its configuration in its ConfigMap)', async () => {
    const cm = await admin.get<V1ConfigMap>({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      name: `flink-config-${clusterId}`,
      namespace,
    });
    // Flink 1.20's client writes its standard YAML config.yaml, nested by key.
    const conf = parse(cm?.data?.['config.yaml'] ?? '') as { s3?: Record<string, string> };
    expect(conf.s3?.['secret-key']).toBe(SECRET);
  });

  it("put env into the JobManager's flink-main-container, the environment's value winning", async () => {
    const d = await admin.get<V1Deployment>({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: clusterId,
      namespace,
    });
    const main = d?.spec?.template.spec?.containers.find((c) => c.name === 'flink-main-container');
    const env = Object.fromEntries((main?.env ?? []).map((e) => [e.name, e]));
    expect(env.LOG_LEVEL).toEqual({ name: 'LOG_LEVEL', value: 'DEBUG' });
    expect(env.AWS_SECRET_ACCESS_KEY).toEqual({
      name: 'AWS_SECRET_ACCESS_KEY',
      valueFrom: { secretKeyRef: { name: 's3-credentials', key: 'secret-key' } },
    });
  });
});
