// Benchmark of `flinkship deploy` against the testbed's staging API server, measured in one run:
//  - wall time of a first deploy (default mode: the client runs from the job image through the Docker
//    engine) against a bare `flink run-application --target kubernetes-application` with the same
//    options, also from the job image (goal: at most 1.2x);
//  - API requests per deploy: Flinkship's own, and all of them (the Flink client's included), counted
//    by a pass-through proxy in front of the API server; for a first deploy and a no-op re-deploy.
// Writes its section of docs/BENCHMARKS.md. Run with `npm run bench` (scripts/bench).
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as prettier from 'prettier';
import { parseOptions } from '../src/options/options.js';
import { clientKubeconfig, deployerName, deployerObjects } from '../src/deploy/deployer.js';
import { DockerEngine } from '../src/executors/docker.js';
import { FLINK_USER, runClientInImage } from '../src/executors/flinkClient.js';
import { Kube } from '../src/executors/kube.js';
import { DEFAULT_CLIENT_WORK_DIR, plan } from '../src/plan/plan.js';
import { loadSpec } from '../src/spec/load.js';
import { TerminalUi } from '../src/ui/terminal.js';
import { deployVerb, type DeployResult } from '../src/verbs/deploy.js';
import { startFaultProxy } from '../test/helpers/fault-proxy.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const OUT = path.join(ROOT, 'docs/BENCHMARKS.md');
const START = '<!-- deploy:start -->';
const END = '<!-- deploy:end -->';
const ROUNDS = 5;

function need(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run through scripts/bench, which brings the testbed up`);
  return value;
}

const kubeconfig = need('FLINKSHIP_TESTBED_STAGING_KUBECONFIG');
const registry = need('FLINKSHIP_TESTBED_STAGING_REGISTRY');
const restUrl = need('FLINKSHIP_TESTBED_FLINK_REST_URL');
const runId = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const quietUi = new TerminalUi(process.stderr, true);
const admin = Kube.load({ kubeconfig, context: 'staging' });
const namespaces: string[] = [];

function spec(ns: string, id: string): string {
  return `name: ${id}
flinkVersion: '1.20'
image:
  repository: ${registry}/flinkship-bench/job
job:
  jar: job.jar
  entryClass: dev.example.Job
  upgradeMode: stateless
# The gate's minimum: the job RUNNING, one sample (the bare run waits for nothing after the client).
health: { window: 0s, checkpoints: 0 }
jobManager:
  resource: { cpu: 0.5, memory: 1024m }
taskManager:
  resource: { cpu: 0.5, memory: 1024m }
environments:
  staging: { namespace: ${ns}, createNamespace: true, context: staging }
`;
}

async function deploy(dir: string, tag: string, image: string, config = kubeconfig): Promise<DeployResult> {
  const ns = `bench-${tag}-${runId}`;
  namespaces.push(ns);
  const file = path.join(dir, `${tag}.yaml`);
  await writeFile(file, spec(ns, `${tag}-${runId}`));
  const options = parseOptions(
    deployVerb.options,
    { config: file, env: 'staging', image, kubeconfig: config, 'rest-url': restUrl },
    'flags',
  );
  return deployVerb.run(options, quietUi);
}

/** The same client run deploy makes, without anything around it: RBAC and token made beforehand, untimed. */
async function bare(dir: string, tag: string, image: string, engine: DockerEngine): Promise<number> {
  const ns = `bench-${tag}-${runId}`;
  namespaces.push(ns);
  const file = path.join(dir, `${tag}.yaml`);
  await writeFile(file, spec(ns, `${tag}-${runId}`));
  const p = plan(loadSpec(file), 'staging', { image });
  for (const o of [...p.kubernetes, ...deployerObjects(p)]) await admin.apply(o);
  const token = await admin.serviceAccountToken(ns, deployerName(p), 600);
  const cluster = admin.config.getCurrentCluster()!;
  const caData = cluster.caData ?? (await readFile(cluster.caFile!)).toString('base64');
  const work = await mkdtemp(path.join(tmpdir(), 'bench-bare-'));
  await chmod(work, 0o755); // the image's flink user (9999) reads it
  await writeFile(
    path.join(work, 'kubeconfig'),
    clientKubeconfig({ server: cluster.server, caData }, token, ns),
    {
      mode: 0o644,
    },
  );
  const argv = [...p.client.argv];
  argv.splice(3, 0, `-Dkubernetes.config.file=${DEFAULT_CLIENT_WORK_DIR}/kubeconfig`);
  const start = performance.now();
  const r = await runClientInImage(
    engine,
    { image, name: `flinkship-bench-client-${process.pid}`, labels: {}, user: FLINK_USER },
    { argv, hostWorkDir: work, clientWorkDir: DEFAULT_CLIENT_WORK_DIR, timeoutMs: 300_000 },
    () => undefined,
  );
  const seconds = (performance.now() - start) / 1000;
  await rm(work, { recursive: true, force: true });
  if (r.exitCode !== 0)
    throw new Error(`bare flink run-application exited ${r.exitCode}: ${r.output.slice(-10).join('\n')}`);
  return seconds;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-deploy-'));
  const engine = new DockerEngine();
  const repository = `${registry}/flinkship-bench/job`;
  await engine.tag(need('FLINKSHIP_TESTBED_FLINK_BASE_IMAGE'), repository, runId);
  const image = `${repository}@${(await engine.push(repository, runId, undefined, () => undefined)).digest}`;
  try {
    // Warm-up: the JVM's class data and the engine's caches, for both sides alike.
    await bare(dir, 'warm', image, engine);
    const bareTimes: number[] = [];
    const deployTimes: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      bareTimes.push(await bare(dir, `bare${i}`, image, engine));
      const start = performance.now();
      await deploy(dir, `dep${i}`, image);
      deployTimes.push((performance.now() - start) / 1000);
    }

    const proxy = await startFaultProxy({ kubeconfig });
    let first: DeployResult;
    let firstAll: number;
    let again: DeployResult;
    let againAll: number;
    try {
      first = await deploy(dir, 'count', image, proxy.kubeconfigPath);
      firstAll = proxy.requests.length;
      const file = path.join(dir, 'count.yaml');
      const options = parseOptions(
        deployVerb.options,
        { config: file, env: 'staging', image, kubeconfig: proxy.kubeconfigPath, 'rest-url': restUrl },
        'flags',
      );
      again = await deployVerb.run(options, quietUi);
      againAll = proxy.requests.length - firstAll;
    } finally {
      await proxy.close();
    }

    const ratio = median(deployTimes) / median(bareTimes);
    const fmt = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(', ');
    const section = `${START}

## deploy: wall time against a bare client run, and API requests per deploy

Measured ${new Date().toISOString()} by \`npm run bench\` (scripts/bench-deploy.ts) against the testbed's staging
API server (kwok runs the pods), the stand-in Flink 1.20.3 image pushed to the staging registry as the job image, and
the MiniCluster's REST API as \`--rest-url\`. Both sides run the client from the job image through the Docker engine,
with the same \`-D\` options; the bare run gets its namespace, RBAC and token beforehand, untimed. ${ROUNDS} rounds
after one warm-up, alternating.

| Run | seconds (each round) | median |
| --- | --- | --- |
| bare \`flink run-application --target kubernetes-application\` (client exit) | ${fmt(bareTimes)} | ${median(bareTimes).toFixed(2)} |
| \`flinkship deploy\` (preflight, RBAC, token, client, record, Available, RUNNING) | ${fmt(deployTimes)} | ${median(deployTimes).toFixed(2)} |

Ratio: **${ratio.toFixed(2)}×**. Goal: at most 1.2×: ${ratio <= 1.2 ? 'met' : 'not met'}.

| API requests | Flinkship's own | all (the Flink client's included) |
| --- | --- | --- |
| first deploy | ${first.apiRequests} | ${firstAll} |
| re-deploy, nothing changed | ${again.apiRequests} | ${againAll} |

Flinkship's own requests are mostly the SelfSubjectAccessReviews of the preflight (one per permission, sent in
parallel) and the server-side applies of the namespace and RBAC, which a re-deploy repeats so that drift converges.

${END}`;
    let doc = await readFile(OUT, 'utf8');
    doc = doc.includes(START)
      ? doc.slice(0, doc.indexOf(START)) + section + doc.slice(doc.indexOf(END) + END.length)
      : `${doc.trimEnd()}\n\n${section}\n`;
    await writeFile(
      OUT,
      await prettier.format(doc, { ...(await prettier.resolveConfig(OUT)), filepath: OUT }),
    );
    console.log(section);
  } finally {
    for (const ns of namespaces) await admin.delete({ apiVersion: 'v1', kind: 'Namespace', name: ns });
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
