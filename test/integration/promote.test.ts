// `flinkship promote` against the testbed: the two real registries (staging without auth, production
// with htpasswd basic auth), each behind a counting proxy (test/helpers/counting-proxy.ts) that logs
// every request and its body bytes, and the two real API servers (kwok runs the pods; the MiniCluster's
// REST API stands for the JobManager's, as in deploy.test.ts). The source revision is made by a real
// deploy to staging; every promotion deploys to the production cluster with the real Flink client.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { V1Deployment } from '@kubernetes/client-node';
import { tarContext } from '../../src/build/context.js';
import { DockerEngine } from '../../src/executors/docker.js';
import { Kube } from '../../src/executors/kube.js';
import { Registry, sha256Digest } from '../../src/executors/registry.js';
import { copyImage } from '../../src/promote/copy.js';
import { HistoryStore } from '../../src/release/history.js';
import { cli } from '../helpers/cli.js';
import { startCountingProxy, type CountingProxy } from '../helpers/counting-proxy.js';
import { startGitHubStandIn } from '../helpers/github-standin.js';
import { runAction } from '../helpers/runner.js';
import { stagingAdmin } from '../helpers/deploy.js';
import { testbed } from './testbed.js';

const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const name = `pm-${run}`;
const repoPath = `flinkship-promote-${run}`;
const ns = { staging: `promote-${run}`, production: `promote-${run}`, mirror: `promote-m-${run}` };
let dir: string;
let spec: string;
let staging: CountingProxy;
let production: CountingProxy;
let stagingKube: Kube;
let productionKube: Kube;
let job: { ref: string; digest: string };
/** Blobs of the job image the production registry lacks (it holds the base image's): the config and the job's layer. */
let missing: { digest: string; size: number }[];
let allBlobs: string[];

const PRODUCTION_USER = () => testbed('FLINKSHIP_TESTBED_PRODUCTION_REGISTRY_USER');
const PRODUCTION_PASSWORD = () => testbed('FLINKSHIP_TESTBED_PRODUCTION_REGISTRY_PASSWORD');
const basic = () =>
  `Basic ${Buffer.from(`${PRODUCTION_USER()}:${PRODUCTION_PASSWORD()}`).toString('base64')}`;

function specText(): string {
  return `name: ${name}
flinkVersion: '1.20'
image:
  repository: ${staging.host}/${repoPath}/job
job:
  jar: job.jar
  entryClass: dev.example.Job
  upgradeMode: stateless
flinkConfiguration:
  execution.checkpointing.interval: 10s
# The health gate samples the testbed's MiniCluster job (it checkpoints every 2 s): a short window.
health: { window: 1s, checkpoints: 1 }
jobManager:
  resource: { cpu: 0.5, memory: 1024m }
taskManager:
  resource: { cpu: 0.5, memory: 1024m }
environments:
  staging:
    namespace: ${ns.staging}
    createNamespace: true
    context: staging
  production:
    namespace: ${ns.production}
    createNamespace: true
    context: production
    promoteFrom: staging
    image: { repository: ${production.host}/${repoPath}/job }
  mirror:
    namespace: ${ns.mirror}
    createNamespace: true
    context: production
    promoteFrom: staging
    image: { repository: ${staging.host}/${repoPath}/mirror }
  gh:
    namespace: promote-gh-${run}
    createNamespace: true
    context: production
    promoteFrom: staging
    image: { repository: ${production.host}/${repoPath}/gh }
  guarded:
    namespace: promote-g-${run}
    createNamespace: true
    context: production
    promoteFrom: staging
    image: { repository: ${production.host}/${repoPath}/guarded }
    promotion: { soak: 1h, requireVerified: true }
`;
}

const cluster = (kubeconfig: string) => ['--kubeconfig', kubeconfig];
const FLINK = () => [
  '--flink-home',
  testbed('FLINKSHIP_TESTBED_FLINK_HOME'),
  '--rest-url',
  testbed('FLINKSHIP_TESTBED_FLINK_REST_URL'),
];

/** `flinkship promote --to <to>` from the staging cluster, with the production login unless `password` says otherwise. */
async function promote(to: string, extra: string[] = [], password = PRODUCTION_PASSWORD()) {
  const saved = process.env.FLINKSHIP_REGISTRY_PASSWORD;
  process.env.FLINKSHIP_REGISTRY_PASSWORD = password;
  try {
    return await cli(
      'promote',
      '--config',
      spec,
      '--to',
      to,
      ...cluster(testbed('FLINKSHIP_TESTBED_PRODUCTION_KUBECONFIG')),
      '--source-kubeconfig',
      testbed('FLINKSHIP_TESTBED_STAGING_KUBECONFIG'),
      '--registry-username',
      PRODUCTION_USER(),
      ...FLINK(),
      ...extra,
    );
  } finally {
    if (saved === undefined) delete process.env.FLINKSHIP_REGISTRY_PASSWORD;
    else process.env.FLINKSHIP_REGISTRY_PASSWORD = saved;
  }
}

/** The digest the production registry serves for repository@reference (404: undefined), read with curl-like fetch. */
async function productionDigest(repository: string, reference: string): Promise<string | undefined> {
  const res = await fetch(
    `http://${testbed('FLINKSHIP_TESTBED_PRODUCTION_REGISTRY')}/v2/${repoPath}/${repository}/manifests/${reference}`,
    {
      method: 'HEAD',
      headers: {
        Authorization: basic(),
        Accept:
          'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.index.v1+json',
      },
    },
  );
  return res.status === 404 ? undefined : (res.headers.get('docker-content-digest') ?? 'no digest header');
}

const writes = (p: CountingProxy) => p.requests.filter((r) => /^(POST|PUT|PATCH|DELETE)$/.test(r.method));
const namespaceOf = (kube: Kube, n: string) => kube.get({ apiVersion: 'v1', kind: 'Namespace', name: n });

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'promote-test-'));
  staging = await startCountingProxy(testbed('FLINKSHIP_TESTBED_STAGING_REGISTRY'));
  production = await startCountingProxy(testbed('FLINKSHIP_TESTBED_PRODUCTION_REGISTRY'));
  stagingKube = stagingAdmin();
  productionKube = Kube.load({
    kubeconfig: testbed('FLINKSHIP_TESTBED_PRODUCTION_KUBECONFIG'),
    context: 'production',
  });
  spec = path.join(dir, 'flinkship.yaml');
  await writeFile(spec, specText());
  await writeFile(path.join(dir, 'job.jar'), 'not a jar: kwok never runs it');

  // The job image: the stand-in Flink image and one layer of its own, pushed to staging (through its proxy).
  const engine = new DockerEngine();
  const repository = `${staging.host}/${repoPath}/job`;
  await engine.build(
    tarContext([
      {
        name: 'Dockerfile',
        content: `FROM ${testbed('FLINKSHIP_TESTBED_FLINK_BASE_IMAGE')}\nCOPY marker /opt/marker\n`,
      },
      { name: 'marker', content: `promote test ${run}\n` },
    ]),
    { tag: `${repository}:v1`, buildArgs: {}, labels: {} },
    () => undefined,
  );
  const pushed = await engine.push(repository, 'v1', undefined, () => undefined);
  job = { ref: `${repository}@${pushed.digest}`, digest: pushed.digest };
  // Production already holds the base image in the same repository: only the job's own blobs are missing.
  const prodRepo = `${testbed('FLINKSHIP_TESTBED_PRODUCTION_REGISTRY')}/${repoPath}/job`;
  await engine.tag(testbed('FLINKSHIP_TESTBED_FLINK_BASE_IMAGE'), prodRepo, 'base');
  await engine.push(
    prodRepo,
    'base',
    {
      username: PRODUCTION_USER(),
      password: PRODUCTION_PASSWORD(),
      serveraddress: testbed('FLINKSHIP_TESTBED_PRODUCTION_REGISTRY'),
    },
    () => undefined,
  );
  const manifest = async (host: string, repo: string, ref: string, auth?: string) => {
    const res = await fetch(`http://${host}/v2/${repo}/manifests/${ref}`, {
      headers: {
        Accept: 'application/vnd.docker.distribution.manifest.v2+json',
        ...(auth ? { Authorization: auth } : {}),
      },
    });
    return (await res.json()) as {
      config: { digest: string; size: number };
      layers: { digest: string; size: number }[];
    };
  };
  const jobManifest = await manifest(
    testbed('FLINKSHIP_TESTBED_STAGING_REGISTRY'),
    `${repoPath}/job`,
    job.digest,
  );
  const baseManifest = await manifest(
    testbed('FLINKSHIP_TESTBED_PRODUCTION_REGISTRY'),
    `${repoPath}/job`,
    'base',
    basic(),
  );
  const there = new Set([baseManifest.config.digest, ...baseManifest.layers.map((l) => l.digest)]);
  const blobs = [jobManifest.config, ...jobManifest.layers];
  allBlobs = blobs.map((b) => b.digest).sort();
  missing = blobs.filter((b) => !there.has(b.digest)).sort((a, b) => a.digest.localeCompare(b.digest));
  expect(missing.length).toBe(2);
}, 300_000);

afterAll(async () => {
  for (const n of [ns.production, ns.mirror, `promote-g-${run}`, `promote-gh-${run}`]) {
    await productionKube?.delete({ apiVersion: 'v1', kind: 'Namespace', name: n });
  }
  await stagingKube?.delete({ apiVersion: 'v1', kind: 'Namespace', name: ns.staging });
  await staging?.close();
  await production?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('flinkship promote', () => {
  it('refuses a source that never deployed, exit 1, copying and deploying nothing', async () => {
    production.reset();
    const r = await promote('production');
    expect(r.code, r.err).toBe(1);
    expect(r.err).toContain('refused: staging has no deployed revision; nothing was copied or deployed');
    expect(writes(production)).toEqual([]);
    expect(await namespaceOf(productionKube, ns.production)).toBeUndefined();
  });

  it('refuses bad input with exit 2 before contacting anything: an unknown source, a --force where requireVerified', async () => {
    production.reset();
    const from = await promote('production', ['--from', 'mirror']);
    expect(from.code).toBe(2);
    expect(from.err).toContain(
      `--from: found "mirror"; production takes images only from staging (its promoteFrom in ${spec})`,
    );
    const forced = await promote('guarded', ['--force']);
    expect(forced.code).toBe(2);
    expect(forced.err).toContain('--force: guarded sets promotion.requireVerified: true');
    expect(production.requests).toEqual([]);
  });

  it('staging deploys the job image: revision 1, deployed and verified by its health gate', async () => {
    const r = await cli(
      'deploy',
      '--config',
      spec,
      '--env',
      'staging',
      '--image',
      job.ref,
      ...cluster(testbed('FLINKSHIP_TESTBED_STAGING_KUBECONFIG')),
      ...FLINK(),
    );
    expect(r.code, r.err).toBe(0);
    const history = await new HistoryStore(stagingKube, ns.staging, name, 'staging').read();
    expect(history.revisions.map((v) => [v.revision, v.state, v.digest, v.health?.healthy])).toEqual([
      [1, 'deployed', job.digest, true],
    ]);
  });

  it('refuses a verified revision that has not soaked as long as the destination asks', async () => {
    production.reset();
    const r = await promote('guarded');
    expect(r.code, r.err).toBe(1);
    expect(r.err).toMatch(
      /refused: staging revision 1 \(.*\) passed its health gate at .*; guarded asks for a soak of 1h \(promotion\.soak\): promote again in (\d+[hms])+; nothing was copied or deployed/,
    );
    expect(writes(production)).toEqual([]);
  });

  it("refuses a SQL job whose spec's script is not the one the source revision's image carries, copying nothing", async () => {
    // The same job as a SQL job (same name, so the same staging history); its revision 1 recorded as
    // having run another script than the spec's (what a SQL deploy records: kwok runs no SQL runner).
    const sqlSpec = path.join(dir, 'sql.yaml');
    await writeFile(
      sqlSpec,
      specText().replace('job:\n  jar: job.jar\n  entryClass: dev.example.Job\n', 'job:\n  sql: job.sql\n'),
    );
    const script =
      "CREATE TABLE src (id BIGINT) WITH ('connector' = 'datagen');\n" +
      "CREATE TABLE dst (id BIGINT) WITH ('connector' = 'blackhole');\n" +
      'INSERT INTO dst SELECT id FROM src;\n';
    await writeFile(path.join(dir, 'job.sql'), script);
    const store = new HistoryStore(stagingKube, ns.staging, name, 'staging');
    const original = await store.read();
    const ran = `sha256:${'e'.repeat(64)}`;
    await store.write({
      ...original,
      revisions: original.revisions.map((v) => (v.revision === 1 ? { ...v, sqlDigest: ran } : v)),
    });
    try {
      production.reset();
      const saved = spec;
      spec = sqlSpec;
      const r = await promote('production').finally(() => (spec = saved));
      expect(r.code, r.err).toBe(1);
      const want = createHash('sha256').update(script).digest('hex');
      expect(r.err).toContain(
        `refused: staging revision 1 (${job.ref}) runs the SQL script ${'e'.repeat(12)}, the one its image was built from; the spec's script for production is ${want.slice(0, 12)}, which that image does not carry (its SQL runner would refuse to start).`,
      );
      expect(r.err).toContain('nothing was copied or deployed');
      expect(production.requests).toEqual([]);
      expect(await namespaceOf(productionKube, ns.production)).toBeUndefined();
    } finally {
      await store.write(original);
    }
  });

  it('wrong destination credentials fail before anything is copied or deployed', async () => {
    production.reset();
    staging.reset();
    const r = await promote('production', [], 'not-the-password');
    expect(r.code, r.err).toBe(1);
    expect(r.err).toContain(
      `registry ${production.host} refused the login of ${PRODUCTION_USER()} (HTTP 401)`,
    );
    expect(r.err).not.toContain('not-the-password');
    expect(writes(production)).toEqual([]);
    expect(writes(staging)).toEqual([]);
    expect(await namespaceOf(productionKube, ns.production)).toBeUndefined();
  });

  it('--dry-run says what would move, in bytes, and writes nothing', async () => {
    production.reset();
    const r = await promote('production', ['--dry-run', '--output', 'json']);
    expect(r.code, r.err).toBe(0);
    const out = JSON.parse(r.out);
    expect(out.dryRun).toBe(true);
    expect(out.copy.bytes.uploaded).toBe(missing.reduce((n, b) => n + b.size, 0));
    expect(
      out.copy.blobs
        .filter((b: { action: string }) => b.action === 'uploaded')
        .map((b: { digest: string }) => b.digest)
        .sort(),
    ).toEqual(missing.map((b) => b.digest));
    expect(r.err).toContain("the deploy would create production's first revision");
    expect(writes(production)).toEqual([]);
    expect(await productionDigest('job', job.digest)).toBeUndefined();
    expect(await namespaceOf(productionKube, ns.production)).toBeUndefined();
  });

  it("across registries: uploads exactly the missing blobs, the production digest equals staging's, and production runs it with the promotion record", async () => {
    production.reset();
    const r = await promote('production', [
      '--reason',
      'release 1.4: the verified build',
      '--output',
      'json',
    ]);
    expect(r.code, r.err).toBe(0);
    expect(production.uploadedDigests().sort()).toEqual(missing.map((b) => b.digest));
    expect(production.uploadedBytes()).toBe(missing.reduce((n, b) => n + b.size, 0));
    expect(await productionDigest('job', job.digest)).toBe(job.digest);
    const image = `${production.host}/${repoPath}/job@${job.digest}`;
    const d = await productionKube.get<V1Deployment>({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name,
      namespace: ns.production,
    });
    expect(d?.spec?.template.spec?.containers[0]?.image).toBe(image);
    const history = await new HistoryStore(productionKube, ns.production, name, 'production').read();
    expect(history.revisions).toHaveLength(1);
    expect(history.revisions[0]).toMatchObject({
      revision: 1,
      state: 'deployed',
      image,
      digest: job.digest,
      promotion: {
        from: 'staging',
        sourceRevision: 1,
        sourceImage: job.ref,
        image,
        digest: job.digest,
        reason: 'release 1.4: the verified build',
        copy: { uploaded: 2, present: allBlobs.length - 2, mounted: 0 },
      },
    });
    expect(JSON.parse(r.out)).toMatchObject({ unchanged: false, revision: 1, image, digest: job.digest });
    const listed = await cli(
      'history',
      '--config',
      spec,
      '--env',
      'production',
      ...cluster(testbed('FLINKSHIP_TESTBED_PRODUCTION_KUBECONFIG')),
    );
    expect(listed.out).toMatch(/^1 +deployed +create, promoted from staging r1 /m);
  });

  it('promoting what production already runs changes nothing and says so', async () => {
    production.reset();
    const before = (
      await productionKube.get<V1Deployment>({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name,
        namespace: ns.production,
      })
    )?.metadata?.resourceVersion;
    const r = await promote('production');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('production already ran this digest with this configuration: nothing changed');
    expect(production.uploadedBytes()).toBe(0);
    expect(production.requests.filter((q) => q.method === 'PUT')).toEqual([]);
    const after = await productionKube.get<V1Deployment>({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name,
      namespace: ns.production,
    });
    expect(after?.metadata?.resourceVersion).toBe(before);
    const history = await new HistoryStore(productionKube, ns.production, name, 'production').read();
    expect(history.revisions).toHaveLength(1);
  });

  it('on the same registry: mounts every blob across repositories, moving 0 blob bytes', async () => {
    staging.reset();
    const r = await promote('mirror', ['--output', 'json']);
    expect(r.code, r.err).toBe(0);
    expect(staging.uploadedBytes()).toBe(0);
    expect(staging.mountedDigests().sort()).toEqual(allBlobs);
    const res = await fetch(`http://${staging.host}/v2/${repoPath}/mirror/manifests/${job.digest}`, {
      method: 'HEAD',
      headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json' },
    });
    expect(res.headers.get('docker-content-digest')).toBe(job.digest);
    expect(JSON.parse(r.out).copy.bytes).toEqual({ present: 0, mounted: expect.any(Number), uploaded: 0 });
  });
});

describe('actions/promote in GitHub Actions', () => {
  it('outputs the promotion, writes the job summary, and records a GitHub deployment of the destination carrying it', async () => {
    const token = 'ghs_promotetesttoken0001';
    const github = await startGitHubStandIn({ owner: 'acme', repo: 'jobs', tokens: [token] });
    try {
      const r = await runAction(
        'actions/promote',
        {
          config: spec,
          to: 'gh',
          kubeconfig: testbed('FLINKSHIP_TESTBED_PRODUCTION_KUBECONFIG'),
          'source-kubeconfig': testbed('FLINKSHIP_TESTBED_STAGING_KUBECONFIG'),
          'registry-username': PRODUCTION_USER(),
          'registry-password': PRODUCTION_PASSWORD(),
          'flink-home': testbed('FLINKSHIP_TESTBED_FLINK_HOME'),
          'rest-url': testbed('FLINKSHIP_TESTBED_FLINK_REST_URL'),
          'github-token': token,
          reason: 'release 1.4',
        },
        process.cwd(),
        {
          GITHUB_REPOSITORY: 'acme/jobs',
          GITHUB_SHA: 'b'.repeat(40),
          GITHUB_RUN_ID: '43',
          GITHUB_SERVER_URL: 'https://github.com',
          GITHUB_ACTOR: 'release-manager',
          GITHUB_API_URL: github.url,
        },
      );
      expect(r.code, r.stdout).toBe(0);
      const image = `${production.host}/${repoPath}/gh@${job.digest}`;
      expect(r.outputs).toMatchObject({
        image,
        digest: job.digest,
        'source-revision': '1',
        'source-image': job.ref,
        revision: '1',
        changed: 'true',
        forced: 'false',
        'bytes-mounted': '0',
      });
      const promotion = JSON.parse(r.outputs.promotion!);
      expect(promotion).toMatchObject({
        from: 'staging',
        promotedBy: 'release-manager',
        reason: 'release 1.4',
      });
      expect(r.summary).toContain('## Flinkship promote: staging → gh');
      expect(r.summary).toContain(`| Freight | \`${job.digest}\` |`);
      // Secrets appear only in the command that masks them.
      for (const secret of [PRODUCTION_PASSWORD(), token]) {
        expect(r.stdout.split('\n').filter((l) => l.includes(secret))).toEqual([`::add-mask::${secret}`]);
      }
      const deployment = github.requests.find(
        (q) => q.method === 'POST' && q.path === '/repos/acme/jobs/deployments',
      );
      expect(deployment?.body).toMatchObject({
        environment: 'gh',
        payload: {
          image,
          promotion: { from: 'staging', sourceRevision: 1, digest: job.digest, reason: 'release 1.4' },
        },
      });
      const status = github.requests.find((q) => q.path.endsWith('/statuses'));
      expect(status?.body).toMatchObject({
        state: 'success',
        environment_url: testbed('FLINKSHIP_TESTBED_FLINK_REST_URL'),
      });
    } finally {
      await github.close();
    }
  });
});

describe('copyImage', () => {
  /** Stores a blob in the staging registry with plain HTTP calls (not the code under test); returns its descriptor. */
  async function putBlob(repo: string, bytes: Buffer, mediaType: string) {
    const base = `http://${testbed('FLINKSHIP_TESTBED_STAGING_REGISTRY')}`;
    const start = await fetch(`${base}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
    const url = new URL(start.headers.get('location')!, base);
    const digest = sha256Digest(bytes);
    url.searchParams.set('digest', digest);
    const put = await fetch(url, {
      method: 'PUT',
      body: new Uint8Array(bytes),
      headers: { 'Content-Type': 'application/octet-stream' },
    });
    expect(put.status).toBe(201);
    return { mediaType, digest, size: bytes.length };
  }
  async function putManifest(repo: string, ref: string, body: object, mediaType: string) {
    const bytes = Buffer.from(JSON.stringify(body));
    const res = await fetch(
      `http://${testbed('FLINKSHIP_TESTBED_STAGING_REGISTRY')}/v2/${repo}/manifests/${ref}`,
      {
        method: 'PUT',
        body: new Uint8Array(bytes),
        headers: { 'Content-Type': mediaType },
      },
    );
    expect(res.status).toBe(201);
    return { mediaType, digest: sha256Digest(bytes), size: bytes.length };
  }

  it('converges through a 503 on a manifest PUT and a connection reset in the middle of a blob upload', async () => {
    production.reset();
    production.inject({ method: 'PUT', path: /\/manifests\//, fault: 503, times: 1 });
    production.inject({ method: 'PUT', path: /\/blobs\/uploads\//, fault: 'reset', times: 1 });
    const repo = `${repoPath}/faulty`;
    const login = { username: PRODUCTION_USER(), password: PRODUCTION_PASSWORD() };
    const lines: string[] = [];
    const report = await copyImage(
      { registry: new Registry(staging.host), host: staging.host, path: `${repoPath}/job` },
      { registry: new Registry(production.host, login), host: production.host, path: repo },
      job.digest,
      { dryRun: false, ui: { info: (l) => lines.push(l) } },
    );
    expect(report.blobs.map((b) => b.digest).sort()).toEqual(allBlobs);
    expect(production.requests.filter((q) => q.status === 0).map((q) => q.method)).toEqual(['PUT']);
    expect(production.requests.filter((q) => q.status === 503).map((q) => q.path)).toEqual([
      `/v2/${repo}/manifests/${job.digest}`,
    ]);
    expect(lines.some((l) => /attempt 1 failed .*; retrying in \d+ ms/.test(l))).toBe(true);
    expect(await productionDigest('faulty', job.digest)).toBe(job.digest);
  });

  it('copies a multi-platform index whole, its attestation manifest included, to the other registry', async () => {
    const repo = `${repoPath}/multi`;
    const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
    const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
    const image = async (platform: string) => {
      const config = await putBlob(
        repo,
        Buffer.from(
          JSON.stringify({ architecture: platform, os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }),
        ),
        'application/vnd.oci.image.config.v1+json',
      );
      const layer = await putBlob(repo, randomBytes(2048), 'application/vnd.oci.image.layer.v1.tar');
      return putManifest(
        repo,
        `${platform}-${run}`,
        { schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [layer] },
        OCI_MANIFEST,
      );
    };
    const amd64 = await image('amd64');
    const arm64 = await image('arm64');
    const statement = await putBlob(
      repo,
      Buffer.from('{"_type":"https://in-toto.io/Statement/v0.1"}'),
      'application/vnd.in-toto+json',
    );
    const attestationConfig = await putBlob(
      repo,
      Buffer.from('{}'),
      'application/vnd.oci.image.config.v1+json',
    );
    const attestation = await putManifest(
      repo,
      `att-${run}`,
      { schemaVersion: 2, mediaType: OCI_MANIFEST, config: attestationConfig, layers: [statement] },
      OCI_MANIFEST,
    );
    const index = await putManifest(
      repo,
      'multi',
      {
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: [
          { ...amd64, platform: { architecture: 'amd64', os: 'linux' } },
          { ...arm64, platform: { architecture: 'arm64', os: 'linux' } },
          {
            ...attestation,
            platform: { architecture: 'unknown', os: 'unknown' },
            annotations: {
              'vnd.docker.reference.type': 'attestation-manifest',
              'vnd.docker.reference.digest': amd64.digest,
            },
          },
        ],
      },
      OCI_INDEX,
    );
    production.reset();
    const login = { username: PRODUCTION_USER(), password: PRODUCTION_PASSWORD() };
    const report = await copyImage(
      { registry: new Registry(staging.host), host: staging.host, path: repo },
      { registry: new Registry(production.host, login), host: production.host, path: repo },
      index.digest,
      { dryRun: false, ui: { info: () => undefined } },
    );
    expect(report.manifests.map((m) => m.digest)).toEqual([
      amd64.digest,
      arm64.digest,
      attestation.digest,
      index.digest,
    ]);
    expect(report.blobs).toHaveLength(6);
    expect(report.blobs.every((b) => b.action === 'uploaded')).toBe(true);
    // Every manifest is served at production under its own digest, the index under the source's.
    const dst = new Registry(testbed('FLINKSHIP_TESTBED_PRODUCTION_REGISTRY'), login);
    for (const m of [amd64, arm64, attestation, index]) {
      const got = await dst.rawManifest(repo, m.digest);
      expect(got.digest).toBe(m.digest);
    }
    // Children were stored before the index that lists them.
    const puts = production.requests
      .filter((q) => q.method === 'PUT' && q.path.includes('/manifests/'))
      .map((q) => q.path.split('/manifests/')[1]);
    expect(puts).toEqual([amd64.digest, arm64.digest, attestation.digest, index.digest]);
  });
});
