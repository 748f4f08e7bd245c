// GitHub API stand-in. The GitHub API cannot exist offline, so tests talk to this local server instead.
// It implements only the two endpoints Flinkship calls, and checks each request against GitHub's
// documented REST API, rejecting what GitHub would (401, 404, 422) and, on purpose, a little more:
// - https://docs.github.com/en/rest/deployments/deployments#create-a-deployment
// - https://docs.github.com/en/rest/deployments/statuses#create-a-deployment-status
// Stricter than GitHub: an unknown body field is a 422 (it catches typos such as `enviroment`), and a
// request without an `Accept` header is a 400.
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

export interface GitHubStandIn {
  url: string;
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

const DOCS = {
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

    const path = new URL(req.url ?? '/', 'http://stand-in.invalid').pathname;
    const statusMatch = new RegExp(`^${repoPath}/deployments/(\\d+)/statuses$`).exec(path);
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
