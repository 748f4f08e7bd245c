// Where the build comes from: the commit, the branch or tag, the pull request. In GitHub Actions from the
// runner's variables and event file; elsewhere from git itself. Read once, then handed to pure functions.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

export interface GitContext {
  sha?: string;
  /** Set when the build is for a branch push (never for a pull request's merge ref). */
  branch?: string;
  /** Set when the build is for a git tag. */
  gitTag?: string;
  pullRequest?: number;
  /** Web address of the repository, for org.opencontainers.image.source. */
  sourceUrl?: string;
}

const run = promisify(execFile);

async function git(cwd: string, ...args: string[]): Promise<string | undefined> {
  try {
    const { stdout } = await run('git', args, { cwd, timeout: 10_000 });
    return stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The pull request number from the event payload, when the workflow runs on one. */
export async function pullRequestNumber(eventPath: string | undefined): Promise<number | undefined> {
  if (!eventPath) return undefined;
  try {
    const event = JSON.parse(await readFile(eventPath, 'utf8')) as {
      pull_request?: { number?: unknown };
      number?: unknown;
    };
    const n = event.pull_request?.number ?? event.number;
    return typeof n === 'number' ? n : undefined;
  } catch {
    return undefined;
  }
}

/** The context from GitHub Actions variables (a pure function of them and the event's PR number). */
export function gitContextFromActions(env: NodeJS.ProcessEnv, pullRequest: number | undefined): GitContext {
  const ref = env.GITHUB_REF ?? '';
  const ctx: GitContext = {};
  if (env.GITHUB_SHA) ctx.sha = env.GITHUB_SHA;
  if (ref.startsWith('refs/heads/')) ctx.branch = ref.slice('refs/heads/'.length);
  if (ref.startsWith('refs/tags/')) ctx.gitTag = ref.slice('refs/tags/'.length);
  const prFromRef = /^refs\/pull\/(\d+)\//.exec(ref)?.[1];
  const isPr = /^pull_request/.test(env.GITHUB_EVENT_NAME ?? '');
  const pr = pullRequest ?? (prFromRef ? Number(prFromRef) : undefined);
  if (isPr && pr !== undefined) ctx.pullRequest = pr;
  if (env.GITHUB_REPOSITORY) {
    ctx.sourceUrl = `${env.GITHUB_SERVER_URL ?? 'https://github.com'}/${env.GITHUB_REPOSITORY}`;
  }
  return ctx;
}

/** A remote URL as a web address without credentials: git@github.com:o/r.git -> https://github.com/o/r. */
export function sourceUrlOfRemote(remote: string | undefined): string | undefined {
  if (!remote) return undefined;
  const scp = /^[^@/]+@([^:/]+):(.+?)(?:\.git)?$/.exec(remote);
  if (scp) return `https://${scp[1]}/${scp[2]}`;
  try {
    const url = new URL(remote);
    if (!/^(https?|ssh|git):$/.test(url.protocol)) return undefined;
    return `https://${url.hostname}${url.pathname.replace(/\.git$/, '')}`;
  } catch {
    return undefined;
  }
}

export async function readGitContext(cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<GitContext> {
  if (env.GITHUB_ACTIONS === 'true' && env.GITHUB_SHA) {
    return gitContextFromActions(env, await pullRequestNumber(env.GITHUB_EVENT_PATH));
  }
  const sha = await git(cwd, 'rev-parse', 'HEAD');
  if (!sha) return {};
  const branch = await git(cwd, 'symbolic-ref', '--quiet', '--short', 'HEAD');
  const tags = (await git(cwd, 'tag', '--points-at', 'HEAD'))?.split('\n') ?? [];
  const gitTag = tags.find((t) => SEMVER_TAG.test(t)) ?? tags[0];
  const sourceUrl = sourceUrlOfRemote(await git(cwd, 'remote', 'get-url', 'origin'));
  return {
    sha,
    ...(branch ? { branch } : {}),
    ...(gitTag ? { gitTag } : {}),
    ...(sourceUrl ? { sourceUrl } : {}),
  };
}

/**
 * The image's creation time, reproducibly: SOURCE_DATE_EPOCH (the reproducible-builds convention), else
 * the time of the commit built, else now. With a fixed time, a rebuild of the same inputs gives the same
 * labels, so the engine's cache gives the same image (id and digest) instead of a new one each time.
 */
export async function sourceDate(cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<Date> {
  const epoch = env.SOURCE_DATE_EPOCH?.trim();
  if (epoch && /^\d+$/.test(epoch)) return new Date(Number(epoch) * 1000);
  const committed = await git(cwd, 'log', '-1', '--format=%ct', 'HEAD');
  if (committed && /^\d+$/.test(committed)) return new Date(Number(committed) * 1000);
  return new Date();
}

/** v1.2.3, 1.2.3, 1.2.3-rc.1+build.5 */
export const SEMVER_TAG =
  /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
