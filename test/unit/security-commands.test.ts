// Workflow-command injection (issue 12, point 8): text Flinkship did not write, printed in a GitHub
// Actions log, must not make the runner act. Each path gets forged `::error`, `::add-mask::` and legacy
// `##[...]` lines, and the produced stdout is read the way the runner reads it.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Kube } from '../../src/executors/kube.js';
import { runClientFromHome } from '../../src/executors/flinkClient.js';
import { Deadline } from '../../src/util/deadline.js';
import { reportFailure } from '../../src/integration/environment.js';
import type { EnvSettings } from '../../src/integration/settings.js';
import { runSmokeCommand } from '../../src/integration/smoke.js';
import { ActionsUi } from '../../src/ui/actions.js';
import { shieldWorkflowCommands } from '../../src/ui/untrusted.js';
import { cli } from '../helpers/cli.js';
import { runAction } from '../helpers/runner.js';
import { honouredCommands, type RunnerCommand } from '../helpers/workflowCommands.js';

const FORGED = [
  '::error file=README.md,line=1::forged annotation',
  '  ::add-mask::forged-mask',
  'progress ##[error]forged legacy annotation',
  '::stop-commands::guess',
];

function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'secsec-cmd-'));
}

/** Every forged line is still shown, and the runner acts on none of it: only on Flinkship's own commands. */
function expectShownNotHonoured(stdout: string, ours: RunnerCommand[] = []): void {
  for (const line of FORGED) expect(stdout).toContain(line);
  expect(honouredCommands(stdout)).toEqual(ours);
}

describe('the runner model', () => {
  it('acts on forged lines printed as they are (what today’s code did)', () => {
    expect(honouredCommands(FORGED.join('\n')).map((c) => c.command)).toEqual(['error', 'add-mask', 'error']);
  });

  it('acts on nothing inside a stop-commands block, and again after it', () => {
    const text = shieldWorkflowCommands(FORGED.join('\n')) + '\n::warning::ours\n';
    expect(honouredCommands(text)).toEqual([{ command: 'warning', data: 'ours' }]);
  });

  it('leaves text without commands alone, a trailing newline after the block', () => {
    expect(shieldWorkflowCommands('plain: text\n')).toBe('plain: text\n');
    expect(shieldWorkflowCommands('a\r::error::x\n')).toMatch(
      /^::stop-commands::([0-9a-f]{32})\na\r::error::x\n::\1::\n$/,
    );
  });
});

describe('in an action', () => {
  let stdout: string;
  beforeEach(() => {
    stdout = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      stdout += String(chunk);
      return true;
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('the Flink client’s output (a real process) is shown, not acted on', async () => {
    const home = tempDir();
    mkdirSync(path.join(home, 'bin'));
    const script = path.join(home, 'bin', 'flink');
    writeFileSync(
      script,
      `#!/bin/sh\n${FORGED.map((l) => `printf '%s\\n' '${l}'`).join('\n')}\necho "$@" >&2\n`,
    );
    chmodSync(script, 0o755);
    const ui = new ActionsUi();
    const run = {
      argv: ['run', '::error::forged-arg'],
      hostWorkDir: home,
      clientWorkDir: home,
      timeoutMs: 20_000,
    };
    const result = await runClientFromHome(home, run, (line) => ui.info(line));
    expect(result.exitCode).toBe(0);
    expect(result.output).toEqual([...FORGED, 'run ::error::forged-arg']);
    expectShownNotHonoured(stdout);
  });

  it('the smoke command’s output is shown, not acted on', async () => {
    const ui = new ActionsUi();
    const command = FORGED.map((l) => `printf '%s\\n' '${l}'`).join('; ');
    await runSmokeCommand(command, {} as EnvSettings, new Deadline(20_000), ui);
    expectShownNotHonoured(stdout);
  });

  it('Flink job names and pod states in diagnostics are shown, not acted on', async () => {
    const dir = tempDir();
    const pod = {
      metadata: { name: 'log-cleaner-jm', namespace: 'flink' },
      spec: { containers: [{ name: 'flink-main-container' }] },
      status: {
        phase: 'Running',
        containerStatuses: [{ name: '::error::c', state: { waiting: { reason: '##[add-mask]r' } } }],
      },
    };
    const kube = {
      list: async (_v: string, kind: string) => ({ items: kind === 'Pod' ? [pod] : [] }),
      podLog: async () => FORGED.join('\n'),
      serviceProxy: async (_ns: string, _svc: string, _port: string, p: string) =>
        p === '/jobs/overview'
          ? {
              status: 200,
              body: JSON.stringify({
                jobs: FORGED.map((name, i) => ({ jid: `j${i}`, name, state: 'FAILED' })),
              }),
            }
          : { status: 200, body: '{}' },
    } as unknown as Kube;
    const s = {
      diagnosticsDir: dir,
      env: { name: 'integration', namespace: 'flink', clusterId: 'log-cleaner' },
      strimzi: { namespace: 'kafka' },
      fluentBit: { namespace: 'logging' },
    } as unknown as EnvSettings;
    await reportFailure(s, kube, new Error('the job failed'), undefined, new ActionsUi());
    expect(readFileSync(path.join(dir, 'flink', 'log-cleaner-jm.log'), 'utf8')).toBe(FORGED.join('\n'));
    expectShownNotHonoured(stdout, [
      { command: 'error', data: 'the job failed' },
      { command: 'group', data: `Diagnostics → ${dir}` },
      { command: 'endgroup', data: '' },
    ]);
  });
});

describe('a plan with forged job args and flinkConfiguration values', () => {
  function forgedSpec(): string {
    const dir = tempDir();
    const spec = readFileSync('fixtures/log-cleaner/flinkship.yaml', 'utf8')
      .replace("'10m',", `'10m', ${FORGED.map((l) => JSON.stringify(l)).join(', ')},`)
      .replace('state.backend.type: hashmap', `state.backend.type: hashmap\n  pipeline.name: '${FORGED[0]}'`);
    const file = path.join(dir, 'flinkship.yaml');
    writeFileSync(file, spec);
    return file;
  }

  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('printed by the CLI in a workflow’s run step, is not acted on (text and JSON)', async () => {
    vi.stubEnv('GITHUB_ACTIONS', 'true');
    const file = forgedSpec();
    for (const output of ['text', 'json']) {
      const r = await cli('plan', '--config', file, '--env', 'staging', '--output', output);
      expect(r.code).toBe(0);
      expect(r.out).toContain('::error file=README.md,line=1::forged annotation');
      expect(honouredCommands(r.out)).toEqual([]);
      expect(honouredCommands(r.err).map((c) => c.command)).toEqual([]);
    }
  });

  it('stays valid JSON, the same value as outside a runner', async () => {
    const file = forgedSpec();
    const outside = await cli('plan', '--config', file, '--env', 'staging', '--output', 'json');
    vi.stubEnv('GITHUB_ACTIONS', 'true');
    const inside = await cli('plan', '--config', file, '--env', 'staging', '--output', 'json');
    expect(inside.out.split('\n').filter((l) => l.startsWith('::'))).toEqual([]);
    expect(JSON.parse(inside.out)).toEqual(JSON.parse(outside.out));
    expect(JSON.parse(inside.out).client.argv).toContain('progress ##[error]forged legacy annotation');
  });

  it('in the plan action, does not reach the log as commands', async () => {
    const run = await runAction('actions/plan', { config: forgedSpec(), env: 'staging', output: 'json' });
    expect(run.code).toBe(0);
    expect(honouredCommands(run.stdout).map((c) => c.command)).toEqual(['group', 'warning', 'endgroup']);
  });
});
