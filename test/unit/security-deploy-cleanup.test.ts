// What a run must undo is undone once, however the run ends: by its own code, at its end, or when a
// real child process is cancelled with SIGTERM or SIGINT (a cancelled workflow).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RunCleanup, withCleanup } from '../../src/deploy/cleanup.js';
import type { Ui } from '../../src/ui/ui.js';

const dir = mkdtempSync(path.join(tmpdir(), 'secdep-cleanup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function recordingUi(): Ui & { warnings: string[] } {
  const warnings: string[] = [];
  return {
    warnings,
    group: (_t, fn) => fn(),
    info: () => undefined,
    warning: (m) => void warnings.push(m),
    error: () => undefined,
    issues: () => undefined,
    setOutput: () => undefined,
    summary: async () => undefined,
    secret: () => undefined,
    mask: (text) => text,
  };
}

describe('RunCleanup', () => {
  it('runs each step once, newest first, whether called by the run or at its end', async () => {
    const ran: string[] = [];
    const ui = recordingUi();
    await withCleanup(ui, async (cleanup) => {
      cleanup.add('first', () => void ran.push('first'));
      const second = cleanup.add('second', () => void ran.push('second'));
      cleanup.add('third', () => void ran.push('third'));
      await second();
      await second();
    });
    expect(ran).toEqual(['second', 'third', 'first']);
  });

  it('runs the others when one fails, and warns saying what could not be undone', async () => {
    const ran: string[] = [];
    const ui = recordingUi();
    const cleanup = new RunCleanup(ui);
    cleanup.add('remove the work directory', () => void ran.push('dir'));
    cleanup.add('release the deploy lease', () => {
      throw new Error('connection refused');
    });
    await cleanup.runAll();
    expect(ran).toEqual(['dir']);
    expect(ui.warnings).toEqual(['could not release the deploy lease: connection refused']);
  });
});

describe('a cancelled run', () => {
  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)('undoes its steps on %s and exits %i', async (signal, code) => {
    const file = path.join(dir, `kubeconfig-${signal}`);
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/fixtures/cleanup/cancellable-run.ts', file],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    await new Promise<void>((resolve) =>
      child.stdout.setEncoding('utf8').on('data', (d: string) => d.includes('ready') && resolve()),
    );
    expect(existsSync(file)).toBe(true);
    child.kill(signal);
    expect(await exited).toBe(code);
    expect(existsSync(file)).toBe(false);
    expect(stderr).toContain(`${signal}: the run was cancelled; cleaning up before exiting`);
  });
});
