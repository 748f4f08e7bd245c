// `flinkship build` against the testbed: the real Docker engine builds the fixture job's image FROM the
// stand-in Flink base, pushes it to the open staging registry and to the production registry that needs
// a login, and skopeo and the engine show what was built. Failures must leave every registry untouched.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseOutputFile } from '../helpers/runner.js';
import { run, type RunResult } from '../helpers/run.js';
import { testbed } from './testbed.js';

const exec = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(ROOT, 'dist/cli.js');
const ACTION = path.join(ROOT, 'dist/actions/build-image.js');
const FIXTURE_JAR = path.join(ROOT, 'fixtures/log-cleaner/target/log-cleaner.jar');
const ENTRY = 'dev.flinkship.logcleaner.LogCleanerJob';
const PLUGIN_JAR = '/opt/flink/plugins/flink-metrics-prometheus/flink-metrics-prometheus-1.20.3.jar';

const runId = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
let staging: string;
let production: string;
let prodUser: string;
let prodPassword: string;
let base: string;
let dir: string;
let stagingRepo: string;
let productionRepo: string;
const builtImages: string[] = [];

type Run = RunResult;

/** `node <args>` with only PATH, HOME and the testbed's DOCKER_HOST, as a user's shell would give it. */
function runProcess(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string } = {},
): Promise<Run> {
  return run('node', args, {
    cwd: opts.cwd ?? dir,
    cleanEnv: true,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DOCKER_HOST: testbed('DOCKER_HOST'), ...opts.env },
    input: opts.input,
    timeoutMs: 280_000,
  });
}

function cli(args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<Run> {
  return runProcess([CLI, 'build', '--config', path.join(dir, 'flinkship.yaml'), ...args], opts);
}

async function ok(cmd: string, args: string[]): Promise<string> {
  const { stdout } = await exec(cmd, args, {
    env: { ...process.env, DOCKER_HOST: testbed('DOCKER_HOST') },
    maxBuffer: 64 * 1024 * 1024,
    timeout: 120_000,
  });
  return stdout;
}

/** A loopback port nothing listens on: bound, then closed. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function skopeoCreds(registry: string): string[] {
  return registry === production ? ['--creds', `${prodUser}:${prodPassword}`] : [];
}

async function remoteTags(repo: string, registry: string): Promise<string[]> {
  try {
    const out = await ok('skopeo', [
      'list-tags',
      '--tls-verify=false',
      ...skopeoCreds(registry),
      `docker://${repo}`,
    ]);
    return (JSON.parse(out) as { Tags: string[] }).Tags.sort();
  } catch (err) {
    // A repository nothing was ever pushed to has no tags.
    if (/name unknown|repository name not known|404/i.test(String((err as { stderr?: string }).stderr)))
      return [];
    throw err;
  }
}

interface Inspected {
  Digest: string;
  Labels: Record<string, string>;
  Layers: string[];
}

async function skopeoInspect(ref: string, registry: string): Promise<Inspected> {
  return JSON.parse(
    await ok('skopeo', ['inspect', '--tls-verify=false', ...skopeoCreds(registry), `docker://${ref}`]),
  ) as Inspected;
}

function json<T>(run: Run): T {
  if (run.code !== 0) throw new Error(`exit ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

interface BuildJson {
  image: string;
  digest: string;
  tags: string[];
  imageId: string;
  pushed: boolean;
  entryClass: string;
  labels: Record<string, string>;
}

async function writeSpec(extra: { jar?: string; entryClass?: string | null } = {}): Promise<void> {
  const entryClass = extra.entryClass === undefined ? ENTRY : extra.entryClass;
  await writeFile(
    path.join(dir, 'flinkship.yaml'),
    [
      'name: log-cleaner',
      "flinkVersion: '1.20'",
      'image:',
      `  base: ${base}`,
      `  repository: ${stagingRepo}`,
      '  plugins: [flink-metrics-prometheus]',
      '  libs: [lib/extra.jar]',
      '  files:',
      '    - { source: conf/core-site.xml, target: /opt/hadoop/conf/core-site.xml, env: HADOOP_CONF_FILE }',
      'job:',
      `  jar: ${extra.jar ?? 'target/log-cleaner.jar'}`,
      ...(entryClass === null ? [] : [`  entryClass: ${entryClass}`]),
      'environments:',
      '  staging: { namespace: flink-staging }',
      '',
    ].join('\n'),
  );
}

beforeAll(async () => {
  staging = testbed('FLINKSHIP_TESTBED_STAGING_REGISTRY');
  production = testbed('FLINKSHIP_TESTBED_PRODUCTION_REGISTRY');
  prodUser = testbed('FLINKSHIP_TESTBED_PRODUCTION_REGISTRY_USER');
  prodPassword = testbed('FLINKSHIP_TESTBED_PRODUCTION_REGISTRY_PASSWORD');
  base = testbed('FLINKSHIP_TESTBED_FLINK_BASE_IMAGE');
  stagingRepo = `${staging}/flinkship-test/log-cleaner-${runId}`;
  productionRepo = `${production}/flinkship-test/log-cleaner-${runId}`;
  if (!existsSync(FIXTURE_JAR)) {
    await exec(
      'mvn',
      ['-B', '-q', '-f', path.join(ROOT, 'fixtures/log-cleaner/pom.xml'), 'package', '-DskipTests'],
      {
        timeout: 280_000,
      },
    );
  }
  dir = await mkdtemp(path.join(tmpdir(), 'flinkship-build-'));
  await mkdir(path.join(dir, 'target'));
  await mkdir(path.join(dir, 'lib'));
  await mkdir(path.join(dir, 'conf'));
  await copyFile(FIXTURE_JAR, path.join(dir, 'target/log-cleaner.jar'));
  await writeFile(path.join(dir, 'conf/core-site.xml'), '<configuration/>\n');
  await mkdir(path.join(dir, 'libsrc'));
  await writeFile(path.join(dir, 'libsrc/extra.txt'), randomBytes(256 * 1024).toString('base64'));
  await exec('jar', ['cf', path.join(dir, 'lib/extra.jar'), '-C', path.join(dir, 'libsrc'), '.']);
  await writeFile(path.join(dir, '.gitignore'), 'never-sent/\n');
  await mkdir(path.join(dir, 'never-sent'));
  await writeFile(path.join(dir, 'never-sent/big.bin'), randomBytes(1024));
  await writeSpec();
  // A git repository, so that the tags come from a real commit and branch.
  const git = (...args: string[]) =>
    exec('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: dir });
  await git('init', '-q', '-b', 'feature/build-image');
  await git('add', '-A');
  await git('commit', '-q', '-m', 'fixture');
}, 300_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  for (const image of builtImages) {
    await exec('docker', ['image', 'rm', '--force', image], {
      env: { ...process.env, DOCKER_HOST: process.env.DOCKER_HOST },
    }).catch(() => undefined);
  }
});

describe('flinkship build against the testbed', () => {
  let first: BuildJson;
  let sha: string;

  it('builds the fixture image FROM the stand-in base and pushes it to staging, tagged from git', async () => {
    sha = (await exec('git', ['rev-parse', 'HEAD'], { cwd: dir })).stdout.trim();
    const run = await cli(['--tag', 'it-1', '--tag', 'latest', '--output', 'json']);
    first = json<BuildJson>(run);
    builtImages.push(...first.tags);
    expect(first.pushed).toBe(true);
    expect(first.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(first.image).toBe(`${stagingRepo}@${first.digest}`);
    expect(first.tags).toEqual([
      `${stagingRepo}:${sha}`,
      `${stagingRepo}:feature-build-image`,
      `${stagingRepo}:it-1`,
      `${stagingRepo}:latest`,
    ]);
    expect(first.entryClass).toBe(ENTRY);
    expect(run.stderr).toContain(`── Build ${stagingRepo}:${sha}`);
    expect(run.stderr).toContain('warning: image.base');
    expect(await remoteTags(stagingRepo, staging)).toEqual(
      [sha, 'feature-build-image', 'it-1', 'latest'].sort(),
    );

    const remote = await skopeoInspect(first.image, staging);
    expect(remote.Digest).toBe(first.digest);
    expect(remote.Labels).toMatchObject({
      'org.opencontainers.image.revision': sha,
      'org.opencontainers.image.version': 'feature/build-image',
      'org.opencontainers.image.title': 'log-cleaner',
      'dev.flinkship.flink-version': '1.20',
      'dev.flinkship.entry-class': ENTRY,
    });
    // Reproducible: the commit's time, not the build's (a rebuild gives the same labels, so the same image).
    const committed = (await exec('git', ['log', '-1', '--format=%ct', 'HEAD'], { cwd: dir })).stdout.trim();
    expect(remote.Labels['org.opencontainers.image.created']).toBe(
      new Date(Number(committed) * 1000).toISOString(),
    );
    for (const tag of ['it-1', 'latest', sha]) {
      expect((await skopeoInspect(`${stagingRepo}:${tag}`, staging)).Digest).toBe(first.digest);
    }
  });

  it('runs as flink (9999) with the jar in /opt/flink/usrlib, the plugin, the lib and the file in place', async () => {
    const config = JSON.parse(await ok('docker', ['image', 'inspect', first.imageId]))[0].Config;
    expect(config.User).toBe('9999:9999');
    expect(config.Env).toContain('HADOOP_CONF_FILE=/opt/hadoop/conf/core-site.xml');
    expect(config.Labels['dev.flinkship.entry-class']).toBe(ENTRY);
    const listing = await ok('docker', [
      'run',
      '--rm',
      '--entrypoint',
      'sh',
      first.imageId,
      '-c',
      `id -u; stat -c '%u:%g %s %n' /opt/flink/usrlib/log-cleaner.jar ${PLUGIN_JAR} /opt/flink/lib/extra.jar /opt/hadoop/conf/core-site.xml; ls /opt/flink/usrlib`,
    ]);
    const jarSize = (await readFile(FIXTURE_JAR)).length;
    expect(listing.trim().split('\n')).toEqual([
      '9999',
      `9999:9999 ${jarSize} /opt/flink/usrlib/log-cleaner.jar`,
      expect.stringMatching(new RegExp(`^9999:9999 \\d+ ${PLUGIN_JAR}$`)),
      expect.stringMatching(/^9999:9999 \d+ \/opt\/flink\/lib\/extra\.jar$/),
      '9999:9999 17 /opt/hadoop/conf/core-site.xml',
      'log-cleaner.jar',
    ]);
  });

  it('pushes to the production registry with a login, the password from stdin, never printed', async () => {
    const run = await cli(
      [
        '--repository',
        productionRepo,
        '--tag',
        'prod-1',
        '--registry-username',
        prodUser,
        '--registry-password-stdin',
        '--output',
        'json',
      ],
      { input: `${prodPassword}\n` },
    );
    const result = json<BuildJson>(run);
    builtImages.push(...result.tags);
    expect(result.image).toBe(`${productionRepo}@${result.digest}`);
    expect(run.stderr).toContain(`logged in as ${prodUser} (--registry-username)`);
    expect(run.stdout + run.stderr).not.toContain(prodPassword);
    expect(await remoteTags(productionRepo, production)).toEqual(
      [sha, 'feature-build-image', 'prod-1'].sort(),
    );
    expect((await skopeoInspect(`${productionRepo}:prod-1`, production)).Digest).toBe(result.digest);
  });

  it('as an action: inputs, outputs, a summary table, the password masked', async () => {
    const work = await mkdtemp(path.join(tmpdir(), 'flinkship-action-'));
    const outputFile = path.join(work, 'output');
    const summaryFile = path.join(work, 'summary');
    await writeFile(outputFile, '');
    await writeFile(summaryFile, '');
    const run = await runProcess([ACTION], {
      env: {
        GITHUB_ACTIONS: 'true',
        GITHUB_OUTPUT: outputFile,
        GITHUB_STEP_SUMMARY: summaryFile,
        GITHUB_SHA: sha,
        GITHUB_REF: 'refs/pull/17/merge',
        GITHUB_EVENT_NAME: 'pull_request',
        GITHUB_REPOSITORY: 'acme/log-cleaner',
        GITHUB_SERVER_URL: 'https://github.com',
        INPUT_CONFIG: path.join(dir, 'flinkship.yaml'),
        INPUT_REPOSITORY: productionRepo,
        INPUT_TAG: 'a-1, a-2',
        INPUT_PUSH: 'true',
        'INPUT_REGISTRY-USERNAME': prodUser,
        'INPUT_REGISTRY-PASSWORD': prodPassword,
        INPUT_OUTPUT: 'text',
      },
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const outputs = parseOutputFile(await readFile(outputFile, 'utf8'));
    builtImages.push(...outputs.tags!.split('\n'));
    expect(outputs.image).toBe(`${productionRepo}@${outputs.digest}`);
    expect(outputs.tags!.split('\n')).toEqual([
      `${productionRepo}:${sha}`,
      `${productionRepo}:pr-17`,
      `${productionRepo}:a-1`,
      `${productionRepo}:a-2`,
    ]);
    expect(outputs['image-id']).toMatch(/^sha256:[0-9a-f]{64}$/);
    // The runner learns the secret from ::add-mask:: and hides it; nothing else may print it.
    const lines = (run.stdout + run.stderr).split('\n').filter((l) => l.includes(prodPassword));
    expect(lines).toEqual([`::add-mask::${prodPassword}`]);
    expect(run.stdout).toContain('::group::Build ');
    const summary = await readFile(summaryFile, 'utf8');
    expect(summary).toContain(`| Digest | \`${outputs.digest}\` |`);
    const labels = (await skopeoInspect(`${productionRepo}:pr-17`, production)).Labels;
    expect(labels['org.opencontainers.image.source']).toBe('https://github.com/acme/log-cleaner');
    expect(labels['org.opencontainers.image.version']).toBe('pr-17');
    await rm(work, { recursive: true, force: true });
  });

  it('after a change to the jar alone, shares every layer but the last', async () => {
    const jar = path.join(dir, 'target/log-cleaner.jar');
    await mkdir(path.join(dir, 'extra'), { recursive: true });
    await writeFile(path.join(dir, 'extra/changed.txt'), randomBytes(64).toString('hex'));
    await exec('jar', ['uf', jar, '-C', path.join(dir, 'extra'), 'changed.txt']);
    const second = json<BuildJson>(await cli(['--tag', 'it-2', '--output', 'json']));
    builtImages.push(...second.tags);
    expect(second.digest).not.toBe(first.digest);
    const before = await skopeoInspect(first.image, staging);
    const after = await skopeoInspect(second.image, staging);
    expect(after.Layers).toHaveLength(before.Layers.length);
    expect(after.Layers.slice(0, -1)).toEqual(before.Layers.slice(0, -1));
    expect(after.Layers.at(-1)).not.toBe(before.Layers.at(-1));
  });

  it('--no-push only loads the image into the engine', async () => {
    const tagsBefore = await remoteTags(stagingRepo, staging);
    const run = await cli(['--no-push', '--tag', 'local-only', '--output', 'json']);
    const result = json<BuildJson>(run);
    builtImages.push(...result.tags);
    expect(result.pushed).toBe(false);
    expect(result.digest).toBeUndefined();
    expect(result.image).toBe(`${stagingRepo}:${sha}`);
    const inspected = JSON.parse(await ok('docker', ['image', 'inspect', `${stagingRepo}:local-only`]))[0];
    expect(inspected.Id).toBe(result.imageId);
    expect(await remoteTags(stagingRepo, staging)).toEqual(tagsBefore);
  });
});

describe('failures leave the registries as they were', () => {
  let stagingTags: string[];
  let productionTags: string[];
  beforeAll(async () => {
    stagingTags = await remoteTags(stagingRepo, staging);
    productionTags = await remoteTags(productionRepo, production);
  });
  afterAll(async () => {
    expect(await remoteTags(stagingRepo, staging)).toEqual(stagingTags);
    expect(await remoteTags(productionRepo, production)).toEqual(productionTags);
    await writeSpec();
  });

  it('a missing jar: exit 2 at job.jar', async () => {
    await writeSpec({ jar: 'target/missing.jar' });
    const run = await cli(['--tag', 'fail-1']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `error: ${path.join(dir, 'flinkship.yaml')}:11:8: job.jar: ${path.join(dir, 'target/missing.jar')} does not exist; build the jar first (mvn package), or fix the path (relative to ${dir})`,
    );
    expect(run.stderr).not.toContain('── Build');
  });

  it('a file that is not a jar: exit 2 at job.jar', async () => {
    await writeFile(path.join(dir, 'target/bogus.jar'), 'not a zip\n');
    await writeSpec({ jar: 'target/bogus.jar' });
    const run = await cli(['--tag', 'fail-2']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /:11:8: job\.jar: .*bogus\.jar is not a valid jar \(.+\); expected the job's packaged jar/,
    );
  });

  it('a wrong entry class: exit 2 at job.entryClass, with the closest class', async () => {
    await writeSpec({ entryClass: 'dev.flinkship.logcleaner.LogCleanerJb' });
    const run = await cli(['--tag', 'fail-3']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `:12:15: job.entryClass: class dev.flinkship.logcleaner.LogCleanerJb is not in log-cleaner.jar (did you mean "${ENTRY}"?)`,
    );
  });

  it('no entry class: the manifest Main-Class is used', async () => {
    await writeSpec({ entryClass: null });
    const run = await cli(['--no-push', '--tag', 'manifest', '--output', 'json']);
    const result = json<BuildJson>(run);
    builtImages.push(...result.tags);
    expect(result.entryClass).toBe(ENTRY);
    expect(run.stderr).toContain(`entry class ${ENTRY} (from the manifest)`);
  });

  it('an unreachable registry: exit 1 before anything is built', async () => {
    await writeSpec();
    const port = await closedPort();
    const run = await cli([
      '--repository',
      `127.0.0.1:${port}/flinkship-test/unreachable`,
      '--tag',
      'fail-4',
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `error: registry 127.0.0.1:${port} is unreachable (ECONNREFUSED on http://127.0.0.1:${port})`,
    );
    expect(run.stderr).not.toContain('── Build');
  });

  it('a refused login: exit 1, the password never printed', async () => {
    const run = await cli(
      ['--repository', productionRepo, '--tag', 'fail-5', '--registry-username', prodUser],
      { env: { FLINKSHIP_REGISTRY_PASSWORD: 'wrong-password-123' } },
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `error: registry ${production} refused the login of ${prodUser} (HTTP 401); check the user name and password`,
    );
    expect(run.stderr).not.toContain('wrong-password-123');
  });

  it('no login for a registry that needs one: exit 1', async () => {
    const run = await cli(['--repository', productionRepo, '--tag', 'fail-6'], {
      env: { DOCKER_CONFIG: path.join(dir, 'no-docker-config') },
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`error: registry ${production} needs a login (HTTP 401)`);
  });

  it('a base image that does not exist: exit 2 at --base-image', async () => {
    const missing = `${staging}/flinkship-test/no-such-base-${runId}:1`;
    const run = await cli(['--base-image', missing, '--tag', 'fail-7']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      new RegExp(
        `error: <flags>: --base-image: the base image ${missing.replace(/[.]/g, '\\.')} does not exist \\(.*manifest unknown.*\\)`,
      ),
    );
    expect(run.stderr).not.toContain('── Build');
  });

  it('a plugin the base image lacks: exit 2 at image.plugins', async () => {
    await writeFile(
      path.join(dir, 'flinkship.yaml'),
      (await readFile(path.join(dir, 'flinkship.yaml'), 'utf8')).replace(
        'flink-metrics-prometheus',
        'flink-no-such-plugin',
      ),
    );
    const run = await cli(['--tag', 'fail-8']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      ':6:12: image.plugins: no /opt/flink/opt/flink-no-such-plugin-<version>.jar in the base image; name a jar that is in /opt/flink/opt',
    );
  });
});

describe('credentials from a Docker credential helper', () => {
  let helperDir: string;
  let asked: string;

  /** A DOCKER_CONFIG whose config.json is `config`, and the env a user's shell would give with it. */
  async function dockerConfig(
    name: string,
    config: object,
  ): Promise<{ env: NodeJS.ProcessEnv; file: string }> {
    const configDir = path.join(helperDir, name);
    await mkdir(configDir, { recursive: true });
    const file = path.join(configDir, 'config.json');
    await writeFile(file, JSON.stringify(config));
    return {
      file,
      env: { PATH: `${path.join(helperDir, 'bin')}:${process.env.PATH}`, DOCKER_CONFIG: configDir },
    };
  }

  async function servers(): Promise<string[]> {
    const text = existsSync(asked) ? await readFile(asked, 'utf8') : '';
    await writeFile(asked, '');
    return text.split('\n').filter(Boolean);
  }

  beforeAll(async () => {
    await writeSpec();
    helperDir = await mkdtemp(path.join(tmpdir(), 'flinkship-credhelper-'));
    asked = path.join(helperDir, 'asked');
    await mkdir(path.join(helperDir, 'bin'));
    // Docker's credential-helper protocol, `get`: the server on stdin, the login as JSON on stdout.
    const answer = JSON.stringify({ ServerURL: production, Username: prodUser, Secret: prodPassword });
    const helper = path.join(helperDir, 'bin/docker-credential-flinkshiptest');
    await writeFile(
      helper,
      [
        '#!/bin/sh',
        '[ "$1" = get ] || { echo "unsupported: $1" >&2; exit 2; }',
        'read -r server',
        `printf '%s\\n' "$server" >> '${asked}'`,
        `if [ "$server" = '${production}' ]; then`,
        "  cat <<'JSON'",
        answer,
        'JSON',
        'else',
        '  echo "credentials not found in native keychain"',
        '  exit 1',
        'fi',
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
  });

  afterAll(async () => {
    if (helperDir) await rm(helperDir, { recursive: true, force: true });
  });

  it('credHelpers[registry]: pushes to the production registry with no --registry-username', async () => {
    const { env, file } = await dockerConfig('cred-helpers', {
      credHelpers: { [production]: 'flinkshiptest' },
    });
    const run = await cli(['--repository', productionRepo, '--tag', 'helper-1', '--output', 'json'], { env });
    const result = json<BuildJson>(run);
    builtImages.push(...result.tags);
    expect(await servers()).toEqual([production]);
    expect(run.stderr).toContain(
      `${production}: logged in as ${prodUser} (docker-credential-flinkshiptest, credHelpers["${production}"] in ${file})`,
    );
    expect(run.stdout + run.stderr).not.toContain(prodPassword);
    expect(await remoteTags(productionRepo, production)).toContain('helper-1');
    expect((await skopeoInspect(`${productionRepo}:helper-1`, production)).Digest).toBe(result.digest);
  });

  it('credsStore: the same, and as an action the password only in ::add-mask::', async () => {
    const { env, file } = await dockerConfig('creds-store', {
      credsStore: 'flinkshiptest',
      auths: { [production]: {} },
    });
    const work = await mkdtemp(path.join(tmpdir(), 'flinkship-action-helper-'));
    const outputFile = path.join(work, 'output');
    await writeFile(outputFile, '');
    const run = await runProcess([ACTION], {
      env: {
        ...env,
        GITHUB_ACTIONS: 'true',
        GITHUB_OUTPUT: outputFile,
        INPUT_CONFIG: path.join(dir, 'flinkship.yaml'),
        INPUT_REPOSITORY: productionRepo,
        INPUT_TAG: 'helper-2',
        INPUT_PUSH: 'true',
        INPUT_OUTPUT: 'text',
      },
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const outputs = parseOutputFile(await readFile(outputFile, 'utf8'));
    builtImages.push(...outputs.tags!.split('\n'));
    expect(await servers()).toEqual([production]);
    expect(run.stdout).toContain(
      `logged in as ${prodUser} (docker-credential-flinkshiptest, credsStore in ${file})`,
    );
    const lines = (run.stdout + run.stderr).split('\n').filter((l) => l.includes(prodPassword));
    expect(lines).toEqual([`::add-mask::${prodPassword}`]);
    expect(outputs.tags!.split('\n')).toContain(`${productionRepo}:helper-2`);
    expect((await skopeoInspect(`${productionRepo}:helper-2`, production)).Digest).toBe(outputs.digest);
    await rm(work, { recursive: true, force: true });
  });

  it('credsStore without a login for the registry: "not found" is no login, and the open registry takes the push', async () => {
    const { env } = await dockerConfig('creds-store-staging', { credsStore: 'flinkshiptest' });
    const run = await cli(['--tag', 'helper-anon', '--output', 'json'], { env });
    const result = json<BuildJson>(run);
    builtImages.push(...result.tags);
    expect(await servers()).toEqual([staging]);
    expect(run.stderr).toContain(`${staging}: no login needed`);
    expect((await skopeoInspect(`${stagingRepo}:helper-anon`, staging)).Digest).toBe(result.digest);
  });

  it('a helper that is not on PATH: exit 1 naming it and the registry, the registry untouched', async () => {
    const before = await remoteTags(productionRepo, production);
    const { env, file } = await dockerConfig('missing-helper', {
      credHelpers: { [production]: 'flinkshipmissing' },
    });
    const run = await cli(['--repository', productionRepo, '--tag', 'helper-fail'], { env });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `error: the Docker credential helper docker-credential-flinkshipmissing (credHelpers["${production}"] in ${file}), which holds the login for registry ${production}, is not on PATH; install docker-credential-flinkshipmissing on PATH, remove credHelpers["${production}"] from ${file}, or give --registry-username with the password on stdin (--registry-password-stdin)`,
    );
    expect(run.stderr).not.toContain('── Build');
    expect(await remoteTags(productionRepo, production)).toEqual(before);
  });
});
