// An OCI distribution registry, over its HTTP API (/v2/). Nothing else in Flinkship talks to registries.
// Loopback registries are spoken to over plain HTTP, as the Docker engine does; all others over HTTPS.
// https://github.com/opencontainers/distribution-spec/blob/main/spec.md
import { createHash } from 'node:crypto';
import { OperationError } from '../util/errors.js';
import { withRetry, type RetryPolicy } from './retry.js';

export interface RegistryLogin {
  username: string;
  password: string;
}

export interface Descriptor {
  mediaType?: string;
  digest: string;
  size: number;
}

export interface ImageManifest {
  digest: string;
  /** Bytes of the manifest itself. */
  bytes: number;
  config: Descriptor;
  layers: Descriptor[];
}

const TIMEOUT_MS = 15_000;
/** A blob's transfer may take long; what bounds it is that bytes keep coming (undici's body timeout). */
const BLOB_TIMEOUT_MS = 30 * 60_000;
const MANIFEST_TYPES = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');
export const INDEX_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
];
const TRANSIENT_STATUS = new Set([429, 500, 502, 503, 504]);
const REQUEST_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 300, maxDelayMs: 3_000, deadlineMs: 30_000 };
const ANY_MANIFEST_TYPES = [MANIFEST_TYPES, ...INDEX_TYPES].join(', ');

/** A manifest exactly as the registry stores it: its bytes are what its digest is of. */
export interface RawManifest {
  digest: string;
  mediaType: string;
  bytes: Buffer;
}

/** A blob being read: its stream, and the answer that stream belongs to. */
export interface OpenBlob {
  response: Response;
  body: ReadableStream<Uint8Array>;
  /** Content-Length, or -1 when the registry did not say. */
  size: number;
}

/** An HTTP answer the registry should not have given, or no answer: `status` or `code` says which. */
export class RegistryError extends OperationError {
  constructor(
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function sha256Digest(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export function isLoopback(host: string): boolean {
  const name = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return name === 'localhost' || name === '::1' || /^127\./.test(name);
}

/**
 * Why the login must not go to a token realm (undefined: it may). Basic credentials are the password in
 * clear text: only TLS keeps them from everyone on the way, unless they go back to the very origin they
 * were given for (the testbed's and kind's plain-http loopback registries).
 */
export function realmRefusal(registryBase: string, realm: URL): string | undefined {
  const origin = new URL(registryBase).origin;
  if (realm.protocol === 'https:' || realm.origin === origin) return undefined;
  const scheme = realm.protocol === 'http:' ? 'plain http' : realm.protocol;
  return `${scheme} on another origin than the registry (${origin})`;
}

export class Registry {
  private readonly base: string;
  /** Bearer tokens by the scopes they were asked for. */
  private readonly tokens = new Map<string, string>();

  constructor(
    readonly host: string,
    private readonly login?: RegistryLogin,
  ) {
    const apiHost = host === 'docker.io' ? 'registry-1.docker.io' : host;
    this.base = `${isLoopback(host) ? 'http' : 'https'}://${apiHost}`;
  }

  /** Checks, before anything is built, that the registry answers and the login may push to `path`. */
  async checkPushAccess(path: string): Promise<void> {
    const res = await this.request('GET', '/v2/', path, 'pull,push');
    if (res.status === 401 || res.status === 403) {
      throw new OperationError(
        this.login
          ? `registry ${this.host} refused the login of ${this.login.username} (HTTP ${res.status}); check the user name and password`
          : `registry ${this.host} needs a login (HTTP ${res.status}); give --registry-username with the password on stdin (--registry-password-stdin), or log in with docker login`,
      );
    }
    if (!res.ok) throw new OperationError(`registry ${this.host} answered /v2/ with HTTP ${res.status}`);
  }

  async tags(path: string): Promise<string[]> {
    const res = await this.request('GET', `/v2/${path}/tags/list`, path, 'pull');
    if (res.status === 404) return [];
    if (!res.ok) throw new OperationError(`listing the tags of ${this.host}/${path}: HTTP ${res.status}`);
    const body = (await res.json()) as { tags?: string[] | null };
    return body.tags ?? [];
  }

  async manifest(path: string, reference: string): Promise<ImageManifest> {
    const res = await this.request('GET', `/v2/${path}/manifests/${reference}`, path, 'pull', {
      Accept: MANIFEST_TYPES,
    });
    if (!res.ok) {
      throw new OperationError(`reading the manifest ${this.host}/${path}:${reference}: HTTP ${res.status}`);
    }
    const text = await res.text();
    const body = JSON.parse(text) as { config: Descriptor; layers: Descriptor[] };
    return {
      digest: res.headers.get('docker-content-digest') ?? reference,
      bytes: Buffer.byteLength(text),
      config: body.config,
      layers: body.layers,
    };
  }

  private async request(
    method: string,
    url: string,
    path: string,
    actions: string,
    headers: Record<string, string> = {},
    extra: { scopes?: string[]; body?: BodyInit; timeoutMs?: number } = {},
  ): Promise<Response> {
    // Each token is scoped to the repositories and actions of the requests it was asked for.
    const scopes = [`repository:${path}:${actions}`, ...(extra.scopes ?? [])];
    const key = scopes.join(' ');
    const send = (auth?: string) =>
      this.fetch(
        url.startsWith('http') ? url : `${this.base}${url}`,
        {
          method,
          headers: { ...headers, ...(auth ? { Authorization: auth } : {}) },
          ...(extra.body !== undefined ? { body: extra.body, duplex: 'half' } : {}),
        },
        extra.timeoutMs,
      );
    // A streamed body can be sent once (the caller retries the whole transfer); anything else is
    // retried here, bounded, on a 429/5xx answer or a broken connection.
    const streamed = extra.body instanceof ReadableStream;
    const attempt = async (auth?: string): Promise<Response> => {
      if (streamed) return send(auth);
      let tries = 1;
      try {
        return await withRetry(
          `${method} ${this.host}${new URL(url, this.base).pathname}`,
          async () => {
            const res = await send(auth);
            if (!TRANSIENT_STATUS.has(res.status)) return res;
            await res.body?.cancel();
            throw new RegistryError(`registry ${this.host} answered HTTP ${res.status}`, res.status);
          },
          { policy: REQUEST_RETRY, onRetry: () => void tries++ },
        );
      } catch (err) {
        // The registry's own words first, then how hard it was tried.
        const last = err instanceof RegistryError ? err : (err as { cause?: unknown }).cause;
        if (!(last instanceof RegistryError)) throw err;
        throw new RegistryError(`${last.message}${tries > 1 ? ` (${tries} attempts)` : ''}`, last.status, {
          cause: last,
        });
      }
    };
    const cached = this.tokens.get(key);
    let res = await attempt(cached ? `Bearer ${cached}` : this.basic());
    if (res.status !== 401 || streamed) return res;
    const challenge = res.headers.get('www-authenticate') ?? '';
    if (/^bearer/i.test(challenge)) {
      const token = await this.bearerToken(challenge, scopes);
      if (token) {
        this.tokens.set(key, token);
        res = await attempt(`Bearer ${token}`);
      }
    }
    return res;
  }

  /** A manifest or index by tag or digest, its bytes exactly; a digest reference is checked against them. */
  async rawManifest(path: string, reference: string): Promise<RawManifest> {
    const res = await this.request('GET', `/v2/${path}/manifests/${reference}`, path, 'pull', {
      Accept: ANY_MANIFEST_TYPES,
    });
    if (!res.ok) {
      throw new RegistryError(
        `reading the manifest ${this.host}/${path}@${reference}: HTTP ${res.status}${res.status === 404 ? ' (no such manifest)' : ''}`,
        res.status,
      );
    }
    const bytes = Buffer.from(await res.arrayBuffer());
    const digest = sha256Digest(bytes);
    if (reference.startsWith('sha256:') && digest !== reference) {
      throw new RegistryError(
        `${this.host}/${path}@${reference}: the registry answered a manifest whose digest is ${digest}`,
      );
    }
    const mediaType =
      (JSON.parse(bytes.toString('utf8')) as { mediaType?: string }).mediaType ??
      res.headers.get('content-type')?.split(';')[0] ??
      '';
    return { digest, mediaType, bytes };
  }

  async hasManifest(path: string, digest: string): Promise<boolean> {
    return this.exists(`/v2/${path}/manifests/${digest}`, path, 'pull', { Accept: ANY_MANIFEST_TYPES });
  }

  async hasBlob(path: string, digest: string): Promise<boolean> {
    return this.exists(`/v2/${path}/blobs/${digest}`, path, 'pull');
  }

  private async exists(
    url: string,
    path: string,
    actions: string,
    headers: Record<string, string> = {},
  ): Promise<boolean> {
    const res = await this.request('HEAD', url, path, actions, headers);
    if (res.status === 404) return false;
    if (res.ok) return true;
    throw new RegistryError(`HEAD ${this.host}${url}: HTTP ${res.status}`, res.status);
  }

  /**
   * Mounts a blob of `from` (same registry) into `path`: no bytes move. False when the registry
   * declined (202: it opened an upload instead, which is cancelled); the caller then uploads.
   */
  async mountBlob(path: string, digest: string, from: string): Promise<boolean> {
    const url = `/v2/${path}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`;
    const res = await this.request(
      'POST',
      url,
      path,
      'pull,push',
      {},
      { scopes: [`repository:${from}:pull`] },
    );
    await res.body?.cancel();
    if (res.status === 201) return true;
    if (res.status === 202) {
      const location = res.headers.get('location');
      if (location) {
        const cancel = await this.request('DELETE', this.absolute(location), path, 'pull,push');
        await cancel.body?.cancel();
      }
      return false;
    }
    throw new RegistryError(
      `mounting ${digest} from ${from} into ${this.host}/${path}: HTTP ${res.status}`,
      res.status,
    );
  }

  /**
   * The blob's bytes as a stream, never held whole. The answer travels with its stream: undici cancels
   * the body of a Response that is garbage collected, so whoever reads the stream must hold both.
   */
  async openBlob(path: string, digest: string): Promise<OpenBlob> {
    const res = await this.request(
      'GET',
      `/v2/${path}/blobs/${digest}`,
      path,
      'pull',
      {},
      { timeoutMs: BLOB_TIMEOUT_MS },
    );
    if (!res.ok || !res.body) {
      await res.body?.cancel();
      throw new RegistryError(
        `reading the blob ${this.host}/${path}@${digest}: HTTP ${res.status}`,
        res.status,
      );
    }
    return { response: res, body: res.body, size: Number(res.headers.get('content-length') ?? -1) };
  }

  /**
   * Uploads a blob in one PUT (a monolithic upload), streaming `body` through. The registry checks the
   * bytes against `digest`.
   */
  async uploadBlob(path: string, digest: string, size: number, blob: OpenBlob): Promise<void> {
    const start = await this.request('POST', `/v2/${path}/blobs/uploads/`, path, 'pull,push');
    await start.body?.cancel();
    const location = start.headers.get('location');
    if (start.status !== 202 || !location) {
      throw new RegistryError(
        `starting an upload to ${this.host}/${path}: HTTP ${start.status}`,
        start.status,
      );
    }
    const url = new URL(this.absolute(location));
    url.searchParams.set('digest', digest);
    const res = await this.request(
      'PUT',
      url.toString(),
      path,
      'pull,push',
      {
        'Content-Type': 'application/octet-stream',
        ...(size >= 0 ? { 'Content-Length': String(size) } : {}),
      },
      { body: blob.body, timeoutMs: BLOB_TIMEOUT_MS },
    );
    await res.body?.cancel();
    // Held until the upload ended (see openBlob).
    if (!blob.response.bodyUsed) await blob.body.cancel();
    if (res.status !== 201) {
      throw new RegistryError(`uploading ${digest} to ${this.host}/${path}: HTTP ${res.status}`, res.status);
    }
  }

  /** Stores a manifest under `reference`; returns the digest the registry says it stored. */
  async putManifest(path: string, reference: string, manifest: RawManifest): Promise<string> {
    const res = await this.request(
      'PUT',
      `/v2/${path}/manifests/${reference}`,
      path,
      'pull,push',
      { 'Content-Type': manifest.mediaType },
      { body: new Uint8Array(manifest.bytes) },
    );
    const text = await res.text();
    if (res.status !== 201) {
      throw new RegistryError(
        `storing the manifest ${manifest.digest} in ${this.host}/${path}: HTTP ${res.status}${text ? ` ${text.slice(0, 300)}` : ''}`,
        res.status,
      );
    }
    return res.headers.get('docker-content-digest') ?? manifest.digest;
  }

  private absolute(location: string): string {
    return new URL(location, this.base).toString();
  }

  private basic(): string | undefined {
    if (!this.login) return undefined;
    return `Basic ${Buffer.from(`${this.login.username}:${this.login.password}`).toString('base64')}`;
  }

  /** The token flow of https://distribution.github.io/distribution/spec/auth/token/. */
  private async bearerToken(challenge: string, scopes: string[]): Promise<string | undefined> {
    const params = Object.fromEntries(
      [...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!.toLowerCase(), m[2]!]),
    );
    if (!params.realm) return undefined;
    let url: URL;
    try {
      url = new URL(params.realm);
    } catch {
      throw new OperationError(
        `registry ${this.host} names the token realm "${params.realm}", which is not a URL; check the registry's auth configuration`,
      );
    }
    const auth = this.basic();
    const refusal = auth && realmRefusal(this.base, url);
    if (refusal) {
      throw new OperationError(
        `registry ${this.host} names the token realm ${url.href}, ${refusal}: Flinkship does not send the login of ${this.login!.username} there, where anyone on the way could read the password; the registry's token realm must be https:// or on the registry's own origin (check the registry's auth configuration, and that ${this.host} is the registry you mean)`,
      );
    }
    if (params.service) url.searchParams.set('service', params.service);
    for (const scope of scopes) url.searchParams.append('scope', scope);
    const res = await this.fetch(url.toString(), { headers: auth ? { Authorization: auth } : {} });
    if (!res.ok) return undefined;
    const body = (await res.json()) as { token?: string; access_token?: string };
    return body.token ?? body.access_token;
  }

  private async fetch(
    url: string,
    init: RequestInit & { duplex?: 'half' },
    timeoutMs = TIMEOUT_MS,
  ): Promise<Response> {
    try {
      return await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new RegistryError(
        `registry ${this.host} is unreachable (${cause?.code ?? cause?.message ?? (err as Error).message} on ${new URL(url).origin}); check the repository's host and that the registry is up`,
        undefined,
        { cause: err },
      );
    }
  }
}
