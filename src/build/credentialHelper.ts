// Docker's credential helpers (credHelpers, credsStore in the Docker config file), as the Docker CLI
// uses them: for a registry, `credHelpers[<key>]` names the helper, else `credsStore`, else the file's
// `auths` hold the login. The helper is the program `docker-credential-<name>`; `get` reads the server
// address on stdin and prints {"ServerURL","Username","Secret"}. Everything here is a pure decision over
// the config and what the helper answered, except askHelper, which runs it.
import { spawn } from 'node:child_process';
import { InputError, OperationError } from '../util/errors.js';

/** Docker Hub's key in the config file and in helpers (registry.IndexServer of the Docker CLI). */
export const DOCKER_HUB_KEY = 'https://index.docker.io/v1/';

/** What a helper prints (on stdout, exit 1) when it holds nothing for the server. */
export const NOT_FOUND_MESSAGE = 'credentials not found in native keychain';

/** The Username by which a helper says its Secret is an identity (refresh) token. */
export const TOKEN_USERNAME = '<token>';

export const HELPER_TIMEOUT_MS = 10_000;

export interface HelperConfig {
  auths?: Record<string, unknown>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

export interface HelperChoice {
  /** The name after docker-credential-. */
  helper: string;
  /** Which setting named it, for messages: credHelpers["127.0.0.1:5002"] or credsStore. */
  setting: string;
  /** The server addresses to ask for, in order. */
  addresses: string[];
}

/** The key the Docker CLI looks a registry up by: Docker Hub's index URL, else the host[:port]. */
export function dockerKey(host: string): string {
  return host === 'docker.io' ? DOCKER_HUB_KEY : host;
}

/** The Docker CLI's ConvertToHostname: https://host/v1/ -> host. */
export function keyHost(key: string): string {
  const bare = key.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const host = bare.split('/')[0]!;
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? 'docker.io' : host;
}

/**
 * The helper that holds the login for `host`, or undefined when the `auths` entries do. The addresses
 * are Docker's key first, then `auths` keys written otherwise for the same host (https://ghcr.io),
 * which a `docker login` of an older CLI stored in the helper under that spelling.
 */
export function helperFor(config: HelperConfig | undefined, host: string): HelperChoice | undefined {
  const key = dockerKey(host);
  const fromHelpers = config?.credHelpers?.[key];
  const helper = fromHelpers || config?.credsStore;
  if (!helper) return undefined;
  const written = Object.keys(config?.auths ?? {}).filter((k) => k !== key && keyHost(k) === host);
  return {
    helper,
    setting: fromHelpers ? `credHelpers[${JSON.stringify(key)}]` : 'credsStore',
    addresses: [key, ...written],
  };
}

/** What running `docker-credential-<name> get` gave. */
export type HelperRun =
  | { kind: 'exited'; code: number | null; stdout: string; stderr: string }
  | { kind: 'not-on-path' }
  | { kind: 'timed-out' }
  | { kind: 'failed'; message: string };

export type HelperAnswer =
  { kind: 'found'; username: string; secret: string; identityToken: boolean } | { kind: 'not-found' };

export interface HelperContext {
  helper: string;
  setting: string;
  host: string;
  /** The Docker config file. */
  file: string;
  /** How to log in instead, in the words of the flags or the inputs. */
  loginHint: string;
}

function hasNotFoundLine(text: string): boolean {
  return text.split(/\r?\n/).some((line) => line.trim() === NOT_FOUND_MESSAGE);
}

/** A few words of what a failing helper said (its error message; never on a success, which holds the secret). */
function said(run: { stdout: string; stderr: string }): string {
  const text = `${run.stdout}\n${run.stderr}`.replace(/\s+/g, ' ').trim();
  if (!text) return '';
  return `: ${text.length > 300 ? `${text.slice(0, 300)}…` : text}`;
}

/** Reads the helper's answer; a failure is an OperationError saying which helper, which registry and what to do. */
export function readHelperRun(run: HelperRun, ctx: HelperContext): HelperAnswer {
  const program = `docker-credential-${ctx.helper}`;
  const why = `(${ctx.setting} in ${ctx.file})`;
  const fix = `install ${program} on PATH, remove ${ctx.setting} from ${ctx.file}, or ${ctx.loginHint}`;
  switch (run.kind) {
    case 'not-on-path':
      throw new OperationError(
        `the Docker credential helper ${program} ${why}, which holds the login for registry ${ctx.host}, is not on PATH; ${fix}`,
      );
    case 'timed-out':
      throw new OperationError(
        `the Docker credential helper ${program} ${why} did not answer for registry ${ctx.host} within ${HELPER_TIMEOUT_MS / 1000} s; check that it works (echo ${ctx.host} | ${program} get), or ${ctx.loginHint}`,
      );
    case 'failed':
      throw new OperationError(
        `the Docker credential helper ${program} ${why} could not be run for registry ${ctx.host} (${run.message}); ${fix}`,
      );
    case 'exited':
      break;
  }
  if (run.code !== 0) {
    if (hasNotFoundLine(run.stdout) || hasNotFoundLine(run.stderr)) return { kind: 'not-found' };
    throw new OperationError(
      `the Docker credential helper ${program} ${why} failed for registry ${ctx.host} (exit ${run.code ?? 'by a signal'}${said(run)}); log in again with it (docker login ${ctx.host}), or ${ctx.loginHint}`,
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(run.stdout);
  } catch {
    body = undefined;
  }
  const creds = body as { Username?: unknown; Secret?: unknown } | undefined;
  if (
    typeof creds !== 'object' ||
    creds === null ||
    typeof creds.Username !== 'string' ||
    typeof creds.Secret !== 'string'
  ) {
    // Never the output itself: it may hold the secret.
    throw new OperationError(
      `the Docker credential helper ${program} ${why} answered for registry ${ctx.host} with something other than {"ServerURL","Username","Secret"} JSON; check ${program} (echo ${ctx.host} | ${program} get), or ${ctx.loginHint}`,
    );
  }
  // Docker treats an empty secret as no login too.
  if (creds.Secret === '') return { kind: 'not-found' };
  return {
    kind: 'found',
    username: creds.Username,
    secret: creds.Secret,
    identityToken: creds.Username === TOKEN_USERNAME,
  };
}

/** Refuses a helper name that is not a program name: docker-credential-<name> is looked up on PATH. */
export function checkHelperName(choice: HelperChoice, file: string): void {
  if (typeof choice.helper !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(choice.helper)) {
    throw new InputError([
      {
        file,
        field: choice.setting,
        message: `found ${JSON.stringify(choice.helper)}; expected the name of a credential helper, docker-credential-<name> on PATH (e.g. "pass", "ecr-login")`,
      },
    ]);
  }
}

/** Runs `docker-credential-<helper> get` with the address on stdin, bounded by a timeout. */
export function askHelper(
  helper: string,
  address: string,
  timeoutMs = HELPER_TIMEOUT_MS,
  env: NodeJS.ProcessEnv = process.env,
): Promise<HelperRun> {
  return new Promise((resolve) => {
    // Its own process group, so that a timeout ends whatever the helper started too.
    const child = spawn(`docker-credential-${helper}`, ['get'], {
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    const kill = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    let settled = false;
    const done = (run: HelperRun) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(run);
    };
    const timer = setTimeout(() => {
      kill();
      done({ kind: 'timed-out' });
    }, timeoutMs);
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      size += chunk.length;
      if (size > 1024 * 1024) {
        kill();
        done({ kind: 'failed', message: 'it printed more than 1 MiB' });
        return;
      }
      into.push(chunk);
    };
    child.stdout.on('data', collect(out));
    child.stderr.on('data', collect(err));
    child.on('error', (e: NodeJS.ErrnoException) => {
      done(e.code === 'ENOENT' ? { kind: 'not-on-path' } : { kind: 'failed', message: e.message });
    });
    child.on('close', (code) => {
      done({
        kind: 'exited',
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
    // A helper that exits without reading stdin must not fail the write.
    child.stdin.on('error', () => undefined);
    child.stdin.end(address);
  });
}
