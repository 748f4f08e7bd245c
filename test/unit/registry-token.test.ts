// The token flow of the distribution spec (https://distribution.github.io/distribution/spec/auth/token/)
// as promote uses it, against a stand-in: a loopback server that answers like a token-auth registry
// (ghcr.io, Docker Hub) and its token realm. The testbed's registries use no auth and basic auth, so
// this stand-in is where the scopes Flinkship asks for are seen: pull on the source, pull+push on the
// destination, and both for a cross-repository mount.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from '../../src/executors/registry.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;
let server: http.Server;
let host: string;
/** The scopes of each token request, in order. */
const tokenRequests: string[][] = [];
/** What each registry request carried. */
const seen: { method: string; path: string; token?: string }[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const url = new URL(req.url!, `http://${host}`);
    if (url.pathname === '/token') {
      expect(req.headers.authorization).toBe(`Basic ${Buffer.from('robot:s3cret').toString('base64')}`);
      const scopes = url.searchParams.getAll('scope');
      tokenRequests.push(scopes);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ token: `tok:${scopes.join(' ')}` }));
      return;
    }
    const auth = req.headers.authorization;
    if (!auth?.startsWith('Bearer ')) {
      res.writeHead(401, {
        'WWW-Authenticate': `Bearer realm="http://${host}/token",service="stand-in-registry"`,
      });
      res.end();
      return;
    }
    seen.push({ method: req.method!, path: url.pathname + url.search, token: auth.slice(7) });
    if (req.method === 'POST' && url.searchParams.has('mount')) {
      res.writeHead(201, { Location: `/v2/team/prod/blobs/${DIGEST}` });
    } else if (req.method === 'HEAD') {
      res.writeHead(404);
    } else {
      res.writeHead(200);
    }
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('registry tokens', () => {
  it('asks for pull on the source, and pull+push on the destination plus pull on the source for a mount', async () => {
    const registry = new Registry(host, { username: 'robot', password: 's3cret' });
    expect(await registry.hasBlob('team/staging', DIGEST)).toBe(false);
    expect(await registry.mountBlob('team/prod', DIGEST, 'team/staging')).toBe(true);
    expect(tokenRequests).toEqual([
      ['repository:team/staging:pull'],
      ['repository:team/prod:pull,push', 'repository:team/staging:pull'],
    ]);
    expect(seen).toEqual([
      { method: 'HEAD', path: `/v2/team/staging/blobs/${DIGEST}`, token: 'tok:repository:team/staging:pull' },
      {
        method: 'POST',
        path: `/v2/team/prod/blobs/uploads/?mount=${encodeURIComponent(DIGEST)}&from=team%2Fstaging`,
        token: 'tok:repository:team/prod:pull,push repository:team/staging:pull',
      },
    ]);
  });

  it('reuses a token for the same scopes instead of asking again', async () => {
    tokenRequests.length = 0;
    const registry = new Registry(host, { username: 'robot', password: 's3cret' });
    await registry.hasBlob('team/staging', DIGEST);
    await registry.hasBlob('team/staging', DIGEST);
    expect(tokenRequests).toEqual([['repository:team/staging:pull']]);
  });
});
