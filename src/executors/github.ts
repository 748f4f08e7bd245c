// GitHub's REST API, through @actions/github's octokit. Nothing else in Flinkship talks to GitHub.
// Deployments: https://docs.github.com/en/rest/deployments/deployments#create-a-deployment
// Statuses:    https://docs.github.com/en/rest/deployments/statuses#create-a-deployment-status
import { getOctokit } from '@actions/github';
import { OperationError } from '../util/errors.js';
import { describeError, httpFailureOf, isRetryable, withRetry, type RetryPolicy } from './retry.js';

export type GitHubDeploymentState =
  'success' | 'failure' | 'error' | 'in_progress' | 'queued' | 'pending' | 'inactive';

export interface GitHubDeploymentRequest {
  owner: string;
  repo: string;
  /** The commit sha that was deployed. */
  ref: string;
  environment: string;
  description: string;
  payload: Record<string, unknown>;
  environmentUrl?: string;
  logUrl?: string;
  state: GitHubDeploymentState;
  transientEnvironment?: boolean;
  productionEnvironment?: boolean;
}

export interface RecordedGitHubDeployment {
  deploymentId: number;
  statusId: number;
  /** The deployment's API URL. */
  url: string;
}

/** Where a workflow run is, read from the variables GitHub Actions sets. */
export interface GitHubRunContext {
  owner: string;
  repo: string;
  sha: string;
  runUrl: string;
  actor: string;
  apiUrl: string;
}

const DEFAULT_API_URL = 'https://api.github.com';
/** GitHub rejects a deployment status description longer than this. */
const MAX_STATUS_DESCRIPTION = 140;

/** The run's context inside GitHub Actions; undefined anywhere else (a laptop, another CI). */
export function gitHubContextFromEnv(env: NodeJS.ProcessEnv = process.env): GitHubRunContext | undefined {
  const [owner, repo] = (env.GITHUB_REPOSITORY ?? '').split('/');
  if (env.GITHUB_ACTIONS !== 'true' || !owner || !repo || !env.GITHUB_SHA || !env.GITHUB_RUN_ID)
    return undefined;
  const serverUrl = env.GITHUB_SERVER_URL || 'https://github.com';
  return {
    owner,
    repo,
    sha: env.GITHUB_SHA,
    runUrl: `${serverUrl}/${owner}/${repo}/actions/runs/${env.GITHUB_RUN_ID}`,
    actor: env.GITHUB_ACTOR ?? '',
    apiUrl: env.GITHUB_API_URL || DEFAULT_API_URL,
  };
}

/**
 * Records a deployment on GitHub, so the environment, its URL and the run's log show on the commit and
 * the pull request: creates a deployment for the sha, then gives it one status.
 */
export async function recordGitHubDeployment(
  token: string,
  req: GitHubDeploymentRequest,
  options: { apiUrl?: string; retry?: RetryPolicy } = {},
): Promise<RecordedGitHubDeployment> {
  const baseUrl = options.apiUrl ?? process.env.GITHUB_API_URL ?? DEFAULT_API_URL;
  const octokit = getOctokit(token, { baseUrl });
  const repoPath = `/repos/${req.owner}/${req.repo}`;

  const deployment = await callGitHub(`POST ${repoPath}/deployments`, options.retry, () =>
    octokit.rest.repos.createDeployment({
      owner: req.owner,
      repo: req.repo,
      ref: req.ref,
      // The ref is a commit whose image digest CI already built and verified: merging the default branch
      // into it (auto_merge) would deploy something else, and GitHub's commit-status check
      // (required_contexts) would only repeat, or block on, checks that already ran.
      auto_merge: false,
      required_contexts: [],
      environment: req.environment,
      description: req.description,
      payload: req.payload,
      transient_environment: req.transientEnvironment ?? false,
      production_environment: req.productionEnvironment ?? false,
    }),
  );
  // 202 is GitHub's answer when auto_merge merged a branch instead; with auto_merge off it means no deployment.
  if (deployment.status !== 201 || !('id' in deployment.data)) {
    throw new OperationError(
      `GitHub POST ${repoPath}/deployments: expected 201 Created, got ${deployment.status}: ${JSON.stringify(deployment.data)}`,
    );
  }
  const deploymentId = deployment.data.id;

  const status = await callGitHub(
    `POST ${repoPath}/deployments/${deploymentId}/statuses`,
    options.retry,
    () =>
      octokit.rest.repos.createDeploymentStatus({
        owner: req.owner,
        repo: req.repo,
        deployment_id: deploymentId,
        state: req.state,
        ...(req.environmentUrl !== undefined ? { environment_url: req.environmentUrl } : {}),
        ...(req.logUrl !== undefined ? { log_url: req.logUrl } : {}),
        description: truncate(req.description, MAX_STATUS_DESCRIPTION),
        // Marks the environment's earlier successful deployments inactive, so GitHub shows one live deployment.
        auto_inactive: true,
      }),
  );
  return { deploymentId, statusId: status.data.id, url: deployment.data.url };
}

/**
 * One GitHub API call: 5xx, 429 and network failures are retried; every other failure becomes an
 * OperationError naming the endpoint, GitHub's message and what to do. GitHub's 409 (a merge conflict,
 * or failed status checks) is permanent, unlike Kubernetes' optimistic-concurrency 409. A retried POST
 * may, rarely, leave a duplicate deployment on GitHub; that is harmless, as each gets its own status.
 */
async function callGitHub<T>(
  endpoint: string,
  policy: RetryPolicy | undefined,
  op: () => Promise<T>,
): Promise<T> {
  try {
    return await withRetry(`GitHub ${endpoint}`, op, {
      policy,
      retryable: (err) => httpFailureOf(err)?.status !== 409 && isRetryable(err),
    });
  } catch (err) {
    if (err instanceof OperationError) throw err;
    const what = describeGitHubError(err).replace(/\s*\n+\s*/g, ' ');
    const hint = hintFor(err, endpoint);
    const sentence = hint && !/[.!?]$/.test(what) ? `${what}.` : what;
    throw new OperationError(`GitHub ${endpoint}: ${sentence}${hint ? ` ${hint}` : ''}`, { cause: err });
  }
}

function describeGitHubError(err: unknown): string {
  const described = describeError(err);
  const errors = (err as { response?: { data?: { errors?: unknown } } }).response?.data?.errors;
  return Array.isArray(errors) && errors.length > 0 ? `${described} (${JSON.stringify(errors)})` : described;
}

function hintFor(err: unknown, endpoint: string): string {
  switch (httpFailureOf(err)?.status) {
    case 401:
      return 'The token is missing, invalid or expired: pass the workflow `GITHUB_TOKEN` or a valid token.';
    case 403:
      return endpoint.includes('/comments')
        ? 'The token may not write pull request comments: give the job `permissions: pull-requests: write` (a pull request from a fork gets a read-only token: comment from a workflow_run job instead).'
        : 'The token may not write deployments: give the job `permissions: deployments: write`.';
    case 404:
      return 'The repository does not exist, or the token cannot see it: check the owner/repo and the token scope.';
    case 422:
      return 'GitHub rejected the request: its message says which field or value.';
    default:
      return '';
  }
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** GitHub refuses a comment body longer than this. */
export const MAX_COMMENT_LENGTH = 65_536;
/** Pages of 100 comments read at most when looking for the sticky one. */
const MAX_COMMENT_PAGES = 10;

export interface StickyComment {
  owner: string;
  repo: string;
  /** The pull request (an issue, to the comments API). */
  issueNumber: number;
  /** A hidden HTML comment the body starts with: how the comment is found again. */
  marker: string;
  body: string;
}

/**
 * Creates the pull request's comment that starts with `marker`, or edits it in place: one comment per
 * pull request however often the workflow runs. Only a comment written by a bot (the workflow's token)
 * is taken as ours: a person who pastes the marker into their own comment does not get it overwritten.
 * https://docs.github.com/en/rest/issues/comments
 */
export async function upsertStickyComment(
  token: string,
  c: StickyComment,
  options: { apiUrl?: string; retry?: RetryPolicy } = {},
): Promise<{ id: number; url: string; action: 'created' | 'updated' }> {
  const baseUrl = options.apiUrl ?? process.env.GITHUB_API_URL ?? DEFAULT_API_URL;
  const octokit = getOctokit(token, { baseUrl });
  const issuePath = `/repos/${c.owner}/${c.repo}/issues/${c.issueNumber}/comments`;
  const body = c.body.startsWith(c.marker) ? c.body : `${c.marker}\n${c.body}`;
  const bounded =
    body.length <= MAX_COMMENT_LENGTH
      ? body
      : `${body.slice(0, MAX_COMMENT_LENGTH - 200)}\n\n…cut at GitHub's limit of ${MAX_COMMENT_LENGTH} characters; the whole text is in the job summary.`;
  let found: { id: number } | undefined;
  for (let page = 1; page <= MAX_COMMENT_PAGES && !found; page++) {
    const res = await callGitHub(`GET ${issuePath}`, options.retry, () =>
      octokit.rest.issues.listComments({
        owner: c.owner,
        repo: c.repo,
        issue_number: c.issueNumber,
        per_page: 100,
        page,
      }),
    );
    found = res.data.find((comment) => comment.user?.type === 'Bot' && comment.body?.startsWith(c.marker));
    if (res.data.length < 100) break;
  }
  if (found) {
    const id = found.id;
    const res = await callGitHub(
      `PATCH /repos/${c.owner}/${c.repo}/issues/comments/${id}`,
      options.retry,
      () =>
        octokit.rest.issues.updateComment({ owner: c.owner, repo: c.repo, comment_id: id, body: bounded }),
    );
    return { id, url: res.data.html_url, action: 'updated' };
  }
  const res = await callGitHub(`POST ${issuePath}`, options.retry, () =>
    octokit.rest.issues.createComment({
      owner: c.owner,
      repo: c.repo,
      issue_number: c.issueNumber,
      body: bounded,
    }),
  );
  return { id: res.data.id, url: res.data.html_url, action: 'created' };
}

/**
 * Marks every deployment of `environment` inactive (a preview that was taken down): GitHub then shows
 * the environment as gone. Returns how many were marked.
 * https://docs.github.com/en/rest/deployments/deployments#list-deployments
 */
export async function deactivateDeployments(
  token: string,
  req: { owner: string; repo: string; environment: string; description: string },
  options: { apiUrl?: string; retry?: RetryPolicy } = {},
): Promise<number> {
  const baseUrl = options.apiUrl ?? process.env.GITHUB_API_URL ?? DEFAULT_API_URL;
  const octokit = getOctokit(token, { baseUrl });
  const repoPath = `/repos/${req.owner}/${req.repo}`;
  const list = await callGitHub(`GET ${repoPath}/deployments`, options.retry, () =>
    octokit.rest.repos.listDeployments({
      owner: req.owner,
      repo: req.repo,
      environment: req.environment,
      per_page: 100,
    }),
  );
  for (const d of list.data) {
    await callGitHub(`POST ${repoPath}/deployments/${d.id}/statuses`, options.retry, () =>
      octokit.rest.repos.createDeploymentStatus({
        owner: req.owner,
        repo: req.repo,
        deployment_id: d.id,
        state: 'inactive',
        description: truncate(req.description, MAX_STATUS_DESCRIPTION),
      }),
    );
  }
  return list.data.length;
}

/**
 * A pull request's state, open or closed (merged counts as closed); undefined when GitHub does not know it.
 * https://docs.github.com/en/rest/pulls/pulls#get-a-pull-request
 */
export async function pullRequestState(
  token: string,
  req: { owner: string; repo: string; number: number },
  options: { apiUrl?: string; retry?: RetryPolicy } = {},
): Promise<'open' | 'closed' | undefined> {
  return (await pullRequestHead(token, req, options))?.state;
}

/** A pull request as the trusted run checks it. https://docs.github.com/en/rest/pulls/pulls#get-a-pull-request */
export interface PullRequestHead {
  number: number;
  state: 'open' | 'closed';
  headSha: string;
  /** owner/repo of the head branch (a fork's, for a fork pull request); '' when the fork was deleted. */
  headRepository: string;
}

export async function pullRequestHead(
  token: string,
  req: { owner: string; repo: string; number: number },
  options: { apiUrl?: string; retry?: RetryPolicy } = {},
): Promise<PullRequestHead | undefined> {
  const baseUrl = options.apiUrl ?? process.env.GITHUB_API_URL ?? DEFAULT_API_URL;
  const octokit = getOctokit(token, { baseUrl });
  try {
    const res = await callGitHub(
      `GET /repos/${req.owner}/${req.repo}/pulls/${req.number}`,
      options.retry,
      () => octokit.rest.pulls.get({ owner: req.owner, repo: req.repo, pull_number: req.number }),
    );
    return {
      number: res.data.number,
      state: res.data.state === 'closed' ? 'closed' : 'open',
      headSha: res.data.head.sha,
      headRepository: res.data.head.repo?.full_name ?? '',
    };
  } catch (err) {
    if (httpFailureOf((err as { cause?: unknown }).cause)?.status === 404) return undefined;
    throw err;
  }
}

/** A workflow run's artifact. https://docs.github.com/en/rest/actions/artifacts#list-workflow-run-artifacts */
export interface RunArtifact {
  id: number;
  name: string;
  sizeInBytes: number;
  expired: boolean;
  /** `sha256:<hex>` of the zip, as GitHub computed it at upload; undefined for artifacts made before digests. */
  digest?: string;
  /** The run that made it, as GitHub recorded it (not as the artifact says). */
  workflowRun?: { id: number; headSha: string; headRepositoryId?: number };
}

export async function listRunArtifacts(
  token: string,
  req: { owner: string; repo: string; runId: number; name: string },
  options: { apiUrl?: string; retry?: RetryPolicy } = {},
): Promise<RunArtifact[]> {
  const baseUrl = options.apiUrl ?? process.env.GITHUB_API_URL ?? DEFAULT_API_URL;
  const octokit = getOctokit(token, { baseUrl });
  const res = await callGitHub(
    `GET /repos/${req.owner}/${req.repo}/actions/runs/${req.runId}/artifacts`,
    options.retry,
    () =>
      octokit.rest.actions.listWorkflowRunArtifacts({
        owner: req.owner,
        repo: req.repo,
        run_id: req.runId,
        name: req.name,
        per_page: 100,
      }),
  );
  return res.data.artifacts
    .filter((a) => a.name === req.name)
    .map((a) => {
      const digest = (a as { digest?: string | null }).digest ?? undefined;
      return {
        id: a.id,
        name: a.name,
        sizeInBytes: a.size_in_bytes,
        expired: a.expired,
        ...(digest ? { digest } : {}),
        ...(a.workflow_run
          ? {
              workflowRun: {
                id: a.workflow_run.id ?? 0,
                headSha: a.workflow_run.head_sha ?? '',
                ...(a.workflow_run.head_repository_id !== undefined
                  ? { headRepositoryId: a.workflow_run.head_repository_id }
                  : {}),
              },
            }
          : {}),
      };
    });
}

/**
 * An artifact's zip, whole, at most `maxBytes`. GitHub answers with a redirect to short-lived storage; the
 * redirect is followed by hand so that the token is never sent there.
 * https://docs.github.com/en/rest/actions/artifacts#download-an-artifact
 */
export async function downloadArtifact(
  token: string,
  req: { owner: string; repo: string; artifactId: number; maxBytes: number },
  options: { apiUrl?: string; retry?: RetryPolicy } = {},
): Promise<Buffer> {
  const baseUrl = (options.apiUrl ?? process.env.GITHUB_API_URL ?? DEFAULT_API_URL).replace(/\/$/, '');
  const endpoint = `GET /repos/${req.owner}/${req.repo}/actions/artifacts/${req.artifactId}/zip`;
  const location = await callGitHub(endpoint, options.retry, async () => {
    const res = await fetch(
      `${baseUrl}/repos/${req.owner}/${req.repo}/actions/artifacts/${req.artifactId}/zip`,
      {
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/vnd.github+json',
          'x-github-api-version': '2022-11-28',
        },
        redirect: 'manual',
        signal: AbortSignal.timeout(30_000),
      },
    );
    await res.body?.cancel();
    const to = res.headers.get('location');
    if (res.status === 302 && to) return new URL(to, baseUrl).toString();
    throw Object.assign(new Error(`HTTP ${res.status} ${res.statusText}`), {
      status: res.status,
      response: { status: res.status },
    });
  });
  return callGitHub(`GET artifact ${req.artifactId} storage`, options.retry, async () => {
    const res = await fetch(location, { redirect: 'follow', signal: AbortSignal.timeout(120_000) });
    if (!res.ok || !res.body) {
      await res.body?.cancel();
      throw Object.assign(new Error(`HTTP ${res.status} ${res.statusText}`), {
        status: res.status,
        response: { status: res.status },
      });
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.byteLength;
      if (size > req.maxBytes) {
        throw new OperationError(`artifact ${req.artifactId} is larger than ${req.maxBytes} bytes; refused`);
      }
      chunks.push(Buffer.from(chunk));
    }
    return Buffer.concat(chunks);
  });
}
