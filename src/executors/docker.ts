// The Docker Engine, through its API (dockerode). Nothing else in Flinkship talks to Docker.
import Dockerode from 'dockerode';
import { Writable, type Readable } from 'node:stream';
import { OperationError } from '../util/errors.js';

export interface RegistryAuth {
  username: string;
  password: string;
  serveraddress: string;
}

export interface BuildRequest {
  /** The first tag, repository:tag. */
  tag: string;
  buildArgs: Record<string, string>;
  labels: Record<string, string>;
  /** Build without the layer cache (for cold-build measurements). */
  noCache?: boolean;
}

/** A build that the engine refused or whose steps failed; `log` holds the output up to the failure. */
export class BuildFailed extends OperationError {
  constructor(
    message: string,
    readonly log: string[],
  ) {
    super(message);
  }
}

interface ProgressEvent {
  stream?: string;
  status?: string;
  progress?: string;
  id?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string; Tag?: string; Digest?: string; Size?: number };
}

export interface ImageInfo {
  id: string;
  repoDigests: string[];
  repoTags: string[];
  user: string;
  labels: Record<string, string>;
  layers: string[];
}

export interface PushResult {
  digest: string;
  /** Bytes of the manifest, as the engine reports it. */
  size: number;
}

/** A one-off container: `docker run --rm` with the given user, mounts and network. */
export interface RunRequest {
  image: string;
  /** The container's name, so that another path (a cancelled run) can remove it. */
  name?: string;
  labels?: Record<string, string>;
  cmd: string[];
  /** Replaces the image's entrypoint ([] for none). */
  entrypoint?: string[];
  user?: string;
  /** host:container[:ro] */
  binds?: string[];
  /** e.g. `host` */
  networkMode?: string;
  env?: string[];
  /** The container is killed when it runs longer. */
  timeoutMs: number;
}

export interface RunResult {
  exitCode: number;
  /** stdout and stderr, line by line, in arrival order. */
  output: string[];
  timedOut: boolean;
}

/** A long-running container (e.g. kind's local registry): `port` is the container's, e.g. 5000/tcp. */
export interface ServiceRequest {
  name: string;
  image: string;
  publish: { port: string; hostIp: string; hostPort: number };
}

export class DockerEngine {
  /** DOCKER_HOST and friends are read by docker-modem, the same way the docker CLI reads them. */
  constructor(private readonly docker: Dockerode = new Dockerode()) {}

  private where(): string {
    return process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
  }

  async ping(): Promise<void> {
    try {
      await this.docker.ping();
    } catch (err) {
      throw new OperationError(
        `the Docker engine at ${this.where()} does not answer (${(err as Error).message}); start it, or point DOCKER_HOST at one`,
      );
    }
  }

  /** The image, or undefined when the engine does not have it. */
  async inspect(ref: string): Promise<ImageInfo | undefined> {
    try {
      const info = await this.docker.getImage(ref).inspect();
      return {
        id: info.Id,
        repoDigests: info.RepoDigests ?? [],
        repoTags: info.RepoTags ?? [],
        user: info.Config?.User ?? '',
        labels: info.Config?.Labels ?? {},
        layers: info.RootFS?.Layers ?? [],
      };
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return undefined;
      throw new OperationError(`inspecting ${ref} on ${this.where()} failed: ${(err as Error).message}`);
    }
  }

  /** Pulls ref; throws with the engine's message (the caller decides whether it is bad input). */
  async pull(ref: string, auth: RegistryAuth | undefined, onLine: (line: string) => void): Promise<void> {
    const stream = (await this.docker.pull(ref, auth ? { authconfig: auth } : {})) as Readable;
    await this.follow(stream, (e) => {
      if (e.status && !e.progress) onLine(`${e.id ? `${e.id}: ` : ''}${e.status}`);
    });
  }

  /** Builds the context; returns the image id. Every line of the build output goes to onLine. */
  async build(context: Readable, request: BuildRequest, onLine: (line: string) => void): Promise<string> {
    const log: string[] = [];
    let id: string | undefined;
    let stream: Readable;
    try {
      stream = (await this.docker.buildImage(context, {
        t: request.tag,
        dockerfile: 'Dockerfile',
        buildargs: request.buildArgs,
        labels: request.labels,
        rm: true,
        forcerm: true,
        pull: false,
        nocache: request.noCache ?? false,
      } as Dockerode.ImageBuildOptions)) as Readable;
    } catch (err) {
      throw new BuildFailed(`the engine refused the build: ${(err as Error).message}`, log);
    }
    try {
      await this.follow(stream, (e) => {
        if (e.aux?.ID) id = e.aux.ID;
        for (const line of (e.stream ?? '').split('\n')) {
          if (line.trim() === '') continue;
          log.push(line);
          onLine(line);
        }
      });
    } catch (err) {
      throw new BuildFailed(`the build failed: ${(err as Error).message}`, log);
    }
    const built = id ?? (await this.inspect(request.tag))?.id;
    if (!built) throw new BuildFailed('the build ended without an image id', log);
    return built;
  }

  async tag(image: string, repository: string, tag: string): Promise<void> {
    await this.docker.getImage(image).tag({ repo: repository, tag });
  }

  /** Pushes repository:tag; returns the digest the registry stored it under. */
  async push(
    repository: string,
    tag: string,
    auth: RegistryAuth | undefined,
    onLine: (line: string) => void,
  ): Promise<PushResult> {
    let result: PushResult | undefined;
    const image = this.docker.getImage(`${repository}:${tag}`);
    // The engine wants X-Registry-Auth even when the registry needs none.
    const authconfig = auth ?? { username: '', password: '', serveraddress: '' };
    let stream: Readable;
    try {
      stream = (await image.push({ tag, authconfig })) as Readable;
      await this.follow(stream, (e) => {
        if (e.aux?.Digest) result = { digest: e.aux.Digest, size: e.aux.Size ?? 0 };
        else if (e.status && !e.progress) onLine(`${e.id ? `${e.id}: ` : ''}${e.status}`);
      });
    } catch (err) {
      throw new OperationError(`pushing ${repository}:${tag} failed: ${(err as Error).message}`);
    }
    if (!result) throw new OperationError(`pushing ${repository}:${tag} ended without a digest`);
    return result;
  }

  /** Runs a container to its end (or kills it at the deadline) and removes it; every output line goes to onLine. */
  async run(request: RunRequest, onLine: (line: string) => void): Promise<RunResult> {
    const container = await this.docker.createContainer({
      Image: request.image,
      ...(request.name ? { name: request.name } : {}),
      ...(request.labels ? { Labels: request.labels } : {}),
      Cmd: request.cmd,
      ...(request.entrypoint ? { Entrypoint: request.entrypoint } : {}),
      ...(request.user ? { User: request.user } : {}),
      ...(request.env ? { Env: request.env } : {}),
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
      HostConfig: {
        Binds: request.binds ?? [],
        ...(request.networkMode ? { NetworkMode: request.networkMode } : {}),
      },
    });
    const output: string[] = [];
    let timedOut = false;
    try {
      const stream = await container.attach({ stream: true, stdout: true, stderr: true });
      const lines = new LineSplitter((line) => {
        output.push(line);
        onLine(line);
      });
      const sink = new Writable({
        write(chunk: Buffer, _enc, done) {
          lines.push(chunk.toString('utf8'));
          done();
        },
      });
      this.docker.modem.demuxStream(stream, sink, sink);
      const ended = new Promise<void>((resolve) => stream.on('end', resolve));
      await container.start();
      const timer = setTimeout(() => {
        timedOut = true;
        container.kill().catch(() => undefined);
      }, request.timeoutMs);
      let status: { StatusCode: number };
      try {
        status = (await container.wait()) as { StatusCode: number };
      } finally {
        clearTimeout(timer);
      }
      // The attach stream ends shortly after the container; bounded, so a stuck stream cannot hang us.
      await Promise.race([ended, new Promise((r) => setTimeout(r, 2_000))]);
      lines.flush();
      return { exitCode: status.StatusCode, output, timedOut };
    } finally {
      await container.remove({ force: true }).catch(() => undefined);
    }
  }

  /** Kills and removes a container by name or id; false when there was none. */
  async removeContainer(name: string): Promise<boolean> {
    try {
      await this.docker.getContainer(name).remove({ force: true });
      return true;
    } catch (err) {
      const status = (err as { statusCode?: number }).statusCode;
      // 404: gone; 409: its removal is already under way (the run's own cleanup).
      if (status === 404 || status === 409) return false;
      throw err;
    }
  }

  /** A container's state by name; throws the engine's error as is (a missing one is a 404). */
  async inspectContainer(name: string): Promise<{ running: boolean; networks: string[] }> {
    const info = await this.docker.getContainer(name).inspect();
    return {
      running: info.State?.Running === true,
      networks: Object.keys(info.NetworkSettings?.Networks ?? {}),
    };
  }

  /** Creates and starts a long-running container, restarted always, one port published on the host. */
  async startService(request: ServiceRequest): Promise<void> {
    const { port, hostIp, hostPort } = request.publish;
    const created = await this.docker.createContainer({
      name: request.name,
      Image: request.image,
      HostConfig: {
        RestartPolicy: { Name: 'always' },
        PortBindings: { [port]: [{ HostIp: hostIp, HostPort: String(hostPort) }] },
      },
      ExposedPorts: { [port]: {} },
    });
    await created.start();
  }

  async connectNetwork(network: string, container: string): Promise<void> {
    await this.docker.getNetwork(network).connect({ Container: container });
  }

  /** The network's attached containers, or undefined when there is no such network. */
  async inspectNetwork(network: string): Promise<{ containers: number } | undefined> {
    try {
      const info = (await this.docker.getNetwork(network).inspect()) as {
        Containers?: Record<string, unknown>;
      };
      return { containers: Object.keys(info.Containers ?? {}).length };
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return undefined;
      throw err;
    }
  }

  async removeNetwork(network: string): Promise<void> {
    try {
      await this.docker.getNetwork(network).remove();
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 404) throw err;
    }
  }

  async remove(ref: string): Promise<void> {
    try {
      await this.docker.getImage(ref).remove({ force: true });
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 404) throw err;
    }
  }

  /** Reads a JSON-lines progress stream to its end; an `error` line rejects with its message. */
  private follow(stream: Readable, onEvent: (e: ProgressEvent) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      let failed = false;
      this.docker.modem.followProgress(
        stream,
        (err: Error | null) => (err ? reject(err) : failed ? undefined : resolve()),
        (event: ProgressEvent) => {
          if (event.error || event.errorDetail) {
            failed = true;
            reject(new Error(event.errorDetail?.message ?? event.error));
            return;
          }
          onEvent(event);
        },
      );
    });
  }
}

/** Cuts a byte stream's text into lines, across chunk boundaries. */
class LineSplitter {
  private rest = '';
  constructor(private readonly onLine: (line: string) => void) {}
  push(text: string): void {
    const parts = (this.rest + text).split('\n');
    this.rest = parts.pop() ?? '';
    for (const line of parts) this.onLine(line.replace(/\r$/, ''));
  }
  flush(): void {
    if (this.rest !== '') this.onLine(this.rest);
    this.rest = '';
  }
}
