// Benchmark of `flinkship up` and `env up` on this machine, step by step, against a baseline measured in
// the same run: a bare `kind create cluster` with the same node image and kind config (the floor any
// kind-based integration environment pays), then `kind delete cluster`. Flinkship's side is the README's
// whole path on the fixture: build, a kind cluster of its own with Strimzi (the operator stand-in) and
// Fluent Bit (its stand-in), kind load, deploy with the deploy verb, the smoke test, env down. The spec
// and mirrors are the up test's (test/integration/upSpec.ts). Writes its section of docs/BENCHMARKS.md.
// Run with `npm run bench` (scripts/bench).
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { kindClusterName } from '../src/integration/settings.js';
import { kindPath, writeUpRepo } from '../test/integration/upSpec.js';
import { writeBenchSection } from './bench-section.js';

function need(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run through scripts/bench, which brings the testbed up`);
  return value;
}

const kind = need('FLINKSHIP_TESTBED_KIND');
const env = { ...process.env, PATH: `${kindPath()}:${process.env.PATH}` };

function timed(what: string, file: string, args: string[], cwd?: string): { seconds: number; out: string } {
  const start = process.hrtime.bigint();
  try {
    const out = execFileSync(file, args, {
      env,
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    return { seconds: Number(process.hrtime.bigint() - start) / 1e9, out };
  } catch (err) {
    throw new Error(`${what} failed: ${(err as Error).message}`);
  }
}

interface Timing {
  step: string;
  seconds: number;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'flinkship-bench-up-'));
  try {
    const { spec, manifests } = await writeUpRepo(dir);
    const common = [
      ...['--config', spec, '--strimzi-manifests', manifests, '--output', 'json'],
      ...['--diagnostics', path.join(dir, 'diagnostics')],
    ];
    const flinkship = (args: string[]) =>
      timed(`flinkship ${args[0]}`, path.resolve('node_modules/.bin/tsx'), ['src/cli/main.ts', ...args]);

    // Baseline: the bare cluster, same node image and config (the kind config's node image is given by flag).
    const nodeImage = execFileSync(
      'docker',
      ['inspect', '-f', '{{.Config.Image}}', `${need('FLINKSHIP_TESTBED_KIND_CLUSTER')}-control-plane`],
      { encoding: 'utf8' },
    ).trim();
    const bareName = 'flinkship-bench-bare';
    const bare = timed('kind create cluster', kind, [
      ...['create', 'cluster', '--name', bareName, '--image', nodeImage],
      ...[
        '--config',
        path.join(dir, 'kind.yaml'),
        '--kubeconfig',
        path.join(dir, 'bare-kubeconfig'),
        '--wait',
        '5m',
      ],
    ]);
    const bareDelete = timed('kind delete cluster', kind, ['delete', 'cluster', '--name', bareName]);

    // env up alone (then env down), and the whole of up.
    const envUp = flinkship(['env', 'up', ...common, '--timeout', '15m']);
    const envUpResult = JSON.parse(envUp.out) as { timings: Timing[] };
    const envDown = flinkship(['env', 'down', ...common, '--timeout', '10m']);
    const up = flinkship([
      ...['up', ...common, '--base-image', need('FLINKSHIP_TESTBED_FLINK_BASE_IMAGE')],
      ...['--flink-home', need('FLINKSHIP_TESTBED_FLINK_HOME'), '--timeout', '20m'],
    ]);
    const upResult = JSON.parse(up.out) as { timings: Timing[]; env: { timings: Timing[] } };

    const ratio = (s: number) => `${(s / bare.seconds).toFixed(2)}×`;
    const row = (step: string, s: number) => `| ${step} | ${s.toFixed(1)} | ${ratio(s)} |`;
    await writeBenchSection(
      'up',
      `## \`flinkship up\` and \`env up\` on this machine: wall time, step by step

Measured ${new Date().toISOString()} by \`npm run bench\` (scripts/bench-up.ts): 2 cores, one kind node from the
testbed's node image (Kubernetes 1.34), the fixture job (Flink 1.20.3) and spec with the up test's mirrors: the Strimzi
operator and Fluent Bit are the testbed's stand-ins, put on the node with \`kind.loadImages\` along with the Kafka
image; the job image goes through the local registry container (\`kind.registryImage\`: Debian's distribution build)
and is pulled by digest. Baseline, in the same run: a bare \`kind create cluster --wait 5m\` of the same node image and kind config,
**${bare.seconds.toFixed(1)} s** (its delete ${bareDelete.seconds.toFixed(1)} s). Ratios are against it.

| \`flinkship env up\` (then \`env down\`, ${envDown.seconds.toFixed(1)} s) | seconds | ÷ bare kind create |
| --- | --- | --- |
${envUpResult.timings.map((t) => row(t.step, t.seconds)).join('\n')}
${row('**whole command** (process start to exit)', envUp.seconds)}

| \`flinkship up\` | seconds | ÷ bare kind create |
| --- | --- | --- |
${upResult.timings.map((t) => row(t.step, t.seconds)).join('\n')}
${row('**whole command** (process start to exit)', up.seconds)}

Inside up's env up: ${upResult.env.timings.map((t) => `${t.step} ${t.seconds.toFixed(1)} s`).join(', ')}.
Steps that run side by side (Strimzi and Fluent Bit) overlap, so steps may add up to more than the whole.`,
    );
  } finally {
    for (const name of ['flinkship-bench-bare', kindClusterName('log-cleaner')]) {
      try {
        execFileSync(kind, ['delete', 'cluster', '--name', name], { env, stdio: 'ignore' });
      } catch {
        // nothing to delete
      }
    }
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
