// `env up` / `env down` with cluster: kind. No kind node can run here, so kind itself is a STAND-IN
// (test/helpers/kind-standin.ts): its invocations are checked as argv and config files, and the
// kubeconfig it hands out points at the staging testbed cluster, where Strimzi and Fluent Bit are then
// installed for real (with the Strimzi operator STAND-IN setting the Kafka conditions). The registry
// container is a real container on the testbed's Docker engine (busybox standing in for registry:2,
// which cannot be pulled here), created before the run, so `env up` finds it running and wires it in.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Dockerode from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Kube } from '../../src/executors/kube.js';
import { KIND_NODE_IMAGE } from '../../src/integration/kindConfig.js';
import { KindStandIn } from '../helpers/kind-standin.js';
import { StrimziOperatorStandIn } from '../helpers/strimzi-standin.js';
import { testbed } from './testbed.js';
import { cli } from '../helpers/cli.js';

const STRIMZI_INSTALL = path.resolve('..', 'shared/upstream/strimzi-1.2.0/install');
const suffix = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
const ns = { kafka: `kafka-k${suffix}`, logging: `logging-k${suffix}`, flink: `flink-k${suffix}` };
const CLUSTER = 'flinkship-log-cleaner';

describe('env up / env down with cluster: kind (kind stand-in, staging testbed as the cluster)', () => {
  const stagingKubeconfig = testbed('FLINKSHIP_TESTBED_STAGING_KUBECONFIG');
  testbed('DOCKER_HOST');
  const dir = mkdtempSync(path.join(tmpdir(), 'flinkship-kind-it-'));
  const runnerTemp = path.join(dir, 'runner-temp');
  const workDir = path.join(runnerTemp, `flinkship-kind-${CLUSTER}`);
  const kind = new KindStandIn(path.join(dir, 'kind'), stagingKubeconfig);
  const docker = new Dockerode();
  const saved = { ...process.env };
  let spec: string;
  let kube: Kube;

  beforeAll(async () => {
    Object.assign(process.env, kind.env(), {
      RUNNER_TEMP: runnerTemp,
      RUNNER_TOOL_CACHE: path.join(dir, 'tool-cache'),
    });
    delete process.env.KUBECONFIG;
    const text = readFileSync('fixtures/log-cleaner/flinkship.yaml', 'utf8')
      .replace(
        '    cluster: kind\n',
        `    cluster: kind\n    kind: { workers: 1, extraPortMappings: [{ containerPort: 30081, hostPort: 18088 }] }\n`,
      )
      .replace('    namespace: flink-integration\n', `    namespace: ${ns.flink}\n`)
      .replace(
        '{ cluster: my-cluster, topics: [logs, logs-clean] }',
        `{ cluster: my-cluster, namespace: ${ns.kafka}, topics: [logs, logs-clean] }`,
      )
      .replace('topic: logs }\n', `topic: logs, namespace: ${ns.logging} }\n`);
    spec = path.join(dir, 'flinkship.yaml');
    writeFileSync(spec, text);
    kube = Kube.load({ kubeconfig: stagingKubeconfig });
    // What kind creates (the network) and a registry that already runs, as after an earlier job.
    await docker.createNetwork({ Name: 'kind', CheckDuplicate: true }).catch(() => undefined);
    await docker
      .getContainer('kind-registry')
      .remove({ force: true })
      .catch(() => undefined);
    const registry = await docker.createContainer({
      name: 'kind-registry',
      Image: testbed('FLINKSHIP_TESTBED_BUSYBOX_IMAGE'),
      Cmd: ['sleep', '900'],
    });
    await registry.start();
  });

  afterAll(async () => {
    process.env = saved;
    await docker
      .getContainer('kind-registry')
      .remove({ force: true })
      .catch(() => undefined);
    await docker
      .getNetwork('kind')
      .remove()
      .catch(() => undefined);
    await kube.delete({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: 'kube-public',
      name: 'local-registry-hosting',
    });
    for (const n of Object.values(ns)) await kube.delete({ apiVersion: 'v1', kind: 'Namespace', name: n });
  });

  it('runs kind with the pinned node image, workers, port mappings and the registry wired through certs.d, and masks the kubeconfig', async () => {
    const operator = new StrimziOperatorStandIn(stagingKubeconfig, ns.kafka);
    const r = await operator.whileRunning(() =>
      cli(
        'env up',
        '--config',
        spec,
        '--strimzi-manifests',
        STRIMZI_INSTALL,
        '--timeout',
        '3m',
        '--output',
        'json',
      ),
    );
    expect(r.err).not.toContain('error:');
    expect(r.code).toBe(0);
    const calls = kind.calls();
    expect(calls.slice(0, 2)).toEqual([['version'], ['get', 'clusters']]);
    expect(calls[2]!.slice(0, -1)).toEqual([
      'create',
      'cluster',
      '--name',
      CLUSTER,
      '--config',
      path.join(workDir, 'kind-config.yaml'),
      '--kubeconfig',
      path.join(workDir, 'kubeconfig'),
      '--wait',
    ]);
    expect(calls[2]!.at(-1)).toMatch(/^\d+s$/);
    const mount = {
      hostPath: path.join(workDir, 'certs.d'),
      containerPath: '/etc/containerd/certs.d',
      readOnly: true,
    };
    expect(parse(kind.config(CLUSTER)!)).toEqual({
      kind: 'Cluster',
      apiVersion: 'kind.x-k8s.io/v1alpha4',
      nodes: [
        {
          role: 'control-plane',
          image: KIND_NODE_IMAGE,
          extraPortMappings: [{ containerPort: 30081, hostPort: 18088 }],
          extraMounts: [mount],
        },
        { role: 'worker', image: KIND_NODE_IMAGE, extraMounts: [mount] },
      ],
      containerdConfigPatches: [
        '[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d"',
      ],
    });
    expect(readFileSync(path.join(workDir, 'certs.d', 'localhost:5001', 'hosts.toml'), 'utf8')).toBe(
      '[host."http://kind-registry:5000"]\n  capabilities = ["pull", "resolve"]\n',
    );
    const hosting = await kube.get<{ apiVersion: string; data: Record<string, string> }>({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: 'kube-public',
      name: 'local-registry-hosting',
    });
    expect(hosting!.data['localRegistryHosting.v1']).toBe(
      'host: "localhost:5001"\nhelp: "https://kind.sigs.k8s.io/docs/user/local-registry/"\n',
    );
    const registry = await docker.getContainer('kind-registry').inspect();
    expect(Object.keys(registry.NetworkSettings.Networks)).toContain('kind');

    const result = JSON.parse(r.out);
    expect(result).toMatchObject({
      cluster: 'kind',
      kindCluster: CLUSTER,
      kubeconfig: path.join(workDir, 'kubeconfig'),
      registry: 'localhost:5001',
    });
    expect(result.timings[0].step).toBe('kind cluster');
    expect(process.env.KUBECONFIG).toBe(path.join(workDir, 'kubeconfig'));
    // The kubeconfig's credentials never reach the log.
    const key = /client-key-data: (\S+)/.exec(readFileSync(stagingKubeconfig, 'utf8'))![1]!;
    expect(r.err).toContain('registry kind-registry runs already (localhost:5001)');
    expect(r.err).not.toContain(key.slice(0, 40));
  });

  it('on failure runs kind export logs into the diagnostics, reusing the existing cluster', async () => {
    const stuck = new StrimziOperatorStandIn(stagingKubeconfig, ns.kafka, { stuck: true });
    const diagnostics = path.join(dir, 'diagnostics');
    const r = await stuck.whileRunning(() =>
      cli(
        'env up',
        '--config',
        spec,
        '--strimzi-manifests',
        STRIMZI_INSTALL,
        '--timeout',
        '20s',
        '--diagnostics',
        diagnostics,
      ),
    );
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /timed out after \d+s waiting for Kafka .*\/my-cluster Ready; last seen: NotReady=True \(Creating/,
    );
    const calls = kind.calls().slice(3);
    expect(calls).toContainEqual([
      'export',
      'kubeconfig',
      '--name',
      CLUSTER,
      '--kubeconfig',
      path.join(workDir, 'kubeconfig'),
    ]);
    expect(calls).toContainEqual(['export', 'logs', path.join(diagnostics, 'kind'), '--name', CLUSTER]);
    expect(calls.some((c) => c[0] === 'create')).toBe(false);
    expect(readFileSync(path.join(diagnostics, 'kind', 'kind-version.txt'), 'utf8')).toBe(
      'kind stand-in: no node logs\n',
    );
  });

  it('env down deletes the kind cluster and its registry', async () => {
    const r = await cli('env down', '--config', spec, '--strimzi-manifests', STRIMZI_INSTALL);
    expect(r.code).toBe(0);
    // With the kubeconfig env up wrote, so the cluster's entry goes from that file too.
    expect(kind.calls().at(-1)).toEqual([
      ...['delete', 'cluster', '--name', CLUSTER],
      ...['--kubeconfig', path.join(workDir, 'kubeconfig')],
    ]);
    // The work directory (kind config, certs.d, the admin kubeconfig) goes with it.
    expect(r.out).toBe(
      `deleted: kind cluster ${CLUSTER}, registry container kind-registry, work directory ${workDir}\n`,
    );
    expect(existsSync(workDir)).toBe(false);
    await expect(docker.getContainer('kind-registry').inspect()).rejects.toThrow(/no such container/i);
  });
});
