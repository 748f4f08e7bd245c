// `flinkship build` of a SQL job against the testbed: the real Docker engine builds the SQL fixture's
// image FROM the testbed's Flink base (which has Flink's Table API, planner and formats in lib/, as the
// distribution does), with the SQL runner from dist/sql-runner and the connectors from a Maven repository
// on loopback (the files of ~/.m2, laid out as Maven Central). The runner's --check then runs in the built
// image: Flink's own parser and planner, and a script they reject exits 2 at its file:line:col with
// Flink's message, and nothing is pushed.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveMavenRepo, type MavenRepo } from '../helpers/maven-repo.js';
import { run, type RunResult } from '../helpers/run.js';
import { testbed } from './testbed.js';

const exec = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(ROOT, 'dist/cli.js');
const FIXTURE_SQL = path.join(ROOT, 'fixtures/log-cleaner-sql/log-cleaner.sql');
const M2 = path.join(homedir(), '.m2', 'repository');
const CONNECTOR = 'org.apache.flink:flink-connector-kafka:3.4.0-1.20';
const CLIENTS = 'org.apache.kafka:kafka-clients:3.4.0';
const runId = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;

let staging: string;
let repo: string;
let base: string;
let dir: string;
let cache: string;
let maven: MavenRepo;
const pushedImages: string[] = [];

function m2Jar(coordinates: string): string {
  const [g, a, v] = coordinates.split(':') as [string, string, string];
  return path.join(M2, ...g.split('.'), a, v, `${a}-${v}.jar`);
}

async function sha256(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
}

function cli(args: string[]): Promise<RunResult> {
  return run(
    'node',
    [CLI, 'build', '--config', path.join(dir, 'flinkship.yaml'), '--maven-repository', maven.url, ...args],
    {
      cwd: dir,
      cleanEnv: true,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        DOCKER_HOST: testbed('DOCKER_HOST'),
        RUNNER_TOOL_CACHE: cache,
      },
      timeoutMs: 600_000,
    },
  );
}

async function skopeo(...args: string[]): Promise<string> {
  const { stdout } = await exec('skopeo', args, { maxBuffer: 16 * 1024 * 1024, timeout: 120_000 });
  return stdout;
}

async function remoteTags(): Promise<string[]> {
  try {
    const out = await skopeo('list-tags', '--tls-verify=false', `docker://${repo}`);
    return (JSON.parse(out) as { Tags: string[] }).Tags.sort();
  } catch (err) {
    if (/name unknown|repository name not known|404/i.test(String((err as { stderr?: string }).stderr)))
      return [];
    throw err;
  }
}

interface Connector {
  artifact: string;
  sha256?: string;
}

async function writeSpec(connectors: Connector[]): Promise<void> {
  await writeFile(
    path.join(dir, 'flinkship.yaml'),
    [
      'name: log-cleaner-sql',
      "flinkVersion: '1.20'",
      'image:',
      `  base: ${base}`,
      `  repository: ${repo}`,
      'job:',
      '  sql: sql/log-cleaner.sql',
      '  connectors:',
      ...connectors.flatMap((c) => [
        `    - artifact: ${c.artifact}`,
        ...(c.sha256 ? [`      sha256: ${c.sha256}`] : []),
      ]),
      'environments:',
      '  staging: { namespace: flink-staging }',
      '',
    ].join('\n'),
  );
}

async function commit(message: string): Promise<string> {
  const git = (...args: string[]) =>
    exec('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: dir });
  await git('add', '-A');
  await git('commit', '-q', '--allow-empty', '-m', message);
  return (await git('rev-parse', 'HEAD')).stdout.trim();
}

let pinned: Connector[];

beforeAll(async () => {
  staging = testbed('FLINKSHIP_TESTBED_STAGING_REGISTRY');
  base = testbed('FLINKSHIP_TESTBED_FLINK_BASE_IMAGE');
  repo = `${staging}/flinkship-test/log-cleaner-sql-${runId}`;
  // The connectors in the local Maven repository (the SQL runner's and the fixture's builds fetch them
  // from Maven Central; fetched here when this suite runs first).
  for (const coordinates of [CONNECTOR, CLIENTS]) {
    if (existsSync(m2Jar(coordinates))) continue;
    await exec('mvn', ['-B', '-q', 'dependency:get', `-Dartifact=${coordinates}`, '-Dtransitive=false'], {
      timeout: 280_000,
    });
  }
  pinned = [
    { artifact: CONNECTOR, sha256: await sha256(m2Jar(CONNECTOR)) },
    { artifact: CLIENTS, sha256: await sha256(m2Jar(CLIENTS)) },
  ];
  maven = await serveMavenRepo(M2);
  dir = await mkdtemp(path.join(tmpdir(), 'flinkship-build-sql-'));
  cache = await mkdtemp(path.join(tmpdir(), 'flinkship-build-sql-cache-'));
  await exec('mkdir', ['-p', path.join(dir, 'sql')]);
  await copyFile(FIXTURE_SQL, path.join(dir, 'sql/log-cleaner.sql'));
  await writeSpec(pinned);
  await exec('git', ['init', '-q', '-b', 'main'], { cwd: dir });
  await commit('fixture');
}, 300_000);

afterAll(async () => {
  await maven?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  if (cache) await rm(cache, { recursive: true, force: true });
  for (const image of pushedImages) {
    await exec('docker', ['image', 'rm', '--force', image]).catch(() => undefined);
  }
});

interface BuildJson {
  image: string;
  digest: string;
  tags: string[];
  entryClass: string;
  labels: Record<string, string>;
  sql: { script: string; digest: string; statements: number; inserts: number };
}

interface Inspected {
  Digest: string;
  Labels: Record<string, string>;
  Layers: string[];
}

async function inspect(ref: string): Promise<Inspected> {
  return JSON.parse(await skopeo('inspect', '--tls-verify=false', `docker://${ref}`)) as Inspected;
}

/** The files of an image's usrlib, with their sizes, listed by a container of the image. */
async function usrlib(image: string): Promise<string[]> {
  const { stdout } = await exec(
    'docker',
    ['run', '--rm', '--entrypoint', 'sh', image, '-c', 'cd /opt/flink/usrlib && ls -1'],
    { timeout: 120_000 },
  );
  return stdout.trim().split('\n').sort();
}

describe('flinkship build of a SQL job', () => {
  let first: BuildJson;
  let firstLayers: string[];

  it('builds the SQL fixture: runner, connectors from the Maven repository, the script last; Flink checked it', async () => {
    const r = await cli(['--output', 'json']);
    expect(r.code, r.stderr).toBe(0);
    first = JSON.parse(r.stdout) as BuildJson;
    pushedImages.push(...first.tags);
    const script = await readFile(path.join(dir, 'sql/log-cleaner.sql'));
    const digest = `sha256:${createHash('sha256').update(script).digest('hex')}`;
    expect(first.entryClass).toBe('dev.flinkship.sqlrunner.SqlRunner');
    expect(first.sql).toEqual({
      script: path.join(dir, 'sql/log-cleaner.sql'),
      digest,
      statements: 7,
      inserts: 1,
    });
    // The connectors came from the loopback repository, verified against their pins.
    expect(maven.requests.filter((q) => q.status === 200).map((q) => q.path)).toEqual([
      'org/apache/flink/flink-connector-kafka/3.4.0-1.20/flink-connector-kafka-3.4.0-1.20.jar',
      'org/apache/kafka/kafka-clients/3.4.0/kafka-clients-3.4.0.jar',
    ]);
    expect(r.stderr).toContain(
      `── Check ${path.join(dir, 'sql/log-cleaner.sql')} with Flink 1.20 in the image`,
    );
    expect(r.stderr).toContain(
      'log-cleaner.sql: 7 statements, 1 INSERT(s) in one job; parsed and planned by Flink 1.20',
    );
    const remote = await inspect(first.image);
    expect(remote.Labels['dev.flinkship.sql.digest']).toBe(digest);
    expect(remote.Labels['dev.flinkship.sql.script']).toBe('/opt/flink/usrlib/log-cleaner.sql');
    expect(remote.Labels['dev.flinkship.entry-class']).toBe('dev.flinkship.sqlrunner.SqlRunner');
    const runner = await sha256(path.join(ROOT, 'dist/sql-runner/flinkship-sql-runner-1.x.jar'));
    expect(remote.Labels['dev.flinkship.sql-runner.sha256']).toBe(runner);
    firstLayers = remote.Layers;
    expect(await usrlib(first.image)).toEqual([
      'flink-connector-kafka-3.4.0-1.20.jar',
      'flinkship-sql-runner.jar',
      'kafka-clients-3.4.0.jar',
      'log-cleaner.sql',
    ]);
  }, 600_000);

  it('a change to the SQL alone changes only the last layer, and the cached connectors are not fetched again', async () => {
    const file = path.join(dir, 'sql/log-cleaner.sql');
    await writeFile(
      file,
      (await readFile(file, 'utf8')).replace(
        "'table.exec.state.ttl' = '10 min'",
        "'table.exec.state.ttl' = '20 min'",
      ),
    );
    await commit('a longer dedup window');
    const before = maven.requests.length;
    const r = await cli(['--output', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const second = JSON.parse(r.stdout) as BuildJson;
    pushedImages.push(...second.tags);
    expect(maven.requests.length).toBe(before);
    expect(second.sql.digest).not.toBe(first.sql.digest);
    const layers = (await inspect(second.image)).Layers;
    expect(layers.length).toBe(firstLayers.length);
    expect(layers.slice(0, -1)).toEqual(firstLayers.slice(0, -1));
    expect(layers.at(-1)).not.toBe(firstLayers.at(-1));
  }, 600_000);

  it("a syntax error only Flink's parser sees exits 2 at the script's file:line:col with Flink's message; nothing is pushed", async () => {
    const file = path.join(dir, 'sql/log-cleaner.sql');
    const text = await readFile(file, 'utf8');
    const lines = text.split('\n');
    const at = lines.findIndex((l) => l.startsWith('WHERE n = 1;'));
    lines[at] = 'WHERE n = = 1;';
    await writeFile(file, lines.join('\n'));
    const sha = await commit('broken');
    const r = await cli([]);
    expect(r.code, r.stderr).toBe(2);
    const error = r.stderr.split('\n').find((l) => l.startsWith('error: '));
    expect(error).toMatch(
      new RegExp(
        `^error: ${dir.replaceAll('.', '\\.')}/sql/log-cleaner\\.sql:${at + 1}:9: job\\.sql: Flink rejects the script: SQL parse failed\\. Encountered "= =" at line ${at + 1}, column 9\\.`,
      ),
    );
    expect(r.stderr).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);
    expect(await remoteTags()).not.toContain(sha);
    await writeFile(file, text);
    await commit('mended');
  }, 600_000);

  it("a connector the script needs but the image lacks is Flink's error at the statement that reads it, exit 2", async () => {
    await writeSpec([pinned[1]!]);
    const sha = await commit('no connector');
    const r = await cli([]);
    expect(r.code, r.stderr).toBe(2);
    const script = await readFile(path.join(dir, 'sql/log-cleaner.sql'), 'utf8');
    // Flink validates the view over the Kafka table when the view is created.
    const view = script.split('\n').findIndex((l) => l.startsWith('CREATE TEMPORARY VIEW cleaned')) + 1;
    const error = r.stderr.split('\n').find((l) => l.startsWith('error: '));
    expect(error).toContain(
      `error: ${dir}/sql/log-cleaner.sql:${view}:1: job.sql: Flink rejects the script:`,
    );
    expect(r.stderr).toContain("Could not find any factory for identifier 'kafka'");
    expect(await remoteTags()).not.toContain(sha);
    await writeSpec(pinned);
  }, 600_000);

  it('a connector no repository has is the spec’s error at its line, exit 2, before any build', async () => {
    await writeSpec([{ artifact: 'org.apache.flink:flink-connector-kafka:9.9.9-1.20' }, pinned[1]!]);
    const r = await cli([]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(
      `error: ${path.join(dir, 'flinkship.yaml')}:9:17: job.connectors.0.artifact: org.apache.flink:flink-connector-kafka:9.9.9-1.20 is not in ${maven.url} (no org/apache/flink/flink-connector-kafka/9.9.9-1.20/flink-connector-kafka-9.9.9-1.20.jar)`,
    );
    expect(r.stderr).not.toContain('── Build');
    await writeSpec(pinned);
  }, 120_000);

  it('a connector whose bytes differ from its pin is refused, exit 1, before any build', async () => {
    await rm(cache, { recursive: true, force: true });
    const wrong = 'f'.repeat(64);
    await writeSpec([{ artifact: CONNECTOR, sha256: wrong }, pinned[1]!]);
    const r = await cli([]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`has sha256 ${pinned[0]!.sha256}, not the pinned ${wrong}: refused`);
    expect(r.stderr).not.toContain('── Build');
    await writeSpec(pinned);
  }, 120_000);

  it('a bad --maven-repository is a flag error, exit 2, before anything is fetched', async () => {
    const before = maven.requests.length;
    const r = await run(
      'node',
      [
        CLI,
        'build',
        '--config',
        path.join(dir, 'flinkship.yaml'),
        '--maven-repository',
        'ftp://mirror.example/m2',
      ],
      { cwd: dir, timeoutMs: 60_000 },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'error: <flags>: --maven-repository: found "ftp://mirror.example/m2"; expected the http(s) URL of a Maven repository',
    );
    expect(maven.requests.length).toBe(before);
  }, 120_000);
});
