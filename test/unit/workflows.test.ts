// The reusable workflows' shape, read as data: what GitHub would run (test/integration/workflows-act.test.ts
// runs them under act). Every local action they use exists and gets only inputs it declares; remote
// actions are pinned by commit; every job declares its permissions; each job checks out Flinkship before
// it uses it; and the step that finds Flinkship's commit is the same everywhere and refuses what it should.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const exec = promisify(execFile);
const FILES = [
  'reusable-pull-request.yml',
  'reusable-preview-sweep.yml',
  'reusable-release.yml',
  'reusable-fork-preview.yml',
];

interface Step {
  id?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  permissions?: unknown;
  steps: Step[];
}
interface Workflow {
  on: { workflow_call?: { inputs?: Record<string, unknown> } };
  permissions: unknown;
  jobs: Record<string, Job>;
}

const workflows = FILES.map((f) => ({
  file: f,
  text: readFileSync(path.join('.github/workflows', f), 'utf8'),
  wf: parse(readFileSync(path.join('.github/workflows', f), 'utf8')) as Workflow,
}));

function actionInputs(dir: string): string[] {
  const action = parse(readFileSync(path.join(dir, 'action.yml'), 'utf8')) as { inputs?: object };
  return Object.keys(action.inputs ?? {});
}

describe('the reusable workflows', () => {
  for (const { file, wf } of workflows) {
    it(`${file}: workflow_call, no default permissions, every job its own`, () => {
      expect(wf.on.workflow_call).toBeDefined();
      expect(wf.on.workflow_call!.inputs).toHaveProperty('flinkship');
      expect(wf.permissions).toEqual({});
      for (const [name, job] of Object.entries(wf.jobs)) expect(job.permissions, name).toBeDefined();
    });

    it(`${file}: local actions exist and get only their inputs, after Flinkship is checked out; remote ones are pinned`, () => {
      for (const [name, job] of Object.entries(wf.jobs)) {
        let checkedOut = false;
        for (const step of job.steps) {
          if (!step.uses) continue;
          const local = /^\.\/\.flinkship\/(actions\/[a-z-]+)$/.exec(step.uses);
          if (local) {
            expect(checkedOut, `${name}: ${step.uses} before Flinkship's checkout`).toBe(true);
            const inputs = actionInputs(local[1]!);
            for (const key of Object.keys(step.with ?? {}))
              expect(inputs, `${name}: ${step.uses}`).toContain(key);
            continue;
          }
          expect(step.uses, name).toMatch(/^[a-z0-9-]+\/[a-z0-9-]+@[0-9a-f]{40}$/);
          if (step.with?.path === '.flinkship') {
            expect(step.with.repository).toBe('${{ needs.flinkship.outputs.repository }}');
            expect(step.with.ref).toBe('${{ needs.flinkship.outputs.sha }}');
            checkedOut = true;
          }
          if (/^actions\/checkout@/.test(step.uses))
            expect(step.with?.['persist-credentials'], name).toBe(false);
        }
      }
    });
  }

  it('find Flinkship’s commit with one and the same job', () => {
    const jobs = workflows.map(({ text }) => /\n {2}flinkship:\n[\s\S]*?(?=\n\n {2}\S)/.exec(text)?.[0]);
    expect(jobs[0]).toContain('name: locate Flinkship');
    expect(new Set(jobs).size).toBe(1);
  });
});

describe('locating Flinkship', () => {
  const script = (() => {
    const step = workflows[0]!.wf.jobs.flinkship!.steps.find((s) => s.id === 'locate')!;
    return /node - <<'EOF'\n([\s\S]*?)\nEOF/.exec(step.run!)![1]!;
  })();
  const sha = 'a'.repeat(40);

  async function locate(job: object, input: string) {
    const dir = await mkdtemp(path.join(tmpdir(), 'locate-'));
    const output = path.join(dir, 'output');
    try {
      const r = await exec(process.execPath, ['-e', script], {
        env: {
          PATH: process.env.PATH,
          JOB_CONTEXT: JSON.stringify(job),
          FLINKSHIP_INPUT: input,
          GITHUB_OUTPUT: output,
        },
      }).then(
        (r) => ({ code: 0, stdout: r.stdout }),
        (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
      );
      const out = await readFile(output, 'utf8').catch(() => '');
      return { ...r, out };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  it('takes the runner’s job.workflow_repository and job.workflow_sha', async () => {
    const r = await locate({ workflow_repository: 'acme/flinkship', workflow_sha: sha }, '');
    expect(r).toMatchObject({ code: 0, out: `repository=acme/flinkship\nsha=${sha}\n` });
  });

  it('takes the flinkship input where the runner reports nothing', async () => {
    const r = await locate({ status: 'success' }, `acme/flinkship@${sha}`);
    expect(r).toMatchObject({ code: 0, out: `repository=acme/flinkship\nsha=${sha}\n` });
  });

  it('refuses an input that disagrees with the runner', async () => {
    const r = await locate(
      { workflow_repository: 'acme/flinkship', workflow_sha: sha },
      `acme/flinkship@${'b'.repeat(40)}`,
    );
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.stdout).toContain(
      `::error title=flinkship input::flinkship: names acme/flinkship@${'b'.repeat(40)}, but this workflow runs from acme/flinkship@${sha}`,
    );
  });

  it('refuses a malformed input (a branch, not a commit), and nothing at all', async () => {
    const bad = await locate({}, 'acme/flinkship@main');
    expect(bad.code).toBe(2);
    expect(bad.stdout).toContain('flinkship: expected owner/repo@<40-hex commit>');
    const none = await locate({}, '');
    expect(none.code).toBe(2);
    expect(none.stdout).toContain('does not report which commit of Flinkship runs this workflow');
  });
});
