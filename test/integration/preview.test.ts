// Pull request previews against the testbed: the staging API server (kwok runs the pods), the real Flink
// client from FLINK_HOME, the MiniCluster's REST API for the job, and the GitHub API stand-in
// (test/helpers/github-standin.ts) for deployments, statuses and the pull request comment.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { V1Deployment } from '@kubernetes/client-node';
import { RECORD_ANNOTATION } from '../../src/deploy/record.js';
import type { Kube } from '../../src/executors/kube.js';
import { parseOptions } from '../../src/options/options.js';
import { TerminalUi } from '../../src/ui/terminal.js';
import { PREVIEW_MARKER, previewDownVerb, previewSweepVerb, previewUpVerb } from '../../src/verbs/preview.js';
import { pushJobImage, stagingAdmin } from '../helpers/deploy.js';
import { startGitHubStandIn, type GitHubStandIn } from '../helpers/github-standin.js';
import { testbed } from './testbed.js';

const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const name = `pv-${run}`;
const namespace = `preview-${run}`;
const token = 'ghs_previewtesttoken0001';
let dir: string;
let spec: string;
let image: string;
let admin: Kube;
let github: GitHubStandIn;
let saved: NodeJS.ProcessEnv;

const quietUi = () =>
  new TerminalUi(
    new Writable({
      write(_c, _e, done) {
        done();
      },
    }),
  );

async function inPullRequest<T>(pr: number, fn: () => Promise<T>): Promise<T> {
  const event = path.join(dir, `event-${pr}.json`);
  await writeFile(event, JSON.stringify({ pull_request: { number: pr } }));
  process.env.GITHUB_EVENT_PATH = event;
  return fn();
}

const up = (pr: number) =>
  inPullRequest(pr, () =>
    previewUpVerb.run(
      parseOptions(
        previewUpVerb.options,
        {
          config: spec,
          image,
          kubeconfig: testbed('FLINKSHIP_TESTBED_STAGING_KUBECONFIG'),
          'flink-home': testbed('FLINKSHIP_TESTBED_FLINK_HOME'),
          'rest-url': testbed('FLINKSHIP_TESTBED_FLINK_REST_URL'),
          'github-token': token,
        },
        'inputs',
      ),
      quietUi(),
    ),
  );

const down = (pr: number) =>
  inPullRequest(pr, () =>
    previewDownVerb.run(
      parseOptions(
        previewDownVerb.options,
        { config: spec, kubeconfig: testbed('FLINKSHIP_TESTBED_STAGING_KUBECONFIG'), 'github-token': token },
        'inputs',
      ),
      quietUi(),
    ),
  );

/** Every object in the namespace whose name starts with the preview's cluster-id, as kind/name. */
async function leftOf(clusterId: string): Promise<string[]> {
  const kinds: [string, string][] = [
    ['apps/v1', 'Deployment'],
    ['v1', 'ConfigMap'],
    ['v1', 'Service'],
    ['v1', 'Secret'],
    ['v1', 'ServiceAccount'],
    ['rbac.authorization.k8s.io/v1', 'Role'],
    ['rbac.authorization.k8s.io/v1', 'RoleBinding'],
    ['coordination.k8s.io/v1', 'Lease'],
  ];
  const out: string[] = [];
  for (const [apiVersion, kind] of kinds) {
    const list = await admin.list(apiVersion, kind, namespace);
    for (const o of list.items) {
      const n = o.metadata?.name ?? '';
      // Flink names its ConfigMaps flink-config-<cluster-id> and <cluster-id>-...; ours start with it.
      if (n.startsWith(`${clusterId}-`) || n === clusterId || n === `flink-config-${clusterId}`)
        out.push(`${kind}/${n}`);
    }
  }
  return out.sort();
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'preview-test-'));
  admin = stagingAdmin();
  image = await pushJobImage('preview-test', run);
  github = await startGitHubStandIn({ owner: 'acme', repo: 'shop', tokens: [token] });
  saved = { ...process.env };
  Object.assign(process.env, {
    GITHUB_ACTIONS: 'true',
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_SHA: 'd'.repeat(40),
    GITHUB_RUN_ID: '77',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_ACTOR: 'contributor',
    GITHUB_API_URL: github.url,
  });
  spec = path.join(dir, 'flinkship.yaml');
  await writeFile(path.join(dir, 'job.jar'), 'not a jar: kwok never runs it');
  await writeFile(
    spec,
    `name: ${name}
flinkVersion: '1.20'
image:
  repository: ${testbed('FLINKSHIP_TESTBED_STAGING_REGISTRY')}/flinkship-preview-test/job
job:
  jar: job.jar
  entryClass: dev.example.Job
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
    url: https://flink.preview.example.test/{namespace}/{cluster-id}/
`,
  );
}, 120_000);

afterAll(async () => {
  process.env = saved;
  await github?.close();
  await admin?.delete({ apiVersion: 'v1', kind: 'Namespace', name: namespace });
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('flinkship preview', () => {
  it("two pull requests' previews coexist, each its own cluster-id and GitHub environment", async () => {
    const a = await up(11);
    const b = await up(12);
    expect([a.clusterId, b.clusterId]).toEqual([`${name}-pr-11`, `${name}-pr-12`]);
    expect(a.namespace).toBe(namespace);
    for (const id of [a.clusterId, b.clusterId]) {
      const d = await admin.get({ apiVersion: 'apps/v1', kind: 'Deployment', name: id, namespace });
      expect(d, id).toBeDefined();
    }
    const environments = github.deploymentStates().map((d) => [d.environment, d.state]);
    expect(environments).toEqual([
      ['preview/pr-11', 'success'],
      ['preview/pr-12', 'success'],
    ]);
    const created = github.requests.find(
      (q) => q.method === 'POST' && q.path === '/repos/acme/shop/deployments',
    );
    expect(created?.body).toMatchObject({ environment: 'preview/pr-11', transient_environment: true });
    // The link a reviewer opens is the spec's url for this pull request's cluster-id, not the API server.
    const link = (pr: number) => `https://flink.preview.example.test/${namespace}/${name}-pr-${pr}/`;
    expect([a.url, b.url]).toEqual([link(11), link(12)]);
    const statuses = github.requests
      .filter((q) => q.method === 'POST' && /\/deployments\/\d+\/statuses$/.test(q.path))
      .map((q) => q.body as { state: string; environment_url?: string })
      .filter((s) => s.state === 'success')
      .map((s) => s.environment_url);
    expect(statuses).toEqual([link(11), link(12)]);
  });

  it('a second run for the pull request (a new push) edits its one comment in place', async () => {
    await up(11);
    const ours = (pr: number) =>
      github.comments.filter(
        (c) => c.issue === pr && c.user.type === 'Bot' && c.body.startsWith(PREVIEW_MARKER),
      );
    expect(ours(11)).toHaveLength(1);
    expect(ours(12)).toHaveLength(1);
    expect(ours(11)[0]!.body).toContain(`### Flinkship preview of #11: running`);
    expect(ours(11)[0]!.body).toContain(`<code>${namespace}/${name}-pr-11</code>`);
    expect(ours(11)[0]!.body).toContain(
      `| Link | https://flink.preview.example.test/${namespace}/${name}-pr-11/ |`,
    );
  });

  it("down deletes everything of that pull request (HA ConfigMaps included), marks its deployments inactive, and leaves the other's", async () => {
    const id = `${name}-pr-11`;
    // What Flink's JobManager writes with high availability on (kwok runs no JobManager): an HA ConfigMap.
    await admin.apply({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: `${id}-cluster-config-map`,
        namespace,
        labels: { app: id, 'configmap-type': 'high-availability', type: 'flink-native-kubernetes' },
      },
      data: {},
    });
    expect((await leftOf(id)).length).toBeGreaterThan(3);
    const r = await down(11);
    expect(r.deleted).toEqual(expect.arrayContaining([`Deployment/${id}`, `Secret/${id}-flinkship-history`]));
    expect(await leftOf(id)).toEqual([]);
    expect((await leftOf(`${name}-pr-12`)).length).toBeGreaterThan(0);
    const states = github.deploymentStates();
    expect(states.filter((d) => d.environment === 'preview/pr-11').map((d) => d.state)).toEqual([
      'inactive',
      'inactive',
    ]);
    expect(states.filter((d) => d.environment === 'preview/pr-12').map((d) => d.state)).toEqual(['success']);
    const comment = github.comments.find((c) => c.issue === 11 && c.user.type === 'Bot');
    expect(comment?.body).toContain('### Flinkship preview of #11: taken down');
  });

  it('down again changes nothing and says so', async () => {
    const r = await down(11);
    expect(r.deleted).toEqual([]);
    expect(await leftOf(`${name}-pr-11`)).toEqual([]);
  });

  it('sweep removes exactly the previews whose pull request closed or whose ttl passed (--dry-run only lists them), whatever is left of them', async () => {
    await up(13);
    await up(15);
    github.setPullRequest(12, 'closed');
    github.setPullRequest(13, 'open');
    github.setPullRequest(15, 'open');
    // Pull request 15 is open, but its preview was deployed four days ago: past the spec's ttl of 72h.
    // Its deployment record says when; the test moves that time back, as four days would have.
    const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name: `${name}-pr-15`, namespace };
    const old = await admin.get<V1Deployment>(ref);
    const record = JSON.parse(old!.metadata!.annotations![RECORD_ANNOTATION]!) as { time: string };
    record.time = new Date(Date.now() - 4 * 24 * 3600_000).toISOString();
    old!.metadata!.annotations![RECORD_ANNOTATION] = JSON.stringify(record);
    await admin.replace(old as V1Deployment & { apiVersion: string; kind: string });
    // Pull request 14 left only its release history behind (a preview taken down by hand).
    await admin.apply({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `${name}-pr-14-flinkship-history`, namespace },
      stringData: { 'history.json': '{"historyVersion":1,"revisions":[]}' },
    });
    github.setPullRequest(14, 'closed');
    const sweep = (dryRun: boolean) =>
      previewSweepVerb.run(
        parseOptions(
          previewSweepVerb.options,
          {
            config: spec,
            kubeconfig: testbed('FLINKSHIP_TESTBED_STAGING_KUBECONFIG'),
            'github-token': token,
            'dry-run': String(dryRun),
          },
          'inputs',
        ),
        quietUi(),
      );
    const listed = await sweep(true);
    expect(listed.previews.map((p) => [p.pullRequest, p.why ?? 'kept', p.removed])).toEqual([
      [12, 'pull request #12 is closed', false],
      [13, 'kept', false],
      [14, 'pull request #14 is closed', false],
      [15, 'deployed 4d ago, past the ttl of 72h', false],
    ]);
    expect((await leftOf(`${name}-pr-12`)).length).toBeGreaterThan(0);
    const swept = await sweep(false);
    expect(swept.previews.filter((p) => p.removed).map((p) => p.pullRequest)).toEqual([12, 14, 15]);
    expect(await leftOf(`${name}-pr-12`)).toEqual([]);
    expect(await leftOf(`${name}-pr-15`)).toEqual([]);
    expect(await leftOf(`${name}-pr-14`)).toEqual([]);
    expect((await leftOf(`${name}-pr-13`)).length).toBeGreaterThan(0);
    expect(
      github
        .deploymentStates()
        .filter((d) => d.environment === 'preview/pr-13')
        .map((d) => d.state),
    ).toEqual(['success']);
  });

  it('refuses a pull request number that is not one, before touching anything', async () => {
    await expect(
      previewUpVerb.run(
        parseOptions(previewUpVerb.options, { config: spec, image, pr: '12abc' }, 'inputs'),
        quietUi(),
      ),
    ).rejects.toThrow('pr: found "12abc"; expected a pull request number such as 42');
  });
});
