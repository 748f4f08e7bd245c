// Promotion's registry copy against the tools people use for it, measured in one run, alternating:
// - Flinkship's copy (src/promote/copy.ts, what `flinkship promote` runs before its deploy);
// - `skopeo copy` (containers/image), registry to registry;
// - `docker pull` + `docker tag` + push through the Docker engine.
// Same-registry (staging to another repository of staging) and cross-registry (staging to production,
// basic auth). Each round copies into fresh repositories, so nothing is there before. Every tool talks
// to the registries through the same counting proxies (test/helpers/counting-proxy.ts), which count the
// blob bytes uploaded. The image is the fixture job's: the testbed's Flink 1.20.3 image and the fixture
// jar in a layer of its own. Writes its section of docs/BENCHMARKS.md. Run with `npm run bench`.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { tarContext } from '../src/build/context.js';
import { DockerEngine } from '../src/executors/docker.js';
import { Registry } from '../src/executors/registry.js';
import { copyImage } from '../src/promote/copy.js';
import { startCountingProxy, type CountingProxy } from '../test/helpers/counting-proxy.js';
import { writeBenchSection } from './bench-section.js';

const run = promisify(execFile);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run scripts/bench (it brings the testbed up)`);
  return v;
};
const JAR = path.resolve(import.meta.dirname, '../fixtures/log-cleaner/target/log-cleaner.jar');

interface Sample {
  seconds: number;
  bytes: number;
}

async function timed(proxy: CountingProxy, fn: () => Promise<unknown>): Promise<Sample> {
  proxy.reset();
  const start = performance.now();
  await fn();
  return { seconds: (performance.now() - start) / 1000, bytes: proxy.uploadedBytes() };
}

/**
 * Removes what a run stored in `repo` (its manifest and its links to the blobs), straight at the registry:
 * the next tool finds nothing to reuse there, so each run copies as into a registry that never saw the
 * image (docker and skopeo remember where they pushed a blob and would mount it from there).
 */
async function unlink(host: string, repo: string, reference: string, auth?: string): Promise<void> {
  const headers: Record<string, string> = auth ? { Authorization: auth } : {};
  const res = await fetch(`http://${host}/v2/${repo}/manifests/${reference}`, {
    headers: {
      ...headers,
      Accept:
        'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json',
    },
  });
  if (!res.ok) throw new Error(`GET ${repo}:${reference} at ${host}: HTTP ${res.status}`);
  const digest = res.headers.get('docker-content-digest')!;
  const body = (await res.json()) as { config: { digest: string }; layers: { digest: string }[] };
  for (const d of [body.config.digest, ...body.layers.map((l) => l.digest)]) {
    const del = await fetch(`http://${host}/v2/${repo}/blobs/${d}`, { method: 'DELETE', headers });
    if (del.status !== 202 && del.status !== 404)
      throw new Error(`DELETE blob ${d} in ${repo}: HTTP ${del.status}`);
  }
  const del = await fetch(`http://${host}/v2/${repo}/manifests/${digest}`, { method: 'DELETE', headers });
  if (del.status !== 202 && del.status !== 404)
    throw new Error(`DELETE manifest of ${repo}: HTTP ${del.status}`);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  if (!existsSync(JAR))
    throw new Error(`${JAR} is missing: build the fixture (mvn -f fixtures/log-cleaner package)`);
  const user = env('FLINKSHIP_TESTBED_PRODUCTION_REGISTRY_USER');
  const password = env('FLINKSHIP_TESTBED_PRODUCTION_REGISTRY_PASSWORD');
  const staging = await startCountingProxy(env('FLINKSHIP_TESTBED_STAGING_REGISTRY'));
  const production = await startCountingProxy(env('FLINKSHIP_TESTBED_PRODUCTION_REGISTRY'));
  const work = mkdtempSync(path.join(tmpdir(), 'flinkship-bench-promote-'));
  const engine = new DockerEngine();
  try {
    const tag = `bench-${Date.now().toString(36)}`;
    const source = `${staging.host}/bench-promote/job`;
    await engine.build(
      tarContext([
        {
          name: 'Dockerfile',
          content: `FROM ${env('FLINKSHIP_TESTBED_FLINK_BASE_IMAGE')}\nCOPY log-cleaner.jar /opt/flink/usrlib/\n`,
        },
        { name: 'log-cleaner.jar', file: JAR },
      ]),
      { tag: `${source}:${tag}`, buildArgs: {}, labels: {} },
      () => undefined,
    );
    const { digest } = await engine.push(source, tag, undefined, () => undefined);
    const authfile = path.join(work, 'auth.json');
    writeFileSync(
      authfile,
      JSON.stringify({
        auths: { [production.host]: { auth: Buffer.from(`${user}:${password}`).toString('base64') } },
      }),
      { mode: 0o600 },
    );
    const login = { username: user, password };
    const quiet = { info: () => undefined };
    let n = 0;
    const fresh = () => `bench-promote/r${Date.now().toString(36)}-${n++}`;
    const stagingDirect = env('FLINKSHIP_TESTBED_STAGING_REGISTRY');
    const productionDirect = env('FLINKSHIP_TESTBED_PRODUCTION_REGISTRY');
    const basic = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    type Tool = (dst: string) => Promise<unknown>;
    const cases: Record<
      string,
      {
        proxy: CountingProxy;
        direct: string;
        auth?: string;
        tools: Record<'flinkship' | 'skopeo' | 'docker', Tool>;
      }
    > = {
      'same registry': {
        proxy: staging,
        direct: stagingDirect,
        tools: {
          flinkship: async (dst) => {
            const registry = new Registry(staging.host);
            await copyImage(
              { registry, host: staging.host, path: 'bench-promote/job' },
              { registry, host: staging.host, path: dst },
              digest,
              { dryRun: false, ui: quiet },
            );
          },
          skopeo: (dst) =>
            run('skopeo', [
              'copy',
              '-q',
              '--src-tls-verify=false',
              '--dest-tls-verify=false',
              `docker://${source}@${digest}`,
              `docker://${staging.host}/${dst}:${tag}`,
            ]),
          docker: async (dst) => {
            const target = `${staging.host}/${dst}`;
            await run('docker', ['pull', '-q', `${source}@${digest}`]);
            await engine.tag(`${source}@${digest}`, target, tag);
            await engine.push(target, tag, undefined, () => undefined);
            await engine.remove(`${target}:${tag}`);
          },
        },
      },
      'across registries': {
        proxy: production,
        direct: productionDirect,
        auth: basic,
        tools: {
          flinkship: (dst) =>
            copyImage(
              { registry: new Registry(staging.host), host: staging.host, path: 'bench-promote/job' },
              { registry: new Registry(production.host, login), host: production.host, path: dst },
              digest,
              { dryRun: false, ui: quiet },
            ),
          skopeo: (dst) =>
            run('skopeo', [
              'copy',
              '-q',
              '--src-tls-verify=false',
              '--dest-tls-verify=false',
              '--dest-authfile',
              authfile,
              `docker://${source}@${digest}`,
              `docker://${production.host}/${dst}:${tag}`,
            ]),
          docker: async (dst) => {
            const target = `${production.host}/${dst}`;
            await run('docker', ['pull', '-q', `${source}@${digest}`]);
            await engine.tag(`${source}@${digest}`, target, tag);
            await engine.push(
              target,
              tag,
              { username: user, password, serveraddress: production.host },
              () => undefined,
            );
            await engine.remove(`${target}:${tag}`);
          },
        },
      },
    };
    const tools = ['flinkship', 'skopeo', 'docker'] as const;
    const samples = new Map<string, Sample[]>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const [where, c] of Object.entries(cases)) {
        for (const tool of tools) {
          const dst = fresh();
          const s = await timed(c.proxy, () => c.tools[tool](dst));
          await unlink(c.direct, dst, tool === 'flinkship' ? digest : tag, c.auth);
          samples.set(`${where}/${tool}`, [...(samples.get(`${where}/${tool}`) ?? []), s]);
        }
      }
    }
    const label = {
      flinkship: "Flinkship (promote's copy)",
      skopeo: '`skopeo copy`',
      docker: '`docker pull` + `tag` + push',
    };
    const rows: string[] = [];
    for (const where of Object.keys(cases)) {
      const base = median(samples.get(`${where}/flinkship`)!.map((s) => s.seconds));
      for (const tool of tools) {
        const s = samples.get(`${where}/${tool}`)!;
        const secs = median(s.map((x) => x.seconds));
        const mib = median(s.map((x) => x.bytes)) / 2 ** 20;
        rows.push(
          `| ${where} | ${label[tool]} | ${s.map((x) => x.seconds.toFixed(2)).join(', ')} | ${secs.toFixed(2)} | ${(secs / base).toFixed(2)}× | ${mib.toFixed(1)} MiB |`,
        );
      }
    }
    await writeBenchSection(
      'promote',
      `## Promotion: the registry copy against skopeo and docker

Measured ${new Date().toISOString()} by \`npm run bench\` (scripts/bench-promote.ts): the fixture job's image (the
testbed's Flink 1.20.3 image and the fixture jar) from the staging registry to a fresh repository of the same
registry, and to the production registry (basic auth), ${ROUNDS} rounds, the three tools in turn. Every tool goes
through the same counting proxies; "uploaded" is the blob bytes the destination received (median). The Docker
engine already holds the image's layers (it built them), so its pull moves only the manifest: its time is a
lower bound of what a runner pays.

| Copy | Tool | seconds (each round) | median | ÷ Flinkship | uploaded |
| --- | --- | --- | --- | --- | --- |
${rows.join('\n')}

On the same registry Flinkship mounts every blob across repositories: no blob byte moves.`,
    );
  } finally {
    await staging.close();
    await production.close();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
