// Kubeconfig files Flinkship writes: content it was given (an action input holding a kubeconfig) and
// the one it builds for the Flink client (the deployer's short-lived token). Both hold credentials, so
// every such file is written here, readable by this user only.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Writes `content` as `<dir>/kubeconfig`, mode 0600; returns the file's path. */
export function writeKubeconfig(dir: string, content: string): string {
  const file = path.join(dir, 'kubeconfig');
  writeFileSync(file, content, { mode: 0o600 });
  return file;
}

/**
 * Writes `content` to a kubeconfig in a new directory of its own in the runner's temporary directory
 * (RUNNER_TEMP, else the OS's). The caller removes that directory when the run ends (a self-hosted
 * runner keeps RUNNER_TEMP's files).
 */
export function writeTemporaryKubeconfig(content: string): string {
  const dir = mkdtempSync(path.join(process.env.RUNNER_TEMP || tmpdir(), 'flinkship-kubeconfig-'));
  return writeKubeconfig(dir, content);
}
