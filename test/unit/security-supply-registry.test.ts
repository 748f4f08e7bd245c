// Issue 12 point 14: the registry login (Basic credentials, a password in clear text) goes to a token realm
// only over https, or back to the registry's own origin. Real HTTP(S) servers on loopback play the
// registry and the realm, and record what reached them.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Registry, realmRefusal } from '../../src/executors/registry.js';
import { OperationError } from '../../src/util/errors.js';
import { run } from '../helpers/run.js';

const LOGIN = { username: 'secsup-user', password: 'secsup-pass' };
const BASIC = `Basic ${Buffer.from('secsup-user:secsup-pass').toString('base64')}`;

interface Recorded {
  url: string;
  authorization?: string;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** A token realm: records each request and hands out `token`. */
function realmHandler(seen: Recorded[], token = 'secsup-token') {
  return (req: IncomingMessage, res: ServerResponse) => {
    seen.push({ url: req.url!, authorization: req.headers.authorization });
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ token }));
  };
}

/** A registry whose /v2/ wants a bearer token from `realm()`, served at /token when the realm is its own. */
async function registry(
  realm: (port: number) => string,
  seen: Recorded[],
  tokenSeen: Recorded[] = [],
): Promise<number> {
  let port = 0;
  const server = createServer((req, res) => {
    if (req.url!.startsWith('/token')) return realmHandler(tokenSeen)(req, res);
    seen.push({ url: req.url!, authorization: req.headers.authorization });
    if (req.headers.authorization === 'Bearer secsup-token') return res.end('{}');
    res.statusCode = 401;
    res.setHeader('www-authenticate', `Bearer realm="${realm(port)}",service="secsup-registry"`);
    res.end();
  });
  port = await listen(server);
  return port;
}

describe('realmRefusal', () => {
  const base = 'http://127.0.0.1:5000';
  it.each([
    ['https://auth.example.com/token', undefined],
    ['https://127.0.0.1:5001/token', undefined],
    ['http://127.0.0.1:5000/token', undefined],
    ['http://127.0.0.1:5001/token', 'plain http on another origin than the registry (http://127.0.0.1:5000)'],
    ['http://127.0.0.2:5000/token', 'plain http on another origin than the registry (http://127.0.0.1:5000)'],
    [
      'http://auth.example.com/token',
      'plain http on another origin than the registry (http://127.0.0.1:5000)',
    ],
    ['ftp://127.0.0.1:5000/token', 'ftp: on another origin than the registry (http://127.0.0.1:5000)'],
  ])('%s: %s', (realm, refusal) => {
    expect(realmRefusal(base, new URL(realm))).toBe(refusal);
  });

  it("an https registry's plain-http realm on its own host is another origin, refused", () => {
    expect(realmRefusal('https://registry.example.com', new URL('http://registry.example.com/token'))).toBe(
      'plain http on another origin than the registry (https://registry.example.com)',
    );
  });
});

describe('the registry login and the token realm', () => {
  it('never sends the login to a plain-http realm on another origin, and says why', async () => {
    const realmSeen: Recorded[] = [];
    const realmPort = await listen(createServer(realmHandler(realmSeen)));
    const registrySeen: Recorded[] = [];
    const port = await registry(() => `http://127.0.0.1:${realmPort}/token`, registrySeen);

    const err = await new Registry(`127.0.0.1:${port}`, LOGIN).checkPushAccess('secsup/job').then(
      () => undefined,
      (e: unknown) => e,
    );

    expect(err).toBeInstanceOf(OperationError);
    expect((err as Error).message).toBe(
      `registry 127.0.0.1:${port} names the token realm http://127.0.0.1:${realmPort}/token, plain http on another origin than the registry (http://127.0.0.1:${port}): Flinkship does not send the login of secsup-user there, where anyone on the way could read the password; the registry's token realm must be https:// or on the registry's own origin (check the registry's auth configuration, and that 127.0.0.1:${port} is the registry you mean)`,
    );
    expect(realmSeen).toEqual([]);
    expect(registrySeen).toEqual([{ url: '/v2/', authorization: BASIC }]);
  });

  it("sends the login to a plain-http realm on the registry's own origin (the testbed's loopback registries)", async () => {
    const registrySeen: Recorded[] = [];
    const tokenSeen: Recorded[] = [];
    const port = await registry((p) => `http://127.0.0.1:${p}/token`, registrySeen, tokenSeen);
    await new Registry(`127.0.0.1:${port}`, LOGIN).checkPushAccess('secsup/job');
    expect(tokenSeen).toEqual([
      {
        url: '/token?service=secsup-registry&scope=repository%3Asecsup%2Fjob%3Apull%2Cpush',
        authorization: BASIC,
      },
    ]);
    expect(registrySeen.map((r) => r.authorization)).toEqual([BASIC, 'Bearer secsup-token']);
  });

  it("does not carry the login along when the registry's own realm redirects to another origin", async () => {
    const elsewhere: Recorded[] = [];
    const elsewherePort = await listen(createServer(realmHandler(elsewhere)));
    const registrySeen: Recorded[] = [];
    let port = 0;
    const server = createServer((req, res) => {
      registrySeen.push({ url: req.url!, authorization: req.headers.authorization });
      if (req.url!.startsWith('/token')) {
        res.statusCode = 302;
        res.setHeader('location', `http://127.0.0.1:${elsewherePort}${req.url}`);
        return res.end();
      }
      if (req.headers.authorization === 'Bearer secsup-token') return res.end('{}');
      res.statusCode = 401;
      res.setHeader(
        'www-authenticate',
        `Bearer realm="http://127.0.0.1:${port}/token",service="secsup-registry"`,
      );
      res.end();
    });
    port = await listen(server);
    await new Registry(`127.0.0.1:${port}`, LOGIN).checkPushAccess('secsup/job');
    // fetch drops Authorization on a cross-origin redirect: the other origin gets the request, not the login.
    expect(elsewhere).toEqual([
      {
        url: '/token?service=secsup-registry&scope=repository%3Asecsup%2Fjob%3Apull%2Cpush',
        authorization: undefined,
      },
    ]);
    expect(registrySeen.map((r) => r.authorization)).toEqual([BASIC, BASIC, 'Bearer secsup-token']);
  });

  it('sends the login to an https realm on another origin', async () => {
    // A self-signed certificate for 127.0.0.1, trusted by a child process through NODE_EXTRA_CA_CERTS
    // (Node reads it only at start), which runs the real Registry against the real servers.
    const dir = mkdtempSync(path.join(tmpdir(), 'secsup-tls-'));
    try {
      execFileSync(
        'openssl',
        [
          ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
          ...['-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
          ...['-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')],
        ],
        { stdio: 'ignore' },
      );
      const realmSeen: Recorded[] = [];
      const realm = createHttpsServer(
        { key: readFileSync(path.join(dir, 'key.pem')), cert: readFileSync(path.join(dir, 'cert.pem')) },
        realmHandler(realmSeen),
      );
      const realmPort = await listen(realm as unknown as Server);
      const registrySeen: Recorded[] = [];
      const port = await registry(() => `https://127.0.0.1:${realmPort}/token`, registrySeen);

      const script = [
        `import { Registry } from ${JSON.stringify(path.resolve('src/executors/registry.ts'))};`,
        `await new Registry('127.0.0.1:${port}', ${JSON.stringify(LOGIN)}).checkPushAccess('secsup/job');`,
        `console.log('push access');`,
      ].join('\n');
      const r = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        env: { NODE_EXTRA_CA_CERTS: path.join(dir, 'cert.pem') },
      });
      expect(r).toMatchObject({ code: 0, stdout: 'push access\n' });
      expect(realmSeen).toEqual([
        {
          url: '/token?service=secsup-registry&scope=repository%3Asecsup%2Fjob%3Apull%2Cpush',
          authorization: BASIC,
        },
      ]);
      expect(registrySeen.map((x) => x.authorization)).toEqual([BASIC, 'Bearer secsup-token']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
