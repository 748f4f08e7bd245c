// The build's decisions, without Docker or a registry: tags and labels from the git context, which
// credentials a push uses, the entry class a jar runs, build args, the exact tar context, and the
// list and --no-push options.
import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { extract } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { parseBuildArgs } from '../../src/build/buildArgs.js';
import { contextEntries, tarContext } from '../../src/build/context.js';
import {
  askHelper,
  helperFor,
  readHelperRun,
  type HelperContext,
  type HelperRun,
} from '../../src/build/credentialHelper.js';
import {
  askHelpers,
  chooseCredentials,
  dockerAuth,
  fromDockerConfig,
  fromDockerConfigWithHelpers,
  registryHost,
  repositoryPath,
  resolveCredentials,
} from '../../src/build/credentials.js';
import { gitContextFromActions, sourceDate, sourceUrlOfRemote } from '../../src/build/gitContext.js';
import { checkEntryClass, isJarProblem, manifestMainClass, readJar } from '../../src/build/jar.js';
import { imageLabels, sanitizeTag, semverOf, tagsFor, versionOf } from '../../src/build/metadata.js';
import { parseOptions } from '../../src/options/options.js';
import { runAction } from '../helpers/runner.js';
import { runCli } from '../../src/cli/run.js';
import { isLoopback } from '../../src/executors/registry.js';
import { InputError } from '../../src/util/errors.js';
import { BUILD_OPTIONS } from '../../src/verbs/build.js';

const SHA = '0123456789abcdef0123456789abcdef01234567';

function issuesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof InputError) return err.message.split('\n');
    throw err;
  }
  throw new Error('expected an InputError');
}

describe('tags from the git context', () => {
  it('tags a branch push with the sha and the sanitized branch', () => {
    const ctx = gitContextFromActions(
      { GITHUB_SHA: SHA, GITHUB_REF: 'refs/heads/feature/Add Kafka', GITHUB_EVENT_NAME: 'push' },
      undefined,
    );
    expect(tagsFor(ctx, [], 'flags')).toEqual([SHA, 'feature-Add-Kafka']);
  });

  it('tags a pull request pr-<n>, not its merge ref', () => {
    const ctx = gitContextFromActions(
      { GITHUB_SHA: SHA, GITHUB_REF: 'refs/pull/42/merge', GITHUB_EVENT_NAME: 'pull_request' },
      42,
    );
    expect(ctx).toEqual({ sha: SHA, pullRequest: 42 });
    expect(tagsFor(ctx, ['extra'], 'inputs')).toEqual([SHA, 'pr-42', 'extra']);
  });

  it('takes the PR number from the ref when the event file has none', () => {
    const ctx = gitContextFromActions(
      { GITHUB_SHA: SHA, GITHUB_REF: 'refs/pull/7/merge', GITHUB_EVENT_NAME: 'pull_request_target' },
      undefined,
    );
    expect(ctx.pullRequest).toBe(7);
  });

  it('tags a release with its semver, without the v', () => {
    const ctx = gitContextFromActions({ GITHUB_SHA: SHA, GITHUB_REF: 'refs/tags/v1.4.0-rc.1' }, undefined);
    expect(tagsFor(ctx, [], 'flags')).toEqual([SHA, '1.4.0-rc.1']);
    expect(versionOf(ctx)).toBe('1.4.0-rc.1');
  });

  it('keeps a non-semver git tag, sanitized, and de-duplicates user tags', () => {
    expect(tagsFor({ sha: SHA, gitTag: 'nightly/2024' }, ['nightly-2024', 'x'], 'flags')).toEqual([
      SHA,
      'nightly-2024',
      'x',
    ]);
  });

  it('refuses an invalid user tag, naming the flag or the input', () => {
    expect(issuesOf(() => tagsFor({}, ['ok', 'bad tag'], 'flags'))).toEqual([
      '<flags>: --tag: found "bad tag"; a tag is up to 128 letters, digits, _, . and -, not starting with . or -',
    ]);
    expect(issuesOf(() => tagsFor({}, ['-x'], 'inputs'))[0]).toMatch(/^<inputs>: tag: found "-x"/);
  });

  it('sanitizes branch names to valid tags', () => {
    expect(sanitizeTag('dependabot/npm_and_yarn/yaml-2.9')).toBe('dependabot-npm_and_yarn-yaml-2.9');
    expect(sanitizeTag('.hidden--')).toBe('hidden');
    expect(sanitizeTag('a'.repeat(200))).toHaveLength(128);
    expect(semverOf('release-1')).toBeUndefined();
    expect(semverOf('v2.0.0+build.5')).toBe('2.0.0_build.5');
  });

  it('reads the source URL from the runner or a remote, never with credentials', () => {
    expect(
      gitContextFromActions({ GITHUB_SHA: SHA, GITHUB_REPOSITORY: 'acme/jobs' }, undefined).sourceUrl,
    ).toBe('https://github.com/acme/jobs');
    expect(sourceUrlOfRemote('git@github.com:acme/jobs.git')).toBe('https://github.com/acme/jobs');
    expect(sourceUrlOfRemote('https://user:token@example.com/acme/jobs.git')).toBe(
      'https://example.com/acme/jobs',
    );
    expect(sourceUrlOfRemote('/srv/repo')).toBeUndefined();
  });
});

describe('labels', () => {
  it('sets the OCI labels and ours', () => {
    const labels = imageLabels(
      { sha: SHA, branch: 'main', sourceUrl: 'https://github.com/acme/jobs' },
      {
        title: 'log-cleaner',
        flinkVersion: '1.20',
        entryClass: 'dev.acme.Job',
        created: new Date('2026-01-02T03:04:05Z'),
      },
    );
    expect(labels).toEqual({
      'org.opencontainers.image.source': 'https://github.com/acme/jobs',
      'org.opencontainers.image.revision': SHA,
      'org.opencontainers.image.created': '2026-01-02T03:04:05.000Z',
      'org.opencontainers.image.version': 'main',
      'org.opencontainers.image.title': 'log-cleaner',
      'dev.flinkship.flink-version': '1.20',
      'dev.flinkship.entry-class': 'dev.acme.Job',
    });
  });
});

describe('the created time: reproducible, so a rebuild of the same inputs is the same image', () => {
  it('is SOURCE_DATE_EPOCH, else the commit time, else now', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'flinkship-source-date-'));
    const before = Date.now();
    expect((await sourceDate(dir, {})).getTime()).toBeGreaterThanOrEqual(before - 1000); // no git: now
    const git = (...args: string[]) =>
      execFileSync('git', args, {
        cwd: dir,
        env: {
          ...process.env,
          GIT_COMMITTER_DATE: '@1767323045 +0000',
          GIT_AUTHOR_DATE: '@1767323045 +0000',
        },
      });
    git('init', '-q');
    await writeFile(path.join(dir, 'f'), 'x');
    git('add', 'f');
    git('-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'commit', '-q', '-m', 'c');
    expect((await sourceDate(dir, {})).toISOString()).toBe('2026-01-02T03:04:05.000Z');
    expect((await sourceDate(dir, { SOURCE_DATE_EPOCH: '1700000000' })).toISOString()).toBe(
      '2023-11-14T22:13:20.000Z',
    );
    // Not a number of seconds: ignored, as reproducible-builds tools do.
    expect((await sourceDate(dir, { SOURCE_DATE_EPOCH: 'yesterday' })).toISOString()).toBe(
      '2026-01-02T03:04:05.000Z',
    );
  });
});

describe('registry credentials', () => {
  const noConfig = { config: undefined, file: '/home/u/.docker/config.json' };

  it('uses the given user and password first', () => {
    expect(chooseCredentials({ username: 'u', password: 'p' }, noConfig, 'ghcr.io', 'inputs')).toEqual({
      username: 'u',
      password: 'p',
      from: 'registry-username',
    });
  });

  it('falls back to the Docker config file entry for the host', () => {
    const config = { auths: { 'https://ghcr.io': { auth: Buffer.from('bot:s3:cret').toString('base64') } } };
    expect(fromDockerConfig(config, 'ghcr.io', 'cfg')).toEqual({
      username: 'bot',
      password: 's3:cret',
      from: 'cfg',
    });
    expect(fromDockerConfig(config, 'quay.io', 'cfg')).toBeUndefined();
    const hub = { auths: { 'https://index.docker.io/v1/': { username: 'a', password: 'b' } } };
    expect(chooseCredentials({}, { config: hub, file: 'f' }, 'docker.io', 'flags')?.username).toBe('a');
  });

  it('refuses a user without a password, and a password without a user', () => {
    expect(issuesOf(() => chooseCredentials({ username: 'u' }, noConfig, 'h', 'flags'))).toEqual([
      '<flags>: --registry-username: given without a password; pass it on stdin with --registry-password-stdin, or in FLINKSHIP_REGISTRY_PASSWORD',
    ]);
    expect(
      issuesOf(() =>
        chooseCredentials({ password: 'p', passwordFrom: 'registry-password' }, noConfig, 'h', 'inputs'),
      ),
    ).toEqual([
      '<inputs>: registry-username: required with the password from registry-password: the user name it belongs to',
    ]);
  });

  it('reads the registry host and path as Docker does', () => {
    expect(registryHost('127.0.0.1:5001/a/b')).toBe('127.0.0.1:5001');
    expect(registryHost('localhost/a')).toBe('localhost');
    expect(registryHost('acme/job')).toBe('docker.io');
    expect(repositoryPath('ghcr.io/acme/job')).toBe('acme/job');
    expect(repositoryPath('job')).toBe('library/job');
    expect(isLoopback('127.0.0.1:5002')).toBe(true);
    expect(isLoopback('[::1]:5000')).toBe(true);
    expect(isLoopback('ghcr.io')).toBe(false);
  });
});

describe('the entry class', () => {
  const jar = {
    classes: new Set(['dev.acme.Job', 'dev.acme.Job$1', 'dev.acme.Util']),
    mainClass: 'dev.acme.Job',
  };

  it('accepts a class that is in the jar', () => {
    expect(checkEntryClass(jar, 'dev.acme.Util', 'job.jar')).toEqual({
      ok: true,
      entryClass: 'dev.acme.Util',
      fromManifest: false,
    });
  });

  it('takes the manifest Main-Class when the spec has none', () => {
    expect(checkEntryClass(jar, undefined, 'job.jar')).toEqual({
      ok: true,
      entryClass: 'dev.acme.Job',
      fromManifest: true,
    });
  });

  it('names the missing class and suggests the closest one', () => {
    expect(checkEntryClass(jar, 'dev.acme.Jbo', 'job.jar')).toEqual({
      ok: false,
      message:
        'class dev.acme.Jbo is not in job.jar (did you mean "dev.acme.Job"?); expected a fully qualified class name of a class in the jar (3 classes)',
    });
  });

  it('asks for job.entryClass when the manifest names no Main-Class', () => {
    const decision = checkEntryClass({ classes: new Set(['a.B']) }, undefined, 'job.jar');
    expect(decision).toEqual({
      ok: false,
      message:
        "not set, and job.jar has no Main-Class in META-INF/MANIFEST.MF; set job.entryClass to the class with the job's main method",
    });
  });

  it('reads Main-Class from a manifest with continuation lines', () => {
    const manifest =
      'Manifest-Version: 1.0\r\nMain-Class: dev.acme.some.very.long.pack\r\n age.Job\r\n\r\nName: x\r\n';
    expect(manifestMainClass(manifest)).toBe('dev.acme.some.very.long.package.Job');
    expect(manifestMainClass('Manifest-Version: 1.0\n')).toBeUndefined();
  });

  it('tells a missing jar from one that is not a zip', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'flinkship-jar-'));
    await writeFile(path.join(dir, 'not.jar'), 'not a zip');
    const missing = await readJar(path.join(dir, 'none.jar'));
    const invalid = await readJar(path.join(dir, 'not.jar'));
    expect(missing).toEqual({ kind: 'missing' });
    expect(isJarProblem(invalid) && invalid.kind).toBe('invalid');
  });
});

describe('build args', () => {
  it('parses NAME=value, keeping = in values', () => {
    expect(parseBuildArgs(['A=1', 'B_2=x=y', 'EMPTY='], 'flags')).toEqual({ A: '1', B_2: 'x=y', EMPTY: '' });
  });
  it('refuses a value without a name', () => {
    expect(issuesOf(() => parseBuildArgs(['1A=x'], 'inputs'))).toEqual([
      '<inputs>: build-arg: found "1A=x"; expected NAME=value, NAME made of letters, digits and _ (not starting with a digit)',
    ]);
  });
});

describe('the build context', () => {
  it('is a tar of exactly the planned files, with fixed times and owners', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'flinkship-ctx-'));
    await writeFile(path.join(dir, 'job.jar'), 'JAR');
    await writeFile(path.join(dir, 'other.txt'), 'never sent');
    const entries = contextEntries(
      [{ path: 'Dockerfile' }, { path: 'usrlib/job.jar', source: 'job.jar' }],
      dir,
      'FROM x\n',
    );
    const seen: { name: string; body: string; mtime?: Date; uid?: number }[] = [];
    const ex = extract();
    ex.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c) => chunks.push(c as Buffer));
      stream.on('end', () => {
        seen.push({
          name: header.name,
          body: Buffer.concat(chunks).toString(),
          mtime: header.mtime,
          uid: header.uid,
        });
        next();
      });
    });
    await new Promise<void>((resolve, reject) => {
      ex.on('finish', resolve);
      ex.on('error', reject);
      Readable.from(tarContext(entries)).pipe(ex as unknown as NodeJS.WritableStream);
    });
    expect(seen).toEqual([
      { name: 'Dockerfile', body: 'FROM x\n', mtime: new Date(0), uid: 0 },
      { name: 'usrlib/job.jar', body: 'JAR', mtime: new Date(0), uid: 0 },
    ]);
  });
});

describe('build options', () => {
  it('takes repeated --tag flags and a comma/newline list as an input', () => {
    expect(parseOptions(BUILD_OPTIONS, { tag: ['a', 'b'] }, 'flags').tag).toEqual(['a', 'b']);
    expect(parseOptions(BUILD_OPTIONS, { tag: 'a, b\nc\n' }, 'inputs').tag).toEqual(['a', 'b', 'c']);
    expect(parseOptions(BUILD_OPTIONS, {}, 'inputs').tag).toEqual([]);
  });

  it('pushes by default; push: false as an input', () => {
    expect(parseOptions(BUILD_OPTIONS, {}, 'flags').push).toBe(true);
    expect(parseOptions(BUILD_OPTIONS, { push: 'false' }, 'inputs').push).toBe(false);
  });

  it('never takes the password as a flag, nor stdin as an input', () => {
    const fromFlags = parseOptions(BUILD_OPTIONS, { 'registry-password': 'p' }, 'flags');
    expect(fromFlags['registry-password']).toBeUndefined();
    const fromInputs = parseOptions(BUILD_OPTIONS, { 'registry-password-stdin': 'true' }, 'inputs');
    expect(fromInputs['registry-password-stdin']).toBe(false);
  });

  it('refuses --push with --no-push, and --registry-password on the command line', async () => {
    const out = { text: '', write: (s: string) => ((out.text += s), true) };
    const err = { text: '', write: (s: string) => ((err.text += s), true) };
    const io = {
      stdout: out as unknown as NodeJS.WritableStream,
      stderr: err as unknown as NodeJS.WritableStream,
    };
    expect(await runCli(['build', '--push', '--no-push'], io)).toBe(2);
    expect(err.text).toContain('error: <flags>: --no-push: contradicts --push; give one of them');
    err.text = '';
    expect(await runCli(['build', '--registry-password', 'x'], io)).toBe(2);
    expect(err.text).toContain('error: <flags>: --registry-password: unknown flag');
    expect(await runCli(['build', '--help'], io)).toBe(0);
    expect(out.text).toContain('--[no-]push');
    expect(out.text).toContain('--tag <tag>');
  });
});

describe('actions/build-image refuses bad input before touching Docker', () => {
  it('a push input that is not a boolean', async () => {
    const run = await runAction('actions/build-image', { push: 'maybe' });
    expect(run.code).toBe(2);
    expect(run.stdout).toContain(
      '::error title=flinkship%3A push::<inputs>: push: found "maybe"; valid: true or false',
    );
  });

  it('a missing jar, annotated at job.jar', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'flinkship-action-jar-'));
    const spec = path.join(dir, 'flinkship.yaml');
    await writeFile(
      spec,
      "name: job\nflinkVersion: '1.20'\nimage:\n  repository: 127.0.0.1:1/job\njob:\n  jar: target/job.jar\n",
    );
    const run = await runAction('actions/build-image', { config: spec, tag: 'a,b' });
    expect(run.code).toBe(2);
    expect(run.stdout).toContain(
      `::error title=flinkship%3A job.jar,file=${spec},line=6,col=8::${spec}:6:8: job.jar: ${path.join(dir, 'target/job.jar')} does not exist`,
    );
    expect(run.outputs).toEqual({});
  });
});

describe('Docker credential helpers', () => {
  const file = '/home/u/.docker/config.json';
  const basic = (user: string, password: string) => ({
    auth: Buffer.from(`${user}:${password}`).toString('base64'),
  });
  const found = (Username: string, Secret: string): HelperRun => ({
    kind: 'exited',
    code: 0,
    stdout: JSON.stringify({ ServerURL: 'x', Username, Secret }),
    stderr: '',
  });
  const notFound: HelperRun = {
    kind: 'exited',
    code: 1,
    stdout: 'credentials not found in native keychain\n',
    stderr: '',
  };
  const ctx: HelperContext = {
    helper: 'pass',
    setting: 'credsStore',
    host: 'ghcr.io',
    file,
    loginHint: 'give --registry-username with the password on stdin (--registry-password-stdin)',
  };
  function operationError(fn: () => unknown): string {
    try {
      fn();
    } catch (err) {
      if (err instanceof Error && err.name === 'OperationError') return err.message;
      throw err;
    }
    throw new Error('expected an OperationError');
  }

  it('takes credHelpers[host] first, then credsStore, then auths', () => {
    const config = {
      credHelpers: { 'ghcr.io': 'gh', '127.0.0.1:5002': 'local' },
      credsStore: 'desktop',
      auths: { 'ghcr.io': basic('a', 'b'), 'quay.io': basic('q', 'r') },
    };
    expect(helperFor(config, 'ghcr.io')).toEqual({
      helper: 'gh',
      setting: 'credHelpers["ghcr.io"]',
      addresses: ['ghcr.io'],
    });
    expect(helperFor(config, '127.0.0.1:5002')?.helper).toBe('local');
    expect(helperFor(config, 'quay.io')).toEqual({
      helper: 'desktop',
      setting: 'credsStore',
      addresses: ['quay.io'],
    });
    expect(helperFor({ credHelpers: { 'ghcr.io': 'gh' }, auths: config.auths }, 'quay.io')).toBeUndefined();
    expect(helperFor(undefined, 'quay.io')).toBeUndefined();
  });

  it("asks for Docker Hub by its index URL, and also for an auths key's other spelling of the host", () => {
    expect(helperFor({ credHelpers: { 'https://index.docker.io/v1/': 'hub' } }, 'docker.io')).toEqual({
      helper: 'hub',
      setting: 'credHelpers["https://index.docker.io/v1/"]',
      addresses: ['https://index.docker.io/v1/'],
    });
    // The Docker CLI looks credHelpers up by that key only: "docker.io" names no helper for Docker Hub.
    expect(helperFor({ credHelpers: { 'docker.io': 'x' } }, 'docker.io')).toBeUndefined();
    expect(
      helperFor({ credsStore: 'desktop', auths: { 'https://ghcr.io': {}, 'quay.io': {} } }, 'ghcr.io')
        ?.addresses,
    ).toEqual(['ghcr.io', 'https://ghcr.io']);
  });

  it("uses the helper's answer over auths, and no login when it has none, whatever auths says", () => {
    const config = { credsStore: 'desktop', auths: { 'ghcr.io': basic('file-user', 'file-pw') } };
    const dockerConfig = { config, file };
    const answer = readHelperRun(found('bot', 's3cret'), ctx);
    expect(chooseCredentials({}, dockerConfig, 'ghcr.io', 'flags', [answer])).toEqual({
      username: 'bot',
      password: 's3cret',
      from: `docker-credential-desktop, credsStore in ${file}`,
    });
    expect(chooseCredentials({}, dockerConfig, 'ghcr.io', 'flags', [{ kind: 'not-found' }])).toBeUndefined();
    // Without a helper for the host, the auths entry as before.
    expect(chooseCredentials({}, { config: { auths: config.auths }, file }, 'ghcr.io', 'flags')).toEqual({
      username: 'file-user',
      password: 'file-pw',
      from: file,
    });
  });

  it('lets the given user and password win over every helper, and runs none', async () => {
    const dockerConfig = { config: { credHelpers: { 'ghcr.io': 'no-such-helper-flinkship' } }, file };
    expect(
      chooseCredentials({ username: 'u', password: 'p' }, dockerConfig, 'ghcr.io', 'inputs', [
        readHelperRun(found('bot', 'x'), ctx),
      ]),
    ).toEqual({ username: 'u', password: 'p', from: 'registry-username' });
    const masked: string[] = [];
    const login = await resolveCredentials(
      { 'registry-username': 'u', 'registry-password': 'p', 'registry-password-stdin': false },
      'inputs',
      'ghcr.io',
      dockerConfig,
      { secret: (s) => masked.push(s) },
    );
    expect(login).toEqual({ username: 'u', password: 'p', from: 'registry-username' });
    expect(masked).toEqual(['p']);
  });

  it('reads "credentials not found" (stdout or stderr, exit 1) as no login', () => {
    expect(readHelperRun(notFound, ctx)).toEqual({ kind: 'not-found' });
    expect(
      readHelperRun(
        { kind: 'exited', code: 1, stdout: '', stderr: 'credentials not found in native keychain\n' },
        ctx,
      ),
    ).toEqual({ kind: 'not-found' });
    expect(readHelperRun(found('bot', ''), ctx)).toEqual({ kind: 'not-found' });
  });

  it('takes a <token> user as an identity token, which the engine gets as identitytoken', () => {
    const answer = readHelperRun(found('<token>', 'refresh-123'), ctx);
    expect(answer).toEqual({
      kind: 'found',
      username: '<token>',
      secret: 'refresh-123',
      identityToken: true,
    });
    const login = chooseCredentials({}, { config: { credsStore: 'pass' }, file }, 'docker.io', 'flags', [
      answer,
    ])!;
    expect(login.identityToken).toBe('refresh-123');
    expect(dockerAuth(login, 'docker.io')).toEqual({
      username: '',
      password: '',
      identitytoken: 'refresh-123',
      serveraddress: 'https://index.docker.io/v1/',
    });
    expect(dockerAuth({ username: 'u', password: 'p', from: 'f' }, '127.0.0.1:5002')).toEqual({
      username: 'u',
      password: 'p',
      serveraddress: '127.0.0.1:5002',
    });
  });

  it('names the helper, the registry and what to do when the helper fails', () => {
    const fix = `install docker-credential-pass on PATH, remove credsStore from ${file}, or give --registry-username with the password on stdin (--registry-password-stdin)`;
    expect(operationError(() => readHelperRun({ kind: 'not-on-path' }, ctx))).toBe(
      `the Docker credential helper docker-credential-pass (credsStore in ${file}), which holds the login for registry ghcr.io, is not on PATH; ${fix}`,
    );
    expect(operationError(() => readHelperRun({ kind: 'timed-out' }, ctx))).toBe(
      `the Docker credential helper docker-credential-pass (credsStore in ${file}) did not answer for registry ghcr.io within 10 s; check that it works (echo ghcr.io | docker-credential-pass get), or give --registry-username with the password on stdin (--registry-password-stdin)`,
    );
    expect(
      operationError(() =>
        readHelperRun({ kind: 'exited', code: 2, stdout: '', stderr: 'gpg: decryption failed\n' }, ctx),
      ),
    ).toBe(
      `the Docker credential helper docker-credential-pass (credsStore in ${file}) failed for registry ghcr.io (exit 2: gpg: decryption failed); log in again with it (docker login ghcr.io), or give --registry-username with the password on stdin (--registry-password-stdin)`,
    );
    const bad = operationError(() =>
      readHelperRun({ kind: 'exited', code: 0, stdout: '{"Username":"u","Secret":', stderr: '' }, ctx),
    );
    expect(bad).toBe(
      `the Docker credential helper docker-credential-pass (credsStore in ${file}) answered for registry ghcr.io with something other than {"ServerURL","Username","Secret"} JSON; check docker-credential-pass (echo ghcr.io | docker-credential-pass get), or give --registry-username with the password on stdin (--registry-password-stdin)`,
    );
  });

  it('refuses a helper name that is no program name, before running anything', async () => {
    let asked = 0;
    const dockerConfig = { config: { credHelpers: { 'ghcr.io': '../bin/evil' } }, file };
    await expect(
      askHelpers(dockerConfig, 'ghcr.io', 'flags', { secret: () => undefined }, async () => {
        asked++;
        return notFound;
      }),
    ).rejects.toThrow(
      `${file}: credHelpers["ghcr.io"]: found "../bin/evil"; expected the name of a credential helper, docker-credential-<name> on PATH (e.g. "pass", "ecr-login")`,
    );
    expect(asked).toBe(0);
  });

  it('asks each address in order until one has a login, masking the secret as it is read', async () => {
    const asked: string[] = [];
    const masked: string[] = [];
    const dockerConfig = { config: { credsStore: 'desktop', auths: { 'https://ghcr.io': {} } }, file };
    const login = await fromDockerConfigWithHelpers(
      dockerConfig,
      'ghcr.io',
      'flags',
      { secret: (s) => masked.push(s) },
      async (helper, address) => {
        asked.push(`${helper} ${address}`);
        return address === 'ghcr.io' ? notFound : found('bot', 'tok-1');
      },
    );
    expect(asked).toEqual(['desktop ghcr.io', 'desktop https://ghcr.io']);
    expect(masked).toEqual(['tok-1']);
    expect(login?.username).toBe('bot');
    // An auths-only config is read without any helper, and masked too.
    masked.length = 0;
    const fromFile = await fromDockerConfigWithHelpers(
      { config: { auths: { 'ghcr.io': basic('a', 'pw-2') } }, file },
      'ghcr.io',
      'flags',
      { secret: (s) => masked.push(s) },
      async () => {
        throw new Error('no helper may run');
      },
    );
    expect(fromFile?.password).toBe('pw-2');
    expect(masked).toEqual(['pw-2']);
  });

  it('runs the real program with the address on stdin, bounded by the timeout', async () => {
    const bin = await mkdtemp(path.join(tmpdir(), 'flinkship-helper-'));
    await writeFile(
      path.join(bin, 'docker-credential-unit'),
      '#!/bin/sh\nread server\nif [ "$server" = slow ]; then sleep 5; fi\nprintf \'{"ServerURL":"%s","Username":"u","Secret":"s"}\' "$server"\n',
    );
    await chmod(path.join(bin, 'docker-credential-unit'), 0o755);
    const env = { PATH: `${bin}:${process.env.PATH}` };
    expect(await askHelper('unit', 'ghcr.io', 5000, env)).toEqual({
      kind: 'exited',
      code: 0,
      stdout: '{"ServerURL":"ghcr.io","Username":"u","Secret":"s"}',
      stderr: '',
    });
    const started = Date.now();
    expect(await askHelper('unit', 'slow', 300, env)).toEqual({ kind: 'timed-out' });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await askHelper('no-such-helper-flinkship', 'ghcr.io', 5000, env)).toEqual({
      kind: 'not-on-path',
    });
  });
});
