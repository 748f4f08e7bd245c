// Every bad spec in the corpus yields exactly the issues in its .expected file: line:col, field, message.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSpec } from '../../src/spec/load.js';
import { InputError } from '../../src/util/errors.js';

const dir = 'test/fixtures/specs/bad';
const cases = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

describe('bad specs', () => {
  it('has a corpus with an expectation for every case', () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
    for (const c of cases) expect(readdirSync(dir)).toContain(c.replace(/\.yaml$/, '.expected'));
  });

  for (const name of cases) {
    it(`reports ${name} at the right line and field`, () => {
      const file = path.join(dir, name);
      const expected = readFileSync(file.replace(/\.yaml$/, '.expected'), 'utf8')
        .trimEnd()
        .split('\n');
      let thrown: unknown;
      try {
        loadSpec(file);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(InputError);
      const err = thrown as InputError;
      expect(err.exitCode).toBe(2);
      expect(err.issues.every((i) => i.file === file)).toBe(true);
      expect(err.issues.map((i) => `${i.line}:${i.col}: ${i.field}: ${i.message}`)).toEqual(expected);
    });
  }
});

describe('good specs', () => {
  const good = [
    'fixtures/log-cleaner/flinkship.yaml',
    ...readdirSync('test/fixtures/specs/good')
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => `test/fixtures/specs/good/${f}`),
  ];
  it('has a good corpus', () => expect(good.length).toBeGreaterThanOrEqual(4));
  it.each(good)('accepts %s, without a warning', (file) => {
    const loaded = loadSpec(file);
    expect(loaded.spec.name).toMatch(/^[a-z-]+$/);
    // Each version's current names and state on volumes; flink-2.yaml keeps two old names on purpose
    // (its plan is pinned as a golden file), which are warnings, not errors.
    expect(loaded.warnings?.map((w) => w.field)).toEqual(
      file.endsWith('/flink-2.yaml')
        ? ['flinkConfiguration["state.backend.incremental"]', 'flinkConfiguration["state.savepoints.dir"]']
        : [],
    );
  });

  it('names a missing file as a --config problem', () => {
    expect(() => loadSpec('test/fixtures/specs/none.yaml')).toThrow(
      'test/fixtures/specs/none.yaml: --config: cannot read the spec (no such file); expected a path to flinkship.yaml (pass --config <file>)',
    );
  });
});
