// The plan diff: pure over two plans, its Markdown (escaped, collapsed when unchanged), and the verb
// against a real git repository made for the test.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { diffPlans } from '../../src/plan/diff.js';
import { DIFF_MARKER, renderDiffMarkdown } from '../../src/plan/diffRender.js';
import { plan } from '../../src/plan/plan.js';
import { renderPlanMarkdown } from '../../src/plan/render.js';
import { parseSpec } from '../../src/spec/load.js';
import { cli } from '../helpers/cli.js';
import { startGitHubStandIn } from '../helpers/github-standin.js';

function spec(
  o: {
    interval?: string;
    tmMemory?: string;
    extra?: string;
    secret?: string;
    mode?: string;
    envs?: string;
  } = {},
) {
  return `name: shop
flinkVersion: '1.20'
image:
  repository: ghcr.io/acme/shop
job:
  jar: target/shop.jar
  upgradeMode: ${o.mode ?? 'savepoint'}
flinkConfiguration:
  execution.checkpointing.interval: ${o.interval ?? '30s'}
  state.savepoints.dir: s3://bucket/{env}/savepoints
  s3.secret-key: ${o.secret ?? 'first-secret'}
${o.extra ?? ''}taskManager:
  resource: { cpu: 1, memory: ${o.tmMemory ?? '2g'} }
environments:
${o.envs ?? '  staging: { namespace: flink-staging }\n  production: { namespace: flink-prod }\n'}`;
}
const loaded = (text: string) => parseSpec(text, 'flinkship.yaml', '/repo');
const planOf = (text: string, env: string) => plan(loaded(text), env);

/** A throwaway git repository with a `main` branch, and git run in it. */
function gitRepo(prefix: string) {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], {
      cwd: dir,
      encoding: 'utf8',
    });
  return { dir, git };
}

describe('diffPlans', () => {
  it('lists configuration keys added, removed and changed, resources apart, and the savepoint upgrade it takes', () => {
    const base = spec({ extra: '  pipeline.name: shop-v1\n' });
    const head = spec({ interval: '60s', tmMemory: '4g', extra: '  table.exec.state.ttl: 1d\n' });
    const d = diffPlans('staging', planOf(base, 'staging'), planOf(head, 'staging'));
    expect(d.status).toBe('changed');
    expect(d.effect).toBe('savepoint upgrade');
    expect(d.configuration).toEqual([
      { key: 'execution.checkpointing.interval', from: '30s', to: '60s' },
      { key: 'pipeline.name', from: 'shop-v1' },
      { key: 'table.exec.state.ttl', to: '1d' },
    ]);
    expect(d.resources).toEqual([{ key: 'taskmanager.memory.process.size', from: '2048m', to: '4096m' }]);
    expect(d.rbac).toEqual({ added: [], removed: [] });
    expect(d.hiddenChange).toBe(false);
  });

  it('a changed secret value shows as a hidden change, never its value', () => {
    const d = diffPlans(
      'staging',
      planOf(spec(), 'staging'),
      planOf(spec({ secret: 'second-secret' }), 'staging'),
    );
    expect(d).toMatchObject({
      status: 'changed',
      hiddenChange: true,
      configuration: [],
      effect: 'savepoint upgrade',
    });
    expect(JSON.stringify(d)).not.toMatch(/first-secret|second-secret/);
  });

  it('nothing but the image: unchanged; a new environment is created; a stateless one is replaced', () => {
    expect(diffPlans('staging', planOf(spec(), 'staging'), planOf(spec(), 'staging'))).toMatchObject({
      status: 'unchanged',
      effect: 'image only',
    });
    const added = diffPlans(
      'preview',
      undefined,
      planOf(spec({ envs: '  preview: { namespace: flink-preview }\n' }), 'preview'),
    );
    expect(added).toMatchObject({ status: 'added', effect: 'create' });
    expect(added.rbac.added.length).toBeGreaterThan(0);
    const stateless = diffPlans(
      'staging',
      planOf(spec({ mode: 'stateless' }), 'staging'),
      planOf(spec({ mode: 'stateless', interval: '10s' }), 'staging'),
    );
    expect(stateless.effect).toBe('stateless replace');
  });

  it('Markdown: the marker, one section per environment, unchanged ones collapsed, spec values escaped', () => {
    const head = spec({ extra: '  pipeline.name: "<img src=x onerror=alert(1)> | `x`"\n' });
    const md = renderDiffMarkdown({
      base: { ref: 'origin/main', commit: 'a'.repeat(40), file: 'flinkship.yaml' },
      head: { file: 'flinkship.yaml' },
      environments: [
        diffPlans('staging', planOf(spec(), 'staging'), planOf(head, 'staging')),
        diffPlans('production', planOf(spec(), 'production'), planOf(spec(), 'production')),
      ],
    });
    expect(md.startsWith(DIFF_MARKER)).toBe(true);
    expect(md).toContain('<details open><summary><b>staging: changed, savepoint upgrade</b></summary>');
    expect(md).toContain('<details><summary><b>production: unchanged (image only)</b></summary>');
    expect(md).toContain('<code>&lt;img src=x onerror=alert(1)&gt; &#124; &#96;x&#96;</code>');
    expect(md).not.toContain('<img');
  });
});

describe('flinkship diff in a git repository', () => {
  const { dir: repo, git } = gitRepo('flinkship-diff-');
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  it('compares the working tree with the merge-base, and refuses an unknown ref or environment with exit 2', async () => {
    git('init', '-q', '-b', 'main');
    const file = path.join(repo, 'flinkship.yaml');
    writeFileSync(file, spec());
    git('add', '.');
    git('commit', '-q', '-m', 'base');
    git('checkout', '-q', '-b', 'feature');
    writeFileSync(
      file,
      spec({
        interval: '60s',
        envs: '  staging: { namespace: flink-staging }\n  preview: { namespace: flink-preview }\n',
      }),
    );
    const r = await cli('diff', '--config', file, '--base', 'main', '--output', 'json');
    expect(r.code, r.err).toBe(0);
    const out = JSON.parse(r.out);
    expect(out.base).toMatchObject({
      ref: 'main',
      commit: git('rev-parse', 'main').trim(),
      file: 'flinkship.yaml',
    });
    expect(
      out.environments.map((d: { environment: string; status: string; effect: string }) => [
        d.environment,
        d.status,
        d.effect,
      ]),
    ).toEqual([
      ['staging', 'changed', 'savepoint upgrade'],
      ['preview', 'added', 'create'],
      ['production', 'removed', 'remove'],
    ]);
    const bad = await cli('diff', '--config', file, '--base', 'no-such-branch');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--base: found "no-such-branch", which git does not know here');
    const env = await cli('diff', '--config', file, '--base', 'main', '--env', 'stagin');
    expect(env.code).toBe(2);
    expect(env.err).toContain('--env: found "stagin" (did you mean "staging"?)');
  });
});

describe('flinkship diff --comment (the GitHub API stand-in)', () => {
  const { dir: repo, git } = gitRepo('flinkship-diff-comment-');
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  it("keeps one comment per pull request, edited in place on every push, and leaves a person's comment alone", async () => {
    const token = 'ghs_diffcommenttoken0001';
    const github = await startGitHubStandIn({ owner: 'acme', repo: 'shop', tokens: [token] });
    const saved = { ...process.env };
    try {
      git('init', '-q', '-b', 'main');
      const file = path.join(repo, 'flinkship.yaml');
      writeFileSync(file, spec());
      git('add', '.');
      git('commit', '-q', '-m', 'base');
      git('checkout', '-q', '-b', 'feature');
      const event = path.join(repo, 'event.json');
      writeFileSync(event, JSON.stringify({ pull_request: { number: 7 } }));
      // A person quoting the marker in their own comment: never taken for ours.
      const quoted = github.seedComment(7, `${DIFF_MARKER}\nI copied this from the bot`);
      Object.assign(process.env, {
        GITHUB_ACTIONS: 'true',
        GITHUB_REPOSITORY: 'acme/shop',
        GITHUB_SHA: 'c'.repeat(40),
        GITHUB_RUN_ID: '9',
        GITHUB_API_URL: github.url,
        GITHUB_EVENT_PATH: event,
      });
      const run = (flags: string[]) => runAsAction(file, token, flags);
      for (const interval of ['60s', '90s', '120s']) {
        writeFileSync(file, spec({ interval }));
        const r = await run([]);
        expect(r.code, r.err).toBe(0);
      }
      const ours = github.comments.filter((c) => c.user.type === 'Bot');
      expect(ours).toHaveLength(1);
      expect(ours[0]!.body.startsWith(DIFF_MARKER)).toBe(true);
      expect(ours[0]!.body).toContain('<code>30s</code> | <code>120s</code>');
      expect(quoted.body).toBe(`${DIFF_MARKER}\nI copied this from the bot`);
      expect(github.requests.map((q) => `${q.method} ${q.path.split('?')[0]} ${q.status}`)).toEqual([
        'GET /repos/acme/shop/issues/7/comments 200',
        'POST /repos/acme/shop/issues/7/comments 201',
        'GET /repos/acme/shop/issues/7/comments 200',
        `PATCH /repos/acme/shop/issues/comments/${ours[0]!.id} 200`,
        'GET /repos/acme/shop/issues/7/comments 200',
        `PATCH /repos/acme/shop/issues/comments/${ours[0]!.id} 200`,
      ]);
    } finally {
      process.env = saved;
      await github.close();
    }
  });
});

/** The diff verb as the action runs it: options parsed from inputs (the token is an input only). */
async function runAsAction(file: string, token: string, extra: string[]) {
  const { parseOptions } = await import('../../src/options/options.js');
  const { diffVerb } = await import('../../src/verbs/diff.js');
  const { TerminalUi } = await import('../../src/ui/terminal.js');
  const { Writable } = await import('node:stream');
  let err = '';
  const ui = new TerminalUi(
    new Writable({
      write(chunk: Buffer, _e, done) {
        err += chunk.toString();
        done();
      },
    }),
  );
  try {
    const options = parseOptions(
      diffVerb.options,
      {
        config: file,
        base: 'main',
        comment: 'true',
        'github-token': token,
        ...Object.fromEntries(extra.map((e) => [e, 'true'])),
      },
      'inputs',
    );
    await diffVerb.run(options, ui);
    return { code: 0, err };
  } catch (e) {
    return { code: 1, err: `${err}${(e as Error).message}` };
  }
}

describe('flinkship diff of a SQL job', () => {
  const { dir: repo, git } = gitRepo('flinkship-diff-sql-');
  afterAll(() => rmSync(repo, { recursive: true, force: true }));
  const sqlSpec = `name: shop
flinkVersion: '1.20'
image: { repository: ghcr.io/acme/shop }
job: { sql: sql/job.sql, upgradeMode: savepoint }
flinkConfiguration:
  execution.checkpointing.savepoint-dir: s3://bucket/{env}/savepoints
environments:
  staging: { namespace: flink-staging }
  production:
    namespace: flink-production
    job: { upgradeMode: last-state }
    flinkConfiguration:
      high-availability.type: kubernetes
      high-availability.storageDir: s3://bucket/production/ha
      execution.checkpointing.interval: 30s
`;
  const script = (filter: string) => `-- the shop's orders, cleaned
SET 'pipeline.name' = 'shop';
CREATE TABLE orders (id BIGINT, note STRING) WITH ('connector' = 'datagen');
CREATE TABLE clean (id BIGINT, note STRING) WITH ('connector' = 'blackhole');
INSERT INTO clean
SELECT id, note
FROM orders
WHERE ${filter};
`;

  it("shows the statements that change, the base's from the base commit, and the upgrade it takes", async () => {
    git('init', '-q', '-b', 'main');
    writeFileSync(path.join(repo, 'flinkship.yaml'), sqlSpec);
    execFileSync('mkdir', ['-p', path.join(repo, 'sql')]);
    writeFileSync(path.join(repo, 'sql/job.sql'), script('id > 0'));
    git('add', '.');
    git('commit', '-q', '-m', 'base');
    git('checkout', '-q', '-b', 'feature');
    // A comment and new line breaks change nothing; the filter does.
    writeFileSync(
      path.join(repo, 'sql/job.sql'),
      `${script("id > 0 AND note <> 'test;'").replace('-- the shop', '-- all of the shop').replace('SELECT id, note\n', 'SELECT id,\n  note\n')}`,
    );
    const file = path.join(repo, 'flinkship.yaml');
    const r = await cli('diff', '--config', file, '--base', 'main', '--output', 'json');
    expect(r.code, r.err).toBe(0);
    const [staging, production] = JSON.parse(r.out).environments;
    expect(staging).toMatchObject({ environment: 'staging', status: 'changed', effect: 'savepoint upgrade' });
    expect(staging.why).toMatch(/^the SQL changes: stopped with a savepoint/);
    // last-state: the release lifecycle resubmits the changed SQL from the HA checkpoints, and diff
    // says so (release/decide.ts takes the last-state path for a new image of a last-state job).
    expect(production).toMatchObject({
      environment: 'production',
      status: 'changed',
      effect: 'last-state upgrade',
    });
    expect(production.why).toMatch(
      /^the SQL changes: upgradeMode last-state, resubmitted from the HA checkpoints/,
    );
    expect(staging.sql).toEqual({
      removed: [{ line: 5, text: 'INSERT INTO clean SELECT id, note FROM orders WHERE id > 0' }],
      added: [
        { line: 5, text: "INSERT INTO clean SELECT id, note FROM orders WHERE id > 0 AND note <> 'test;'" },
      ],
    });
    const text = await cli('diff', '--config', file, '--base', 'main');
    expect(text.out).toContain(
      '  - sql (line 5): INSERT INTO clean SELECT id, note FROM orders WHERE id > 0\n',
    );
    expect(text.out).toContain(
      "  + sql (line 5): INSERT INTO clean SELECT id, note FROM orders WHERE id > 0 AND note <> 'test;'\n",
    );

    // Only a comment changes: nothing to deploy but the image.
    writeFileSync(
      path.join(repo, 'sql/job.sql'),
      script('id > 0').replace('-- the shop', '-- the whole shop'),
    );
    const same = JSON.parse((await cli('diff', '--config', file, '--base', 'main', '--output', 'json')).out);
    expect(same.environments[0], JSON.stringify(same.environments[0])).toMatchObject({
      status: 'unchanged',
      effect: 'image only',
    });
    expect(same.environments[0].sql).toEqual({ removed: [], added: [] });
  });

  it('never shows a secret value of a WITH option or a SET, yet shows that the statement changed', () => {
    const withPassword = (password: string) =>
      parseSpec(sqlSpec, 'flinkship.yaml', '/repo', {
        readFile: () =>
          Buffer.from(`SET 'pipeline.name' = 'shop';
CREATE TABLE k (x STRING) WITH ('connector' = 'kafka', 'properties.sasl.jaas.config' = 'org.apache.kafka.common.security.plain.PlainLoginModule required username="shop" password="${password}";');
INSERT INTO k SELECT 'x';
`),
      });
    const base = plan(withPassword('hunter2'), 'staging');
    const head = plan(withPassword('correct-horse'), 'staging');
    const shown = JSON.stringify(base) + JSON.stringify(head) + renderPlanMarkdown(head);
    expect(shown).not.toContain('hunter2');
    expect(shown).not.toContain('correct-horse');
    expect(base.sql!.statements.map((st) => st.text)).toEqual([
      "SET 'pipeline.name' = 'shop'",
      "CREATE TABLE k (x STRING) WITH ('connector' = 'kafka', 'properties.sasl.jaas.config' = '******')",
      "INSERT INTO k SELECT 'x'",
    ]);
    const d = diffPlans('staging', base, head);
    expect(d.status).toBe('changed');
    expect(d.sql).toEqual({
      removed: [{ line: 2, text: base.sql!.statements[1]!.text }],
      added: [{ line: 2, text: base.sql!.statements[1]!.text }],
    });
  });

  it('puts the statements into the Markdown in a fence that SQL backticks cannot close', () => {
    const d = {
      environment: 'staging',
      status: 'changed',
      effect: 'savepoint upgrade',
      why: 'the SQL changes',
      settings: [],
      resources: [],
      configuration: [],
      rbac: { added: [], removed: [] },
      release: [],
      podTemplateChanged: false,
      dockerfileChanged: false,
      hiddenChange: false,
      sql: { removed: [], added: [{ line: 3, text: 'INSERT INTO ```x``` SELECT 1' }] },
    } as const;
    const md = renderDiffMarkdown({
      base: { ref: 'main', file: 'flinkship.yaml' },
      environments: [d],
    } as never);
    expect(md).toContain(
      'SQL statements that change:\n\n````diff\n+ INSERT INTO ```x``` SELECT 1;  -- line 3\n````\n',
    );
  });
});
