// The Flink client (bin/flink): from a trusted image (docker run, host network, the work directory
// mounted read-only at the plan's client work dir), or from a local FLINK_HOME.
// The work directory holds the client's kubeconfig: its path may be printed, its content never.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DockerEngine, RunRequest } from './docker.js';

export interface ClientRun {
  argv: string[];
  /** Host directory with the kubeconfig and the pod template. */
  hostWorkDir: string;
  /** Where the client sees hostWorkDir (the same path for FLINK_HOME, the plan's workDir in a container). */
  clientWorkDir: string;
  timeoutMs: number;
}

export interface ClientResult {
  exitCode: number;
  output: string[];
  timedOut: boolean;
  /** How it ran, for messages: `docker run <image> flink ...` or `<home>/bin/flink ...`. */
  how: string;
}

/** The uid:gid of the official Flink images' `flink` user, which owns /opt/flink. */
export const FLINK_USER = '9999:9999';

/** A new work directory for one client run; the caller registers its removal as soon as it exists. */
export function makeClientWorkDir(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), 'flinkship-client-'));
}

export function removeClientWorkDir(dir: string): Promise<void> {
  return rm(dir, { recursive: true, force: true });
}

/** The plan's pod template, beside the kubeconfig (see executors/kubeconfigFile.ts), this user's only. */
export async function writePodTemplate(dir: string, text: string): Promise<void> {
  await writeFile(path.join(dir, 'pod-template.yaml'), text, { mode: 0o600 });
}

/**
 * Readies the work directory for the client's container and returns the user it runs as: the official
 * images' flink user (9999) reads the work directory, so as root it is handed over; otherwise the
 * client runs as the current user, who owns it. Either way nobody else may enter it.
 */
export async function handOverWorkDir(dir: string): Promise<string> {
  const uid = process.getuid?.();
  let user = `${uid}:${process.getgid?.()}`;
  if (uid === 0) {
    await chown(dir, 9999, 9999);
    for (const f of ['kubeconfig', 'pod-template.yaml']) {
      if (existsSync(path.join(dir, f))) await chown(path.join(dir, f), 9999, 9999);
    }
    user = FLINK_USER;
  }
  await chmod(dir, 0o700);
  return user;
}

/** The client's container: a trusted image (see deploy/clientImage.ts), a known name and labels to find it by. */
export interface ClientContainer {
  image: string;
  /** Unique per run, so a cancelled run can stop exactly its own container. */
  name: string;
  labels: Record<string, string>;
  user: string;
}

/**
 * `docker run --rm --name <name> --network host -v <dir>:<workDir>:ro <image> flink <argv>`: only the work
 * directory (kubeconfig, pod template) is mounted. No jar: in application mode the jar is
 * local:///opt/flink/usrlib/... inside the job image, which the JobManager runs; the client never reads it.
 */
export function clientRunRequest(container: ClientContainer, run: ClientRun): RunRequest {
  return {
    image: container.image,
    name: container.name,
    labels: container.labels,
    cmd: ['flink', ...run.argv],
    user: container.user,
    binds: [`${run.hostWorkDir}:${run.clientWorkDir}:ro`],
    networkMode: 'host',
    timeoutMs: run.timeoutMs,
  };
}

export async function runClientInImage(
  engine: DockerEngine,
  container: ClientContainer,
  run: ClientRun,
  onLine: (line: string) => void,
): Promise<ClientResult> {
  const result = await engine.run(clientRunRequest(container, run), onLine);
  return { ...result, how: `docker run --name ${container.name} --network host ${container.image} flink` };
}

export function runClientFromHome(
  flinkHome: string,
  run: ClientRun,
  onLine: (line: string) => void,
): Promise<ClientResult> {
  const bin = `${flinkHome.replace(/\/$/, '')}/bin/flink`;
  return new Promise((resolve, reject) => {
    const child = spawn(bin, run.argv, { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    const output: string[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, run.timeoutMs);
    let rest = { stdout: '', stderr: '' };
    const take = (which: 'stdout' | 'stderr') => (chunk: string) => {
      const parts = (rest[which] + chunk).split('\n');
      rest = { ...rest, [which]: parts.pop() ?? '' };
      for (const line of parts) {
        output.push(line);
        onLine(line);
      }
    };
    child.stdout.setEncoding('utf8').on('data', take('stdout'));
    child.stderr.setEncoding('utf8').on('data', take('stderr'));
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      for (const tail of [rest.stdout, rest.stderr]) if (tail) output.push(tail);
      resolve({ exitCode: code ?? 1, output, timedOut, how: bin });
    });
  });
}
