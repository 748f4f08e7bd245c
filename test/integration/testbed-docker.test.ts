// The `docker` testbed component: a real Docker engine (DOCKER_HOST) and the two base images it
// imports without any registry. These tests use the engine the way the toolkit will: run a container
// and read its output, reach a loopback server from a `--network host` container, and `docker build`
// an image FROM the Debian base, then inspect what was built.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok as okCommand, run as runCommand, type RunOptions } from '../helpers/run.js';
import { testbed } from './testbed.js';

const withDocker = (opts: RunOptions = {}): RunOptions => ({
  ...opts,
  env: { DOCKER_HOST: testbed('DOCKER_HOST'), ...opts.env },
});
const run = (cmd: string, args: string[], opts?: RunOptions) => runCommand(cmd, args, withDocker(opts));
const ok = (cmd: string, args: string[], opts?: RunOptions) => okCommand(cmd, args, withDocker(opts));

const runId = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
const builtTag = `flinkship-testbed-test/docker-build:${runId}`;
let busybox: string;
let debian: string;
let workdir: string;

beforeAll(async () => {
  busybox = testbed('FLINKSHIP_TESTBED_BUSYBOX_IMAGE');
  debian = testbed('FLINKSHIP_TESTBED_DEBIAN_IMAGE');
  workdir = await mkdtemp(join(tmpdir(), 'flinkship-testbed-docker-'));
});

afterAll(async () => {
  if (process.env.DOCKER_HOST) await run('docker', ['image', 'rm', '--force', builtTag]);
  if (workdir) await rm(workdir, { recursive: true, force: true });
});

describe('testbed docker engine', () => {
  it('answers on DOCKER_HOST', async () => {
    const version = (await ok('docker', ['version', '--format', '{{.Server.Version}}'])).trim();
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('runs a busybox container and returns exactly what it printed, and its exit code', async () => {
    const r = await run('docker', [
      'run',
      '--rm',
      '--env',
      'GREETING=hello from the testbed',
      busybox,
      'sh',
      '-c',
      'echo "$GREETING"; echo "$((6 * 7))"; id -u; echo to-stderr >&2; exit 3',
    ]);
    expect(r).toEqual({ code: 3, stdout: 'hello from the testbed\n42\n0\n', stderr: 'to-stderr\n' });
  });

  it('runs the Debian base image: bookworm, with apt', async () => {
    const out = await ok('docker', [
      'run',
      '--rm',
      debian,
      'sh',
      '-c',
      `. /etc/os-release && echo "$ID $VERSION_CODENAME" && dpkg-query -W -f '\${Status}\\n' apt`,
    ]);
    expect(out).toBe('debian bookworm\ninstall ok installed\n');
  });

  describe('with a loopback HTTP server on the host', () => {
    let server: Server;
    let port: number;
    const body = `served to a container ${runId}\n`;

    beforeAll(async () => {
      server = createServer((req, res) => {
        res.writeHead(req.url === '/probe' ? 200 : 404, { 'content-type': 'text/plain' });
        res.end(req.url === '/probe' ? body : 'not found\n');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
    });

    afterAll(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it('is reachable on 127.0.0.1 from a --network host container', async () => {
      const out = await ok('docker', [
        'run',
        '--rm',
        '--network',
        'host',
        busybox,
        'wget',
        '-q',
        '-O',
        '-',
        `http://127.0.0.1:${port}/probe`,
      ]);
      expect(out).toBe(body);
    });
  });

  it('builds an image FROM the Debian base and records its config', async () => {
    const payload = `payload ${runId}\n`;
    await writeFile(join(workdir, 'payload.txt'), payload);
    await writeFile(
      join(workdir, 'Dockerfile'),
      [
        `FROM ${debian}`,
        'COPY payload.txt /opt/flinkship/payload.txt',
        `LABEL org.flinkship.test.run="${runId}"`,
        'ENV FLINKSHIP_TEST=built',
        'WORKDIR /opt/flinkship',
        'USER 65534',
        'CMD ["cat", "payload.txt"]',
        '',
      ].join('\n'),
    );
    const iidfile = join(workdir, 'iid');
    await ok('docker', ['build', '--iidfile', iidfile, '--tag', builtTag, workdir], { timeoutMs: 240_000 });
    const id = (await readFile(iidfile, 'utf8')).trim();
    expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);

    type Inspect = {
      Id: string;
      RepoTags: string[];
      Config: {
        Labels: Record<string, string>;
        Env: string[];
        Cmd: string[];
        WorkingDir: string;
        User: string;
      };
      RootFS: { Layers: string[] };
    };
    const [built] = JSON.parse(await ok('docker', ['image', 'inspect', builtTag])) as Inspect[];
    const [base] = JSON.parse(await ok('docker', ['image', 'inspect', debian])) as Inspect[];
    expect(built!.Id).toBe(id);
    expect(built!.RepoTags).toContain(builtTag);
    expect(built!.Config.Labels).toEqual({ 'org.flinkship.test.run': runId });
    expect(built!.Config.Env).toContain('FLINKSHIP_TEST=built');
    expect(built!.Config.Cmd).toEqual(['cat', 'payload.txt']);
    expect(built!.Config.WorkingDir).toBe('/opt/flinkship');
    expect(built!.Config.User).toBe('65534');
    // The base's layers, then exactly one more: the COPY.
    expect(built!.RootFS.Layers.slice(0, -1)).toEqual(base!.RootFS.Layers);
    expect(built!.RootFS.Layers).toHaveLength(base!.RootFS.Layers.length + 1);

    const r = await run('docker', ['run', '--rm', builtTag]);
    expect(r).toEqual({ code: 0, stdout: payload, stderr: '' });
  });
});
