// An OCI distribution registry, over its HTTP API (/v2/). Nothing else in Flinkship talks to registries.
// Loopback registries are spoken to over plain HTTP, as the Docker engine does; all others over HTTPS.
import { OperationError } from '../util/errors.js';

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
const MANIFEST_TYPES = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

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
  private token: string | undefined;

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
  ): Promise<Response> {
    const send = (auth?: string) =>
      this.fetch(`${this.base}${url}`, {
        method,
        headers: { ...headers, ...(auth ? { Authorization: auth } : {}) },
      });
    let res = await send(this.token ? `Bearer ${this.token}` : this.basic());
    if (res.status !== 401) return res;
    const challenge = res.headers.get('www-authenticate') ?? '';
    if (/^bearer/i.test(challenge)) {
      this.token = await this.bearerToken(challenge, path, actions);
      if (this.token) res = await send(`Bearer ${this.token}`);
    }
    return res;
  }

  private basic(): string | undefined {
    if (!this.login) return undefined;
    return `Basic ${Buffer.from(`${this.login.username}:${this.login.password}`).toString('base64')}`;
  }

  /** The token flow of https://distribution.github.io/distribution/spec/auth/token/. */
  private async bearerToken(challenge: string, path: string, actions: string): Promise<string | undefined> {
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
    url.searchParams.set('scope', `repository:${path}:${actions}`);
    const res = await this.fetch(url.toString(), { headers: auth ? { Authorization: auth } : {} });
    if (!res.ok) return undefined;
    const body = (await res.json()) as { token?: string; access_token?: string };
    return body.token ?? body.access_token;
  }

  private async fetch(url: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new OperationError(
        `registry ${this.host} is unreachable (${cause?.code ?? cause?.message ?? (err as Error).message} on ${new URL(url).origin}); check the repository's host and that the registry is up`,
      );
    }
  }
}
