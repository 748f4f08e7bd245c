// The `registry` testbed component: two real OCI registries (Debian's docker-registry) on loopback,
// staging without auth and production behind htpasswd basic auth. These tests use them the way the
// toolkit will: `docker push` and compare the digest skopeo reads back, log in to production with a
// throw-away DOCKER_CONFIG, copy a manifest between the registries by digest, and see production
// refuse anyone without credentials.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok as okCommand, run as runCommand, type RunOptions } from '../helpers/run.js';
import { testbed } from './testbed.js';

const withDocker = (opts: RunOptions = {}): RunOptions => ({
  ...opts,
  env: { DOCKER_HOST: testbed('DOCKER_HOST'), ...opts.env },
});
const run = (cmd: string, args: string[], opts?: RunOptions) => runCommand(cmd, args, withDocker(opts));
const ok = (cmd: string, args: string[], opts?: RunOptions) => okCommand(cmd, args, withDocker(opts));

/** The digest `docker push` reports for `tag` (its "<tag>: digest: sha256:… size: N" line). */
function pushedDigest(pushOutput: string, tag: string): string {
  const m = new RegExp(`^${tag}: digest: (sha256:[0-9a-f]{64}) size: \\d+$`, 'm').exec(pushOutput);
  if (!m) throw new Error(`no digest for tag ${tag} in docker push output:\n${pushOutput}`);
  return m[1]!;
}

const runId = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
const repo = `flinkship-testbed-test/registry-${runId}`;
const localImage = `flinkship-testbed-test/registry:${runId}`;

let staging: string;
let production: string;
let user: string;
let password: string;
let workdir: string;
let dockerConfig: string;
let emptyDockerConfig: string;
const localTags: string[] = [localImage];

beforeAll(async () => {
  staging = testbed('FLINKSHIP_TESTBED_STAGING_REGISTRY');
  production = testbed('FLINKSHIP_TESTBED_PRODUCTION_REGISTRY');
  user = testbed('FLINKSHIP_TESTBED_PRODUCTION_REGISTRY_USER');
  password = testbed('FLINKSHIP_TESTBED_PRODUCTION_REGISTRY_PASSWORD');
  const busybox = process.env.FLINKSHIP_TESTBED_BUSYBOX_IMAGE;
  if (!busybox) throw new Error('FLINKSHIP_TESTBED_BUSYBOX_IMAGE is not set: the docker testbed is not up');
  workdir = await mkdtemp(join(tmpdir(), 'flinkship-testbed-registry-'));
  dockerConfig = await mkdtemp(join(tmpdir(), 'flinkship-testbed-docker-config-'));
  emptyDockerConfig = await mkdtemp(join(tmpdir(), 'flinkship-testbed-docker-config-empty-'));
  // An image no earlier run can have pushed: its one layer holds this run's id.
  await writeFile(join(workdir, 'run-id'), `${runId}\n`);
  await writeFile(join(workdir, 'Dockerfile'), `FROM ${busybox}\nCOPY run-id /run-id\n`);
  await ok('docker', ['build', '--tag', localImage, workdir]);
});

afterAll(async () => {
  if (process.env.DOCKER_HOST) await run('docker', ['image', 'rm', '--force', ...localTags]);
  for (const dir of [workdir, dockerConfig, emptyDockerConfig]) {
    if (dir) await rm(dir, { recursive: true, force: true });
  }
});

const tag = 'v1';
/** What the staging push reported; production tests compare against it. */
let digest: string;

describe('testbed staging registry (no auth)', () => {
  it('takes a docker push, and skopeo reads back the digest push reported', async () => {
    const ref = `${staging}/${repo}:${tag}`;
    localTags.push(ref);
    await ok('docker', ['tag', localImage, ref]);
    const out = await ok('docker', ['push', ref], { env: { DOCKER_CONFIG: emptyDockerConfig } });
    digest = pushedDigest(out, tag);

    const inspected = JSON.parse(
      await ok('skopeo', ['inspect', '--tls-verify=false', `docker://${ref}`]),
    ) as { Name: string; Digest: string; RepoTags: string[] };
    expect(inspected).toMatchObject({ Name: `${staging}/${repo}`, Digest: digest, RepoTags: [tag] });

    // The engine records the same digest for the pushed reference.
    const repoDigests = (
      await ok('docker', ['image', 'inspect', '--format', '{{json .RepoDigests}}', ref])
    ).trim();
    expect(JSON.parse(repoDigests)).toContain(`${staging}/${repo}@${digest}`);
  });

  it('serves the manifest by digest, with that digest in Docker-Content-Digest', async () => {
    const res = await fetch(`http://${staging}/v2/${repo}/manifests/${digest}`, {
      headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('docker-content-digest')).toBe(digest);
    const manifest = (await res.json()) as { schemaVersion: number; layers: unknown[] };
    expect(manifest.schemaVersion).toBe(2);
    expect(manifest.layers).toHaveLength(2);
  });

  it('has deletes enabled: a deleted manifest is gone', async () => {
    const other = `${staging}/${repo}-delete:${tag}`;
    localTags.push(other);
    await ok('docker', ['tag', localImage, other]);
    const d = pushedDigest(
      await ok('docker', ['push', other], { env: { DOCKER_CONFIG: emptyDockerConfig } }),
      tag,
    );
    const del = await fetch(`http://${staging}/v2/${repo}-delete/manifests/${d}`, { method: 'DELETE' });
    expect(del.status).toBe(202);
    const r = await run('skopeo', ['inspect', '--tls-verify=false', `docker://${other}`]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/manifest unknown/);
  });
});

describe('testbed production registry (htpasswd)', () => {
  it('challenges anonymous clients with Basic auth', async () => {
    const res = await fetch(`http://${production}/v2/`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="flinkship-testbed-production"');
    const good = await fetch(`http://${production}/v2/`, {
      headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` },
    });
    expect(good.status).toBe(200);
    const bad = await fetch(`http://${production}/v2/`, {
      headers: { authorization: `Basic ${Buffer.from(`${user}:${password}x`).toString('base64')}` },
    });
    expect(bad.status).toBe(401);
  });

  it('refuses a docker push without credentials', async () => {
    const ref = `${production}/${repo}:anonymous`;
    localTags.push(ref);
    await ok('docker', ['tag', localImage, ref]);
    const r = await run('docker', ['push', ref], { env: { DOCKER_CONFIG: emptyDockerConfig } });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/no basic auth credentials/);
    // Nothing landed: even with credentials, the tag does not exist.
    const check = await run('skopeo', [
      'inspect',
      '--tls-verify=false',
      '--creds',
      `${user}:${password}`,
      `docker://${ref}`,
    ]);
    expect(check.code).not.toBe(0);
    expect(check.stderr).toMatch(/manifest unknown|name unknown/);
  });

  it('takes a docker push after docker login, and skopeo with --creds reads back its digest', async () => {
    const login = await ok('docker', ['login', '--username', user, '--password-stdin', production], {
      input: password,
      env: { DOCKER_CONFIG: dockerConfig },
    });
    expect(login).toMatch(/Login Succeeded/);
    const config = JSON.parse(await readFile(join(dockerConfig, 'config.json'), 'utf8')) as {
      auths: Record<string, { auth?: string }>;
    };
    expect(Object.keys(config.auths)).toEqual([production]);

    const ref = `${production}/${repo}:${tag}`;
    localTags.push(ref);
    await ok('docker', ['tag', localImage, ref]);
    const pushed = pushedDigest(
      await ok('docker', ['push', ref], { env: { DOCKER_CONFIG: dockerConfig } }),
      tag,
    );
    // Same image, same manifest: the digest is the one staging has.
    expect(pushed).toBe(digest);

    const inspected = JSON.parse(
      await ok('skopeo', [
        'inspect',
        '--tls-verify=false',
        '--creds',
        `${user}:${password}`,
        `docker://${ref}`,
      ]),
    ) as { Name: string; Digest: string };
    expect(inspected).toMatchObject({ Name: `${production}/${repo}`, Digest: pushed });
  });

  it('tells skopeo without credentials, or with a wrong password, that it is unauthorized', async () => {
    const ref = `docker://${production}/${repo}:${tag}`;
    const anonymous = await run('skopeo', ['inspect', '--tls-verify=false', ref]);
    expect(anonymous.code).not.toBe(0);
    expect(anonymous.stderr).toMatch(/unauthorized: authentication required/);
    const wrong = await run('skopeo', [
      'inspect',
      '--tls-verify=false',
      '--creds',
      `${user}:not-${password}`,
      ref,
    ]);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/unauthorized: authentication required/);
  });

  it('receives a skopeo copy from staging by digest, digest unchanged (promotion without a pull)', async () => {
    const dest = `${production}/${repo}-promoted:${tag}`;
    await ok('skopeo', [
      'copy',
      '--src-tls-verify=false',
      '--dest-tls-verify=false',
      '--dest-creds',
      `${user}:${password}`,
      `docker://${staging}/${repo}@${digest}`,
      `docker://${dest}`,
    ]);
    const inspected = JSON.parse(
      await ok('skopeo', [
        'inspect',
        '--tls-verify=false',
        '--creds',
        `${user}:${password}`,
        `docker://${dest}`,
      ]),
    ) as { Digest: string };
    expect(inspected.Digest).toBe(digest);
  });
});
