// GitHub API stand-in. The GitHub API cannot exist offline, so tests talk to this local server instead.
// It implements only the endpoints Flinkship calls, and checks each request against GitHub's
// documented REST API, rejecting what GitHub would (401, 404, 422) and, on purpose, a little more:
// - https://docs.github.com/en/rest/deployments/deployments#create-a-deployment
// - https://docs.github.com/en/rest/deployments/statuses#create-a-deployment-status
// - https://docs.github.com/en/rest/deployments/deployments#list-deployments (environment filter)
// - https://docs.github.com/en/rest/pulls/pulls#get-a-pull-request (the pull requests a test declares)
// - https://docs.github.com/en/rest/issues/comments#list-issue-comments (per_page at most 100, page)
// - https://docs.github.com/en/rest/issues/comments#create-an-issue-comment
// - https://docs.github.com/en/rest/issues/comments#update-an-issue-comment
// - https://docs.github.com/en/rest/actions/artifacts#list-workflow-run-artifacts (name filter, digest)
// - https://docs.github.com/en/rest/actions/artifacts#download-an-artifact (302 to storage that refuses a
//   token, as Azure Blob Storage does with a SAS URL)
// Artifacts come in through /_standin/runs/{run_id}/artifacts, which only the stand-in upload-artifact
// action (test/fixtures/act/upload-artifact) uses: GitHub's upload goes through the Actions runtime.
// Comments are written by `github-actions[bot]` (type Bot), as the workflow token writes them; tests
// may seed comments of other users.
// Stricter than GitHub: an unknown body field is a 422 (it catches typos such as `enviroment`), and a
// request without an `Accept` header is a 400.
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GitHubStandInOptions {
  owner: string;
  repo: string;
  /** Tokens that authenticate; any other token gets 401 Bad credentials. */
  tokens: string[];
}

export interface RecordedGitHubRequest {
  method: string;
  path: string;
  /** The `Authorization` scheme (`token` or `Bearer`), never the token itself. */
  authScheme?: string;
  accept?: string;
  body?: unknown;
  status: number;
}

export interface StandInComment {
  id: number;
  issue: number;
  body: string;
  user: { login: string; type: 'Bot' | 'User' };
  created_at: string;
  updated_at: string;
}

export interface GitHubStandIn {
  url: string;
  /** The state of each deployment's newest status, by environment. */
  deploymentStates(): { id: number; environment: string; state?: string }[];
  /** Every comment, by issue (pull request) number, in creation order. */
  comments: StandInComment[];
  /** Declares a pull request and its state (what GET /pulls/{n} answers; others are 404), and its head. */
  setPullRequest(n: number, state: 'open' | 'closed', head?: { sha: string; repository: string }): void;
  /**
   * The artifacts workflow runs uploaded (through POST /_standin/runs/{run_id}/artifacts, the stand-in's
   * own door for the stand-in upload-artifact action), as GitHub lists them.
   */
  artifacts(): { id: number; name: string; runId: number; headSha: string; digest: string; size: number }[];
  /** Stores an artifact as a run would have uploaded it; returns its id. */
  addArtifact(runId: number, name: string, zip: Buffer, headSha: string): number;
  /** An artifact's stored zip. */
  artifactBytes(id: number): Buffer;
  /** Changes the stored bytes of an artifact after GitHub recorded its digest (storage tampering). */
  tamperArtifact(id: number): void;
  /** Requests to the artifact storage (the download redirect's target), and whether they carried a token. */
  storageRequests: { path: string; authorization: boolean }[];
  /** Adds a comment as `user` wrote it (default a person). */
  seedComment(issue: number, body: string, user?: StandInComment['user']): StandInComment;
  requests: RecordedGitHubRequest[];
  /** The next `count` requests get `status` (default 502) before any check, as a GitHub outage would. */
  failNext(count: number, status?: number): void;
  close(): Promise<void>;
}

type FieldType = 'string' | 'boolean' | 'string[]' | 'object|string' | 'string|null';
interface BodySchema {
  required: string[];
  fields: Record<string, FieldType>;
  enums?: Record<string, string[]>;
  maxLength?: Record<string, number>;
}

const DEPLOYMENT: BodySchema = {
  required: ['ref'],
  fields: {
    ref: 'string',
    task: 'string',
    auto_merge: 'boolean',
    required_contexts: 'string[]',
    payload: 'object|string',
    environment: 'string',
    description: 'string|null',
    transient_environment: 'boolean',
    production_environment: 'boolean',
  },
};

const DEPLOYMENT_STATUS: BodySchema = {
  required: ['state'],
  fields: {
    state: 'string',
    target_url: 'string',
    log_url: 'string',
    description: 'string',
    environment: 'string',
    environment_url: 'string',
    auto_inactive: 'boolean',
  },
  enums: { state: ['error', 'failure', 'inactive', 'in_progress', 'queued', 'pending', 'success'] },
  maxLength: { description: 140 },
};

const COMMENT: BodySchema = { required: ['body'], fields: { body: 'string' }, maxLength: { body: 65_536 } };

const DOCS = {
  pull: 'https://docs.github.com/rest/pulls/pulls#get-a-pull-request',
  listArtifacts: 'https://docs.github.com/rest/actions/artifacts#list-workflow-run-artifacts',
  downloadArtifact: 'https://docs.github.com/rest/actions/artifacts#download-an-artifact',
  listDeployments: 'https://docs.github.com/rest/deployments/deployments#list-deployments',
  listComments: 'https://docs.github.com/rest/issues/comments#list-issue-comments',
  createComment: 'https://docs.github.com/rest/issues/comments#create-an-issue-comment',
  updateComment: 'https://docs.github.com/rest/issues/comments#update-an-issue-comment',
  deployment: 'https://docs.github.com/rest/deployments/deployments#create-a-deployment',
  status: 'https://docs.github.com/rest/deployments/statuses#create-a-deployment-status',
  auth: 'https://docs.github.com/rest',
};

class Reject extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly documentationUrl: string,
  ) {
    super(message);
  }
}

export async function startGitHubStandIn(options: GitHubStandInOptions): Promise<GitHubStandIn> {
  const requests: RecordedGitHubRequest[] = [];
  const comments: StandInComment[] = [];
  const latestState = new Map<number, string>();
  const pulls = new Map<number, { state: 'open' | 'closed'; head?: { sha: string; repository: string } }>();
  const artifacts = new Map<
    number,
    { id: number; name: string; runId: number; headSha: string; digest: string; zip: Buffer; created: string }
  >();
  const storageRequests: { path: string; authorization: boolean }[] = [];
  const deployments = new Map<number, Record<string, unknown>>();
  let nextId = 1000;
  let failures = { count: 0, status: 502 };
  let baseUrl = '';
  const repoPath = `/repos/${options.owner}/${options.repo}`;

  const handle = (
    req: http.IncomingMessage,
    raw: string,
    record: RecordedGitHubRequest,
  ): [number, unknown] => {
    if (failures.count > 0) {
      failures.count--;
      return [failures.status, { message: 'Server Error' }];
    }
    const auth = /^(token|Bearer) (\S+)$/i.exec(req.headers.authorization ?? '');
    record.authScheme = auth?.[1];
    if (!req.headers.authorization) throw new Reject(401, 'Requires authentication', DOCS.auth);
    if (!auth || !options.tokens.includes(auth[2] ?? '')) throw new Reject(401, 'Bad credentials', DOCS.auth);
    if (!req.headers.accept) throw new Reject(400, 'stand-in: an Accept header is required', DOCS.auth);

    const url = new URL(req.url ?? '/', 'http://stand-in.invalid');
    const path = url.pathname;
    const issueComments = new RegExp(`^${repoPath}/issues/(\\d+)/comments$`).exec(path);
    const oneComment = new RegExp(`^${repoPath}/issues/comments/(\\d+)$`).exec(path);
    const pull = new RegExp(`^${repoPath}/pulls/(\\d+)$`).exec(path);
    if (req.method === 'GET' && pull) {
      const n = Number(pull[1]);
      const known = pulls.get(n);
      if (!known) throw new Reject(404, 'Not Found', DOCS.pull);
      const headRepo = known.head?.repository ?? `${options.owner}/${options.repo}`;
      return [
        200,
        {
          number: n,
          state: known.state,
          merged: false,
          html_url: `https://github.com/${options.owner}/${options.repo}/pull/${n}`,
          head: {
            label: `${headRepo.split('/')[0]}:feature`,
            ref: 'feature',
            sha: known.head?.sha ?? '0'.repeat(40),
            repo: { full_name: headRepo },
          },
          base: { ref: 'main', repo: { full_name: `${options.owner}/${options.repo}` } },
        },
      ];
    }
    const runArtifacts = new RegExp(`^${repoPath}/actions/runs/(\\d+)/artifacts$`).exec(path);
    if (req.method === 'GET' && runArtifacts) {
      const name = url.searchParams.get('name');
      const perPage = Number(url.searchParams.get('per_page') ?? 30);
      if (!Number.isInteger(perPage) || perPage < 1 || perPage > 100) {
        throw new Reject(422, 'per_page is 1..100', DOCS.listArtifacts);
      }
      const all = [...artifacts.values()].filter(
        (a) => a.runId === Number(runArtifacts[1]) && (name === null || a.name === name),
      );
      return [200, { total_count: all.length, artifacts: all.slice(0, perPage).map(artifactJson) }];
    }
    const artifactZip = new RegExp(`^${repoPath}/actions/artifacts/(\\d+)/zip$`).exec(path);
    if (req.method === 'GET' && artifactZip) {
      const a = artifacts.get(Number(artifactZip[1]));
      if (!a) throw new Reject(404, 'Not Found', DOCS.downloadArtifact);
      // GitHub answers 302 with a short-lived storage URL in Location.
      return [302, { location: `${baseUrl}/_storage/artifacts/${a.id}.zip?sig=standin` }];
    }
    if (req.method === 'GET' && issueComments) {
      const perPage = Number(url.searchParams.get('per_page') ?? 30);
      const page = Number(url.searchParams.get('page') ?? 1);
      if (!Number.isInteger(perPage) || perPage < 1 || perPage > 100 || !Number.isInteger(page) || page < 1) {
        throw new Reject(422, 'per_page is 1..100 and page at least 1', DOCS.listComments);
      }
      const all = comments.filter((c) => c.issue === Number(issueComments[1]));
      return [200, all.slice((page - 1) * perPage, page * perPage).map(commentJson)];
    }
    if (req.method === 'POST' && issueComments) {
      const body = parseBody(req, raw, DOCS.createComment);
      record.body = body;
      check(body, COMMENT, DOCS.createComment);
      const c = addComment(Number(issueComments[1]), body.body as string, {
        login: 'github-actions[bot]',
        type: 'Bot',
      });
      return [201, commentJson(c)];
    }
    if (req.method === 'PATCH' && oneComment) {
      const body = parseBody(req, raw, DOCS.updateComment);
      record.body = body;
      check(body, COMMENT, DOCS.updateComment);
      const c = comments.find((x) => x.id === Number(oneComment[1]));
      if (!c) throw new Reject(404, 'Not Found', DOCS.updateComment);
      c.body = body.body as string;
      c.updated_at = new Date().toISOString();
      return [200, commentJson(c)];
    }
    const statusMatch = new RegExp(`^${repoPath}/deployments/(\\d+)/statuses$`).exec(path);
    if (req.method === 'GET' && path === `${repoPath}/deployments`) {
      const environment = url.searchParams.get('environment');
      const perPage = Number(url.searchParams.get('per_page') ?? 30);
      if (!Number.isInteger(perPage) || perPage < 1 || perPage > 100) {
        throw new Reject(422, 'per_page is 1..100', DOCS.listDeployments);
      }
      const all = [...deployments.values()].filter(
        (d) => environment === null || d.environment === environment,
      );
      return [200, all.reverse().slice(0, perPage)];
    }
    if (req.method === 'POST' && path === `${repoPath}/deployments`) {
      const body = parseBody(req, raw, DOCS.deployment);
      record.body = body;
      check(body, DEPLOYMENT, DOCS.deployment);
      if (!/^[0-9a-f]{40}$/.test(body.ref as string)) {
        throw new Reject(422, `No ref found for: ${String(body.ref)}`, DOCS.deployment);
      }
      return [201, createDeployment(body)];
    }
    if (req.method === 'POST' && statusMatch) {
      const body = parseBody(req, raw, DOCS.status);
      record.body = body;
      const deployment = deployments.get(Number(statusMatch[1]));
      if (!deployment) throw new Reject(404, 'Not Found', DOCS.status);
      check(body, DEPLOYMENT_STATUS, DOCS.status);
      return [201, createStatus(deployment, body)];
    }
    throw new Reject(404, 'Not Found', DOCS.auth);
  };

  const artifactJson = (a: {
    id: number;
    name: string;
    runId: number;
    headSha: string;
    digest: string;
    zip: Buffer;
    created: string;
  }) => ({
    id: a.id,
    node_id: `MDg6QXJ0aWZhY3Q${a.id}`,
    name: a.name,
    size_in_bytes: a.zip.length,
    url: `${baseUrl}${repoPath}/actions/artifacts/${a.id}`,
    archive_download_url: `${baseUrl}${repoPath}/actions/artifacts/${a.id}/zip`,
    expired: false,
    digest: a.digest,
    created_at: a.created,
    updated_at: a.created,
    expires_at: new Date(Date.parse(a.created) + 3 * 86_400_000).toISOString(),
    workflow_run: {
      id: a.runId,
      repository_id: 1,
      head_repository_id: 2,
      head_branch: 'feature',
      head_sha: a.headSha,
    },
  });
  const addArtifact = (runId: number, name: string, zip: Buffer, headSha: string): number => {
    const id = nextId++;
    artifacts.set(id, {
      id,
      name,
      runId,
      headSha,
      zip,
      digest: `sha256:${createHash('sha256').update(zip).digest('hex')}`,
      created: new Date().toISOString(),
    });
    return id;
  };

  const addComment = (issue: number, body: string, user: StandInComment['user']): StandInComment => {
    const now = new Date().toISOString();
    const c = { id: nextId++, issue, body, user, created_at: now, updated_at: now };
    comments.push(c);
    return c;
  };
  const commentJson = (c: StandInComment) => ({
    id: c.id,
    node_id: `IC_standin${c.id}`,
    url: `${baseUrl}${repoPath}/issues/comments/${c.id}`,
    html_url: `https://github.com/${options.owner}/${options.repo}/pull/${c.issue}#issuecomment-${c.id}`,
    issue_url: `${baseUrl}${repoPath}/issues/${c.issue}`,
    body: c.body,
    user: { login: c.user.login, id: c.user.type === 'Bot' ? 41898282 : 1, type: c.user.type },
    author_association: c.user.type === 'Bot' ? 'NONE' : 'CONTRIBUTOR',
    created_at: c.created_at,
    updated_at: c.updated_at,
  });

  const createDeployment = (body: Record<string, unknown>) => {
    const id = nextId++;
    const url = `${baseUrl}${repoPath}/deployments/${id}`;
    const environment = (body.environment as string | undefined) ?? 'production';
    const now = new Date().toISOString();
    const deployment = {
      url,
      id,
      node_id: `DE_standin${id}`,
      sha: body.ref,
      ref: body.ref,
      task: body.task ?? 'deploy',
      payload: body.payload ?? {},
      original_environment: environment,
      environment,
      description: body.description ?? null,
      creator: { login: 'github-actions[bot]', id: 41898282, type: 'Bot' },
      created_at: now,
      updated_at: now,
      statuses_url: `${url}/statuses`,
      repository_url: `${baseUrl}${repoPath}`,
      transient_environment: body.transient_environment ?? false,
      production_environment: body.production_environment ?? environment === 'production',
    };
    deployments.set(id, deployment);
    return deployment;
  };

  const createStatus = (deployment: Record<string, unknown>, body: Record<string, unknown>) => {
    const id = nextId++;
    latestState.set(deployment.id as number, body.state as string);
    const now = new Date().toISOString();
    const logUrl = (body.log_url ?? body.target_url ?? '') as string;
    return {
      url: `${deployment.url as string}/statuses/${id}`,
      id,
      node_id: `DES_standin${id}`,
      state: body.state,
      creator: deployment.creator,
      description: body.description ?? '',
      environment: body.environment ?? deployment.environment,
      target_url: logUrl,
      created_at: now,
      updated_at: now,
      deployment_url: deployment.url,
      repository_url: deployment.repository_url,
      environment_url: body.environment_url ?? '',
      log_url: logUrl,
    };
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const where = new URL(req.url ?? '/', 'http://stand-in.invalid');
      // The artifact storage a download redirects to: no GitHub token belongs here (Azure Blob Storage
      // refuses a request that carries both a SAS signature and an Authorization header).
      const stored = /^\/_storage\/artifacts\/(\d+)\.zip$/.exec(where.pathname);
      if (stored && req.method === 'GET') {
        storageRequests.push({
          path: where.pathname,
          authorization: req.headers.authorization !== undefined,
        });
        const a = artifacts.get(Number(stored[1]));
        if (req.headers.authorization || where.searchParams.get('sig') !== 'standin' || !a) {
          res.writeHead(req.headers.authorization ? 400 : 404).end();
          return;
        }
        res.writeHead(200, { 'content-type': 'application/zip', 'content-length': a.zip.length }).end(a.zip);
        return;
      }
      // The stand-in upload-artifact action's door (GitHub's own upload goes through the Actions runtime).
      const upload = /^\/_standin\/runs\/(\d+)\/artifacts$/.exec(where.pathname);
      if (upload && req.method === 'POST') {
        const id = addArtifact(
          Number(upload[1]),
          where.searchParams.get('name') ?? 'artifact',
          Buffer.concat(chunks),
          where.searchParams.get('head_sha') ?? '',
        );
        res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id }));
        return;
      }
      const record: RecordedGitHubRequest = {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        accept: req.headers.accept,
        status: 0,
      };
      requests.push(record);
      let status: number;
      let payload: unknown;
      try {
        [status, payload] = handle(req, Buffer.concat(chunks).toString('utf8'), record);
      } catch (err) {
        const reject =
          err instanceof Reject ? err : new Reject(500, `stand-in bug: ${String(err)}`, DOCS.auth);
        status = reject.status;
        payload = {
          message: reject.message,
          documentation_url: reject.documentationUrl,
          status: String(status),
        };
      }
      record.status = status;
      if (status === 302) {
        res
          .writeHead(302, { location: (payload as { location: string }).location, 'content-length': 0 })
          .end();
        return;
      }
      const text = JSON.stringify(payload);
      res.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(text),
      });
      res.end(text);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: baseUrl,
    requests,
    comments,
    deploymentStates: () =>
      [...deployments.values()].map((d) => ({
        id: d.id as number,
        environment: d.environment as string,
        ...(latestState.has(d.id as number) ? { state: latestState.get(d.id as number)! } : {}),
      })),
    setPullRequest: (n, state, head) => void pulls.set(n, { state, ...(head ? { head } : {}) }),
    artifacts: () =>
      [...artifacts.values()].map((a) => ({
        id: a.id,
        name: a.name,
        runId: a.runId,
        headSha: a.headSha,
        digest: a.digest,
        size: a.zip.length,
      })),
    addArtifact,
    artifactBytes(id) {
      const a = artifacts.get(id);
      if (!a) throw new Error(`no artifact ${id}`);
      return Buffer.from(a.zip);
    },
    tamperArtifact(id) {
      const a = artifacts.get(id);
      if (!a) throw new Error(`no artifact ${id}`);
      const bytes = Buffer.from(a.zip);
      const at = bytes.length >> 1;
      bytes[at] = (bytes[at] ?? 0) ^ 0xff;
      a.zip = bytes;
    },
    storageRequests,
    seedComment: (issue, body, user = { login: 'octocat', type: 'User' }) => addComment(issue, body, user),
    failNext(count, status = 502) {
      failures = { count, status };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function parseBody(req: http.IncomingMessage, raw: string, docs: string): Record<string, unknown> {
  if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) {
    throw new Reject(
      415,
      `stand-in: Content-Type must be application/json, got ${req.headers['content-type']}`,
      docs,
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    throw new Reject(400, 'Problems parsing JSON', docs);
  }
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw new Reject(400, 'Body should be a JSON object', docs);
  return body as Record<string, unknown>;
}

function check(body: Record<string, unknown>, schema: BodySchema, docs: string): void {
  const problems: string[] = [];
  for (const key of Object.keys(body)) {
    if (!(key in schema.fields)) problems.push(`"${key}" is not a permitted key.`);
  }
  for (const key of schema.required) {
    if (body[key] === undefined) problems.push(`"${key}" wasn't supplied.`);
  }
  for (const [key, type] of Object.entries(schema.fields)) {
    const value = body[key];
    if (value === undefined) continue;
    if (!hasType(value, type))
      problems.push(`For '${key}', ${JSON.stringify(value)} is not ${typeName(type)}.`);
    const allowed = schema.enums?.[key];
    if (allowed && !allowed.includes(value as string)) {
      problems.push(`For '${key}', ${JSON.stringify(value)} is not a member of ${JSON.stringify(allowed)}.`);
    }
    const max = schema.maxLength?.[key];
    if (max !== undefined && typeof value === 'string' && value.length > max) {
      problems.push(`For '${key}', is too long (maximum is ${max} characters).`);
    }
  }
  if (problems.length > 0) throw new Reject(422, `Invalid request.\n\n${problems.join('\n')}`, docs);
}

function hasType(value: unknown, type: FieldType): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'string[]':
      return Array.isArray(value) && value.every((v) => typeof v === 'string');
    case 'object|string':
      return (
        typeof value === 'string' || (typeof value === 'object' && value !== null && !Array.isArray(value))
      );
    case 'string|null':
      return typeof value === 'string' || value === null;
  }
}

function typeName(type: FieldType): string {
  return {
    string: 'a string',
    boolean: 'a boolean',
    'string[]': 'an array of strings',
    'object|string': 'an object or a string',
    'string|null': 'a string or null',
  }[type];
}
