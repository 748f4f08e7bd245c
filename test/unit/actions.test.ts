// The actions run as the runner runs them: real @actions/core writing to real GITHUB_OUTPUT and
// GITHUB_STEP_SUMMARY files, annotations on stdout, exit code 2 for bad input.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readActionYml, runAction } from '../helpers/runner.js';
import { defsFor } from '../../src/options/options.js';
import { VERBS } from '../../src/verbs/index.js';

const FIXTURE = 'fixtures/log-cleaner/flinkship.yaml';
const IMAGE = `ghcr.io/flinkship/log-cleaner@sha256:${'12'.repeat(32)}`;

describe('actions/validate', () => {
  it('outputs valid=true and the job for a valid spec', async () => {
    const run = await runAction('actions/validate', { config: FIXTURE });
    expect(run.code).toBe(0);
    expect(run.outputs.valid).toBe('true');
    expect(run.outputs.job).toBe('log-cleaner');
  });

  it('outputs valid=false for an invalid spec, and exits 2', async () => {
    const run = await runAction('actions/validate', {
      config: 'test/fixtures/specs/bad/upgrade-mode-invalid.yaml',
    });
    expect(run.code).toBe(2);
    expect(run.outputs).toEqual({ valid: 'false' });
  });
});

describe('actions/plan', () => {
  it('outputs the plan and writes it to the job summary', async () => {
    const run = await runAction('actions/plan', { config: FIXTURE, env: 'staging', image: IMAGE });
    expect(run.code).toBe(0);
    const plan = JSON.parse(run.outputs.plan!);
    expect(plan.clusterId).toBe('log-cleaner');
    expect(run.outputs['cluster-id']).toBe('log-cleaner');
    expect(run.outputs.namespace).toBe('flink-staging');
    expect(run.outputs.image).toBe(IMAGE);
    expect(run.outputs['config-hash']).toBe(plan.configHash);
    expect(run.outputs['upgrade-mode']).toBe('savepoint');
    expect(JSON.parse(run.outputs['client-argv']!)).toEqual(plan.client.argv);
    expect(run.outputs.dockerfile).toBe(plan.build.dockerfile);
    expect(run.summary).toContain('## Flinkship plan: log-cleaner → staging');
    expect(run.stdout).toContain('::group::Plan fixtures/log-cleaner/flinkship.yaml for staging');
    expect(run.stdout).toContain(
      '::warning file=fixtures/log-cleaner/flinkship.yaml,line=6,col=9::image.base flink:1.20.3-scala_2.12-java17 is not pinned by digest',
    );
  });

  it('outputs an empty image, not a placeholder, when no image was given', async () => {
    const run = await runAction('actions/plan', { config: FIXTURE, env: 'staging' });
    expect(run.code).toBe(0);
    expect(run.outputs.image).toBe('');
    expect(JSON.parse(run.outputs.plan!).image.resolved).toBe(false);
  });

  it('prints the plan in the log as its output input says: markdown for text, the plan for json', async () => {
    const text = await runAction('actions/plan', { config: FIXTURE, env: 'staging', image: IMAGE });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('\n## Flinkship plan: log-cleaner → staging\n');
    const json = await runAction('actions/plan', {
      config: FIXTURE,
      env: 'staging',
      image: IMAGE,
      output: 'json',
    });
    expect(json.code).toBe(0);
    expect(json.stdout).not.toContain('## Flinkship plan');
    const start = json.stdout.indexOf('\n{\n') + 1;
    const end = json.stdout.indexOf('\n}\n', start) + 2;
    expect(JSON.parse(json.stdout.slice(start, end))).toEqual(JSON.parse(json.outputs.plan!));
  });

  it('resolves a relative config input against GITHUB_WORKSPACE, wherever the step runs', async () => {
    const elsewhere = mkdtempSync(path.join(tmpdir(), 'flinkship-cwd-'));
    const run = await runAction('actions/plan', { config: FIXTURE, env: 'staging' }, elsewhere, {
      GITHUB_WORKSPACE: process.cwd(),
    });
    expect(run.code).toBe(0);
    expect(run.outputs['cluster-id']).toBe('log-cleaner');
  });

  it('annotates each spec error at its file, line and column and exits 2', async () => {
    const file = 'test/fixtures/specs/bad/upgrade-mode-invalid.yaml';
    const run = await runAction('actions/plan', { config: file, env: 'staging' });
    expect(run.code).toBe(2);
    const annotations = run.stdout.split('\n').filter((l) => l.startsWith('::error '));
    expect(annotations).toEqual([
      `::error title=flinkship%3A job.upgradeMode,file=${file},line=7,col=16::${file}:7:16: job.upgradeMode: found "savepiont" (did you mean "savepoint"?); valid: stateless, savepoint or last-state`,
      `::error title=flinkship%3A environments.staging.upgradeMode,file=${file},line=10,col=18::${file}:10:18: environments.staging.upgradeMode: found "Stateless" (did you mean "stateless"?); valid: stateless, savepoint or last-state`,
    ]);
    expect(run.stdout).toContain('::error::flinkship: 2 invalid inputs (see the annotations)');
    expect(run.outputs).toEqual({});
  });

  it('refuses a bad input value before reading anything', async () => {
    const run = await runAction('actions/plan', { config: FIXTURE, env: 'staging', output: 'xml' });
    expect(run.code).toBe(2);
    expect(run.stdout).toContain(
      '::error title=flinkship%3A output::<inputs>: output: found "xml"; valid: text or json',
    );
  });

  it('requires env', async () => {
    const run = await runAction('actions/plan', { config: FIXTURE });
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('<inputs>: env: required but not given');
  });
});

describe('the root action', () => {
  it('dispatches on command', async () => {
    const run = await runAction('.', { command: 'validate', config: FIXTURE });
    expect(run.code).toBe(0);
    expect(run.outputs).toEqual({
      valid: 'true',
      job: 'log-cleaner',
      'flink-version': '1.20',
      environments: '["integration","preview","staging","production"]',
    });
  });

  it('refuses an unknown command with exit code 2', async () => {
    const run = await runAction('.', { command: 'deploi' });
    expect(run.code).toBe(2);
    expect(run.stdout).toContain(
      '<inputs>: command: found "deploi" (did you mean "deploy"?); valid: validate, plan, diff, build, deploy, delete',
    );
  });
});

describe('action.yml files', () => {
  // An action is named after what it does where the verb's name alone would be vague.
  // null: no action of its own (env down is integration-env's post step; env smoke, up, history and
  // status run through the root action's command input).
  const ACTION_DIRS: Record<string, string | null> = {
    build: 'actions/build-image',
    'env up': 'actions/integration-env',
    'env down': null,
    'env smoke': null,
    up: null,
    history: null,
    status: null,
    // actions/preview runs `preview up` or `preview down` as its `action` input says.
    'preview up': 'actions/preview',
    'preview down': null,
    'preview sweep': null,
    'preview export': null,
    'preview import': null,
  };
  /** Verbs an action runs besides the one it is named after, and the inputs only it has. */
  const ALSO: Record<string, { verbs: string[]; inputs: string[] }> = {
    'actions/preview': {
      verbs: ['preview down', 'preview sweep', 'preview export', 'preview import'],
      inputs: ['action'],
    },
  };
  const dirs = Object.keys(VERBS)
    .map((v) => (v in ACTION_DIRS ? ACTION_DIRS[v] : `actions/${v}`))
    .filter((d): d is string => d !== null);

  it.each(dirs)('%s declares every option as an input and every output, and runs on node24', async (dir) => {
    const verb =
      await VERBS[
        Object.keys(VERBS).find((v) => (v in ACTION_DIRS ? ACTION_DIRS[v] : `actions/${v}`) === dir)!
      ]!.load();
    const also = ALSO[dir] ?? { verbs: [], inputs: [] };
    const others = await Promise.all(also.verbs.map((v) => VERBS[v]!.load()));
    const inputs = [
      ...new Set([
        ...Object.keys(defsFor(verb.options, 'inputs')),
        ...others.flatMap((o) => Object.keys(defsFor(o.options, 'inputs'))),
      ]),
    ];
    const yml = readActionYml(dir) as ReturnType<typeof readActionYml> & { outputs: Record<string, unknown> };
    expect(yml.runs.using).toBe('node24');
    expect(existsSync(new URL(`../../${dir}/${yml.runs.main}`, import.meta.url))).toBe(true);
    expect(Object.keys(yml.inputs ?? {}).sort()).toEqual([...inputs, ...also.inputs].sort());
    const root = parse(readFileSync('action.yml', 'utf8'));
    for (const input of inputs) expect(Object.keys(root.inputs)).toContain(input);
    for (const output of Object.keys(yml.outputs)) expect(Object.keys(root.outputs)).toContain(output);
  });
});
