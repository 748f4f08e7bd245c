// A counting HTTP proxy in front of one of the testbed's real registries: every request is forwarded
// unchanged (its Host header too, so the Location URLs the registry answers point back at the proxy),
// and each is logged with the bytes of its body. Tests read what moved from the log: blob bytes
// uploaded (PUT/PATCH under /blobs/uploads/), cross-repository mounts, manifests stored. Faults can be
// injected for the next matching requests: an HTTP status answered by the proxy itself (the registry
// never sees the request), or a connection reset in the middle of the request's body.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxiedRequest {
  method: string;
  path: string;
  status: number;
  /** Bytes of the request body the client sent. */
  bytes: number;
}

export interface Fault {
  method: string;
  path: RegExp;
  /** An HTTP status answered without forwarding, or a reset of the client's connection. */
  fault: number | 'reset';
  /** How many matching requests get it. */
  times: number;
}

export interface CountingProxy {
  /** Faults for the next matching requests (each logged with status 0 for a reset). */
  inject(fault: Fault): void;
  /** host:port of the proxy, as an image reference's registry. */
  host: string;
  requests: ProxiedRequest[];
  /** Body bytes of blob uploads (PUT and PATCH of an upload session). */
  uploadedBytes(): number;
  /** The digests of blobs uploaded (completed PUTs), and of blobs mounted (201 answers to a mount). */
  uploadedDigests(): string[];
  mountedDigests(): string[];
  reset(): void;
  close(): Promise<void>;
}

export async function startCountingProxy(upstream: string): Promise<CountingProxy> {
  const [upHost, upPort] = upstream.split(':');
  const requests: ProxiedRequest[] = [];
  const faults: Fault[] = [];
  const server = http.createServer((req, res) => {
    const fault = faults.find((f) => f.times > 0 && f.method === req.method && f.path.test(req.url!));
    if (fault) {
      fault.times--;
      if (fault.fault === 'reset') {
        // Let some of the body arrive, then cut the connection as a failing network would.
        req.once('data', () => {
          requests.push({ method: req.method!, path: req.url!, status: 0, bytes: 0 });
          req.socket.resetAndDestroy();
        });
        return;
      }
      requests.push({ method: req.method!, path: req.url!, status: fault.fault, bytes: 0 });
      req.resume();
      res.writeHead(fault.fault, { 'Content-Type': 'application/json' });
      res.end('{"errors":[{"code":"UNAVAILABLE","message":"injected by the counting proxy"}]}');
      return;
    }
    let bytes = 0;
    const out = http.request(
      { host: upHost, port: Number(upPort), method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        requests.push({ method: req.method!, path: req.url!, status: answer.statusCode!, bytes });
        res.writeHead(answer.statusCode!, answer.headers);
        answer.pipe(res);
      },
    );
    out.on('error', () => res.destroy());
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const isUpload = (r: ProxiedRequest) => /\/blobs\/uploads\//.test(r.path) && /^(PUT|PATCH)$/.test(r.method);
  return {
    host: `127.0.0.1:${port}`,
    requests,
    inject: (fault) => faults.push({ ...fault }),
    uploadedBytes: () => requests.filter(isUpload).reduce((n, r) => n + r.bytes, 0),
    uploadedDigests: () =>
      requests
        .filter((r) => r.method === 'PUT' && isUpload(r) && r.status === 201)
        .map((r) => decodeURIComponent(/[?&]digest=([^&]+)/.exec(r.path)?.[1] ?? '')),
    mountedDigests: () =>
      requests
        .filter((r) => r.method === 'POST' && r.status === 201 && /[?&]mount=/.test(r.path))
        .map((r) => decodeURIComponent(/[?&]mount=([^&]+)/.exec(r.path)![1]!)),
    reset: () => requests.splice(0),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
