// The CLI as a user meets it: exit codes 0/1/2, results on stdout, located errors on stderr.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { VERSION } from '../../src/cli/run.js';
import { cli } from '../helpers/cli.js';

const FIXTURE = 'fixtures/log-cleaner/flinkship.yaml';

describe('flinkship validate', () => {
  it('accepts the fixture spec with exit code 0', async () => {
    const r = await cli('validate', '--config', FIXTURE);
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      `${FIXTURE}: valid. Job log-cleaner, Flink 1.20, environments: integration, preview, staging, production.\n`,
    );
  });

  it('prints JSON for machines', async () => {
    const r = await cli('validate', '--config', FIXTURE, '--output', 'json');
    expect(JSON.parse(r.out)).toEqual({
      valid: true,
      file: FIXTURE,
      job: 'log-cleaner',
      flinkVersion: '1.20',
      environments: ['integration', 'preview', 'staging', 'production'],
    });
  });

  it('reports every problem of a bad spec with exit code 2', async () => {
    const file = 'test/fixtures/specs/bad/many-errors.yaml';
    const r = await cli('validate', '--config', file);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    const errors = r.err.split('\n').filter((l) => l.startsWith('error: '));
    expect(errors).toHaveLength(11);
    expect(errors[0]).toBe(
      `error: ${file}:1:7: name: found "Log_Cleaner"; expected a DNS-1123 label: at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit, such as log-cleaner`,
    );
  });

  it('puts the issues in the JSON error object with --output json', async () => {
    const r = await cli(
      'validate',
      '--config',
      'test/fixtures/specs/bad/upgrade-mode-invalid.yaml',
      '--output=json',
    );
    expect(r.code).toBe(2);
    const { error } = JSON.parse(r.out);
    expect(error.exitCode).toBe(2);
    expect(error.issues.map((i: { line: number; field: string }) => `${i.line} ${i.field}`)).toEqual([
      '7 job.upgradeMode',
      '10 environments.staging.upgradeMode',
    ]);
  });

  it('exits 2 when the spec file does not exist', async () => {
    const r = await cli('validate', '--config', 'nope.yaml');
    expect(r.code).toBe(2);
    expect(r.err).toContain('error: nope.yaml: --config: cannot read the spec (no such file)');
  });
});

describe('flinkship plan', () => {
  it('prints the plan as JSON with the image given', async () => {
    const image = `ghcr.io/flinkship/log-cleaner@sha256:${'0f'.repeat(32)}`;
    const r = await cli(
      'plan',
      '--config',
      FIXTURE,
      '--env',
      'staging',
      '--image',
      image,
      '--output',
      'json',
    );
    expect(r.code).toBe(0);
    const p = JSON.parse(r.out);
    expect(p).toMatchObject({
      planVersion: 1,
      job: 'log-cleaner',
      environment: 'staging',
      clusterId: 'log-cleaner',
      namespace: 'flink-staging',
    });
    expect(p.image).toEqual({
      ref: image,
      resolved: true,
      byDigest: true,
      repository: 'ghcr.io/flinkship/log-cleaner',
    });
    expect(r.err).toContain(
      `${FIXTURE}:6:9: warning: image.base flink:1.20.3-scala_2.12-java17 is not pinned by digest`,
    );
  });

  it('prints Markdown for people by default', async () => {
    const r = await cli('plan', '--config', FIXTURE, '--env', 'production');
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toBe('## Flinkship plan: log-cleaner → production');
    expect(r.out).toContain(
      'flink run-application \\\n  --target \\\n  kubernetes-application \\\n  -Dexecution.checkpointing.interval=10s',
    );
  });

  it('requires --env', async () => {
    const r = await cli('plan', '--config', FIXTURE);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      'error: <flags>: --env: required but not given: the environment of the spec to plan for\n',
    );
  });

  it.each([
    [
      ['plan', '--env', 'staging', '--output', 'yaml'],
      'error: <flags>: --output: found "yaml"; valid: text or json',
    ],
    [
      ['plan', '--env', 'staging', '--enviroment', 'x'],
      'error: <flags>: --enviroment: unknown flag; valid: --config, --output, --env, --image, --help, --version',
    ],
    [['plan', '--env'], 'error: <flags>: --env: expects a value'],
    [['plan', 'staging'], 'error: <flags>: staging: unexpected argument; flags take the form --name value'],
    [['rollout'], 'error: <flags>: command: found "rollout"; valid: validate, plan'],
    [['pln'], 'error: <flags>: command: found "pln" (did you mean "plan"?); valid: validate, plan'],
  ])('exits 2 on bad flags %j', async (argv, message) => {
    const r = await cli(...argv);
    expect(r.code).toBe(2);
    expect(r.err.split('\n')[0]).toContain(message);
  });

  it('names a misspelt environment with a suggestion', async () => {
    const r = await cli('plan', '--config', FIXTURE, '--env', 'prod');
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      'error: <flags>: --env: found "prod"; valid: integration, preview, staging, production',
    );
  });
});

describe('the flinkship binary', () => {
  const run = promisify(execFile);

  it('prints its version', async () => {
    const { stdout } = await run('node', ['dist/cli.js', '--version']);
    expect(stdout).toBe(`${VERSION}\n`);
  });

  it('exits with 2 on invalid input', async () => {
    const err = await run('node', [
      'dist/cli.js',
      'validate',
      '--config',
      'test/fixtures/specs/bad/types.yaml',
    ]).catch((e) => e);
    expect(err.code).toBe(2);
    expect(err.stderr).toContain(
      'test/fixtures/specs/bad/types.yaml:7:16: job.parallelism: found "two"; expected a whole number',
    );
  });

  it('plans the fixture as JSON from a fresh process', async () => {
    const { stdout } = await run('node', [
      'dist/cli.js',
      'plan',
      '--config',
      FIXTURE,
      '--env',
      'staging',
      '--output',
      'json',
    ]);
    expect(JSON.parse(stdout).client.argv.slice(0, 3)).toEqual([
      'run-application',
      '--target',
      'kubernetes-application',
    ]);
  });

  it('prints help with exit code 0 and usage with exit code 2 when no command is given', async () => {
    const help = await run('node', ['dist/cli.js', 'plan', '--help']);
    expect(help.stdout).toContain('Usage: flinkship plan [flags]');
    const none = await run('node', ['dist/cli.js']).catch((e) => e);
    expect(none.code).toBe(2);
    expect(none.stdout).toContain('Usage: flinkship <command> [flags]');
  });
});

describe('two-word commands', () => {
  it('runs env up as two words, as its help shows', async () => {
    const r = await cli('env', 'up', '--help');
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toBe('Usage: flinkship env up [flags]');
  });

  it('lists the subcommands of env', async () => {
    const help = await cli('env', '--help');
    expect(help.code).toBe(0);
    expect(help.out.split('\n')[0]).toBe('Usage: flinkship env <up|smoke|down> [flags]');
    const none = await cli('env');
    expect(none.code).toBe(2);
    expect(none.err).toBe(
      'error: <flags>: command: found no subcommand; valid: env up, env smoke, env down\n',
    );
    const typo = await cli('env', 'upp');
    expect(typo.code).toBe(2);
    expect(typo.err).toBe(
      'error: <flags>: command: found "env upp" (did you mean "env up"?); valid: env up, env smoke, env down\n',
    );
  });
});

describe('flags as a user types them', () => {
  it('a flag that takes one value, given twice, is an error naming it; a repeatable one is not', async () => {
    const twice = await cli('validate', '--config', FIXTURE, '--config', FIXTURE);
    expect(twice.code).toBe(2);
    expect(twice.err).toContain('error: <flags>: --config: given 2 times; give it once');
    const list = await cli(
      'diff',
      '--config',
      FIXTURE,
      '--env',
      'staging',
      '--env',
      'production',
      '--base',
      'HEAD',
    );
    expect(list.err).not.toContain('given 2 times');
  });

  it('an empty value is an error, not the default', async () => {
    const r = await cli('validate', '--config=');
    expect(r.code).toBe(2);
    expect(r.err).toBe('error: <flags>: --config: is empty; expected a file\n');
  });

  it("`flinkship help <command>` prints the command's help; --version takes nothing after it", async () => {
    const help = await cli('help', 'preview', 'up');
    expect(help.code).toBe(0);
    expect(help.out.split('\n')[0]).toBe('Usage: flinkship preview up [flags]');
    expect((await cli('help', 'validate')).out).toBe((await cli('validate', '--help')).out);
    const version = await cli('--version', '--bogus');
    expect(version.code).toBe(2);
    expect(version.err).toBe('error: <flags>: --bogus: unexpected after --version; give --version alone\n');
  });
});
