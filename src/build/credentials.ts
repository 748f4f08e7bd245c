// Which credentials a push uses: the ones given (flags/inputs, with the password from stdin, the
// environment or the input), else the Docker config file's, as the Docker CLI resolves them: the
// credential helper of credHelpers[<registry>], else of credsStore, else the `auths` entry. Pure choices
// over what was read and what the helper answered; every secret is handed to the Ui to mask as soon
// as it is read.
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  askHelper,
  checkHelperName,
  helperFor,
  readHelperRun,
  type HelperAnswer,
  type HelperChoice,
  type HelperRun,
} from './credentialHelper.js';
import { InputError } from '../util/errors.js';
import type { Origin } from '../options/options.js';
import type { RegistryAuth } from '../executors/docker.js';
import type { Ui } from '../ui/ui.js';

export interface RegistryCredentials {
  username: string;
  password: string;
  /** Where they came from, for the log (never the values). */
  from: string;
  /**
   * An identity (OAuth2 refresh) token instead of a password: a credential helper's answer with the
   * Username `<token>`, or an `identitytoken` entry. The engine takes it as X-Registry-Auth's
   * `identitytoken`; `password` holds the same token.
   */
  identityToken?: string;
}

/** The environment variable the CLI reads the registry password from. */
export const PASSWORD_ENV = 'FLINKSHIP_REGISTRY_PASSWORD';

export interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  /** Registry key (host[:port], or https://index.docker.io/v1/) -> helper name. */
  credHelpers?: Record<string, string>;
  /** The helper for every registry credHelpers does not name. */
  credsStore?: string;
}

/** The registry host of a repository, as Docker reads it: docker.io when the first part is no host. */
export function registryHost(repository: string): string {
  const first = repository.split('/')[0]!;
  const isHost = repository.includes('/') && (/[.:]/.test(first) || first === 'localhost');
  return isHost ? first : 'docker.io';
}

/** The repository's path on its registry: ghcr.io/acme/job -> acme/job; job -> library/job. */
export function repositoryPath(repository: string): string {
  const host = registryHost(repository);
  if (repository.startsWith(`${host}/`)) return repository.slice(host.length + 1);
  return repository.includes('/') ? repository : `library/${repository}`;
}

function configKeys(host: string): string[] {
  if (host === 'docker.io') return ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io'];
  return [host, `https://${host}`, `http://${host}`, `https://${host}/v1/`, `https://${host}/v2/`];
}

export function fromDockerConfig(
  config: DockerConfig | undefined,
  host: string,
  file: string,
): RegistryCredentials | undefined {
  for (const key of configKeys(host)) {
    const entry = config?.auths?.[key];
    if (!entry) continue;
    const decoded = entry.auth ? Buffer.from(entry.auth, 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    if (entry.identitytoken) {
      // `docker login` to a registry that hands out refresh tokens (az acr login): the token wins.
      const username = colon > 0 ? decoded.slice(0, colon) : (entry.username ?? '<token>');
      return { username, password: entry.identitytoken, identityToken: entry.identitytoken, from: file };
    }
    if (colon > 0) {
      return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), from: file };
    }
    if (entry.username && entry.password) {
      return { username: entry.username, password: entry.password, from: file };
    }
  }
  return undefined;
}

/** The login a credential helper's answer is (undefined: it has none for the registry). */
export function fromHelperAnswer(
  answer: HelperAnswer,
  choice: HelperChoice,
  file: string,
): RegistryCredentials | undefined {
  if (answer.kind === 'not-found') return undefined;
  const from = `docker-credential-${choice.helper}, ${choice.setting} in ${file}`;
  return answer.identityToken
    ? { username: answer.username, password: answer.secret, identityToken: answer.secret, from }
    : { username: answer.username, password: answer.secret, from };
}

/**
 * The Docker config file's login for `host`, as the Docker CLI resolves it: when credHelpers or
 * credsStore names a helper for it, what the helper answered (for each address of helperFor, in order;
 * the first found wins, and none found is no login, whatever `auths` says); else the `auths` entry.
 */
export function fromDockerConfigAnswered(
  config: DockerConfig | undefined,
  host: string,
  file: string,
  answers: HelperAnswer[],
): RegistryCredentials | undefined {
  const choice = helperFor(config, host);
  if (!choice) return fromDockerConfig(config, host, file);
  for (const answer of answers) {
    const login = fromHelperAnswer(answer, choice, file);
    if (login) return login;
  }
  return undefined;
}

/** How to log in without the Docker config file, in the words of the flags or the inputs. */
export function loginHint(origin: Origin): string {
  return origin === 'flags'
    ? 'give --registry-username with the password on stdin (--registry-password-stdin)'
    : 'give the registry-username and registry-password inputs';
}

/** The Secret of a helper's output before it is checked, so that even an answer then refused is masked. */
function secretOf(stdout: string): string {
  try {
    const secret = (JSON.parse(stdout) as { Secret?: unknown } | null)?.Secret;
    return typeof secret === 'string' ? secret : '';
  } catch {
    return '';
  }
}

/**
 * Runs the helper the config names for `host` (if any) for each address Docker would ask, until one has
 * a login; each secret is masked as soon as it is read. A helper that fails is an OperationError.
 */
export async function askHelpers(
  dockerConfig: { config: DockerConfig | undefined; file: string },
  host: string,
  origin: Origin,
  ui: Pick<Ui, 'secret'>,
  ask: (helper: string, address: string) => Promise<HelperRun> = askHelper,
): Promise<HelperAnswer[]> {
  const { config, file } = dockerConfig;
  const choice = helperFor(config, host);
  if (!choice) return [];
  checkHelperName(choice, file);
  const answers: HelperAnswer[] = [];
  for (const address of choice.addresses) {
    const run = await ask(choice.helper, address);
    if (run.kind === 'exited' && run.code === 0) ui.secret(secretOf(run.stdout));
    const answer = readHelperRun(run, { ...choice, host, file, loginHint: loginHint(origin) });
    answers.push(answer);
    if (answer.kind === 'found') break;
  }
  return answers;
}

/** The Docker config file's login for `host`, helpers included; masked. */
export async function fromDockerConfigWithHelpers(
  dockerConfig: { config: DockerConfig | undefined; file: string },
  host: string,
  origin: Origin,
  ui: Pick<Ui, 'secret'>,
  ask?: (helper: string, address: string) => Promise<HelperRun>,
): Promise<RegistryCredentials | undefined> {
  const answers = await askHelpers(dockerConfig, host, origin, ui, ask);
  const login = fromDockerConfigAnswered(dockerConfig.config, host, dockerConfig.file, answers);
  if (login && answers.length === 0) ui.secret(login.password);
  return login;
}

export interface GivenCredentials {
  username?: string;
  password?: string;
  /** Where the password came from, for messages. */
  passwordFrom?: string;
}

export function chooseCredentials(
  given: GivenCredentials,
  dockerConfig: { config: DockerConfig | undefined; file: string },
  host: string,
  origin: Origin,
  /** What the Docker config's credential helper answered for the host (see askHelpers). */
  answers: HelperAnswer[] = [],
): RegistryCredentials | undefined {
  const file = origin === 'flags' ? '<flags>' : '<inputs>';
  const userField = origin === 'flags' ? '--registry-username' : 'registry-username';
  if (given.username !== undefined && given.password === undefined) {
    throw new InputError([
      {
        file,
        field: userField,
        message:
          origin === 'flags'
            ? `given without a password; pass it on stdin with --registry-password-stdin, or in ${PASSWORD_ENV}`
            : 'given without registry-password',
      },
    ]);
  }
  if (given.password !== undefined && given.username === undefined) {
    throw new InputError([
      {
        file,
        field: userField,
        message: `required with the password from ${given.passwordFrom ?? 'registry-password'}: the user name it belongs to`,
      },
    ]);
  }
  if (given.username !== undefined && given.password !== undefined) {
    return {
      username: given.username,
      password: given.password,
      from: origin === 'flags' ? '--registry-username' : 'registry-username',
    };
  }
  return fromDockerConfigAnswered(dockerConfig.config, host, dockerConfig.file, answers);
}

/** $DOCKER_CONFIG/config.json or ~/.docker/config.json; an absent file is no credentials. */
export async function readDockerConfig(
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ config: DockerConfig | undefined; file: string }> {
  const file = path.join(env.DOCKER_CONFIG ?? path.join(os.homedir(), '.docker'), 'config.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return { config: undefined, file };
  }
  try {
    return { config: JSON.parse(text) as DockerConfig, file };
  } catch (err) {
    throw new InputError([
      { file, field: 'auths', message: `not valid JSON (${(err as Error).message}); fix or remove the file` },
    ]);
  }
}

/** The whole of stdin, without its final newline (as `docker login --password-stdin` reads it). */
export async function readStdin(stdin: NodeJS.ReadableStream = process.stdin): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** The login a push uses, from the options, stdin, the environment or the Docker config; masked at once. */
export async function resolveCredentials(
  options: {
    'registry-username'?: string;
    'registry-password'?: string;
    'registry-password-stdin': boolean;
  },
  origin: Origin,
  host: string,
  dockerConfig: { config: DockerConfig | undefined; file: string },
  ui: Pick<Ui, 'secret'>,
): Promise<RegistryCredentials | undefined> {
  let password = options['registry-password'];
  let passwordFrom = 'registry-password';
  if (options['registry-password-stdin']) {
    password = await readStdin();
    passwordFrom = '--registry-password-stdin';
  } else if (
    password === undefined &&
    options['registry-username'] !== undefined &&
    process.env[PASSWORD_ENV]
  ) {
    password = process.env[PASSWORD_ENV];
    passwordFrom = PASSWORD_ENV;
  }
  if (password !== undefined) ui.secret(password);
  const given = { username: options['registry-username'], password, passwordFrom };
  // Given ones win (and a half-given login is refused) before any helper runs.
  if (given.username !== undefined || given.password !== undefined) {
    return chooseCredentials(given, dockerConfig, host, origin);
  }
  const answers = await askHelpers(dockerConfig, host, origin, ui);
  const credentials = chooseCredentials(given, dockerConfig, host, origin, answers);
  if (credentials && answers.length === 0) ui.secret(credentials.password);
  return credentials;
}

/** The engine's form of a login (X-Registry-Auth); an identity token goes as `identitytoken`, alone. */
export function dockerAuth(
  credentials: RegistryCredentials,
  host: string,
): RegistryAuth & { identitytoken?: string } {
  const serveraddress = host === 'docker.io' ? 'https://index.docker.io/v1/' : host;
  if (credentials.identityToken !== undefined) {
    return { username: '', password: '', identitytoken: credentials.identityToken, serveraddress };
  }
  return { username: credentials.username, password: credentials.password, serveraddress };
}
