// The reusable pull request workflow, run end to end by a real workflow runner: act (built from the Go
// module proxy by the testbed) in host mode runs a user's workflow that calls
// .github/workflows/reusable-pull-request.yml, for a pull request that opens, gets a push and closes.
// Everything it talks to is the testbed's (the staging API server and registry, the Flink client, the
// Docker engine) except what cannot exist here, each a named stand-in: the GitHub API
// (test/helpers/github-standin.ts) and actions/checkout (test/fixtures/act/checkout, clones from local
// copies). The pull request's title and branch are forged to try to inject expressions, shell and
// workflow commands; nothing of them may take effect.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { V1Deployment } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kube } from '../../src/executors/kube.js';
import { DIFF_MARKER } from '../../src/plan/diffRender.js';
import { PREVIEW_MARKER } from '../../src/verbs/preview.js';
import { stagingAdmin } from '../helpers/deploy.js';
import { startGitHubStandIn, type GitHubStandIn } from '../helpers/github-standin.js';
import { testbed } from './testbed.js';

const exec = promisify(execFile);
const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const name = `act-${run}`;
const namespace = `preview-act-${run}`;
const token = 'ghs_actworkflowtoken0001';
const PR = 7;
const CHECKOUT = 'actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683';
const UPLOAD_ARTIFACT = 'actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02';
const root = process.cwd();
// What a forged pull request carries: an expression, command substitution, backticks and workflow
// commands. The marker file must never appear; no annotation may be titled "forged".
const forgedFile = path.join(tmpdir(), `flinkship-forged-${run}`);
const forgedTitle = `\${{ secrets.PREVIEW_KUBECONFIG }} $(touch ${forgedFile}) \`touch ${forgedFile}\` ::error title=forged::forged`;
const forgedBody = `::add-mask::flinkship\n::set-output name=image::evil\n::stop-commands::x\n\${{ github.token }}`;
const forgedBranch = `feature/$(touch${'${IFS}'}${forgedFile})`;

let dir: string;
let repo: string;
let flinkshipSha: string;
let base: string;
let admin: Kube;
let github: GitHubStandIn;
let kubeconfigText: string;

const git = (args: string[], cwd = repo) =>
  exec('git', ['-c', 'user.name=dev', '-c', 'user.email=dev@example.test', ...args], { cwd }).then((r) =>
    r.stdout.trim(),
  );

/** One act run of the caller's workflow for a pull_request event; its whole log. */
function act(
  action: 'opened' | 'synchronize' | 'closed',
  head: string,
): Promise<{ code: number; log: string }> {
  return runAct('pull_request', 'pr.yml', {
    action,
    number: PR,
    pull_request: {
      number: PR,
      title: forgedTitle,
      body: forgedBody,
      state: action === 'closed' ? 'closed' : 'open',
      merged: false,
      head: { sha: head, ref: forgedBranch, repo: { full_name: 'acme/shop' } },
      base: { sha: base, ref: 'main', repo: { full_name: 'acme/shop' } },
    },
    repository: { full_name: 'acme/shop', name: 'shop', owner: { login: 'acme' } },
  });
}

/** One act run of the user's workflow `workflow` for an `eventName` event with this payload; its whole log. */
async function runAct(
  eventName: string,
  workflow: string,
  payload: object,
  run: { id?: number; secrets?: string } = {},
): Promise<{ code: number; log: string }> {
  const event = path.join(dir, `event-${randomBytes(4).toString('hex')}.json`);
  await writeFile(event, JSON.stringify(payload));
  const repos = JSON.stringify({ 'flinkship-dev/flinkship': root, 'acme/shop': repo });
  const args = [
    eventName,
    '--eventpath',
    event,
    '--workflows',
    `.github/workflows/${workflow}`,
    '--platform',
    'ubuntu-latest=-self-hosted',
    '--local-repository',
    `flinkship-dev/flinkship@${flinkshipSha}=${root}`,
    '--local-repository',
    `${CHECKOUT}=${path.join(root, 'test/fixtures/act/checkout')}`,
    '--local-repository',
    `${UPLOAD_ARTIFACT}=${path.join(root, 'test/fixtures/act/upload-artifact')}`,
    // Secrets from a file, never argv.
    '--secret-file',
    path.join(dir, run.secrets ?? 'secrets'),
    '--env',
    `GITHUB_RUN_ID=${run.id ?? 1}`,
    '--env',
    `GITHUB_API_URL=${github.url}`,
    '--env',
    `FLINKSHIP_CHECKOUT_STANDIN_REPOS=${repos}`,
  ];
  try {
    const r = await exec(testbed('FLINKSHIP_TESTBED_ACT'), args, {
      cwd: repo,
      env: { ...process.env, HOME: path.join(dir, 'home') },
      maxBuffer: 64 * 1024 * 1024,
      timeout: 15 * 60_000,
    });
    return { code: 0, log: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, log: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

const ours = (marker: string) =>
  github.comments.filter((c) => c.issue === PR && c.user.type === 'Bot' && c.body.startsWith(marker));

/** Every object in the namespace that is the preview's, as kind/name. */
async function leftOfPreview(): Promise<string[]> {
  const clusterId = `${name}-pr-${PR}`;
  const out: string[] = [];
  for (const [apiVersion, kind] of [
    ['apps/v1', 'Deployment'],
    ['v1', 'ConfigMap'],
    ['v1', 'Service'],
    ['v1', 'Secret'],
    ['v1', 'ServiceAccount'],
    ['rbac.authorization.k8s.io/v1', 'Role'],
    ['rbac.authorization.k8s.io/v1', 'RoleBinding'],
    ['coordination.k8s.io/v1', 'Lease'],
  ] as const) {
    for (const o of (await admin.list(apiVersion, kind, namespace)).items) {
      const n = o.metadata?.name ?? '';
      if (n === clusterId || n.startsWith(`${clusterId}-`) || n === `flink-config-${clusterId}`)
        out.push(`${kind}/${n}`);
    }
  }
  return out.sort();
}

function checkNothingForged(log: string): void {
  expect(existsSync(forgedFile)).toBe(false);
  expect(log).not.toMatch(/title=forged/);
  expect(log).not.toContain('evil');
  // The kubeconfig's credentials never reach the log (act masks secrets; a forged expression would not be).
  for (const line of kubeconfigText.split('\n')) {
    const m = /(token|client-key-data|password):\s*(\S{12,})/.exec(line);
    if (m) expect(log).not.toContain(m[2]);
  }
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'act-test-'));
  repo = path.join(dir, 'shop');
  await mkdir(path.join(repo, '.github/workflows'), { recursive: true });
  await mkdir(path.join(dir, 'home'), { recursive: true });
  admin = stagingAdmin();
  github = await startGitHubStandIn({ owner: 'acme', repo: 'shop', tokens: [token] });
  flinkshipSha = (await exec('git', ['rev-parse', 'HEAD'], { cwd: root })).stdout.trim();
  kubeconfigText = await readFile(testbed('FLINKSHIP_TESTBED_STAGING_KUBECONFIG'), 'utf8');
  const dotenv = (v: string) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
  await writeFile(
    path.join(dir, 'secrets'),
    `PREVIEW_KUBECONFIG=${dotenv(kubeconfigText)}\nGITHUB_TOKEN=${token}\n`,
    { mode: 0o600 },
  );
  // A fork's pull_request run, as GitHub runs it: no secrets but a (read-only) GITHUB_TOKEN.
  await writeFile(path.join(dir, 'fork-secrets'), `GITHUB_TOKEN=${token}\n`, { mode: 0o600 });

  // The user's repository: a spec, a jar built by the build command, and the one-line caller.
  await writeFile(
    path.join(repo, 'flinkship.yaml'),
    `name: ${name}
flinkVersion: '1.20'
image:
  repository: ${testbed('FLINKSHIP_TESTBED_STAGING_REGISTRY')}/flinkship-act-${run}/job
  base: ${testbed('FLINKSHIP_TESTBED_FLINK_BASE_IMAGE')}
job:
  jar: target/job.jar
  entryClass: dev.example.Job
  parallelism: 1
health: { window: 1s, checkpoints: 1 }
jobManager:
  resource: { cpu: 0.5, memory: 1024m }
taskManager:
  resource: { cpu: 0.5, memory: 1024m }
environments:
  preview:
    namespace: ${namespace}
    createNamespace: true
    context: staging
    upgradeMode: stateless
    ttl: 72h
    url: https://flink.preview.example.test/{cluster-id}/
`,
  );
  await writeFile(path.join(repo, '.gitignore'), 'target/\n');
  await mkdir(path.join(repo, 'src/dev/example'), { recursive: true });
  await writeFile(
    path.join(repo, 'src/dev/example/Job.java'),
    'package dev.example;\npublic class Job {\n  public static void main(String[] args) {}\n}\n',
  );
  await writeFile(
    path.join(repo, '.github/workflows/pr.yml'),
    `name: pull request
on:
  pull_request:
    types: [opened, synchronize, reopened, closed]
permissions: {}
jobs:
  flinkship:
    uses: flinkship-dev/flinkship/.github/workflows/reusable-pull-request.yml@${flinkshipSha}
    permissions:
      contents: read
      pull-requests: write
      deployments: write
      packages: write
    with:
      flinkship: flinkship-dev/flinkship@${flinkshipSha}
      build-command: javac -d target/classes src/dev/example/Job.java && git rev-parse HEAD > target/classes/BUILT && jar cf target/job.jar -C target/classes .
      flink-home: ${testbed('FLINKSHIP_TESTBED_FLINK_HOME')}
      rest-url: ${testbed('FLINKSHIP_TESTBED_FLINK_REST_URL')}
    secrets:
      kubeconfig: \${{ secrets.PREVIEW_KUBECONFIG }}
`,
  );
  await writeFile(
    path.join(repo, '.github/workflows/sweep.yml'),
    `name: sweep previews
on:
  schedule:
    - cron: '17 3 * * *'
permissions: {}
jobs:
  sweep:
    uses: flinkship-dev/flinkship/.github/workflows/reusable-preview-sweep.yml@${flinkshipSha}
    permissions:
      contents: read
      pull-requests: write
      deployments: write
    with:
      flinkship: flinkship-dev/flinkship@${flinkshipSha}
    secrets:
      kubeconfig: \${{ secrets.PREVIEW_KUBECONFIG }}
`,
  );
  await writeFile(
    path.join(repo, '.github/workflows/fork-preview.yml'),
    `name: fork preview
on:
  workflow_run:
    workflows: [pull request]
    types: [completed]
permissions: {}
jobs:
  fork-preview:
    uses: flinkship-dev/flinkship/.github/workflows/reusable-fork-preview.yml@${flinkshipSha}
    permissions:
      contents: read
      actions: read
      pull-requests: write
      deployments: write
      packages: write
    with:
      flinkship: flinkship-dev/flinkship@${flinkshipSha}
      flink-home: ${testbed('FLINKSHIP_TESTBED_FLINK_HOME')}
      rest-url: ${testbed('FLINKSHIP_TESTBED_FLINK_REST_URL')}
    secrets:
      kubeconfig: \${{ secrets.PREVIEW_KUBECONFIG }}
`,
  );
  await exec('git', ['init', '-q', '-b', 'main'], { cwd: repo });
  await git(['remote', 'add', 'origin', 'https://github.com/acme/shop.git']);
  await git(['add', '-A']);
  await git(['commit', '-qm', 'the job']);
  base = await git(['rev-parse', 'HEAD']);
  // What actions/checkout with fetch-depth: 0 leaves: the base branch as a remote-tracking ref.
  await git(['update-ref', 'refs/remotes/origin/main', base]);
  await git(['checkout', '-qb', 'feature']);
}, 120_000);

afterAll(async () => {
  await github?.close();
  await admin?.delete({ apiVersion: 'v1', kind: 'Namespace', name: namespace });
  await rm(forgedFile, { force: true });
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the reusable pull request workflow under act', () => {
  it('opened: validates, comments the plan diff, builds the image, and runs the preview with its deployment and comment', async () => {
    await writeFile(
      path.join(repo, 'flinkship.yaml'),
      (await readFile(path.join(repo, 'flinkship.yaml'), 'utf8')).replace('parallelism: 1', 'parallelism: 2'),
    );
    await git(['commit', '-qam', 'parallelism 2']);
    const head = await git(['rev-parse', 'HEAD']);
    const { code, log } = await act('opened', head);
    expect(code, log.slice(-6000)).toBe(0);
    expect(log).toContain(`Flinkship flinkship-dev/flinkship@${flinkshipSha}`);
    checkNothingForged(log);

    const diff = ours(DIFF_MARKER);
    expect(diff).toHaveLength(1);
    expect(diff[0]!.body).toContain('parallelism');
    const preview = ours(PREVIEW_MARKER);
    expect(preview).toHaveLength(1);
    expect(preview[0]!.body).toContain(`### Flinkship preview of #${PR}: running`);
    expect(preview[0]!.body).toContain(`| Link | https://flink.preview.example.test/${name}-pr-${PR}/ |`);
    expect(github.deploymentStates().map((d) => [d.environment, d.state])).toEqual([
      [`preview/pr-${PR}`, 'success'],
    ]);
    const d = await admin.get({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: `${name}-pr-${PR}`,
      namespace,
    });
    // The image the workflow built from the pull request's head, by digest, runs.
    expect(JSON.stringify(d)).toMatch(new RegExp(`flinkship-act-${run}/job@sha256:[0-9a-f]{64}`));
  }, 900_000);

  it('a push (synchronize): the same two comments, edited in place, and the new image', async () => {
    const before = await admin.get<V1Deployment>({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: `${name}-pr-${PR}`,
      namespace,
    });
    await writeFile(path.join(repo, 'README.md'), 'a change that builds a new jar\n');
    await git(['add', '-A']);
    await git(['commit', '-qm', 'readme']);
    const head = await git(['rev-parse', 'HEAD']);
    const { code, log } = await act('synchronize', head);
    expect(code, log.slice(-6000)).toBe(0);
    checkNothingForged(log);
    expect(ours(DIFF_MARKER)).toHaveLength(1);
    expect(ours(PREVIEW_MARKER)).toHaveLength(1);
    expect(github.comments.filter((c) => c.issue === PR)).toHaveLength(2);
    expect(github.deploymentStates().map((d) => [d.environment, d.state])).toEqual([
      [`preview/pr-${PR}`, 'success'],
      [`preview/pr-${PR}`, 'success'],
    ]);
    const after = await admin.get<V1Deployment>({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: `${name}-pr-${PR}`,
      namespace,
    });
    // The jar holds the commit it was built from, so the new head is a new image.
    expect(after!.spec!.template.spec!.containers[0]!.image).not.toBe(
      before!.spec!.template.spec!.containers[0]!.image,
    );
  }, 900_000);

  it('closed: the preview is taken down from the base branch’s spec, its deployment inactive, its comment updated', async () => {
    const { code, log } = await act('closed', await git(['rev-parse', 'HEAD']));
    expect(code, log.slice(-6000)).toBe(0);
    checkNothingForged(log);
    // The base branch's spec, checked out by commit: the stand-in checkout says which.
    expect(log).toContain(`checkout stand-in: acme/shop@${base} into the workspace`);
    expect(await leftOfPreview()).toEqual([]);
    // Both runs' deployments (a transient environment's are not made inactive by the next one).
    expect(github.deploymentStates().map((d) => [d.environment, d.state])).toEqual([
      [`preview/pr-${PR}`, 'inactive'],
      [`preview/pr-${PR}`, 'inactive'],
    ]);
    const preview = ours(PREVIEW_MARKER);
    expect(preview).toHaveLength(1);
    expect(preview[0]!.body).toContain(`### Flinkship preview of #${PR}: taken down`);
    expect(ours(DIFF_MARKER)).toHaveLength(1);
  }, 900_000);

  it('a fork pull request: its untrusted run builds without secrets and uploads only an artifact; the trusted workflow_run run verifies it and runs the preview', async () => {
    const FORK_PR = 8;
    // The fork's head: a change to the job, on a branch of its own.
    await git(['checkout', '-qb', 'fork', base]);
    await writeFile(
      path.join(repo, 'src/dev/example/Job.java'),
      'package dev.example;\npublic class Job {\n  public static void main(String[] args) { System.out.println("fork"); }\n}\n',
    );
    await git(['commit', '-qam', 'the fork changes the job']);
    const head = await git(['rev-parse', 'HEAD']);
    github.setPullRequest(FORK_PR, 'open', { sha: head, repository: 'forker/shop' });
    const pullRequest = {
      number: FORK_PR,
      title: forgedTitle,
      body: forgedBody,
      state: 'open',
      merged: false,
      head: { sha: head, ref: forgedBranch, repo: { full_name: 'forker/shop' } },
      base: { sha: base, ref: 'main', repo: { full_name: 'acme/shop' } },
    };
    const repository = { full_name: 'acme/shop', name: 'shop', owner: { login: 'acme' } };
    const untrusted = await runAct(
      'pull_request',
      'pr.yml',
      { action: 'opened', number: FORK_PR, pull_request: pullRequest, repository },
      { id: 4242, secrets: 'fork-secrets' },
    );
    expect(untrusted.code, untrusted.log.slice(-6000)).toBe(0);
    checkNothingForged(untrusted.log);
    // No comment (the diff goes to the job summary), no deployment, nothing in the cluster: only the artifact.
    expect(github.comments.filter((c) => c.issue === FORK_PR)).toEqual([]);
    expect(github.deploymentStates().filter((d) => d.environment === `preview/pr-${FORK_PR}`)).toEqual([]);
    expect(
      await admin.get({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: `${name}-pr-${FORK_PR}`,
        namespace,
      }),
    ).toBeUndefined();
    expect(github.artifacts().map((a) => [a.runId, a.name, a.headSha])).toEqual([
      [4242, 'flinkship-preview', head],
    ]);

    // The trusted run: on the default branch, with the secrets.
    await git(['checkout', '-q', 'main']);
    const workflowRun = (id: number) => ({
      action: 'completed',
      workflow_run: {
        id,
        name: 'pull request',
        event: 'pull_request',
        status: 'completed',
        conclusion: 'success',
        head_sha: head,
        head_branch: forgedBranch,
        head_repository: { full_name: 'forker/shop' },
        pull_requests: [],
      },
      repository,
    });
    const trusted = await runAct('workflow_run', 'fork-preview.yml', workflowRun(4242), { id: 4243 });
    expect(trusted.code, trusted.log.slice(-6000)).toBe(0);
    checkNothingForged(trusted.log);
    expect(trusted.log).toContain(
      `checkout stand-in: flinkship-dev/flinkship@${flinkshipSha} into .flinkship`,
    );
    expect(trusted.log).toMatch(/digest verified; pull-request\.json names pull request #8/);
    // The download's redirect target got no token.
    expect(github.storageRequests.length).toBeGreaterThan(0);
    expect(github.storageRequests.every((r) => !r.authorization)).toBe(true);
    const preview = github.comments.filter((c) => c.issue === FORK_PR && c.body.startsWith(PREVIEW_MARKER));
    expect(preview).toHaveLength(1);
    expect(preview[0]!.body).toContain(`### Flinkship preview of #${FORK_PR}: running`);
    expect(
      github
        .deploymentStates()
        .filter((d) => d.environment === `preview/pr-${FORK_PR}`)
        .map((d) => d.state),
    ).toEqual(['success']);
    const d = await admin.get<V1Deployment>({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: `${name}-pr-${FORK_PR}`,
      namespace,
    });
    expect(d!.spec!.template.spec!.containers[0]!.image).toMatch(
      new RegExp(`flinkship-act-${run}/job@sha256:[0-9a-f]{64}$`),
    );

    // The same artifact, its bytes changed in storage after upload: refused before anything is built.
    const stored = github.artifacts().find((a) => a.runId === 4242)!;
    const tampered = github.addArtifact(4300, 'flinkship-preview', github.artifactBytes(stored.id), head);
    github.tamperArtifact(tampered);
    const refused = await runAct('workflow_run', 'fork-preview.yml', workflowRun(4300), { id: 4301 });
    expect(refused.code).not.toBe(0);
    expect(refused.log).toMatch(
      /the preview artifact of run 4300 is refused: the artifact's bytes \(sha256:[0-9a-f]{64}\) are not what was uploaded/,
    );
    expect(refused.log).not.toContain('Build and push the image (Flinkship');
    expect(github.deploymentStates().filter((d) => d.environment === `preview/pr-${FORK_PR}`)).toHaveLength(
      1,
    );
    await git(['checkout', '-q', 'feature']);
  }, 900_000);

  it('schedule: the sweep workflow removes what is left of a closed pull request’s preview and keeps an open one’s', async () => {
    // What two hand-deleted previews left: their release histories. #9's pull request closed; #10's is open.
    for (const pr of [9, 10])
      await admin.apply({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: `${name}-pr-${pr}-flinkship-history`, namespace },
        stringData: { 'history.json': '{"historyVersion":1,"revisions":[]}' },
      });
    github.setPullRequest(9, 'closed');
    github.setPullRequest(10, 'open');
    const { code, log } = await runAct('schedule', 'sweep.yml', {
      schedule: '17 3 * * *',
      repository: { full_name: 'acme/shop', name: 'shop', owner: { login: 'acme' } },
    });
    expect(code, log.slice(-6000)).toBe(0);
    expect(log).toMatch(/#9 \S+-pr-9: removed \(pull request #9 is closed\)/);
    expect(log).toMatch(/#10 \S+-pr-10: kept/);
    const secrets = (await admin.list('v1', 'Secret', namespace)).items.map((o) => o.metadata?.name);
    expect(secrets).not.toContain(`${name}-pr-9-flinkship-history`);
    expect(secrets).toContain(`${name}-pr-10-flinkship-history`);
  }, 900_000);
});
