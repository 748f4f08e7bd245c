// recordGitHubDeployment against the GitHub API stand-in (test/helpers/github-standin.ts), a local
// server that checks requests against GitHub's documented REST shapes. It is not GitHub: GitHub cannot
// be reached offline. No testbed component is needed.
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  gitHubContextFromEnv,
  recordGitHubDeployment,
  type GitHubDeploymentRequest,
} from '../../src/executors/github.js';
import { OperationError } from '../../src/util/errors.js';
import { startGitHubStandIn, type GitHubStandIn } from '../helpers/github-standin.js';

const TOKEN = 'ghs_standinTokenThatMustNeverBeLogged0001';
const SHA = '4f1c2a9e0b7d3c5e8f6a1b2c3d4e5f60718293a4';
const REPO_PATH = '/repos/acme/log-cleaner';

let github: GitHubStandIn;

beforeEach(async () => {
  github = await startGitHubStandIn({ owner: 'acme', repo: 'log-cleaner', tokens: [TOKEN] });
});

afterEach(async () => {
  await github.close();
});

function request(overrides: Partial<GitHubDeploymentRequest> = {}): GitHubDeploymentRequest {
  return {
    owner: 'acme',
    repo: 'log-cleaner',
    ref: SHA,
    environment: 'staging',
    description: 'log-cleaner ghcr.io/acme/log-cleaner@sha256:abc to staging',
    payload: { clusterId: 'log-cleaner', digest: 'sha256:abc' },
    environmentUrl: 'https://flink.staging.example/#/overview',
    logUrl: 'https://github.com/acme/log-cleaner/actions/runs/42',
    state: 'success',
    ...overrides,
  };
}

async function rejection(promise: Promise<unknown>): Promise<OperationError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OperationError);
  return err as OperationError;
}

describe('recordGitHubDeployment', () => {
  it('creates a deployment and one status, with exactly these two requests', async () => {
    const recorded = await recordGitHubDeployment(TOKEN, request(), { apiUrl: github.url });
    expect(recorded).toEqual({
      deploymentId: 1000,
      statusId: 1001,
      url: `${github.url}${REPO_PATH}/deployments/1000`,
    });
    expect(github.requests).toEqual([
      {
        method: 'POST',
        path: `${REPO_PATH}/deployments`,
        authScheme: 'token',
        accept: 'application/vnd.github.v3+json',
        status: 201,
        body: {
          ref: SHA,
          auto_merge: false,
          required_contexts: [],
          environment: 'staging',
          description: 'log-cleaner ghcr.io/acme/log-cleaner@sha256:abc to staging',
          payload: { clusterId: 'log-cleaner', digest: 'sha256:abc' },
          transient_environment: false,
          production_environment: false,
        },
      },
      {
        method: 'POST',
        path: `${REPO_PATH}/deployments/1000/statuses`,
        authScheme: 'token',
        accept: 'application/vnd.github.v3+json',
        status: 201,
        body: {
          state: 'success',
          environment_url: 'https://flink.staging.example/#/overview',
          log_url: 'https://github.com/acme/log-cleaner/actions/runs/42',
          description: 'log-cleaner ghcr.io/acme/log-cleaner@sha256:abc to staging',
          auto_inactive: true,
        },
      },
    ]);
  });

  it('sends transient and production flags, omits absent URLs, and cuts the status description to 140 characters', async () => {
    const description = `preview of PR 7: ${'x'.repeat(200)}`;
    await recordGitHubDeployment(
      TOKEN,
      request({
        environment: 'pr-7',
        description,
        environmentUrl: undefined,
        logUrl: undefined,
        transientEnvironment: true,
        productionEnvironment: false,
        state: 'in_progress',
      }),
      { apiUrl: github.url },
    );
    const [deployment, status] = github.requests;
    expect(deployment?.body).toMatchObject({ environment: 'pr-7', description, transient_environment: true });
    expect(status?.body).toEqual({
      state: 'in_progress',
      description: `${description.slice(0, 139)}…`,
      auto_inactive: true,
    });
  });

  it('fails on a bad token with an OperationError naming the endpoint and GitHub’s message, without the token', async () => {
    const err = await rejection(recordGitHubDeployment('ghs_wrong', request(), { apiUrl: github.url }));
    expect(err.message).toBe(
      `GitHub POST ${REPO_PATH}/deployments: HTTP 401: Bad credentials. The token is missing, invalid or expired: pass the workflow \`GITHUB_TOKEN\` or a valid token.`,
    );
    expect(inspect(err, { depth: 20 })).not.toContain('ghs_wrong');
    expect(github.requests.map((r) => [r.path, r.status])).toEqual([[`${REPO_PATH}/deployments`, 401]]);
  });

  it('never lets the token into an error, even one GitHub answers for a valid token', async () => {
    const err = await rejection(
      recordGitHubDeployment(TOKEN, request({ repo: 'missing' }), { apiUrl: github.url }),
    );
    expect(err.message).toBe(
      'GitHub POST /repos/acme/missing/deployments: HTTP 404: Not Found. The repository does not exist, or the token cannot see it: check the owner/repo and the token scope.',
    );
    expect(inspect(err, { depth: 20 })).not.toContain(TOKEN);
  });

  it('reports GitHub’s 422 message', async () => {
    const err = await rejection(
      recordGitHubDeployment(TOKEN, request({ ref: 'main' }), { apiUrl: github.url }),
    );
    expect(err.message).toBe(
      `GitHub POST ${REPO_PATH}/deployments: HTTP 422: No ref found for: main. GitHub rejected the request: its message says which field or value.`,
    );
    expect(github.requests).toHaveLength(1);
  });

  it('retries a GitHub 502 and then records the deployment once', async () => {
    github.failNext(1, 502);
    const recorded = await recordGitHubDeployment(TOKEN, request(), { apiUrl: github.url });
    expect(recorded.deploymentId).toBe(1000);
    expect(github.requests.map((r) => [r.path, r.status])).toEqual([
      [`${REPO_PATH}/deployments`, 502],
      [`${REPO_PATH}/deployments`, 201],
      [`${REPO_PATH}/deployments/1000/statuses`, 201],
    ]);
  });

  it('gives up on an unreachable API after the policy’s attempts, saying it got no answer', async () => {
    const closed = await startGitHubStandIn({ owner: 'acme', repo: 'log-cleaner', tokens: [TOKEN] });
    await closed.close();
    const retry = { attempts: 3, baseDelayMs: 10, maxDelayMs: 20 };
    const err = await rejection(recordGitHubDeployment(TOKEN, request(), { apiUrl: closed.url, retry }));
    expect(err.message).toMatch(
      new RegExp(
        `^GitHub POST ${REPO_PATH}/deployments failed after 3 attempts in \\d+ ms \\(no attempts left\\); last error: connect ECONNREFUSED 127\\.0\\.0\\.1:\\d+: fetch failed$`,
      ),
    );
    expect(inspect(err, { depth: 20 })).not.toContain(TOKEN);
  });
});

describe('the GitHub API stand-in checks requests like GitHub', () => {
  async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
    const res = await fetch(`${github.url}${path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${TOKEN}`,
        accept: 'application/vnd.github+json',
        'content-type': 'application/json',
        ...headers,
      },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as { message: string } };
  }

  it('rejects a malformed deployment body with 422, naming each problem', async () => {
    const res = await post(`${REPO_PATH}/deployments`, {
      enviroment: 'staging',
      auto_merge: 'no',
      required_contexts: [1],
    });
    expect(res.status).toBe(422);
    expect(res.body.message).toBe(
      [
        'Invalid request.',
        '',
        '"enviroment" is not a permitted key.',
        '"ref" wasn\'t supplied.',
        'For \'auto_merge\', "no" is not a boolean.',
        "For 'required_contexts', [1] is not an array of strings.",
      ].join('\n'),
    );
  });

  it('rejects a status with an unknown state, and a status for an unknown deployment', async () => {
    const created = await post(`${REPO_PATH}/deployments`, { ref: SHA, required_contexts: [] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: 1000,
      sha: SHA,
      ref: SHA,
      environment: 'production',
      task: 'deploy',
    });
    const bad = await post(`${REPO_PATH}/deployments/1000/statuses`, { state: 'done' });
    expect(bad.status).toBe(422);
    expect(bad.body.message).toContain(`For 'state', "done" is not a member of`);
    const unknown = await post(`${REPO_PATH}/deployments/999/statuses`, { state: 'success' });
    expect(unknown.status).toBe(404);
  });

  it('requires authentication and answers 404 for endpoints it does not implement', async () => {
    expect((await post(`${REPO_PATH}/deployments`, { ref: SHA }, { authorization: '' })).status).toBe(401);
    expect((await post(`${REPO_PATH}/issues`, { title: 'x' })).status).toBe(404);
  });
});

describe('gitHubContextFromEnv', () => {
  it('reads the run from the variables GitHub Actions sets', () => {
    expect(
      gitHubContextFromEnv({
        GITHUB_ACTIONS: 'true',
        GITHUB_REPOSITORY: 'acme/log-cleaner',
        GITHUB_SHA: SHA,
        GITHUB_RUN_ID: '42',
        GITHUB_SERVER_URL: 'https://github.example',
        GITHUB_API_URL: 'https://github.example/api/v3',
        GITHUB_ACTOR: 'octocat',
      }),
    ).toEqual({
      owner: 'acme',
      repo: 'log-cleaner',
      sha: SHA,
      runUrl: 'https://github.example/acme/log-cleaner/actions/runs/42',
      actor: 'octocat',
      apiUrl: 'https://github.example/api/v3',
    });
  });

  it('is undefined outside GitHub Actions', () => {
    expect(gitHubContextFromEnv({ GITHUB_REPOSITORY: 'acme/log-cleaner', GITHUB_SHA: SHA })).toBeUndefined();
  });
});
