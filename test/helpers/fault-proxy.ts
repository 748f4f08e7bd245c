// A fault-injecting proxy in front of a real Kubernetes API server, for tests of retries and waits.
//
// It terminates TLS with its own certificate (made per proxy with `openssl`, for IP 127.0.0.1) so it
// can see and answer at the HTTP level, and forwards each request to the real API server as an HTTPS
// client presenting the original kubeconfig's client certificate and trusting its CA. The client's
// own headers (an `Authorization` bearer token included) pass through unchanged. The kubeconfig it
// writes is the original's current context with `server` set to the proxy and the proxy's certificate
// as the CA, so a client built from it talks TLS end to end and authenticates as before.
//
// Faults, in order, first match wins:
// - `status`: answer without forwarding, with a Kubernetes `Status` body (reason and message default
//   to what the API server sends for that code);
// - `reset`: send a TCP RST on the client connection instead of an answer.
// Responses stream through unbuffered, so watches work. Upgrades (exec, attach, port-forward) are not
// proxied.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';

export interface FaultMatch {
  /** HTTP method, e.g. `PATCH`. */
  method?: string;
  /** Prefix of the path without the query, e.g. `/api/v1/namespaces/`. */
  pathPrefix?: string;
  /** Tested against the path with its query, e.g. `/[?&]watch=true/`. */
  pathPattern?: RegExp;
}

interface FaultBase {
  match: FaultMatch;
  /** How many matching requests get the fault (default 1). */
  times?: number;
  /** How many matching requests pass untouched before the fault starts (default 0). */
  skip?: number;
}

export interface StatusFault extends FaultBase {
  kind: 'status';
  code: number;
  reason?: string;
  message?: string;
}

export interface ResetFault extends FaultBase {
  kind: 'reset';
}

export type Fault = StatusFault | ResetFault;

export interface RecordedRequest {
  method: string;
  /** Path with query. */
  path: string;
  /** Status the client got; undefined for a reset, or while no response has started. */
  status?: number;
  /** Which fault, if any, answered instead of the API server. */
  fault?: Fault['kind'];
}

export interface InjectedFault {
  /** Index of the fault in the order given (`faults`, then `addFault`). */
  index: number;
  kind: Fault['kind'];
  code?: number;
  method: string;
  path: string;
}

export interface FaultProxyOptions {
  /** The original kubeconfig (its current context is used). */
  kubeconfig: string;
  /** The API server to forward to; defaults to the kubeconfig's server. */
  target?: string;
  faults?: Fault[];
}

export interface FaultProxy {
  /** A kubeconfig whose server is this proxy. */
  kubeconfigPath: string;
  url: string;
  requests: RecordedRequest[];
  injected: InjectedFault[];
  addFault(fault: Fault): void;
  close(): Promise<void>;
}

const DEFAULT_REASONS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  410: 'Expired',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
]);

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const kc = new KubeConfig();
  kc.loadFromFile(options.kubeconfig);
  const cluster = kc.getCurrentCluster();
  const user = kc.getCurrentUser();
  const context = kc.getContextObject(kc.getCurrentContext());
  if (!cluster || !user || !context) {
    throw new Error(`${options.kubeconfig}: no current context with a cluster and a user`);
  }
  const target = new URL(options.target ?? cluster.server);
  const tlsOptions: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(tlsOptions);
  const upstreamAgent = new https.Agent({
    keepAlive: true,
    ca: tlsOptions.ca,
    cert: tlsOptions.cert,
    key: tlsOptions.key,
    rejectUnauthorized: tlsOptions.rejectUnauthorized,
    servername: tlsOptions.servername,
  });

  const dir = await mkdtemp(path.join(tmpdir(), 'flinkship-fault-proxy-'));
  try {
    const { cert, key } = await makeServingCert(dir);
    const faults: { fault: Fault; skipped: number; fired: number }[] = [];
    const addFault = (fault: Fault) => faults.push({ fault, skipped: 0, fired: 0 });
    (options.faults ?? []).forEach(addFault);
    const requests: RecordedRequest[] = [];
    const injected: InjectedFault[] = [];

    // The raw TCP sockets, by the client's port, so a fault can reset the connection under TLS.
    const rawSockets = new Map<number, net.Socket>();
    const pickFault = (method: string, fullPath: string) => {
      const pathname = new URL(fullPath, 'https://proxy.invalid').pathname;
      for (const [index, state] of faults.entries()) {
        const { match, times = 1, skip = 0 } = state.fault;
        if (match.method && match.method.toUpperCase() !== method) continue;
        if (match.pathPrefix && !pathname.startsWith(match.pathPrefix)) continue;
        if (match.pathPattern && !match.pathPattern.test(fullPath)) continue;
        if (state.skipped < skip) {
          state.skipped++;
          continue;
        }
        if (state.fired >= times) continue;
        state.fired++;
        return { index, fault: state.fault };
      }
      return undefined;
    };

    const tlsServer = https.createServer({ cert, key }, (req, res) => {
      const method = req.method ?? 'GET';
      const fullPath = req.url ?? '/';
      const record: RecordedRequest = { method, path: fullPath };
      requests.push(record);
      const picked = pickFault(method, fullPath);
      if (picked) {
        const { index, fault } = picked;
        record.fault = fault.kind;
        injected.push({
          index,
          kind: fault.kind,
          code: fault.kind === 'status' ? fault.code : undefined,
          method,
          path: fullPath,
        });
        // Read the request to its end first, as the API server would, so the client is not cut off mid-send.
        req.resume();
        req.on('end', () => {
          if (fault.kind === 'reset') {
            const raw = rawSockets.get(req.socket.remotePort ?? -1);
            if (raw) raw.resetAndDestroy();
            else req.socket.destroy();
            return;
          }
          record.status = fault.code;
          const body = statusBody(fault, method, fullPath);
          res.writeHead(fault.code, {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            ...(fault.code === 429 ? { 'retry-after': '1' } : {}),
          });
          res.end(body);
        });
        return;
      }
      forward(req, res, record);
    });

    const forward = (req: http.IncomingMessage, res: http.ServerResponse, record: RecordedRequest) => {
      const headers: http.OutgoingHttpHeaders = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (!HOP_BY_HOP.has(name) && name !== 'host') headers[name] = value;
      }
      headers.host = target.host;
      const upstream = https.request(
        {
          agent: upstreamAgent,
          hostname: target.hostname,
          port: target.port || 443,
          method: req.method,
          path: req.url,
          headers,
        },
        (upRes) => {
          record.status = upRes.statusCode;
          const outHeaders: http.OutgoingHttpHeaders = {};
          for (const [name, value] of Object.entries(upRes.headers)) {
            if (!HOP_BY_HOP.has(name) && value !== undefined) outHeaders[name] = value;
          }
          res.writeHead(upRes.statusCode ?? 502, outHeaders);
          // Headers now and each chunk as it arrives: a watch's events must not wait for the stream's end.
          res.flushHeaders();
          upRes.pipe(res);
          upRes.on('error', () => res.destroy());
        },
      );
      upstream.on('error', (err) => {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        record.status = 502;
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`fault proxy: upstream ${target.origin}: ${err.message}\n`);
      });
      // A client that goes away (e.g. a watch aborted) ends the upstream request too.
      res.on('close', () => {
        if (!res.writableFinished) upstream.destroy();
      });
      req.pipe(upstream);
    };

    const tcpServer = net.createServer((socket) => {
      const port = socket.remotePort;
      if (port !== undefined) {
        rawSockets.set(port, socket);
        socket.on('close', () => rawSockets.delete(port));
      }
      socket.on('error', () => undefined);
      tlsServer.emit('connection', socket);
    });
    await new Promise<void>((resolve, reject) => {
      tcpServer.once('error', reject);
      tcpServer.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = tcpServer.address() as net.AddressInfo;
    const url = `https://127.0.0.1:${port}`;

    const proxied = new KubeConfig();
    proxied.loadFromOptions({
      clusters: [
        {
          name: cluster.name,
          server: url,
          caData: Buffer.from(cert).toString('base64'),
          skipTLSVerify: false,
        },
      ],
      users: [user],
      contexts: [context],
      currentContext: context.name,
    });
    const kubeconfigPath = path.join(dir, 'kubeconfig');
    await writeFile(kubeconfigPath, proxied.exportConfig(), { mode: 0o600 });

    const close = async () => {
      for (const socket of rawSockets.values()) socket.destroy();
      tlsServer.closeAllConnections();
      await new Promise<void>((resolve) => tcpServer.close(() => resolve()));
      upstreamAgent.destroy();
      await rm(dir, { recursive: true, force: true });
    };
    return { kubeconfigPath, url, requests, injected, addFault, close };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

function statusBody(fault: StatusFault, method: string, fullPath: string): string {
  const reason = fault.reason ?? DEFAULT_REASONS[fault.code] ?? 'InternalError';
  const message =
    fault.message ??
    (fault.code === 409 && reason === 'Conflict'
      ? `Operation cannot be fulfilled on ${new URL(fullPath, 'https://proxy.invalid').pathname}: the object has been modified; please apply your changes to the latest version and try again`
      : `fault proxy: injected ${fault.code} ${reason} for ${method} ${fullPath}`);
  return JSON.stringify({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code: fault.code,
  });
}

/** A self-signed P-256 certificate for 127.0.0.1, which the proxy serves and its kubeconfig trusts. */
async function makeServingCert(dir: string): Promise<{ cert: string; key: string }> {
  const certFile = path.join(dir, 'proxy.crt');
  const keyFile = path.join(dir, 'proxy.key');
  // An absolute deadline, so a hung openssl cannot hang the test.
  await promisify(execFile)(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '1',
      '-subj',
      '/CN=flinkship-fault-proxy',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { timeout: 30_000 },
  );
  return { cert: await readFile(certFile, 'utf8'), key: await readFile(keyFile, 'utf8') };
}
