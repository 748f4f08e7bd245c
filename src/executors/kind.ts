// kind (Kubernetes in Docker), at a pinned version: the binary (from the runner's tool cache, a `kind`
// on PATH with the same version, or a download), and the commands Flinkship runs: create cluster,
// delete, load docker-image, export logs, plus the local registry container beside the cluster.
// Nothing else runs kind. Each command's argv is a pure function, so tests check it without kind.
import { chmodSync, mkdirSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import * as exec from '@actions/exec';
import * as tc from '@actions/tool-cache';
import Dockerode from 'dockerode';
import type { Readable } from 'node:stream';
import type { Ui } from '../ui/ui.js';
import { OperationError } from '../util/errors.js';

export const KIND_VERSION = '0.30.0';
export const KIND_NETWORK = 'kind';
/** registry:2.8.3, pinned by digest. */
export const REGISTRY_IMAGE =
  'registry:2.8.3@sha256:a3d8aaa63ed8681a604f1dea0aa03f100d5895b6a58ace528858a7b332415373';

export function kindDownloadUrl(version: string, platform = process.platform, arch = process.arch): string {
  const a = arch === 'x64' ? 'amd64' : arch;
  return `https://kind.sigs.k8s.io/dl/v${version}/kind-${platform}-${a}`;
}

export interface CreateArgs {
  name: string;
  configFile: string;
  kubeconfig: string;
  /** Seconds kind waits for the control plane to be Ready. */
  waitSeconds: number;
}

export const createArgv = (a: CreateArgs): string[] => [
  'create',
  'cluster',
  '--name',
  a.name,
  '--config',
  a.configFile,
  '--kubeconfig',
  a.kubeconfig,
  '--wait',
  `${a.waitSeconds}s`,
];
export const deleteArgv = (name: string, kubeconfig?: string): string[] => [
  'delete',
  'cluster',
  '--name',
  name,
  ...(kubeconfig ? ['--kubeconfig', kubeconfig] : []),
];
export const loadImageArgv = (name: string, image: string): string[] => [
  'load',
  'docker-image',
  image,
  '--name',
  name,
];
export const exportLogsArgv = (name: string, dir: string): string[] => [
  'export',
  'logs',
  dir,
  '--name',
  name,
];
export const getClustersArgv = (): string[] => ['get', 'clusters'];

/** `kind v0.30.0 go1.24.6 linux/amd64` → 0.30.0 */
export function parseKindVersion(output: string): string | undefined {
  return /\bv?(\d+\.\d+\.\d+)\b/.exec(output)?.[1];
}

export class Kind {
  private constructor(
    readonly binary: string,
    private readonly ui: Ui,
  ) {}

  /**
   * The pinned kind: the tool cache's, else a `kind` on PATH whose version matches, else downloaded into
   * the tool cache. Off a runner, the tool cache is ~/.cache/flinkship/tools.
   */
  static async install(ui: Ui, version = KIND_VERSION): Promise<Kind> {
    process.env.RUNNER_TOOL_CACHE ||= path.join(homedir(), '.cache', 'flinkship', 'tools');
    process.env.RUNNER_TEMP ||= tmpdir();
    const cached = tc.find('kind', version);
    if (cached) {
      ui.info(`kind ${version} from the tool cache (${cached})`);
      return new Kind(path.join(cached, 'kind'), ui);
    }
    const onPath = await exec
      .getExecOutput('kind', ['version'], { silent: true, ignoreReturnCode: true })
      .catch(() => undefined);
    const found = onPath && onPath.exitCode === 0 ? parseKindVersion(onPath.stdout) : undefined;
    if (found === version) {
      ui.info(`kind ${version} from PATH`);
      return new Kind('kind', ui);
    }
    if (found) ui.info(`kind on PATH is ${found}, not the pinned ${version}: downloading ${version}`);
    const url = kindDownloadUrl(version);
    let file: string;
    try {
      file = await tc.downloadTool(url);
    } catch (err) {
      throw new OperationError(`downloading kind ${version} from ${url} failed: ${(err as Error).message}`);
    }
    chmodSync(file, 0o755);
    const dir = await tc.cacheFile(file, 'kind', 'kind', version);
    ui.info(`kind ${version} downloaded from ${url}`);
    return new Kind(path.join(dir, 'kind'), ui);
  }

  /** Runs kind with argv; its output goes to the log line by line (never to stdout: that is the result's). */
  async run(argv: string[], options: { quiet?: boolean } = {}): Promise<string> {
    let out = '';
    const onLine = (line: string) => {
      out += line + '\n';
      if (!options.quiet) this.ui.info(line);
    };
    let code: number;
    try {
      code = await exec.exec(this.binary, argv, {
        silent: true,
        ignoreReturnCode: true,
        listeners: { stdline: onLine, errline: onLine },
      });
    } catch (err) {
      throw new OperationError(`running ${this.binary} ${argv.join(' ')} failed: ${(err as Error).message}`);
    }
    if (code !== 0) {
      const tail = out.trim().split('\n').slice(-5).join('\n');
      throw new OperationError(`kind ${argv.join(' ')} exited with ${code}${tail ? `:\n${tail}` : ''}`);
    }
    return out;
  }

  async clusters(): Promise<string[]> {
    const out = await this.run(getClustersArgv(), { quiet: true });
    return out
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => /^[a-z0-9][-a-z0-9]*$/.test(l));
  }

  create(args: CreateArgs): Promise<string> {
    return this.run(createArgv(args));
  }
  delete(name: string, kubeconfig?: string): Promise<string> {
    return this.run(deleteArgv(name, kubeconfig));
  }
  loadImage(name: string, image: string): Promise<string> {
    return this.run(loadImageArgv(name, image));
  }
  exportLogs(name: string, dir: string): Promise<string> {
    mkdirSync(dir, { recursive: true });
    return this.run(exportLogsArgv(name, dir), { quiet: true });
  }
}

/**
 * The local registry container kind's nodes pull from (localhost:<port> on the runner, <name>:5000 on
 * the kind network). Talks to the Docker engine directly: it is part of the kind cluster's setup.
 */
export class KindRegistry {
  constructor(
    readonly name: string,
    readonly port: number,
    readonly image = REGISTRY_IMAGE,
    private readonly docker: Dockerode = new Dockerode(),
  ) {}

  /** Starts the registry unless it runs already. */
  async ensureRunning(ui: Ui): Promise<void> {
    const container = this.docker.getContainer(this.name);
    const info = await container.inspect().catch(() => undefined);
    if (info?.State?.Running) {
      ui.info(`registry ${this.name} runs already (localhost:${this.port})`);
      return;
    }
    if (info) await container.remove({ force: true });
    const present = await this.docker
      .getImage(this.image)
      .inspect()
      .catch(() => undefined);
    if (!present) {
      try {
        const stream = (await this.docker.pull(this.image)) as Readable;
        await new Promise<void>((resolve, reject) =>
          this.docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())),
        );
      } catch (err) {
        throw new OperationError(
          `pulling the registry image ${this.image} failed: ${(err as Error).message}`,
        );
      }
    }
    try {
      const created = await this.docker.createContainer({
        name: this.name,
        Image: this.image,
        HostConfig: {
          RestartPolicy: { Name: 'always' },
          PortBindings: { '5000/tcp': [{ HostIp: '127.0.0.1', HostPort: String(this.port) }] },
        },
        ExposedPorts: { '5000/tcp': {} },
      });
      await created.start();
    } catch (err) {
      throw new OperationError(
        `starting the registry container ${this.name} on 127.0.0.1:${this.port} failed: ${(err as Error).message}`,
      );
    }
    ui.info(`registry ${this.name} started (localhost:${this.port})`);
  }

  /** Joins the kind network, so nodes reach it as <name>:5000. */
  async connect(network = KIND_NETWORK): Promise<void> {
    const info = await this.docker.getContainer(this.name).inspect();
    if (info.NetworkSettings?.Networks?.[network]) return;
    try {
      await this.docker.getNetwork(network).connect({ Container: this.name });
    } catch (err) {
      throw new OperationError(
        `connecting the registry ${this.name} to the docker network ${network} failed: ${(err as Error).message}`,
      );
    }
  }

  async remove(): Promise<void> {
    await this.docker
      .getContainer(this.name)
      .remove({ force: true })
      .catch(() => undefined);
  }
}
