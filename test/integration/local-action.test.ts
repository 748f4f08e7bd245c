// The actions as action authors run them: through @github/local-action (npm), which imports each entry's
// `run()` from the TypeScript sources with its own @actions/core and takes the inputs from an .env file.
// build-image builds for real with the testbed's Docker engine and pushes to its staging registry.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ok, run } from '../helpers/run.js';
import { testbed } from './testbed.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const LOCAL_ACTION = path.join(ROOT, 'node_modules/.bin/local-action');

/** Runs one action through local-action with the inputs written to an .env file; returns its outputs. */
async function localAction(
  action: string,
  entry: string,
  inputs: Record<string, string>,
  env: Record<string, string> = {},
): Promise<{ code: number | null; outputs: Record<string, string>; stdout: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'flinkship-local-action-'));
  const dotenv = path.join(dir, '.env');
  writeFileSync(
    dotenv,
    Object.entries(inputs)
      .map(([k, v]) => `INPUT_${k.toUpperCase()}=${v}`)
      .join('\n') + '\n',
  );
  const r = await run(
    LOCAL_ACTION,
    ['run', path.join(ROOT, 'actions', action), path.join(ROOT, 'src/action', entry), dotenv],
    { cwd: ROOT, env: { ...env, NO_COLOR: '1' }, timeoutMs: 280_000 },
  );
  const outputs: Record<string, string> = {};
  for (const m of r.stdout.matchAll(/^::set-output name=([^:]+)::(.*)$/gm)) outputs[m[1]!] = m[2]!;
  return { code: r.code, outputs, stdout: r.stdout };
}

describe('the actions through @github/local-action', () => {
  it('runs validate', async () => {
    const r = await localAction('validate', 'validate.ts', { config: 'fixtures/log-cleaner/flinkship.yaml' });
    expect(r.code, r.stdout).toBe(0);
    expect(r.outputs).toEqual({
      valid: 'true',
      job: 'log-cleaner',
      'flink-version': '1.20',
      environments: '["integration","preview","staging","production"]',
    });
  });

  it('runs plan', async () => {
    const r = await localAction('plan', 'plan.ts', {
      config: 'fixtures/log-cleaner/flinkship.yaml',
      env: 'staging',
    });
    expect(r.code, r.stdout).toBe(0);
    expect(r.outputs['cluster-id']).toBe('log-cleaner');
    expect(r.outputs.namespace).toBe('flink-staging');
    expect(r.outputs.image).toBe('');
    expect(JSON.parse(r.outputs['client-argv']!)).toContain('--target');
  });

  it('runs build-image, building with the real engine and pushing to the staging registry', async () => {
    const registry = testbed('FLINKSHIP_TESTBED_STAGING_REGISTRY');
    const repo = `${registry}/flinkship-test/local-action-${randomBytes(4).toString('hex')}`;
    const dir = mkdtempSync(path.join(tmpdir(), 'flinkship-local-action-build-'));
    mkdirSync(path.join(dir, 'classes/dev/acme'), { recursive: true });
    writeFileSync(path.join(dir, 'classes/dev/acme/Job.class'), 'not run: the build checks the entry exists');
    await ok('jar', ['cf', path.join(dir, 'job.jar'), '-C', path.join(dir, 'classes'), '.']);
    writeFileSync(
      path.join(dir, 'flinkship.yaml'),
      [
        'name: local-action',
        "flinkVersion: '1.20'",
        'image:',
        `  base: ${testbed('FLINKSHIP_TESTBED_FLINK_BASE_IMAGE')}`,
        `  repository: ${repo}`,
        'job:',
        '  jar: job.jar',
        '  entryClass: dev.acme.Job',
        'environments:',
        '  staging: { namespace: flink-staging }',
        '',
      ].join('\n'),
    );
    const r = await localAction(
      'build-image',
      'build-image.ts',
      { config: path.join(dir, 'flinkship.yaml'), tag: 'local-action' },
      { DOCKER_HOST: testbed('DOCKER_HOST') },
    );
    expect(r.code, r.stdout).toBe(0);
    expect(r.outputs.image).toMatch(new RegExp(`^${repo}@sha256:[0-9a-f]{64}$`));
    const inspected = JSON.parse(
      await ok('skopeo', ['inspect', '--tls-verify=false', `docker://${repo}:local-action`]),
    ) as { Digest: string };
    expect(`${repo}@${inspected.Digest}`).toBe(r.outputs.image);
  });
});
