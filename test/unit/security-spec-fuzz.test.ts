// Validation of thousands of mutated specs: each ends with exit code 0 or 2, prints no stack trace, and
// takes well under a second. The mutations are those of a careless edit or a hostile pull request:
// lines deleted, duplicated or moved, values replaced by long strings, control characters, other types
// and deep nesting. A seeded generator, so that a failure names a case that can be replayed.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';

const CASES = 2000;
const SEED = 0x5eed12;
/** Per case; generous for a loaded machine: a case takes a few milliseconds. */
const CASE_BOUND_MS = 1000;
/** The whole run: about 20 s on a loaded 2-core machine; a hang in any case would take far longer. */
const TOTAL_BOUND_MS = 40_000;

/** mulberry32: small, fast, and the same sequence on every machine. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const seeds = [
  'fixtures/log-cleaner/flinkship.yaml',
  ...['test/fixtures/specs/good', 'test/fixtures/specs/bad'].flatMap((dir) =>
    readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .map((f) => path.join(dir, f)),
  ),
].map((file) => readFileSync(file, 'utf8'));

type Mutation = (lines: string[], random: () => number) => void;

function mutations(): Mutation[] {
  const pick = <T>(items: readonly T[], random: () => number): T =>
    items[Math.floor(random() * items.length)]!;
  const at = (lines: string[], random: () => number) => Math.floor(random() * lines.length);
  /** Replaces the value of a `key: value` line (or appends one) with `value`. */
  const setValue = (lines: string[], random: () => number, value: string) => {
    const i = at(lines, random);
    const m = /^(\s*(?:- )?[^:#]+:)/.exec(lines[i] ?? '');
    lines[i] = m ? `${m[1]} ${value}` : `${lines[i] ?? ''}${value}`;
  };
  const longString = (random: () => number) => {
    const unit = pick(['a', 'a.', 'kube.', '[', '{', '"', "'", '\\', 'é', '- ', ': ', '*x', '&a'], random);
    return unit.repeat(1 + Math.floor(random() * 20_000));
  };
  const controls = ['\\n', '\\r', '\\u0000', '\\t', '\\u001b', '\\u0085', '\\u2028', '\\x7f'];
  return [
    (lines, random) => void lines.splice(at(lines, random), 1),
    (lines, random) => {
      const i = at(lines, random);
      lines.splice(i, 0, lines[i] ?? '');
    },
    (lines, random) => {
      const [i, j] = [at(lines, random), at(lines, random)];
      [lines[i], lines[j]] = [lines[j]!, lines[i]!];
    },
    (lines, random) => {
      const i = at(lines, random);
      lines[i] = random() < 0.5 ? `  ${lines[i]}` : (lines[i] ?? '').replace(/^ {1,2}/, '');
    },
    (lines, random) => setValue(lines, random, JSON.stringify(longString(random))),
    (lines, random) => setValue(lines, random, longString(random)),
    (lines, random) => setValue(lines, random, `"x${pick(controls, random)}RUN id"`),
    (lines, random) =>
      setValue(
        lines,
        random,
        pick(['[1, 2]', '{ a: 1 }', '123', '1.5', 'true', 'null', '~', '""', '-1', '[]', '{}'], random),
      ),
    (lines, random) => {
      const depth = 1 + Math.floor(random() * 200);
      setValue(lines, random, `${'['.repeat(depth)}x${']'.repeat(depth)}`);
    },
    (lines, random) => {
      const depth = 1 + Math.floor(random() * 150);
      const i = at(lines, random);
      const nested = Array.from({ length: depth }, (_, d) => `${'  '.repeat(d + 1)}k${d}:`);
      lines.splice(i, 0, 'podTemplate:', ...nested, `${'  '.repeat(depth + 1)}x`);
    },
    (lines, random) => setValue(lines, random, '*undefined_alias'),
    (lines, random) => {
      const i = at(lines, random);
      const s = lines[i] ?? '';
      const cut = Math.floor(random() * (s.length + 1));
      lines[i] =
        s.slice(0, cut) +
        pick(['\t', '\u0000', ':', '"', '{', '- ', '? ', '%', '@', '`', '\r'], random) +
        s.slice(cut);
    },
  ];
}

describe('validate on mutated specs (point 16)', () => {
  it(`ends with exit code 0 or 2, no stack trace and under ${CASE_BOUND_MS} ms, for ${CASES} cases`, async () => {
    const random = prng(SEED);
    const all = mutations();
    const dir = mkdtempSync(path.join(tmpdir(), 'secspec-fuzz-'));
    const file = path.join(dir, 'flinkship.yaml');
    // Once unmeasured: the first run compiles the schema and loads the verbs.
    expect((await cli('validate', '--config', 'fixtures/log-cleaner/flinkship.yaml')).code).toBe(0);
    const failures: string[] = [];
    const codes = new Map<number, number>();
    const started = performance.now();
    let slowest = 0;
    for (let n = 0; n < CASES; n++) {
      const lines = seeds[Math.floor(random() * seeds.length)]!.split('\n');
      const count = 1 + Math.floor(random() * 3);
      for (let m = 0; m < count; m++) all[Math.floor(random() * all.length)]!(lines, random);
      const text = lines.join('\n');
      writeFileSync(file, text);
      const start = performance.now();
      const r = await cli('validate', '--config', file);
      const ms = performance.now() - start;
      slowest = Math.max(slowest, ms);
      codes.set(r.code, (codes.get(r.code) ?? 0) + 1);
      const output = r.out + r.err;
      const problems = [
        ...(r.code === 0 || r.code === 2 ? [] : [`exit code ${r.code}`]),
        ...(/^\s+at\s/m.test(output) ? ['a stack frame in the output'] : []),
        ...(ms > CASE_BOUND_MS ? [`${Math.round(ms)} ms`] : []),
      ];
      if (problems.length > 0) {
        const saved = path.join(dir, `case-${n}.yaml`);
        writeFileSync(saved, text);
        failures.push(`case ${n} (${saved}): ${problems.join(', ')}: ${output.slice(0, 300)}`);
      }
    }
    const total = performance.now() - started;
    expect(failures).toEqual([]);
    // Both outcomes happen: the mutations are neither all harmless nor all fatal.
    expect(codes.get(0)).toBeGreaterThan(0);
    expect(codes.get(2)).toBeGreaterThan(CASES / 2);
    expect(total, `slowest case ${Math.round(slowest)} ms`).toBeLessThan(TOTAL_BOUND_MS);
  }, 90_000);
});
