// Validation cannot be made slow or made to crash: sizes, nesting and string lengths are bounded, a value
// of the wrong type is never read as another type, and suggestions never compare long strings.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSpec } from '../../src/spec/load.js';
import { InputError } from '../../src/util/errors.js';
import { closest, editDistance } from '../../src/util/suggest.js';
import { cli } from '../helpers/cli.js';

const HEAD =
  "name: log-cleaner\nflinkVersion: '1.20'\nimage: { repository: ghcr.io/acme/log-cleaner }\njob: { jar: target/log-cleaner.jar }\n";

function timed(text: string): { ms: number; issues: string[] } {
  const start = performance.now();
  let issues: string[] = [];
  try {
    parseSpec(text, 'flinkship.yaml');
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    issues = err.issues.map((i) => `${i.line ?? '-'}:${i.col ?? '-'}: ${i.field}: ${i.message}`);
  }
  return { ms: performance.now() - start, issues };
}

describe('validation time is bounded (point 16)', () => {
  it('refuses a 16 KB string as flinkConfiguration by its type, without reading it as a mapping', () => {
    const { ms, issues } = timed(`${HEAD}flinkConfiguration: "${'a.'.repeat(8 * 1024)}"\n`);
    expect(issues).toEqual([
      `5:21: flinkConfiguration: found "${'a.'.repeat(40)}…" (16384 characters); expected a mapping`,
    ]);
    // Took 20 s before the fix; a generous bound for a loaded machine.
    expect(ms).toBeLessThan(1000);
  });

  it('refuses strings and keys longer than the limits, saying how long they are', () => {
    const { ms, issues } = timed(
      `${HEAD}flinkConfiguration:\n  pipeline.name: ${'x'.repeat(70_000)}\n  ${'k'.repeat(300)}: 1\n`,
    );
    expect(issues).toEqual([
      '6:18: flinkConfiguration["pipeline.name"]: found a string of 70000 characters; expected at most 16384',
      `7:3: flinkConfiguration["${'k'.repeat(80)}…" (300 characters)]: found a key of 300 characters; expected at most 256`,
    ]);
    expect(ms).toBeLessThan(1000);
  });

  it('refuses a spec over 1 MiB before reading it', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'secspec-limits-'));
    const file = path.join(dir, 'flinkship.yaml');
    const text = `${HEAD}# ${'x'.repeat(1024 * 1024)}\n`;
    await writeFile(file, text);
    const r = await cli('validate', '--config', file);
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      `${file}: --config: the spec is ${text.length} bytes, more than 1048576 (1 MiB); a flinkship.yaml is a few kilobytes: is this the right file?`,
    );
  });

  it('refuses deep nesting before the YAML library composes it', () => {
    expect(timed(`${HEAD}podTemplate: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`).issues).toEqual([
      '5:78: (yaml syntax): [ ] and { } nest more than 64 levels deep here; a flinkship.yaml needs only a few: flatten it',
    ]);
    expect(timed(`${HEAD}podTemplate:\n  ${'- '.repeat(10_000)}x\n`).issues).toEqual([
      '6:67: (yaml syntax): more than 32 nested "-", "?" or ":" on one line; a flinkship.yaml needs only a few: flatten it',
    ]);
    const deepBlock = Array.from({ length: 300 }, (_, i) => `${' '.repeat(i + 2)}a${i}:\n`).join('');
    expect(timed(`${HEAD}podTemplate:\n${deepBlock}`).issues).toEqual([
      '261:1: (yaml syntax): indented 257 columns, more than 256; a flinkship.yaml needs only a few levels: flatten it',
    ]);
  });

  it('refuses a spec of more YAML tokens than any real one has, where they run over', () => {
    const keys = Array.from({ length: 20_000 }, (_, i) => `  k${i}: v\n`).join('');
    const { ms, issues } = timed(`${HEAD}flinkConfiguration:\n${keys}`);
    expect(issues).toEqual([
      '6250:1: (yaml syntax): more than 50000 YAML tokens by here; a flinkship.yaml has a few thousand at most: is this the right file?',
    ]);
    expect(ms).toBeLessThan(5000);
  });

  it('refuses alias bombs and reports duplicate keys among many', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (const [i, name] of ['b', 'c', 'd', 'e'].entries()) {
      bomb.push(`${name}: &${name} [${Array(9).fill(`*${'abcd'[i]}`).join(', ')}]`);
    }
    expect(timed(`${HEAD}podTemplate:\n  ${bomb.join('\n  ')}\n`).issues).toEqual([
      // At the first alias: the bomb starts there.
      '7:10: (yaml syntax): Excessive alias count indicates a resource exhaustion attack; write the values out instead of repeating aliases',
    ]);
    const keys = Array.from({ length: 5000 }, (_, i) => `  k${i % 4999}: v\n`).join('');
    expect(timed(`${HEAD}flinkConfiguration:\n${keys}`).issues).toEqual([
      '5005:3: (yaml syntax): duplicate key "k0"; each key may appear only once in a mapping',
    ]);
  });

  it('does not compare long words for suggestions, and computes distances in linear memory', () => {
    expect(closest('x'.repeat(100_000), ['name', 'image'])).toBeUndefined();
    expect(closest('imgae', ['name', 'image'])).toBe('image');
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('ab', 'ba')).toBe(1);
    const { ms, issues } = timed(`${HEAD}${'y'.repeat(200)}: 1\n`);
    const y = `"${'y'.repeat(80)}…" (200 characters)`;
    expect(issues).toEqual([
      `5:1: [${y}]: unknown key ${y}; valid keys here: name, flinkVersion, image, job, flinkConfiguration, jobManager, taskManager, podTemplate, deploy, env, upgrade, health, environments`,
    ]);
    expect(ms).toBeLessThan(1000);
  });
});
