// Where the files the image takes from the disk (the job jar, libs, files) may come from: the spec's
// repository and nowhere else. A pull request can change the spec; without this, `../../` or a symlink
// would copy a runner's ~/.docker/config.json or /etc/shadow into an image that is then pushed.
import { execFile } from 'node:child_process';
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The git top level of the spec's directory, or the directory itself outside git; real paths. */
export async function repositoryRoot(specDir: string): Promise<string> {
  const dir = await realpath(specDir);
  try {
    const { stdout } = await run('git', ['rev-parse', '--show-toplevel'], { cwd: dir, timeout: 10_000 });
    if (stdout.trim()) return await realpath(stdout.trim());
  } catch {
    // Not in a git work tree (or no git): the spec's directory is the root.
  }
  return dir;
}

function isInside(root: string, file: string): boolean {
  const rel = path.relative(root, file);
  return rel === '' || (!rel.startsWith(`..${path.sep}`) && rel !== '..' && !path.isAbsolute(rel));
}

export type SourceResolution = { file: string } | { refused: string };

/**
 * The real path of `source` (relative to the spec's directory), when it is inside `root`, written and
 * resolved. A path that does not exist is returned as written: the file checks report it, and nothing
 * is read from it.
 */
export async function resolveSource(
  root: string,
  specDir: string,
  source: string,
): Promise<SourceResolution> {
  const written = path.resolve(await realpath(specDir), source);
  const fix = 'the image takes files only from the repository the spec is in: move the file into it';
  if (!isInside(root, written)) {
    return { refused: `${source} is outside the repository ${root}; ${fix}` };
  }
  let real: string;
  try {
    real = await realpath(written);
  } catch {
    return { file: written };
  }
  if (!isInside(root, real)) {
    return {
      refused: `${source} leads through a symlink to ${real}, outside the repository ${root}; ${fix}`,
    };
  }
  return { file: real };
}
