// A Maven repository on loopback: the files of a local repository (~/.m2/repository, laid out as Maven
// Central is) served over HTTP GET, as a mirror of Central would serve them. Requests are recorded, so a
// test can tell a download from the cache.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export interface MavenRepo {
  url: string;
  /** Paths requested, in order (the repository-relative path, with the status answered). */
  requests: { path: string; status: number }[];
  close(): Promise<void>;
}

export async function serveMavenRepo(root: string): Promise<MavenRepo> {
  const requests: MavenRepo['requests'] = [];
  const base = path.resolve(root);
  const server: Server = createServer((req, res) => {
    void (async () => {
      const rel = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/+/, '');
      const file = path.resolve(base, rel);
      const inside = file.startsWith(base + path.sep);
      const info = inside && req.method === 'GET' ? await stat(file).catch(() => undefined) : undefined;
      if (!info?.isFile()) {
        requests.push({ path: rel, status: 404 });
        res.writeHead(404).end();
        return;
      }
      requests.push({ path: rel, status: 200 });
      res.writeHead(200, { 'content-length': info.size, 'content-type': 'application/octet-stream' });
      createReadStream(file).pipe(res);
    })().catch(() => res.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
