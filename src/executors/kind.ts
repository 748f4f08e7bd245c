// kind (Kubernetes in Docker), at a pinned version: the binary (from the runner's tool cache, a `kind`
// on PATH with the same version, or a download), and the commands Flinkship runs: create cluster,
// delete, load docker-image, export logs, plus the local registry container beside the cluster.
// Nothing else runs kind. Each command's argv is a pure function, so tests check it without kind.
// A downloaded or cached binary runs only when its sha256 is the pinned one of its version and platform.
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import * as exec from '@actions/exec';
import * as tc from '@actions/tool-cache';
import type { Ui } from '../ui/ui.js';
import { sha256File } from '../util/digest.js';
import { OperationError } from '../util/errors.js';
import { DockerEngine } from './docker.js';

export const KIND_VERSION = '0.30.0';
export const KIND_NETWORK = 'kind';
/** The docker network kind puts its nodes on: kind's own override, else `kind`. */
export const kindNetwork = (): string => process.env.KIND_EXPERIMENTAL_DOCKER_NETWORK || KIND_NETWORK;
/** registry:2.8.3, pinned by digest. */
export const REGISTRY_IMAGE =
  'registry:2.8.3@sha256:a3d8aaa63ed8681a604f1dea0aa03f100d5895b6a58ace528858a7b332415373';

/**
 * sha256 of kind's release binaries, per version and platform: what kind-<platform>.sha256sum beside
 * each binary on the GitHub release says (added from several public pins of those files, which agree, as
 * GitHub could not be read then: recheck against the release when touching this). A version or platform
 * missing here is not downloaded. Update with KIND_VERSION.
 */
export const KIND_SHA256: Record<string, Record<string, string>> = {
  '0.30.0': {
    'linux-amd64': '517ab7fc89ddeed5fa65abf71530d90648d9638ef0c4cde22c2c11f8097b8889',
    'linux-arm64': '7ea2de9d2d190022ed4a8a4e3ac0636c8a455e460b9a13ccf19f15d07f4f00eb',
    'darwin-amd64': '4f0b6e3b88bdc66d922c08469f05ef507d4903dd236e6319199bb9c868eed274',
    'darwin-arm64': 'ceaf40df1d1551c481fb50e3deb5c3deecad5fd599df5469626b70ddf52a1518',
  },
};

/** kind's name for a Node platform and architecture: linux-amd64, darwin-arm64, … */
export function kindPlatform(platform: string = process.platform, arch: string = process.arch): string {
  return `${platform}-${arch === 'x64' ? 'amd64' : arch}`;
}

export function kindDownloadUrl(version: string, platform = process.platform, arch = process.arch): string {
  return `https://kind.sigs.k8s.io/dl/v${version}/kind-${kindPlatform(platform, arch)}`;
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
export const loadImageArgv = (name: string, ...images: string[]): string[] => [
  'load',
  'docker-image',
  ...images,
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
   * the tool cache. Off a runner, the tool cache is ~/.cache/flinkship/tools. The tool cache's copy and a
   * download are checked against the pinned sha256 before they are made executable or run (the cache's
   * at every use: anything on the runner may have written there since). A `kind` on PATH is the
   * user's own install, trusted as the docker CLI is.
   */
  static async install(ui: Ui, version = KIND_VERSION, pins = KIND_SHA256): Promise<Kind> {
    process.env.RUNNER_TOOL_CACHE ||= path.join(homedir(), '.cache', 'flinkship', 'tools');
    process.env.RUNNER_TEMP ||= tmpdir();
    const url = kindDownloadUrl(version);
    const expected = pins[version]?.[kindPlatform()];
    const cached = expected ? tc.find('kind', version) : '';
    if (cached) {
      const binary = path.join(cached, 'kind');
      const actual = sha256File(binary);
      if (actual !== expected) {
        throw new OperationError(
          `kind ${version} in the tool cache (${binary}) has sha256 ${actual}, not the pinned ${expected} of ${url}: it changed after it was cached, so Flinkship does not run it; delete ${cached} to download it again`,
        );
      }
      ui.info(`kind ${version} from the tool cache, sha256 verified (${cached})`);
      return new Kind(binary, ui);
    }
    const onPath = await exec
      .getExecOutput('kind', ['version'], { silent: true, ignoreReturnCode: true })
      .catch(() => undefined);
    const found = onPath && onPath.exitCode === 0 ? parseKindVersion(onPath.stdout) : undefined;
    if (found === version) {
      ui.info(`kind ${version} from PATH`);
      return new Kind('kind', ui);
    }
    if (!expected) {
      throw new OperationError(
        `no sha256 is pinned for kind ${version} on ${kindPlatform()}, so Flinkship does not download it from ${url}; install kind ${version} on PATH (https://kind.sigs.k8s.io/docs/user/quick-start/#installation)`,
      );
    }
    if (found) ui.info(`kind on PATH is ${found}, not the pinned ${version}: downloading ${version}`);
    let file: string;
    try {
      file = await tc.downloadTool(url);
    } catch (err) {
      throw new OperationError(`downloading kind ${version} from ${url} failed: ${(err as Error).message}`);
    }
    const actual = sha256File(file);
    if (actual !== expected) {
      rmSync(file, { force: true });
      throw new OperationError(
        `kind ${version} downloaded from ${url} has sha256 ${actual}, not the pinned ${expected}, so Flinkship does not run it; try again later, or install kind ${version} on PATH`,
      );
    }
    chmodSync(file, 0o755);
    const dir = await tc.cacheFile(file, 'kind', 'kind', version);
    ui.info(`kind ${version} downloaded from ${url}, sha256 verified`);
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
  /** `kind load docker-image`: skips the images a node has already (same id). */
  loadImage(name: string, ...images: string[]): Promise<string> {
    return this.run(loadImageArgv(name, ...images));
  }
  exportLogs(name: string, dir: string): Promise<string> {
    mkdirSync(dir, { recursive: true });
    return this.run(exportLogsArgv(name, dir), { quiet: true });
  }
}

/** Writes the files kind reads (its config, the local registry's certs.d tree), creating their directories. */
export function writeKindFiles(files: Record<string, string>): void {
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
}

/**
 * The local registry container kind's nodes pull from (localhost:<port> on the runner, <name>:5000 on
 * the kind network). Part of the kind cluster's setup; its Docker calls go through the Docker executor.
 */
export class KindRegistry {
  constructor(
    readonly name: string,
    readonly port: number,
    readonly image = REGISTRY_IMAGE,
    private readonly docker: DockerEngine = new DockerEngine(),
  ) {}

  /** Starts the registry unless it runs already. */
  async ensureRunning(ui: Ui): Promise<void> {
    const info = await this.docker.inspectContainer(this.name).catch(() => undefined);
    if (info?.running) {
      ui.info(`registry ${this.name} runs already (localhost:${this.port})`);
      return;
    }
    if (info) await this.docker.removeContainer(this.name);
    const present = await this.docker.inspect(this.image).catch(() => undefined);
    if (!present) {
      try {
        await this.docker.pull(this.image, undefined, () => {});
      } catch (err) {
        throw new OperationError(
          `pulling the registry image ${this.image} failed: ${(err as Error).message}`,
        );
      }
    }
    try {
      await this.docker.startService({
        name: this.name,
        image: this.image,
        publish: { port: '5000/tcp', hostIp: '127.0.0.1', hostPort: this.port },
      });
    } catch (err) {
      throw new OperationError(
        `starting the registry container ${this.name} on 127.0.0.1:${this.port} failed: ${(err as Error).message}`,
      );
    }
    ui.info(`registry ${this.name} started (localhost:${this.port})`);
  }

  /** Joins the kind network, so nodes reach it as <name>:5000. */
  async connect(network = kindNetwork()): Promise<void> {
    const info = await this.docker.inspectContainer(this.name);
    if (info.networks.includes(network)) return;
    try {
      await this.docker.connectNetwork(network, this.name);
    } catch (err) {
      throw new OperationError(
        `connecting the registry ${this.name} to the docker network ${network} failed: ${(err as Error).message}`,
      );
    }
  }

  async remove(): Promise<void> {
    await this.docker.removeContainer(this.name).catch(() => undefined);
  }
}
