// Jars from a Maven repository (src/executors/maven.ts), against Maven repositories on loopback laid out
// as Maven Central is (<group path>/<artifact>/<version>/<artifact>-<version>.jar and its .sha1), some of
// them failing the way repositories fail.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactPath, parseArtifact, resolveArtifact } from '../../src/executors/maven.js';
import type { Ui } from '../../src/ui/ui.js';
import { OperationError } from '../../src/util/errors.js';

const COORD = 'org.apache.flink:flink-sql-connector-kafka:3.4.0-1.20';
const PATH = 'org/apache/flink/flink-sql-connector-kafka/3.4.0-1.20/flink-sql-connector-kafka-3.4.0-1.20.jar';
const JAR = randomBytes(300_000);
const SHA256 = createHash('sha256').update(JAR).digest('hex');
const SHA1 = createHash('sha1').update(JAR).digest('hex');
const RETRY = { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 };

interface Repo {
  url: string;
  hits: string[];
  /** Answer for a path, or undefined: 404. */
  files: Map<string, { status?: number; body?: Buffer | string }[]>;
  server: Server;
}

/** A repository whose answers per path are given in order (the last one repeats). */
async function repo(): Promise<Repo> {
  const files = new Map<string, { status?: number; body?: Buffer | string }[]>();
  const hits: string[] = [];
  const server = createServer((req, res) => {
    const p = (req.url ?? '').replace(/^\/maven2\//, '');
    hits.push(p);
    const answers = files.get(p);
    const answer = answers && (answers.length > 1 ? answers.shift()! : answers[0]!);
    if (!answer) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(answer.status ?? 200).end(answer.body ?? '');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/maven2`;
  return { url, hits, files, server };
}

function recordingUi() {
  const lines: string[] = [];
  const ui = {
    info: (m: string) => lines.push(`info: ${m}`),
    warning: (m: string) => lines.push(`warning: ${m}`),
  } as Partial<Ui> as Ui;
  return { ui, lines };
}

const cache = () => mkdtempSync(path.join(tmpdir(), 'flinkship-maven-'));

describe('Maven coordinates', () => {
  it('reads groupId:artifactId:version and lays it out as a repository does', () => {
    expect(artifactPath(parseArtifact(COORD)!)).toBe(PATH);
    for (const bad of ['a:b', 'a:b:c:d', 'a:../b:1', 'a:b:1 2', 'a::1'])
      expect(parseArtifact(bad)).toBeUndefined();
  });
});

describe('resolveArtifact', () => {
  let central: Repo;
  let mirror: Repo;
  beforeAll(async () => {
    central = await repo();
    mirror = await repo();
  });
  afterAll(() => {
    central.server.close();
    mirror.server.close();
  });

  it('downloads a pinned jar once, checks its sha256, and uses the cache (checked again) after that', async () => {
    central.files.set(PATH, [{ body: JAR }]);
    const dir = cache();
    const { ui, lines } = recordingUi();
    const first = await resolveArtifact(
      COORD,
      SHA256,
      { repositories: [central.url], cacheDir: dir, retry: RETRY },
      ui,
    );
    expect(first).toMatchObject({
      sha256: SHA256,
      verifiedBy: 'pinned sha256',
      from: `${central.url}/${PATH}`,
    });
    expect(readFileSync(first.file).equals(JAR)).toBe(true);
    expect(lines).toEqual([`info: ${COORD}: 300000 bytes from ${central.url}/${PATH} (pinned sha256)`]);
    const hits = central.hits.length;
    const again = await resolveArtifact(
      COORD,
      SHA256,
      { repositories: [central.url], cacheDir: dir, retry: RETRY },
      ui,
    );
    expect(again).toEqual({ file: first.file, sha256: SHA256, verifiedBy: 'cache' });
    expect(central.hits.length).toBe(hits);

    // Something wrote over the cached jar: it is not used, but downloaded again.
    writeFileSync(first.file, 'tampered');
    const healed = await resolveArtifact(
      COORD,
      SHA256,
      { repositories: [central.url], cacheDir: dir, retry: RETRY },
      ui,
    );
    expect(healed.verifiedBy).toBe('pinned sha256');
    expect(readFileSync(healed.file).equals(JAR)).toBe(true);
    expect(lines).toContain(
      `warning: ${PATH} in ${dir} does not match what was verified when it was downloaded; downloading it again`,
    );
  });

  it('refuses a jar that is not the pinned one, and keeps nothing of it', async () => {
    central.files.set(PATH, [{ body: JAR }]);
    const dir = cache();
    const other = 'f'.repeat(64);
    await expect(
      resolveArtifact(
        COORD,
        other,
        { repositories: [central.url], cacheDir: dir, retry: RETRY },
        recordingUi().ui,
      ),
    ).rejects.toThrow(
      `${COORD} from ${central.url}/${PATH} has sha256 ${SHA256}, not the pinned ${other}: refused`,
    );
    await expect(
      resolveArtifact(
        COORD,
        undefined,
        { repositories: [central.url], cacheDir: dir, retry: RETRY },
        recordingUi().ui,
      ),
    ).rejects.toThrow(
      /has no \.sha1 for it and no sha256 is pinned, so it cannot be verified; pin it with sha256: [a-f0-9]{64}$/,
    );
  });

  it("checks an unpinned jar against the repository's .sha1 and says what to pin", async () => {
    central.files.set(PATH, [{ body: JAR }]);
    central.files.set(`${PATH}.sha1`, [{ body: `${SHA1}  flink-sql-connector-kafka-3.4.0-1.20.jar\n` }]);
    const { ui, lines } = recordingUi();
    const r = await resolveArtifact(
      COORD,
      undefined,
      { repositories: [central.url], cacheDir: cache(), retry: RETRY },
      ui,
    );
    expect(r.verifiedBy).toBe('repository sha1');
    expect(lines).toContain(
      `warning: ${COORD} is not pinned; it matched ${central.url}'s .sha1. Pin it: sha256: ${SHA256}`,
    );
    central.files.set(`${PATH}.sha1`, [{ body: '0'.repeat(40) }]);
    await expect(
      resolveArtifact(COORD, undefined, { repositories: [central.url], cacheDir: cache(), retry: RETRY }, ui),
    ).rejects.toThrow(
      `${COORD} from ${central.url}/${PATH} has sha1 ${SHA1}, but the repository says ${'0'.repeat(40)}: refused`,
    );
    central.files.delete(`${PATH}.sha1`);
  });

  it('retries a 503 with a bound, moves on to the next repository on a 404, and says where it looked', async () => {
    central.files.set(PATH, [{ status: 503 }, { status: 503 }, { body: JAR }]);
    const { ui, lines } = recordingUi();
    const r = await resolveArtifact(
      COORD,
      SHA256,
      { repositories: [central.url], cacheDir: cache(), retry: RETRY },
      ui,
    );
    expect(r.verifiedBy).toBe('pinned sha256');
    expect(lines.filter((l) => l.includes('HTTP 503'))).toHaveLength(2);

    central.files.set(PATH, [{ status: 503 }]);
    await expect(
      resolveArtifact(
        COORD,
        SHA256,
        { repositories: [central.url], cacheDir: cache(), retry: RETRY },
        recordingUi().ui,
      ),
    ).rejects.toThrow(`HTTP 503 from ${central.url}/${PATH}`);

    central.files.delete(PATH);
    mirror.files.set(PATH, [{ body: JAR }]);
    const fromMirror = await resolveArtifact(
      COORD,
      SHA256,
      { repositories: [central.url, mirror.url], cacheDir: cache(), retry: RETRY },
      recordingUi().ui,
    );
    expect(fromMirror.from).toBe(`${mirror.url}/${PATH}`);
    mirror.files.delete(PATH);
    const missing = resolveArtifact(
      COORD,
      SHA256,
      { repositories: [central.url, mirror.url], cacheDir: cache(), retry: RETRY },
      recordingUi().ui,
    );
    await expect(missing).rejects.toBeInstanceOf(OperationError);
    await expect(missing).rejects.toThrow(
      `${COORD} is not in ${central.url} or ${mirror.url} (no ${PATH}); check the coordinates and the version`,
    );
  });
});
