// Issue 12 point 15: what Flinkship downloads and then runs or applies has a pinned sha256, checked
// before use: the kind binary (also the tool cache's copy) and Strimzi's install manifests (cluster-scoped
// CRDs and RBAC), which are refused over plain http. Real files, real loopback servers, the real CLI.
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { arch, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KIND_SHA256, KIND_VERSION, Kind, kindDownloadUrl, kindPlatform } from '../../src/executors/kind.js';
import { STRIMZI_DEFAULT_MANIFESTS, STRIMZI_MANIFESTS_SHA256 } from '../../src/integration/strimzi.js';
import type { Ui } from '../../src/ui/ui.js';
import { OperationError } from '../../src/util/errors.js';
import { sha256Hex } from '../../src/util/digest.js';
import { cli } from '../helpers/cli.js';
import { run } from '../helpers/run.js';

const FIXTURE = 'fixtures/log-cleaner/flinkship.yaml';
// Beside the checkout, as the other tests find it.
const STRIMZI_INSTALL = path.resolve('..', 'shared/upstream/strimzi-1.2.0/install');

const quietUi = (lines: string[]): Ui => ({
  group: (_t, fn) => fn(),
  info: (m) => lines.push(m),
  warning: (m) => lines.push(`warning: ${m}`),
  error: (m) => lines.push(`error: ${m}`),
  issues: () => undefined,
  setOutput: () => undefined,
  summary: async () => undefined,
  secret: () => undefined,
  mask: (text) => text,
});

let dir: string;
const servers: Server[] = [];
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'secsup-downloads-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** A stand-in Kubernetes API server that records every request: a deploy tool's write would land here. */
async function recordingApiServer(seen: string[]): Promise<string> {
  const port = await listen(
    createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      res.statusCode = 503;
      res.end();
    }),
  );
  const kubeconfig = path.join(dir, `kubeconfig-${port}`);
  writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      // Plain http, which the Kubernetes client allows only with insecure-skip-tls-verify: so that any
      // request of the run would reach this recorder.
      `clusters: [{ name: c, cluster: { server: "http://127.0.0.1:${port}", insecure-skip-tls-verify: true } }]`,
      'users: [{ name: u, user: { token: secsup-token } }]',
      'contexts: [{ name: x, context: { cluster: c, user: u, namespace: default } }]',
      'current-context: x',
      '',
    ].join('\n'),
  );
  return kubeconfig;
}

/** Strimzi 1.2.0's install files as one YAML stream: real content, not byte for byte the release file. */
const strimziYaml = (): string =>
  readdirSync(STRIMZI_INSTALL)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => readFileSync(path.join(STRIMZI_INSTALL, f), 'utf8'))
    .join('---\n');

describe('the pinned digests', () => {
  it('has one for each platform of kind v0.30.0 and for the Strimzi 1.2.0 release file', () => {
    expect(KIND_SHA256).toEqual({
      '0.30.0': {
        'linux-amd64': '517ab7fc89ddeed5fa65abf71530d90648d9638ef0c4cde22c2c11f8097b8889',
        'linux-arm64': '7ea2de9d2d190022ed4a8a4e3ac0636c8a455e460b9a13ccf19f15d07f4f00eb',
        'darwin-amd64': '4f0b6e3b88bdc66d922c08469f05ef507d4903dd236e6319199bb9c868eed274',
        'darwin-arm64': 'ceaf40df1d1551c481fb50e3deb5c3deecad5fd599df5469626b70ddf52a1518',
      },
    });
    expect(STRIMZI_MANIFESTS_SHA256).toBe('a0b1ae3e375a7da0674eb3894df8aa955bc50abe8190bc9344e30b83bbee4775');
    expect(STRIMZI_DEFAULT_MANIFESTS).toBe(
      'https://github.com/strimzi/strimzi-kafka-operator/releases/download/1.2.0/strimzi-cluster-operator-1.2.0.yaml',
    );
    expect(kindPlatform('linux', 'x64')).toBe('linux-amd64');
    expect(kindPlatform('darwin', 'arm64')).toBe('darwin-arm64');
    expect(kindDownloadUrl('0.30.0', 'linux', 'x64')).toBe(
      'https://kind.sigs.k8s.io/dl/v0.30.0/kind-linux-amd64',
    );
  });
});

describe('kind from the tool cache', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env.RUNNER_TOOL_CACHE = saved.RUNNER_TOOL_CACHE;
    process.env.PATH = saved.PATH;
    if (saved.RUNNER_TOOL_CACHE === undefined) delete process.env.RUNNER_TOOL_CACHE;
  });

  /** A tool cache holding `kind` 0.30.0 as @actions/tool-cache lays it out: a script that leaves a marker. */
  function toolCache(name: string): { cache: string; binary: string; marker: string; script: string } {
    const cache = path.join(dir, name);
    const marker = path.join(dir, `${name}-ran`);
    const toolDir = path.join(cache, 'kind', KIND_VERSION, arch());
    mkdirSync(toolDir, { recursive: true });
    const script = `#!/bin/sh\ntouch '${marker}'\necho "kind v${KIND_VERSION} go1.24.6 ${process.platform}/${arch()}"\n`;
    writeFileSync(path.join(toolDir, 'kind'), script, { mode: 0o755 });
    writeFileSync(`${toolDir}.complete`, '');
    return { cache, binary: path.join(toolDir, 'kind'), marker, script };
  }

  it('refuses a cached binary whose sha256 is not the pinned one, and never runs it', async () => {
    const { cache, binary, marker, script } = toolCache('tampered');
    process.env.RUNNER_TOOL_CACHE = cache;
    // No kind on PATH either: the refusal must not fall through to anything else.
    process.env.PATH = '/nonexistent';
    const lines: string[] = [];
    const err = await Kind.install(quietUi(lines)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(OperationError);
    expect((err as Error).message).toBe(
      `kind ${KIND_VERSION} in the tool cache (${binary}) has sha256 ${sha256Hex(Buffer.from(script))}, not the pinned ${KIND_SHA256[KIND_VERSION]![kindPlatform()]} of ${kindDownloadUrl(KIND_VERSION)}: it changed after it was cached, so Flinkship does not run it; delete ${path.dirname(binary)} to download it again`,
    );
    expect(existsSync(marker)).toBe(false);
    expect(lines).toEqual([]);
  });

  it('runs a cached binary whose sha256 is the pinned one', async () => {
    const { cache, binary, marker, script } = toolCache('verified');
    process.env.RUNNER_TOOL_CACHE = cache;
    const lines: string[] = [];
    const pins = { [KIND_VERSION]: { [kindPlatform()]: sha256Hex(Buffer.from(script)) } };
    const kind = await Kind.install(quietUi(lines), KIND_VERSION, pins);
    expect(kind.binary).toBe(binary);
    expect(existsSync(marker)).toBe(false);
    await kind.run(['version'], { quiet: true });
    expect(existsSync(marker)).toBe(true);
    expect(lines).toEqual([
      `kind ${KIND_VERSION} from the tool cache, sha256 verified (${path.dirname(binary)})`,
    ]);
  });
});

describe('the Strimzi manifests', () => {
  it('refuses an http:// URL as bad input (exit 2), before fetching it or touching the cluster', async () => {
    const manifestRequests: string[] = [];
    const port = await listen(
      createServer((req, res) => {
        manifestRequests.push(`${req.method} ${req.url}`);
        res.end(strimziYaml());
      }),
    );
    const apiRequests: string[] = [];
    const kubeconfig = await recordingApiServer(apiRequests);
    const url = `http://127.0.0.1:${port}/strimzi-cluster-operator-1.2.0.yaml`;
    const r = await cli(
      'env up',
      ...['--config', FIXTURE, '--cluster', 'existing', '--kubeconfig', kubeconfig],
      ...['--strimzi-manifests', url],
    );
    expect(r.code).toBe(2);
    expect(r.err.split('\n').filter((l) => l.startsWith('error: '))).toEqual([
      `error: <flags>: --strimzi-manifests: ${url}: plain http:// is refused: anyone on the way could change the cluster-scoped CRDs and RBAC it installs; give an https:// URL (its content must have the sha256 of strimzi-cluster-operator-1.2.0.yaml, ${STRIMZI_MANIFESTS_SHA256}), or the release's install directory or YAML file on disk`,
    ]);
    expect(manifestRequests).toEqual([]);
    expect(apiRequests).toEqual([]);
  });

  // A child process starts tsx and the CLI: slow on a loaded machine, so more than the unit default.
  describe('over https', { timeout: 60_000 }, () => {
    let tls: { key: Buffer; cert: Buffer; ca: string };
    beforeAll(() => {
      const keyFile = path.join(dir, 'key.pem');
      const ca = path.join(dir, 'cert.pem');
      execFileSync(
        'openssl',
        [
          ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
          ...['-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
          ...['-keyout', keyFile, '-out', ca],
        ],
        { stdio: 'ignore' },
      );
      tls = { key: readFileSync(keyFile), cert: readFileSync(ca), ca };
    });

    async function serve(body: string, seen: string[]): Promise<string> {
      const port = await listen(
        createHttpsServer({ key: tls.key, cert: tls.cert }, (req, res) => {
          seen.push(`${req.method} ${req.url}`);
          res.end(body);
        }) as unknown as Server,
      );
      return `https://127.0.0.1:${port}/strimzi-cluster-operator-1.2.0.yaml`;
    }

    // Node trusts the test's certificate only through NODE_EXTRA_CA_CERTS, read at start: a child process.
    const node = (args: string[]) =>
      run(process.execPath, ['--import', 'tsx', ...args], { env: { NODE_EXTRA_CA_CERTS: tls.ca } });

    it('refuses content that differs from the pin (exit 1, both digests and the URL), before any apply', async () => {
      const body = strimziYaml();
      const seen: string[] = [];
      const url = await serve(body, seen);
      const apiRequests: string[] = [];
      const kubeconfig = await recordingApiServer(apiRequests);
      const r = await node([
        'src/cli/main.ts',
        ...['env', 'up', '--config', FIXTURE, '--cluster', 'existing', '--kubeconfig', kubeconfig],
        ...['--strimzi-manifests', url],
      ]);
      expect(r.code).toBe(1);
      expect(r.stderr.split('\n').filter((l) => l.startsWith('error: '))).toEqual([
        `error: the Strimzi manifests from ${url} have sha256 ${sha256Hex(Buffer.from(body))}, not the pinned ${STRIMZI_MANIFESTS_SHA256} of strimzi-cluster-operator-1.2.0.yaml, so Flinkship does not apply them; give ${STRIMZI_DEFAULT_MANIFESTS} or a copy of that file`,
      ]);
      expect(seen).toEqual(['GET /strimzi-cluster-operator-1.2.0.yaml']);
      expect(apiRequests).toEqual([]);
    });

    it('reads content with the expected sha256', async () => {
      const body = strimziYaml();
      const url = await serve(body, []);
      const script = [
        `import { loadStrimziManifests } from ${JSON.stringify(path.resolve('src/integration/strimzi.ts'))};`,
        `const objects = await loadStrimziManifests(${JSON.stringify(url)}, ${JSON.stringify(sha256Hex(Buffer.from(body)))});`,
        `console.log(objects.length);`,
      ].join('\n');
      const r = await node(['--input-type=module', '-e', script]);
      expect(r).toMatchObject({ code: 0, stdout: '27\n' });
    });
  });
});
