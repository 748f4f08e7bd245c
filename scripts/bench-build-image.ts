// Benchmark of the job image's layering, against the testbed's engine and staging registry:
//  - bytes a jar-only rebuild pushes, relative to the jar (goal: <= 1.05x, plus manifest and config),
//    for Flinkship's Dockerfile and for a naive one that copies the jar and an extra lib in one layer;
//  - cold (no layer cache) and warm (cache, only the jar changed) build times.
// Writes its section of docs/BENCHMARKS.md. Run with `npm run bench` (scripts/bench).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as prettier from 'prettier';
import { contextEntries, tarContext, type ContextEntry } from '../src/build/context.js';
import { repositoryPath } from '../src/build/credentials.js';
import { runCli } from '../src/cli/run.js';
import { DockerEngine } from '../src/executors/docker.js';
import { Registry, type ImageManifest } from '../src/executors/registry.js';
import { planImage } from '../src/plan/image.js';
import { loadSpec } from '../src/spec/load.js';
import { resolveEnvironment } from '../src/spec/resolve.js';

const exec = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '..');
const FIXTURE_JAR = path.join(ROOT, 'fixtures/log-cleaner/target/log-cleaner.jar');
const OUT = path.join(ROOT, 'docs/BENCHMARKS.md');
const START = '<!-- build-image:start -->';
const END = '<!-- build-image:end -->';

function need(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run through scripts/bench, which brings the testbed up`);
  return value;
}

const registryHost = need('FLINKSHIP_TESTBED_STAGING_REGISTRY');
const base = need('FLINKSHIP_TESTBED_FLINK_BASE_IMAGE');
const runId = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
const engine = new DockerEngine();
const registry = new Registry(registryHost);
const quiet = () => undefined;

/** Bytes a push of `after` sends when `before` is already in the registry: new layers, config, manifest. */
function pushedBytes(before: ImageManifest, after: ImageManifest): { layers: number; total: number } {
  const known = new Set([...before.layers, before.config].map((d) => d.digest));
  const layers = after.layers.filter((l) => !known.has(l.digest)).reduce((n, l) => n + l.size, 0);
  return { layers, total: layers + after.config.size + after.bytes };
}

async function changeJar(jar: string, work: string): Promise<void> {
  const extra = path.join(work, 'change');
  await mkdir(extra, { recursive: true });
  await writeFile(path.join(extra, 'rebuild.txt'), randomBytes(32).toString('hex'));
  await exec('jar', ['uf', jar, '-C', extra, 'rebuild.txt']);
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const result = await fn();
  return [result, (performance.now() - start) / 1000];
}

async function flinkshipBuild(spec: string, repository: string, tag: string): Promise<string> {
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: { write: (s: string) => ((stdout += s), true) } as unknown as NodeJS.WritableStream,
    stderr: { write: (s: string) => ((stderr += s), true) } as unknown as NodeJS.WritableStream,
  };
  const code = await runCli(
    ['build', '--config', spec, '--repository', repository, '--tag', tag, '--output', 'json'],
    io,
  );
  if (code !== 0) throw new Error(`flinkship build exited ${code}:\n${stderr}`);
  return (JSON.parse(stdout) as { digest: string }).digest;
}

async function naiveBuildAndPush(work: string, repository: string, tag: string): Promise<string> {
  const entries: ContextEntry[] = [
    {
      name: 'Dockerfile',
      content: `FROM ${base}\nCOPY --chown=9999:9999 extra.jar log-cleaner.jar /opt/flink/usrlib/\n`,
    },
    { name: 'extra.jar', file: path.join(work, 'lib/extra.jar') },
    { name: 'log-cleaner.jar', file: path.join(work, 'target/log-cleaner.jar') },
  ];
  await engine.build(tarContext(entries), { tag: `${repository}:${tag}`, buildArgs: {}, labels: {} }, quiet);
  return (await engine.push(repository, tag, undefined, quiet)).digest;
}

async function main(): Promise<void> {
  if (!existsSync(FIXTURE_JAR)) {
    console.error('building the fixture jar (mvn package)');
    await exec('mvn', [
      '-B',
      '-q',
      '-f',
      path.join(ROOT, 'fixtures/log-cleaner/pom.xml'),
      'package',
      '-DskipTests',
    ]);
  }
  const work = await mkdtemp(path.join(tmpdir(), 'flinkship-bench-'));
  const repo = `${registryHost}/flinkship-bench/log-cleaner-${runId}`;
  const naiveRepo = `${registryHost}/flinkship-bench/naive-${runId}`;
  const jar = path.join(work, 'target/log-cleaner.jar');
  const created: string[] = [];
  try {
    await mkdir(path.join(work, 'target'));
    await mkdir(path.join(work, 'lib/src'), { recursive: true });
    await copyFile(FIXTURE_JAR, jar);
    // An extra lib of incompressible bytes, as large as a typical connector bundle.
    await writeFile(path.join(work, 'lib/src/blob.bin'), randomBytes(8 * 1024 * 1024));
    await exec('jar', ['cf0', path.join(work, 'lib/extra.jar'), '-C', path.join(work, 'lib/src'), '.']);
    const spec = path.join(work, 'flinkship.yaml');
    await writeFile(
      spec,
      [
        'name: log-cleaner',
        "flinkVersion: '1.20'",
        'image:',
        `  base: ${base}`,
        `  repository: ${repo}`,
        '  plugins: [flink-metrics-prometheus]',
        '  libs: [lib/extra.jar]',
        'job:',
        '  jar: target/log-cleaner.jar',
        '  entryClass: dev.flinkship.logcleaner.LogCleanerJob',
        '',
      ].join('\n'),
    );

    // Cold and warm build times, the build step alone.
    const loaded = loadSpec(spec);
    const plan = planImage(resolveEnvironment(loaded.spec, ''), loaded.file);
    const entries = () => contextEntries(plan.context, loaded.dir, plan.dockerfile);
    const buildOnce = (tag: string, noCache: boolean) =>
      engine.build(
        tarContext(entries()),
        { tag: `${repo}:${tag}`, buildArgs: {}, labels: {}, noCache },
        quiet,
      );
    created.push(`${repo}:cold`, `${repo}:warm`, `${repo}:warm-jar`);
    const [, cold] = await timed(() => buildOnce('cold', true));
    const [, warmSame] = await timed(() => buildOnce('warm', false));
    await changeJar(jar, work);
    const [, warmJar] = await timed(() => buildOnce('warm-jar', false));

    // Bytes pushed by a jar-only rebuild: Flinkship's layering.
    created.push(`${repo}:v1`, `${repo}:v2`);
    const d1 = await flinkshipBuild(spec, repo, 'v1');
    await changeJar(jar, work);
    const d2 = await flinkshipBuild(spec, repo, 'v2');
    const jarBytes = (await stat(jar)).size;
    const path1 = repositoryPath(repo);
    const ours = pushedBytes(await registry.manifest(path1, d1), await registry.manifest(path1, d2));

    // The naive baseline: jar and lib in one layer.
    created.push(`${naiveRepo}:v1`, `${naiveRepo}:v2`);
    const n1 = await naiveBuildAndPush(work, naiveRepo, 'v1');
    await changeJar(jar, work);
    const n2 = await naiveBuildAndPush(work, naiveRepo, 'v2');
    const naiveJarBytes = (await stat(jar)).size;
    const path2 = repositoryPath(naiveRepo);
    const naive = pushedBytes(await registry.manifest(path2, n1), await registry.manifest(path2, n2));

    const libBytes = (await stat(path.join(work, 'lib/extra.jar'))).size;
    const ratio = (n: number, d: number) => (n / d).toFixed(3);
    const mib = (n: number) => `${(n / 1024 / 1024).toFixed(2)} MiB`;
    const section = [
      START,
      '## build-image: bytes pushed by a jar-only rebuild, and build times',
      '',
      `Measured ${new Date().toISOString()} by \`npm run bench\` (scripts/bench-build-image.ts) against the testbed's`,
      `Docker engine and staging registry, FROM \`${base}\`. Job jar: the fixture job, ${mib(jarBytes)};`,
      `extra lib: ${mib(libBytes)} of incompressible bytes. The rebuild changes one entry of the jar.`,
      'Bytes pushed = the layers the registry did not have, plus the config and the manifest.',
      '',
      '| Dockerfile | layers pushed | ÷ jar | + config and manifest | ÷ jar |',
      '|---|---|---|---|---|',
      `| Flinkship (jar last, alone) | ${ours.layers} B | **${ratio(ours.layers, jarBytes)}×** | ${ours.total} B | ${ratio(ours.total, jarBytes)}× |`,
      `| naive (jar and lib in one layer) | ${naive.layers} B | ${ratio(naive.layers, naiveJarBytes)}× | ${naive.total} B | ${ratio(naive.total, naiveJarBytes)}× |`,
      '',
      `Goal: at most 1.05× the jar, plus the manifest and config: ${ours.layers / jarBytes <= 1.05 ? 'met' : 'NOT met'}.`,
      '',
      '| Build (the build step only: base image already in the engine, no push) | seconds |',
      '|---|---|',
      `| cold (no layer cache) | ${cold.toFixed(2)} |`,
      `| warm, nothing changed | ${warmSame.toFixed(2)} |`,
      `| warm, only the jar changed | ${warmJar.toFixed(2)} |`,
      END,
    ].join('\n');

    let doc = existsSync(OUT) ? await readFile(OUT, 'utf8') : '# Benchmarks\n\nWritten by `npm run bench`.\n';
    if (doc.includes(START) && doc.includes(END)) {
      doc = doc.slice(0, doc.indexOf(START)) + section + doc.slice(doc.indexOf(END) + END.length);
    } else doc = `${doc.trimEnd()}\n\n${section}\n`;
    await mkdir(path.dirname(OUT), { recursive: true });
    // Formatted as the repository's prettier check wants it (tables are aligned).
    const options = (await prettier.resolveConfig(OUT)) ?? {};
    await writeFile(OUT, await prettier.format(doc, { ...options, filepath: OUT }));
    console.log(section);
  } finally {
    for (const image of created) await engine.remove(image).catch(() => undefined);
    await rm(work, { recursive: true, force: true });
  }
}

await main();
