// The git repository a spec lives in, read with git itself: its top level, a merge-base, and a file as
// it was at a commit. Read only; every call bounded in time.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { OperationError } from '../util/errors.js';

const run = promisify(execFile);
const TIMEOUT_MS = 20_000;
/** A spec is small; a file larger than this at the base is refused rather than read. */
const MAX_FILE_BYTES = 1024 * 1024;

async function git(
  cwd: string,
  args: string[],
): Promise<{ ok: true; out: string } | { ok: false; err: string }> {
  try {
    const { stdout } = await run('git', args, { cwd, timeout: TIMEOUT_MS, maxBuffer: MAX_FILE_BYTES * 2 });
    return { ok: true, out: stdout };
  } catch (err) {
    const e = err as { stderr?: string; message: string; code?: string };
    if (e.code === 'ENOENT')
      throw new OperationError('git is not installed: flinkship diff reads the base from git');
    return { ok: false, err: (e.stderr || e.message).trim().split('\n')[0]! };
  }
}

/** The repository's top level, or undefined outside a git repository. */
export async function gitTopLevel(dir: string): Promise<string | undefined> {
  const r = await git(dir, ['rev-parse', '--show-toplevel']);
  return r.ok ? r.out.trim() : undefined;
}

/** The full commit name of a revision, or undefined when git does not know it. */
export async function resolveCommit(top: string, rev: string): Promise<string | undefined> {
  const r = await git(top, ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`]);
  return r.ok ? r.out.trim() : undefined;
}

/** The best common ancestor of two commits, or undefined (unrelated histories, a shallow clone). */
export async function mergeBase(top: string, a: string, b: string): Promise<string | undefined> {
  const r = await git(top, ['merge-base', a, b]);
  return r.ok ? r.out.trim() : undefined;
}

/** A file's content at a commit; undefined when the file did not exist there. */
export async function fileAt(top: string, commit: string, relativePath: string): Promise<string | undefined> {
  const spec = `${commit}:${relativePath.split('\\').join('/')}`;
  const size = await git(top, ['cat-file', '-s', spec]);
  if (!size.ok) return undefined;
  if (Number(size.out) > MAX_FILE_BYTES) {
    throw new OperationError(`${spec} is ${size.out.trim()} bytes; a spec is at most ${MAX_FILE_BYTES}`);
  }
  const r = await git(top, ['cat-file', 'blob', spec]);
  return r.ok ? r.out : undefined;
}
