// The image takes files only from the spec's repository: `../`, absolute paths and symlinks that leave it
// are refused at their line before anything is read, and the build context holds only checked files.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { extract } from 'tar-stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { contextEntries, tarContext, type ContextEntry } from '../../src/build/context.js';
import { checkSources } from '../../src/build/inputs.js';
import { planImage } from '../../src/plan/image.js';
import { loadSpec } from '../../src/spec/load.js';
import { resolveEnvironment } from '../../src/spec/resolve.js';
import { InputError } from '../../src/util/errors.js';
import { cli } from '../helpers/cli.js';

const FIX = 'the image takes files only from the repository the spec is in: move the file into it';
let base: string;
let repo: string;

function write(file: string, content: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
}

function spec(dir: string, image: string[], jar = 'target/job.jar'): string {
  const file = path.join(dir, 'flinkship.yaml');
  write(
    file,
    [
      'name: log-cleaner',
      "flinkVersion: '1.20'",
      'image:',
      '  repository: registry.example.com/acme/log-cleaner',
      ...image,
      'job:',
      `  jar: ${jar}`,
      '  entryClass: dev.acme.Job',
      '',
    ].join('\n'),
  );
  return file;
}

async function tarBodies(entries: ContextEntry[]): Promise<Record<string, string>> {
  const seen: Record<string, string> = {};
  const ex = extract();
  ex.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c) => chunks.push(c as Buffer));
    stream.on('end', () => {
      seen[header.name] = Buffer.concat(chunks).toString();
      next();
    });
  });
  await new Promise<void>((resolve, reject) => {
    ex.on('finish', resolve);
    ex.on('error', reject);
    const tar = tarContext(entries);
    tar.on('error', reject);
    tar.pipe(ex as unknown as NodeJS.WritableStream);
  });
  return seen;
}

beforeAll(() => {
  base = realpathSync(mkdtempSync(path.join(tmpdir(), 'secspec-sources-')));
  write(path.join(base, 'outside/secret.jar'), 'SECRET');
  write(path.join(base, 'outside/config.json'), '{"auths":{"SECRET":{}}}');
  repo = path.join(base, 'repo');
  mkdirSync(repo);
  execFileSync('git', ['init', '-q', repo]);
  write(path.join(repo, 'shared/lib.jar'), 'LIB');
  write(path.join(repo, 'app/target/real.jar'), 'JAR');
  mkdirSync(path.join(repo, 'app/conf'), { recursive: true });
  symlinkSync('../../shared/lib.jar', path.join(repo, 'app/conf/link-in'));
  symlinkSync(path.join(base, 'outside/config.json'), path.join(repo, 'app/conf/link-out'));
  symlinkSync(path.join(base, 'outside/secret.jar'), path.join(repo, 'app/target/job.jar'));
});

describe('files outside the repository (point 7)', () => {
  it('refuses ../, absolute paths and symlinks that leave the git repository, each at its line, before reading', async () => {
    const file = spec(path.join(repo, 'app'), [
      '  libs:',
      '    - ../../outside/secret.jar',
      `    - ${base}/outside/secret.jar`,
      '    - ../shared/lib.jar',
      '  files:',
      '    - { source: conf/link-out, target: /opt/flink/conf/x.json }',
      '    - { source: conf/link-in, target: /opt/flink/conf/y.jar }',
    ]);
    const r = await cli('build', '--config', file, '--no-push');
    expect(r.code).toBe(2);
    const errors = r.err.split('\n').filter((l) => l.startsWith('error: '));
    expect(errors).toEqual([
      `error: ${file}:6:7: image.libs.0: ../../outside/secret.jar is outside the repository ${repo}; ${FIX}`,
      `error: ${file}:7:7: image.libs.1: ${base}/outside/secret.jar is outside the repository ${repo}; ${FIX}`,
      `error: ${file}:10:17: image.files.0.source: conf/link-out leads through a symlink to ${base}/outside/config.json, outside the repository ${repo}; ${FIX}`,
      `error: ${file}:13:8: job.jar: target/job.jar leads through a symlink to ${base}/outside/secret.jar, outside the repository ${repo}; ${FIX}`,
    ]);
    expect(r.err).not.toContain('classes');
  });

  it('outside git, takes the spec directory as the root', async () => {
    const dir = path.join(base, 'loose');
    write(path.join(dir, 'target/real.jar'), 'JAR');
    const file = spec(dir, ['  libs: [../outside/secret.jar]'], 'target/real.jar');
    const r = await cli('build', '--config', file, '--no-push');
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      `error: ${file}:5:10: image.libs.0: ../outside/secret.jar is outside the repository ${dir}; ${FIX}`,
    );
  });

  it('builds the context from the real paths of files inside the repository, symlinks within it included', async () => {
    const file = spec(
      path.join(repo, 'app'),
      [
        '  libs: [../shared/lib.jar]',
        '  files:',
        '    - { source: conf/link-in, target: /opt/flink/conf/y.jar }',
      ],
      'target/real.jar',
    );
    const loaded = loadSpec(file);
    const env = resolveEnvironment(loaded.spec, '');
    const image = planImage(env, file);
    const entries = await checkSources(
      loaded,
      env,
      undefined,
      image,
      contextEntries(image.context, loaded.dir, image.dockerfile),
    );
    expect(entries.map((e) => e.file)).toEqual([
      undefined,
      path.join(repo, 'shared/lib.jar'),
      path.join(repo, 'shared/lib.jar'),
      path.join(repo, 'app/target/real.jar'),
    ]);
    const bodies = await tarBodies(entries);
    expect(Object.keys(bodies)).toEqual(['Dockerfile', 'lib/lib.jar', 'files/0/link-in', 'usrlib/real.jar']);
    expect(Object.values(bodies).slice(1)).toEqual(['LIB', 'LIB', 'JAR']);
  });

  it('never puts a file outside the repository into the context', async () => {
    const file = spec(path.join(repo, 'app'), ['  files: [{ source: conf/link-out, target: /x }]']);
    const loaded = loadSpec(file);
    const env = resolveEnvironment(loaded.spec, '');
    const image = planImage(env, file);
    const entries = contextEntries(image.context, loaded.dir, image.dockerfile);
    await expect(checkSources(loaded, env, undefined, image, entries)).rejects.toBeInstanceOf(InputError);
    // And the tar itself does not follow a symlink, should one replace a checked file afterwards.
    await expect(tarBodies([{ name: 'x', file: path.join(repo, 'app/conf/link-out') }])).rejects.toThrow(
      /ELOOP/,
    );
  });
});
