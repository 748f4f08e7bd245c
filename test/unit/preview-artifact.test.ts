// A fork pull request's preview artifact, as the trusted run meets it: `preview import` against the GitHub
// API stand-in (artifacts listed and served as GitHub's REST API does, with the digest taken at upload),
// with zips made by Info-ZIP's `zip`, as upload-artifact's would hold them. Every way the artifact can lie
// is refused before the jar is written; only a consistent one lands, where the trusted spec says.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseOptions } from '../../src/options/options.js';
import { makeManifest, parseManifest, sha256Hex } from '../../src/preview/artifact.js';
import { TerminalUi } from '../../src/ui/terminal.js';
import { previewExportVerb, previewImportVerb } from '../../src/verbs/previewArtifact.js';
import { startGitHubStandIn, type GitHubStandIn } from '../helpers/github-standin.js';

const exec = promisify(execFile);
const token = 'ghs_previewartifact0001';
const head = 'c'.repeat(40);
let dir: string;
let github: GitHubStandIn;
let saved: NodeJS.ProcessEnv;
let jar: Buffer;
let runId = 100;

const quietUi = () =>
  new TerminalUi(
    new Writable({
      write(_c, _e, done) {
        done();
      },
    }),
  );

/** A zip of these files (name → content), made by `zip` as the upload holds them. */
async function zipOf(files: Record<string, Buffer | string>): Promise<Buffer> {
  const work = await mkdtemp(path.join(dir, 'zip-'));
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(work, 'files', name)), { recursive: true });
    await writeFile(path.join(work, 'files', name), content);
  }
  await exec('zip', ['-q', '-X', '-r', path.join(work, 'a.zip'), '.'], { cwd: path.join(work, 'files') });
  return readFile(path.join(work, 'a.zip'));
}

function manifestFor(pr: number, sha = head, bytes = jar): string {
  return JSON.stringify(makeManifest(pr, sha, bytes));
}

async function importRun(id: number, headSha = head) {
  return previewImportVerb.run(
    parseOptions(
      previewImportVerb.options,
      {
        config: path.join(dir, 'repo/flinkship.yaml'),
        'run-id': String(id),
        'head-sha': headSha,
        'github-token': token,
      },
      'inputs',
    ),
    quietUi(),
  );
}

/** Uploads an artifact for a new run and imports it; the rejection message, or the result. */
async function upload(files: Record<string, Buffer | string>, artifactHead = head) {
  const id = ++runId;
  github.addArtifact(id, 'flinkship-preview', await zipOf(files), artifactHead);
  return id;
}

const destination = () => path.join(dir, 'repo/target/job.jar');

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'preview-artifact-'));
  github = await startGitHubStandIn({ owner: 'acme', repo: 'shop', tokens: [token] });
  saved = { ...process.env };
  Object.assign(process.env, {
    GITHUB_ACTIONS: 'true',
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_SHA: 'd'.repeat(40),
    GITHUB_RUN_ID: '1',
    GITHUB_API_URL: github.url,
  });
  delete process.env.GITHUB_EVENT_PATH;
  await mkdir(path.join(dir, 'repo'), { recursive: true });
  await writeFile(
    path.join(dir, 'repo/flinkship.yaml'),
    `name: shop
flinkVersion: '1.20'
image:
  repository: registry.example.test/acme/shop
job:
  jar: target/job.jar
  entryClass: dev.example.Job
environments:
  preview:
    namespace: preview
`,
  );
  // A real jar: a class compiled here.
  const src = path.join(dir, 'jar/dev/example');
  await mkdir(src, { recursive: true });
  await writeFile(path.join(src, 'Job.java'), 'package dev.example;\npublic class Job {}\n');
  await exec('javac', ['-d', path.join(dir, 'jar/classes'), path.join(src, 'Job.java')]);
  await exec('jar', ['cf', path.join(dir, 'job.jar'), '-C', path.join(dir, 'jar/classes'), '.']);
  jar = await readFile(path.join(dir, 'job.jar'));
  github.setPullRequest(8, 'open', { sha: head, repository: 'forker/shop' });
  github.setPullRequest(9, 'open', { sha: 'e'.repeat(40), repository: 'acme/shop' });
  github.setPullRequest(10, 'closed', { sha: head, repository: 'forker/shop' });
}, 60_000);

afterAll(async () => {
  process.env = saved;
  await github?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  await rm(path.join(dir, 'repo/target'), { recursive: true, force: true });
});

describe('preview export', () => {
  it('writes the jar and a manifest naming the pull request, its head and the jar’s sha256', async () => {
    await mkdir(path.join(dir, 'repo/target'), { recursive: true });
    await writeFile(destination(), jar);
    const out = path.join(dir, 'export');
    const r = await previewExportVerb.run(
      parseOptions(
        previewExportVerb.options,
        { config: path.join(dir, 'repo/flinkship.yaml'), pr: '8', 'head-sha': head, dir: out },
        'inputs',
      ),
      quietUi(),
    );
    expect(r).toMatchObject({
      pullRequest: 8,
      headSha: head,
      jarSha256: sha256Hex(jar),
      name: 'flinkship-preview',
    });
    expect(await readFile(path.join(out, 'job.jar'))).toEqual(jar);
    expect(parseManifest(await readFile(path.join(out, 'pull-request.json'), 'utf8'))).toEqual({
      version: 1,
      pullRequest: 8,
      headSha: head,
      jar: { sha256: sha256Hex(jar), size: jar.length },
    });
  });

  it('refuses a missing jar at job.jar’s line, and a head that is not a commit', async () => {
    const opts = (extra: Record<string, string>) =>
      parseOptions(
        previewExportVerb.options,
        { config: path.join(dir, 'repo/flinkship.yaml'), pr: '8', ...extra },
        'inputs',
      );
    await expect(previewExportVerb.run(opts({ 'head-sha': head }), quietUi())).rejects.toMatchObject({
      exitCode: 2,
      // Where job.jar is written (the top level), not the environment's block that inherits it.
      issues: [
        { line: 6, col: 8, field: 'job.jar', message: 'target/job.jar does not exist; build the jar first' },
      ],
    });
    await expect(previewExportVerb.run(opts({ 'head-sha': 'main' }), quietUi())).rejects.toThrow(
      'head-sha: found "main"; expected a commit sha of 40 hex digits',
    );
  });
});

describe('preview import', () => {
  it('lands a consistent artifact’s jar where the trusted spec says', async () => {
    const id = await upload({ 'job.jar': jar, 'pull-request.json': manifestFor(8) });
    const r = await importRun(id);
    expect(r).toMatchObject({
      pullRequest: 8,
      headSha: head,
      jar: 'target/job.jar',
      jarSha256: sha256Hex(jar),
    });
    expect(r.artifactDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await readFile(destination())).toEqual(jar);
    expect(github.storageRequests.at(-1)).toMatchObject({ authorization: false });
  });

  const refusals: [string, () => Promise<number>, RegExp, string?][] = [
    [
      'bytes changed after upload',
      async () => {
        const id = await upload({ 'job.jar': jar, 'pull-request.json': manifestFor(8) });
        github.tamperArtifact(github.artifacts().find((a) => a.runId === id)!.id);
        return id;
      },
      /the artifact's bytes \(sha256:[0-9a-f]{64}\) are not what was uploaded \(sha256:[0-9a-f]{64}\)/,
    ],
    [
      'made by a run of another head',
      () => upload({ 'job.jar': jar, 'pull-request.json': manifestFor(8) }, 'f'.repeat(40)),
      /the artifact was made by a run of f{40}, not of the run's head c{40}/,
    ],
    [
      'a manifest naming another head',
      () => upload({ 'job.jar': jar, 'pull-request.json': manifestFor(8, 'a'.repeat(40)) }),
      /pull-request\.json names head a{40}, but the run built c{40}/,
    ],
    [
      'a pull request it was not built from',
      () => upload({ 'job.jar': jar, 'pull-request.json': manifestFor(9) }),
      /pull request #9 is at e{40}, not at c{40}/,
    ],
    [
      'a closed pull request',
      () => upload({ 'job.jar': jar, 'pull-request.json': manifestFor(10) }),
      /pull request #10 is closed/,
    ],
    [
      'a pull request that does not exist',
      () => upload({ 'job.jar': jar, 'pull-request.json': manifestFor(404) }),
      /pull request #404 does not exist/,
    ],
    [
      'a jar other than the manifest’s',
      () =>
        upload({ 'job.jar': Buffer.concat([jar, Buffer.from('x')]), 'pull-request.json': manifestFor(8) }),
      /job\.jar is not the jar pull-request\.json describes/,
    ],
    [
      'a third file',
      () => upload({ 'job.jar': jar, 'pull-request.json': manifestFor(8), 'run.sh': 'echo hi' }),
      /unexpected entry "run\.sh"; expected only job\.jar and pull-request\.json/,
    ],
    [
      'a directory of more jars',
      () => upload({ 'job.jar': jar, 'pull-request.json': manifestFor(8), 'lib/extra.jar': jar }),
      /unexpected entry "lib\/"; expected only job\.jar and pull-request\.json/,
    ],
    [
      'a manifest with extra keys',
      () =>
        upload({
          'job.jar': jar,
          'pull-request.json': JSON.stringify({ ...JSON.parse(manifestFor(8)), run: 'curl' }),
        }),
      /pull-request\.json: unknown keys run/,
    ],
    [
      'no jar',
      () => upload({ 'pull-request.json': manifestFor(8) }),
      /the artifact must hold job\.jar and pull-request\.json/,
    ],
    ['no artifact at all', async () => ++runId, /run \d+ uploaded no artifact flinkship-preview/],
  ];
  it.each(refusals)('refuses %s, and writes no jar', async (_what, make, message) => {
    const id = await make();
    await expect(importRun(id)).rejects.toThrow(message);
    await expect(importRun(id)).rejects.toThrow(/; nothing was built or deployed$/);
    expect(existsSync(destination())).toBe(false);
  });

  it('checks its inputs before asking GitHub anything', async () => {
    const before = github.requests.length;
    await expect(importRun(Number.NaN, 'HEAD')).rejects.toThrow(
      /run-id: found "NaN"; expected a workflow run id[\s\S]*head-sha: found "HEAD"; expected a commit sha of 40 hex digits/,
    );
    expect(github.requests.length).toBe(before);
  });
});
