// Which credentials a push uses: the ones given (flags/inputs, with the password from stdin, the
// environment or the input), else the Docker config file's entry for the registry. A pure choice over
// what was read; the password is handed to the Ui to mask before anything could print it.
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { InputError } from '../util/errors.js';
import type { Origin } from '../cli/options.js';
import type { RegistryAuth } from '../executors/docker.js';
import type { Ui } from '../ui/ui.js';

export interface RegistryCredentials {
  username: string;
  password: string;
  /** Where they came from, for the log (never the values). */
  from: string;
}

/** The environment variable the CLI reads the registry password from. */
export const PASSWORD_ENV = 'FLINKSHIP_REGISTRY_PASSWORD';

export interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string }>;
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
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) {
        return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), from: file };
      }
    }
    if (entry.username && entry.password) {
      return { username: entry.username, password: entry.password, from: file };
    }
  }
  return undefined;
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
  return fromDockerConfig(dockerConfig.config, host, dockerConfig.file);
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
  const credentials = chooseCredentials(
    { username: options['registry-username'], password, passwordFrom },
    dockerConfig,
    host,
    origin,
  );
  if (credentials && credentials.password !== password) ui.secret(credentials.password);
  return credentials;
}

/** The engine's form of a login (X-Registry-Auth). */
export function dockerAuth(credentials: RegistryCredentials, host: string): RegistryAuth {
  return {
    username: credentials.username,
    password: credentials.password,
    serveraddress: host === 'docker.io' ? 'https://index.docker.io/v1/' : host,
  };
}
