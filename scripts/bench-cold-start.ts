// Cold start of the bundled actions and the CLI: what every step of every workflow run pays before it does
// anything. Measured in one run, alternating, against two floors built and run the same way:
//  - a minimal action (only @actions/core: getInput, setOutput) bundled with the same esbuild settings,
//    the floor any bundled action pays;
//  - bare `node -e 0`.
// Wall time and peak memory (max RSS) of each whole process, from the kernel's accounting of the reaped
// child. Goals: validate and plan <= 1.5x the minimal action, --version <= 1.3x, dist/ <= 15 MB.
// Writes its section of docs/BENCHMARKS.md. Run with `npm run bench` (scripts/bench).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
// @ts-expect-error: the build script is plain JavaScript without types.
import { bundle, ESBUILD_OPTIONS, sideEffectFree } from './build.mjs';
import { writeBenchSection } from './bench-section.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 11);
const work = mkdtempSync(path.join(tmpdir(), 'flinkship-bench-cold-'));

interface Sample {
  wall: number;
  maxRssMiB: number;
}

// Times one whole process from outside: python reaps the child and reads its rusage.
const TIMER = `
import os, resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
wall = time.perf_counter() - start
print(code, wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
`;

function measure(argv: string[], env: NodeJS.ProcessEnv): Sample {
  const out = execFileSync('python3', ['-c', TIMER, ...argv], { cwd: ROOT, env, encoding: 'utf8' });
  const [code, wall, rssKiB] = out.trim().split(' ');
  if (code !== '0') throw new Error(`${argv.join(' ')} exited ${code}`);
  return { wall: Number(wall), maxRssMiB: Number(rssKiB) / 1024 };
}

function sizeOf(dir: string): number {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .reduce((n, e) => n + statSync(path.join(e.parentPath, e.name)).size, 0);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const dist = path.join(work, 'dist');
  await bundle(dist);
  // The floor: an action that only reads an input and sets an output, bundled with the same esbuild settings
  // as dist/, twice: as any action author bundles it (the floor of the issue's goals), and with our build's
  // side-effect-free declarations too, which drop @actions/core's OIDC client and platform details (undici,
  // tunnel, @actions/exec). The second shows what our own code costs over @actions/core after that pruning.
  const minimalSrc = path.join(ROOT, 'scripts', `.bench-minimal-action-${process.pid}.ts`);
  writeFileSync(
    minimalSrc,
    "import * as core from '@actions/core';\ncore.setOutput('config', core.getInput('config'));\n",
  );
  const { build } = await import('esbuild');
  try {
    for (const [dir, plugins] of [
      ['minimal', []],
      ['minimal-pruned', [sideEffectFree]],
    ] as const) {
      await build({
        ...ESBUILD_OPTIONS,
        entryPoints: { minimal: minimalSrc },
        outdir: path.join(work, dir),
        plugins: [...plugins],
      });
    }
  } finally {
    rmSync(minimalSrc, { force: true });
  }
  const outputFile = path.join(work, 'github-output');
  const summaryFile = path.join(work, 'summary');
  writeFileSync(outputFile, '');
  writeFileSync(summaryFile, '');
  const actionEnv = (inputs: Record<string, string>): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: ROOT,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
  });
  const config = 'fixtures/log-cleaner/flinkship.yaml';
  const cases: { name: string; argv: string[]; env: NodeJS.ProcessEnv }[] = [
    { name: 'bare `node -e 0`', argv: ['node', '-e', '0'], env: actionEnv({}) },
    {
      name: 'minimal action (@actions/core only)',
      argv: ['node', path.join(work, 'minimal/minimal.js')],
      env: actionEnv({ config }),
    },
    {
      name: 'minimal action, with our side-effect-free declarations',
      argv: ['node', path.join(work, 'minimal-pruned/minimal.js')],
      env: actionEnv({ config }),
    },
    {
      name: 'actions/validate on the fixture spec',
      argv: ['node', path.join(dist, 'actions/validate.js')],
      env: actionEnv({ config, output: 'text' }),
    },
    {
      name: 'actions/plan on the fixture spec (staging)',
      argv: ['node', path.join(dist, 'actions/plan.js')],
      env: actionEnv({ config, env: 'staging', output: 'text' }),
    },
    {
      name: '`flinkship --version`',
      argv: ['node', path.join(dist, 'cli.js'), '--version'],
      env: actionEnv({}),
    },
  ];
  const samples = new Map<string, Sample[]>(cases.map((c) => [c.name, []]));
  for (const c of cases) measure(c.argv, c.env); // warm-up: the page cache holds every file
  for (let round = 0; round < ROUNDS; round++) {
    for (const c of cases) samples.get(c.name)!.push(measure(c.argv, c.env));
  }
  const med = (name: string, f: (s: Sample) => number) => median(samples.get(name)!.map(f));
  const floor = cases[1]!.name;
  const pruned = cases[2]!.name;
  const rows = cases.map((c) => {
    const wall = med(c.name, (s) => s.wall);
    const rss = med(c.name, (s) => s.maxRssMiB);
    const of = (f: string) => `${(wall / med(f, (s) => s.wall)).toFixed(2)}×`;
    return `| ${c.name} | ${(wall * 1000).toFixed(0)} ms | ${of(floor)} | ${of(pruned)} | ${rss.toFixed(0)} MiB |`;
  });
  const ratio = (i: number) => med(cases[i]!.name, (s) => s.wall) / med(floor, (s) => s.wall);
  const goals = [
    ['validate', ratio(3), 1.5],
    ['plan', ratio(4), 1.5],
    ['--version', ratio(5), 1.3],
  ] as const;
  const distBytes = sizeOf(dist);
  await writeBenchSection(
    'cold-start',
    `## Cold start: the bundled actions and the CLI against a minimal action

Measured ${new Date().toISOString()} by \`npm run bench\` (scripts/bench-cold-start.ts): each command is a whole
\`node\` process, run ${ROUNDS} times after one warm-up, the six commands in turn in each round; wall time and
peak memory (max RSS) from the kernel's accounting of the reaped process; medians. The minimal action is
\`core.getInput\` + \`core.setOutput\` bundled with the same esbuild settings as dist/: the floor any bundled
action pays, and the goals' denominator. dist/ is also built with declarations that some modules of
@actions/core and @actions/http-client have no side effects (scripts/build.mjs), so a verb that never makes
an HTTP call through them does not load undici, tunnel or @actions/exec; the pruned minimal action gets the same
declarations, and the column against it is what our own code costs over @actions/core.

| Command | wall (median) | ÷ minimal action | ÷ minimal action, pruned | peak memory |
| --- | --- | --- | --- | --- |
${rows.join('\n')}

Goals: ${goals.map(([n, r, g]) => `${n} ≤ ${g}× (${r.toFixed(2)}×: ${r <= g ? 'met' : 'not met'})`).join('; ')}.

dist/ in all: ${(distBytes / 1e6).toFixed(1)} MB in ${readdirSync(dist, { recursive: true }).length} entries (goal ≤ 15 MB: ${distBytes <= 15e6 ? 'met' : 'not met'}).`,
  );
}

try {
  await main();
} finally {
  rmSync(work, { recursive: true, force: true });
}
