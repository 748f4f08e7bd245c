// The CLI in process, as a user meets it: the exit code, and what it printed on stdout and stderr.
import { PassThrough } from 'node:stream';
import { runCli } from '../../src/cli/run.js';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

export async function cli(...argv: string[]): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => (out += c));
  stderr.on('data', (c) => (err += c));
  const code = await runCli(argv, { stdout, stderr });
  return { code, out, err };
}
