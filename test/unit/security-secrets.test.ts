// Secrets never printed (issue 12, points 1-3): a malformed kubeconfig is never quoted and its credentials
// are masked before parsing can fail; a one-line kubeconfig input is never echoed; every path the CLI and
// the actions write through (stdout, stderr, --output json, stack traces, annotations, outputs, summary)
// masks what was registered as a secret.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runAction as runActionInProcess } from '../../src/action/run.js';
import { kubeconfigSecrets } from '../../src/executors/kubeconfigSecrets.js';
import { VERBS } from '../../src/verbs/index.js';
import { defineVerb, type Verb } from '../../src/verbs/verb.js';
import { COMMON_OPTIONS } from '../../src/options/options.js';
import { OperationError } from '../../src/util/errors.js';
import { cli } from '../helpers/cli.js';
import { parseOutputFile, runAction } from '../helpers/runner.js';

const FIXTURE = 'fixtures/log-cleaner/flinkship.yaml';
const TOKEN = 'secsec-token-4f9a1c';
const PASSWORD = 'secsec-password-77d2';
const KEY_DATA = 'c2Vjc2VjLWtleS1kYXRh';
const REFRESH = 'secsec-refresh-9911';
const EXEC_ENV = 'secsec-exec-env-1234';

/** A kubeconfig with every kind of credential, and a bad indentation at line 10. */
const MALFORMED = `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "https://127.0.0.1:16443"}
users:
- name: u
  user:
    token: ${TOKEN}
   password: "${PASSWORD}"
- name: v
  user:
    client-key-data: ${KEY_DATA}
    auth-provider:
      name: oidc
      config:
        refresh-token: '${REFRESH}'
- name: w
  user:
    exec:
      command: get-token
      env:
      - name: SECRET
        value: ${EXEC_ENV}
contexts:
- name: x
  context: {cluster: c, user: u}
current-context: x
`;
const SECRETS = [TOKEN, PASSWORD, KEY_DATA, REFRESH, EXEC_ENV];

function tempFile(name: string, content: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'secsec-')), name);
  writeFileSync(file, content);
  return file;
}

function expectNoSecret(text: string, secrets: string[] = SECRETS): void {
  for (const s of secrets) expect(text).not.toContain(s);
}

describe('kubeconfigSecrets', () => {
  it('finds every credential by a line scan, without parsing', () => {
    expect(kubeconfigSecrets(MALFORMED)).toEqual([TOKEN, PASSWORD, KEY_DATA, REFRESH, EXEC_ENV]);
  });

  it('finds them in JSON, on one line too', () => {
    const json = `{"users":[{"name":"u","user":{"token":"${TOKEN}","password":"${PASSWORD}"}}]}`;
    expect(kubeconfigSecrets(json)).toEqual([TOKEN, PASSWORD]);
  });
});

describe('a malformed kubeconfig (point 1)', () => {
  it('is reported by line, never quoted, in the log and in --output json', async () => {
    const file = tempFile('kubeconfig', MALFORMED);
    const r = await cli(
      'delete',
      '--config',
      FIXTURE,
      '--env',
      'staging',
      '--kubeconfig',
      file,
      '--output',
      'json',
    );
    expect(r.code).toBe(2);
    const message = `${file}: not valid YAML at line 10; fix the file or give another with --kubeconfig`;
    expect(r.err).toBe(`error: <flags>: --kubeconfig: ${message}\n`);
    expect(JSON.parse(r.out)).toEqual({
      error: {
        exitCode: 2,
        issues: [{ file: '<flags>', field: '--kubeconfig', message }],
        messages: [`<flags>: --kubeconfig: ${message}`],
      },
    });
  });

  it('has its credentials masked in Actions before the error is annotated', async () => {
    const file = tempFile('kubeconfig', MALFORMED);
    const run = await runAction('actions/delete', { config: FIXTURE, env: 'staging', kubeconfig: file });
    expect(run.code).toBe(2);
    const lines = run.stdout.split('\n');
    const masks = lines
      .filter((l) => l.startsWith('::add-mask::'))
      .map((l) => l.slice('::add-mask::'.length));
    expect(masks).toEqual(expect.arrayContaining(SECRETS));
    const firstError = lines.findIndex((l) => l.startsWith('::error'));
    expect(lines.findIndex((l) => l === `::add-mask::${EXEC_ENV}`)).toBeLessThan(firstError);
    expect(lines[firstError]).toBe(
      `::error title=flinkship%3A kubeconfig::<inputs>: kubeconfig: ${file}: not valid YAML at line 10; fix the file or give another with the kubeconfig input`,
    );
    expectNoSecret(lines.filter((l) => !l.startsWith('::add-mask::')).join('\n') + run.stderr);
  });
});

describe('the kubeconfig input on one line (point 2)', () => {
  it('is never echoed in the error', async () => {
    const content = `apiVersion: v1 kind: Config users: [{name: u, user: {token: ${TOKEN}}}]`;
    const run = await runAction('actions/delete', { config: FIXTURE, env: 'staging', kubeconfig: content });
    expect(run.code).toBe(2);
    expect(run.stdout).toContain(
      '::error title=flinkship%3A kubeconfig::<inputs>: kubeconfig: is neither an existing file nor kubeconfig content (the value is not shown: it may hold credentials); give the path of a kubeconfig file, or its content as YAML over several lines or as JSON',
    );
    expectNoSecret(run.stdout + run.stderr, [TOKEN, 'apiVersion: v1 kind']);
  });

  it('is used as content when it is JSON on one line', async () => {
    const content = JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:1' } }],
      users: [{ name: 'u', user: { token: TOKEN } }],
      contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
    });
    const run = await runAction('actions/delete', {
      config: FIXTURE,
      env: 'staging',
      kubeconfig: content,
      context: 'nope',
    });
    expect(run.code).toBe(2);
    expect(run.stdout).toContain(`::add-mask::${TOKEN}`);
    expect(run.stdout).toMatch(
      /::error title=flinkship%3A context::<inputs>: context: context "nope" is not in \S+; valid: x/,
    );
  });
});

describe('every path the CLI writes masks registered secrets (point 3)', () => {
  const SECRET = 'secsec-registered-5150';
  const added: string[] = [];
  function addVerb(name: string, run: () => Promise<string>): void {
    const verb = defineVerb({
      name,
      options: COMMON_OPTIONS,
      async run(_options, ui) {
        ui.secret(SECRET);
        return run();
      },
      text: (r: string) => `${r}\n`,
      json: (r: string) => ({ result: r }),
      outputs: (r: string) => ({ result: r }),
      summary: (r: string) => `# ${r}\n`,
    });
    VERBS[name] = { describe: 'test verb', load: async () => verb as unknown as Verb };
    added.push(name);
  }
  afterEach(() => {
    for (const name of added.splice(0)) delete VERBS[name];
  });

  it('masks the text result and the JSON result on stdout', async () => {
    addVerb('secsec-ok', async () => `result ${SECRET}`);
    const text = await cli('secsec-ok');
    expect(text).toEqual({ code: 0, out: 'result ***\n', err: '' });
    const json = await cli('secsec-ok', '--output', 'json');
    expect(JSON.parse(json.out)).toEqual({ result: 'result ***' });
  });

  it('masks an operation error on stderr and in the JSON error', async () => {
    addVerb('secsec-fail', async () => {
      throw new OperationError(`failed with ${SECRET}`);
    });
    const r = await cli('secsec-fail', '--output', 'json');
    expect(r.code).toBe(1);
    expect(r.err).toBe('error: failed with ***\n');
    expect(JSON.parse(r.out)).toEqual({ error: { exitCode: 1, message: 'failed with ***' } });
  });

  it('masks the stack trace of an unexpected error', async () => {
    addVerb('secsec-crash', async () => {
      throw new TypeError(`crashed on ${SECRET}`);
    });
    const r = await cli('secsec-crash');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /^error: crashed on \*\*\*\n\(unexpected error; please report it\)\nTypeError: crashed on \*\*\*\n {4}at /,
    );
    expect(r.err).not.toContain(SECRET);
  });

  describe('in Actions', () => {
    let dir: string;
    let stdout: string;
    beforeEach(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'secsec-action-'));
      writeFileSync(path.join(dir, 'output'), '');
      writeFileSync(path.join(dir, 'summary'), '');
      vi.stubEnv('GITHUB_OUTPUT', path.join(dir, 'output'));
      vi.stubEnv('GITHUB_STEP_SUMMARY', path.join(dir, 'summary'));
      vi.stubEnv('INPUT_CONFIG', FIXTURE);
      stdout = '';
      vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
        stdout += String(chunk);
        return true;
      });
    });
    afterEach(() => {
      vi.restoreAllMocks();
      vi.unstubAllEnvs();
      process.exitCode = undefined;
    });

    it('masks outputs and the job summary', async () => {
      addVerb('secsec-out', async () => `result ${SECRET}`);
      expect(await runActionInProcess('secsec-out')).toBe(0);
      expect(parseOutputFile(readFileSync(path.join(dir, 'output'), 'utf8'))).toEqual({
        result: 'result ***',
      });
      expect(readFileSync(path.join(dir, 'summary'), 'utf8')).toBe('# result ***\n\n');
      // The result printed in the log (the output input is text) is masked too.
      expect(stdout).toBe(`::add-mask::${SECRET}\nresult ***\n`);
    });

    it('masks the error annotation', async () => {
      addVerb('secsec-err', async () => {
        throw new OperationError(`failed with ${SECRET}`);
      });
      expect(await runActionInProcess('secsec-err')).toBe(1);
      expect(stdout).toBe(`::add-mask::${SECRET}\n::error::failed with ***\n`);
    });
  });
});
