// Jars from a Maven repository (Maven Central by default, or a mirror): a SQL job's connectors and the
// SQL runner's own dependencies. Each is downloaded once into a cache, verified (against the sha256 the
// spec pins, else against the repository's .sha1, with a warning saying what to pin), and verified
// again at every use: anything on the machine may have written to the cache since.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Ui } from '../ui/ui.js';
import { OperationError } from '../util/errors.js';
import { withRetry, type RetryPolicy } from './retry.js';

export const MAVEN_CENTRAL = 'https://repo.maven.apache.org/maven2';

/** A connector jar is tens of megabytes; this bound stops a runaway response. */
const MAX_ARTIFACT_BYTES = 512 * 1024 * 1024;

export interface MavenArtifact {
  groupId: string;
  artifactId: string;
  version: string;
}

const PART = /^[A-Za-z0-9_.+-]+$/;

/** `groupId:artifactId:version`; undefined when it is not that. */
export function parseArtifact(text: string): MavenArtifact | undefined {
  const parts = text.split(':');
  if (parts.length !== 3 || !parts.every((p) => PART.test(p) && p !== '.' && p !== '..')) return undefined;
  const [groupId, artifactId, version] = parts as [string, string, string];
  return { groupId, artifactId, version };
}

/** The jar's path in a Maven repository's layout. */
export function artifactPath(a: MavenArtifact): string {
  return [...a.groupId.split('.'), a.artifactId, a.version, `${a.artifactId}-${a.version}.jar`].join('/');
}

export function defaultMavenCache(): string {
  return path.join(process.env.RUNNER_TOOL_CACHE || path.join(homedir(), '.cache', 'flinkship'), 'maven');
}

export interface ResolveOptions {
  /** Repository base URLs, tried in order; a 404 moves on to the next. Default: Maven Central. */
  repositories?: string[];
  cacheDir?: string;
  /** Per request. */
  timeoutMs?: number;
  retry?: RetryPolicy;
}

export interface ResolvedArtifact {
  file: string;
  sha256: string;
  /** The URL it was downloaded from; undefined when the cache had it. */
  from?: string;
  verifiedBy: 'pinned sha256' | 'repository sha1' | 'cache';
}

/** No repository has the artifact (every one answered 404): the coordinates or the version are wrong. */
export class ArtifactNotFound extends OperationError {
  constructor(message: string) {
    super(message);
    this.name = 'ArtifactNotFound';
  }
}

class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    url: string,
  ) {
    super(`HTTP ${status} from ${url}`);
  }
}

async function fileHash(file: string, algorithm: 'sha256' | 'sha1'): Promise<string> {
  const hash = createHash(algorithm);
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/**
 * The jar of `coordinates`, from the cache or downloaded. Throws OperationError when no repository has
 * it, when it does not match the pinned sha256 or the repository's .sha1, or when the repositories keep
 * failing (5xx and timeouts are retried with a bound).
 */
export async function resolveArtifact(
  coordinates: string,
  pinnedSha256: string | undefined,
  options: ResolveOptions,
  ui: Ui,
): Promise<ResolvedArtifact> {
  const artifact = parseArtifact(coordinates);
  if (!artifact) throw new OperationError(`${coordinates} is not groupId:artifactId:version`);
  const relative = artifactPath(artifact);
  const cacheDir = options.cacheDir ?? defaultMavenCache();
  const file = path.join(cacheDir, relative);
  const sidecar = `${file}.sha256`;

  if (existsSync(file) && existsSync(sidecar)) {
    const [actual, recorded] = await Promise.all([fileHash(file, 'sha256'), readFile(sidecar, 'utf8')]);
    if (actual === recorded.trim() && (pinnedSha256 === undefined || actual === pinnedSha256)) {
      return { file, sha256: actual, verifiedBy: 'cache' };
    }
    ui.warning(
      `${relative} in ${cacheDir} does not match what was verified when it was downloaded; downloading it again`,
    );
    rmSync(file, { force: true });
    rmSync(sidecar, { force: true });
  }

  const repositories = options.repositories?.length ? options.repositories : [MAVEN_CENTRAL];
  const timeoutMs = options.timeoutMs ?? 60_000;
  const get = (url: string) =>
    withRetry(
      `GET ${url}`,
      async () => {
        const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
        if (response.status === 404) {
          await response.body?.cancel();
          return undefined;
        }
        if (!response.ok) {
          await response.body?.cancel();
          throw new HttpStatusError(response.status, url);
        }
        return response;
      },
      {
        ...(options.retry ? { policy: options.retry } : {}),
        onRetry: (attempt, err) =>
          ui.info(`GET ${url}: ${(err as Error).message}; retrying (attempt ${attempt + 1})`),
      },
    );

  for (const base of repositories) {
    const url = `${base.replace(/\/+$/, '')}/${relative}`;
    const response = await get(url);
    if (!response) continue;
    const declared = Number(response.headers.get('content-length') ?? 0);
    if (declared > MAX_ARTIFACT_BYTES) {
      await response.body?.cancel();
      throw new OperationError(`${url} is ${declared} bytes, more than ${MAX_ARTIFACT_BYTES}: refused`);
    }
    mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.part`;
    const sha256 = createHash('sha256');
    const sha1 = createHash('sha1');
    let bytes = 0;
    try {
      await pipeline(
        Readable.fromWeb(response.body as never),
        async function* (source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
            bytes += chunk.length;
            if (bytes > MAX_ARTIFACT_BYTES)
              throw new OperationError(`${url} is more than ${MAX_ARTIFACT_BYTES} bytes: refused`);
            sha256.update(chunk);
            sha1.update(chunk);
            yield chunk;
          }
        },
        createWriteStream(tmp, { mode: 0o644 }),
      );
      const actual = sha256.digest('hex');
      let verifiedBy: ResolvedArtifact['verifiedBy'];
      if (pinnedSha256 !== undefined) {
        if (actual !== pinnedSha256) {
          throw new OperationError(
            `${coordinates} from ${url} has sha256 ${actual}, not the pinned ${pinnedSha256}: refused (a different jar under the same coordinates)`,
          );
        }
        verifiedBy = 'pinned sha256';
      } else {
        const checksum = await get(`${url}.sha1`);
        const expected = checksum
          ? /^[a-f0-9]{40}/i.exec((await checksum.text()).trim())?.[0]?.toLowerCase()
          : undefined;
        if (!expected) {
          throw new OperationError(
            `${coordinates}: ${base} has no .sha1 for it and no sha256 is pinned, so it cannot be verified; pin it with sha256: ${actual}`,
          );
        }
        const got = sha1.digest('hex');
        if (got !== expected) {
          throw new OperationError(
            `${coordinates} from ${url} has sha1 ${got}, but the repository says ${expected}: refused`,
          );
        }
        verifiedBy = 'repository sha1';
        ui.warning(`${coordinates} is not pinned; it matched ${base}'s .sha1. Pin it: sha256: ${actual}`);
      }
      renameSync(tmp, file);
      await writeFile(sidecar, `${actual}\n`);
      ui.info(`${coordinates}: ${bytes} bytes from ${url} (${verifiedBy})`);
      return { file, sha256: actual, from: url, verifiedBy };
    } finally {
      rmSync(tmp, { force: true });
    }
  }
  throw new ArtifactNotFound(
    `${coordinates} is not in ${repositories.join(' or ')} (no ${relative}); check the coordinates and the version`,
  );
}

export { HttpStatusError };
