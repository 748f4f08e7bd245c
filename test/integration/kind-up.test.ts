// `flinkship up`, the README's whole path, on this machine for real: build the fixture's image, create a
// kind cluster with the real kind CLI (the testbed's node image, pinned by digest), install Strimzi and
// Fluent Bit, push the image to the local registry container (on the kind network, wired into the node
// the containerd certs.d way), deploy the job with the deploy verb, run the smoke test, delete it all.
// Only what cannot exist here is a STAND-IN, reached as a user with an image mirror reaches it: the
// Strimzi operator (the upstream install files with its image swapped) and Fluent Bit (fluentBit.image),
// loaded onto the new node with kind.loadImages along with the Kafka image (kafka.image). The registry's
// image is Debian's distribution build (kind.registryImage), the Flink client the testbed's FLINK_HOME
// (--flink-home) and the base image the testbed's Flink image (--base-image): none can be pulled here.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kindClusterName, kindWorkDir } from '../../src/integration/settings.js';
import { cli } from '../helpers/cli.js';
import { ok } from '../helpers/run.js';
import { FIXTURE } from './kindFixture.js';
import { kindPath, writeUpRepo } from './upSpec.js';
import { testbed } from './testbed.js';

const CLUSTER = kindClusterName('log-cleaner');

const docker = (args: string[]) =>
  execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
const dockerOk = (args: string[]) => {
  try {
    docker(args);
    return true;
  } catch {
    return false;
  }
};

describe('flinkship up on this machine: a kind cluster of its own, the fixture end to end, nothing left behind', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'flinkship-up-'));
  const savedPath = process.env.PATH;
  const savedKubeconfig = process.env.KUBECONFIG;
  let spec: string;
  let manifests: string;
  let networkBefore: boolean;

  beforeAll(async () => {
    ({ spec, manifests } = await writeUpRepo(dir));
    process.env.PATH = `${kindPath()}:${savedPath}`;
    expect(dockerOk(['inspect', `${CLUSTER}-control-plane`])).toBe(false);
    networkBefore = dockerOk(['network', 'inspect', 'kind']);
  }, 900_000);

  afterAll(async () => {
    process.env.PATH = savedPath;
    if (savedKubeconfig === undefined) delete process.env.KUBECONFIG;
    else process.env.KUBECONFIG = savedKubeconfig;
    // Only when the test failed half way: never leave a cluster or its registry running on the machine.
    if (dockerOk(['inspect', 'kind-registry'])) docker(['rm', '-f', 'kind-registry']);
    if (dockerOk(['inspect', `${CLUSTER}-control-plane`])) {
      await ok(testbed('FLINKSHIP_TESTBED_KIND'), ['delete', 'cluster', '--name', CLUSTER], {
        env: { PATH: `${kindPath()}:${savedPath}` },
        timeoutMs: 300_000,
      });
    }
  }, 400_000);

  type UpJson = {
    image: string;
    smoke: { mode: string; records: number };
    timings: { step: string; seconds: number }[];
    deleted: string[];
    env: { kindCluster: string };
  };
  const up = (...extra: string[]) =>
    cli(
      ...['up', '--config', spec, '--strimzi-manifests', manifests],
      ...['--base-image', testbed('FLINKSHIP_TESTBED_FLINK_BASE_IMAGE')],
      ...['--flink-home', testbed('FLINKSHIP_TESTBED_FLINK_HOME'), '--timeout', '20m', '--output', 'json'],
      // Never into the working tree: a failed run writes the cluster's logs there.
      ...['--diagnostics', path.join(dir, 'diagnostics')],
      ...extra,
    );
  const expected = () =>
    readFileSync(path.join(FIXTURE, 'producer/expected-clean.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '');
  let first: UpJson;

  it('up --keep: builds, creates the cluster, deploys, sees exactly the expected clean records, and keeps the cluster', async () => {
    const r = await up('--keep');
    expect(r.err).not.toContain('error:');
    expect(r.code).toBe(0);
    first = JSON.parse(r.out) as UpJson;
    expect(first.smoke).toMatchObject({ mode: 'fixture', records: expected().length });
    expect(first.env.kindCluster).toBe(CLUSTER);
    // Pushed to the kind registry and deployed by digest: the nodes pulled it through certs.d.
    expect(first.image).toMatch(/^localhost:5011\/log-cleaner@sha256:[0-9a-f]{64}$/);
    expect(first.timings.map((t) => t.step)).toEqual([
      'build image',
      'env up',
      'push to the kind registry',
      'deploy and smoke test',
    ]);
    expect(first.deleted).toEqual([]);
    expect(dockerOk(['inspect', `${CLUSTER}-control-plane`])).toBe(true);
    expect(dockerOk(['inspect', 'kind-registry'])).toBe(true);
  }, 1_500_000);

  it('a second up reuses the cluster, the image and the running job, sees exactly the expected records again, and leaves nothing behind', async () => {
    expect(first, 'the first up ran').toBeDefined();
    const r = await up();
    expect(r.err).not.toContain('error:');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.out) as UpJson;
    // What exists is reused: the cluster, the image (same content, same reference) and the job.
    expect(r.err).toContain(`kind cluster ${CLUSTER} exists already`);
    expect(result.image).toBe(first.image);
    expect(r.err).toMatch(
      new RegExp(`already runs ${first.image.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} .*: nothing to change`),
    );
    // The producer printed its lines again; the job's dedup window drops the repeats: still exactly these.
    expect(result.smoke).toMatchObject({ mode: 'fixture', records: expected().length });
    expect(result.deleted).toContain(`kind cluster ${CLUSTER}`);
    expect(result.deleted).toContain(`work directory ${kindWorkDir(CLUSTER)}`);
    expect(result.deleted).toContain('registry container kind-registry');

    // Nothing left: no node container, no cluster kind knows, no kubeconfig, and the network only if it was there.
    expect(dockerOk(['inspect', `${CLUSTER}-control-plane`])).toBe(false);
    expect(dockerOk(['inspect', 'kind-registry'])).toBe(false);
    const clusters = await ok(testbed('FLINKSHIP_TESTBED_KIND'), ['get', 'clusters'], {
      env: { PATH: process.env.PATH! },
    });
    expect(clusters.split('\n')).not.toContain(CLUSTER);
    expect(existsSync(kindWorkDir(CLUSTER))).toBe(false);
    expect(dockerOk(['network', 'inspect', 'kind'])).toBe(networkBefore);
    if (!networkBefore) expect(result.deleted).toContain('docker network kind');
  }, 1_500_000);
});
