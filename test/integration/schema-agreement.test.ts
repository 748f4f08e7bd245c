// Where schema/flinkship.schema.json and the CLI agree, shown by a validator that is not the CLI's:
// check-jsonschema (python-jsonschema, from PyPI, installed by the testbed) runs the schema over the
// spec corpus, and the CLI (ajv plus the semantic rules) runs over the same files. Every good spec must
// pass both; every bad spec the schema lets through must be a rule listed below with why JSON Schema
// does not say it. The table is docs/SCHEMA-AGREEMENT.md (UPDATE_DOCS=1 rewrites it).
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadSpec } from '../../src/spec/load.js';
import { InputError } from '../../src/util/errors.js';
import { testbed } from './testbed.js';

const exec = promisify(execFile);

type Why = 'catalogue' | 'memory' | 'relation' | 'not yet in the schema';
const WHY_TEXT: Record<Why, string> = {
  catalogue:
    "Flink's options of the spec's flinkVersion (schema/flink-options): keys, value types and documented values differ per version; as JSON Schema they would be one if/then block of some 900 keys per version",
  memory: "Flink's memory model: arithmetic over the process size, its fractions and defaults",
  relation:
    'a relation between fields or a value derived from several (environments merged over the top level, {env} substituted, a key prefix of another, HA or a stateful mode needing its storage, a base image matching flinkVersion)',
  'not yet in the schema':
    'JSON Schema can say it (a pattern, an enum, propertyNames); not yet moved into the schema',
};

/** The bad specs only the CLI refuses, and why the schema does not. */
const CLI_ONLY: Record<string, Why> = {
  'flink-boolean-number': 'catalogue',
  'flink-checkpoint-storage': 'catalogue',
  'flink-deprecated-bad-value': 'catalogue',
  'flink-duration-compound': 'catalogue',
  'flink-enum-runtime-mode': 'catalogue',
  'flink-env-key-typos': 'catalogue',
  'flink-forst-on-1-19': 'catalogue',
  'flink-ha-type-typo': 'catalogue',
  'flink-integer-fraction': 'catalogue',
  'flink-key-2-3-only': 'catalogue',
  'flink-key-unknown': 'catalogue',
  'flink-list-item': 'catalogue',
  'flink-memory-fraction': 'catalogue',
  'flink-options-newer': 'catalogue',
  'flink-options-removed': 'catalogue',
  'flink-options-typos': 'catalogue',
  'flink-options-values': 'catalogue',
  'flink-removed-async': 'catalogue',
  'flink-restart-strategy-typo': 'catalogue',
  'flink-savepoint-dir-1-19': 'catalogue',
  'flink-memory-conflict': 'memory',
  'flink-memory-too-small': 'memory',
  'jobmanager-memory-env': 'memory',
  'memory-conflict-env': 'memory',
  'taskmanager-managed-too-large': 'memory',
  'base-image-version-2': 'relation',
  'cluster-id-too-long': 'relation',
  'config-prefix-conflict': 'relation',
  'ha-without-storage': 'relation',
  'last-state-needs-ha': 'relation',
  'preview-cluster-id': 'relation',
  'savepoint-needs-dir': 'relation',
  'flink-version-unsupported': 'not yet in the schema',
  'managed-keys': 'not yet in the schema',
  'name-invalid': 'not yet in the schema',
  'namespace-invalid': 'not yet in the schema',
  'placeholder-cluster-id': 'not yet in the schema',
  'placeholder-unknown': 'not yet in the schema',
  quantities: 'not yet in the schema',
};

const GOOD = [
  'fixtures/log-cleaner/flinkship.yaml',
  ...readdirSync('test/fixtures/specs/good')
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => `test/fixtures/specs/good/${f}`),
];
const BAD = readdirSync('test/fixtures/specs/bad')
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((f) => `test/fixtures/specs/bad/${f}`);

function cliRefuses(file: string): boolean {
  try {
    loadSpec(file);
    return false;
  } catch (err) {
    if (err instanceof InputError) return true;
    throw err;
  }
}

/** The files check-jsonschema refuses (schema errors or files it cannot parse). */
async function schemaRefuses(files: string[]): Promise<Set<string>> {
  const run = await exec(
    testbed('FLINKSHIP_TESTBED_CHECK_JSONSCHEMA'),
    ['--schemafile', 'schema/flinkship.schema.json', '-o', 'JSON', ...files],
    { maxBuffer: 16 * 1024 * 1024, timeout: 120_000 },
  ).catch((e: { code?: number; stdout?: string; stderr?: string }) => {
    // Exit 1: some file failed; anything else is the tool failing.
    if (e.code !== 1) throw new Error(`check-jsonschema failed: ${e.stderr ?? ''}`);
    return { stdout: e.stdout ?? '' };
  });
  const out = JSON.parse(run.stdout) as {
    errors: { filename: string }[];
    parse_errors: { filename: string }[];
  };
  return new Set([...out.errors, ...out.parse_errors].map((e) => e.filename));
}

function render(rows: { file: string; schema: boolean }[], goodCount: number): string {
  const both = rows.filter((r) => r.schema);
  const only = rows.filter((r) => !r.schema);
  const byWhy = (why: Why) => only.filter((r) => CLI_ONLY[path.basename(r.file, '.yaml')] === why);
  const lines = [
    '# The schema and the CLI',
    '',
    '<!-- Generated by test/integration/schema-agreement.test.ts (UPDATE_DOCS=1); do not edit. -->',
    '',
    '`schema/flinkship.schema.json` is what an editor checks as you type; `flinkship validate` checks the',
    "schema and then the rules JSON Schema cannot state. The test runs a validator that is not the CLI's,",
    'check-jsonschema 0.33.0 (python-jsonschema), over the spec corpus, and the CLI over the same files.',
    '',
    '| | Specs | Schema (check-jsonschema) | CLI |',
    '|---|---|---|---|',
    `| Good (the fixture and test/fixtures/specs/good) | ${goodCount} | all accepted | all accepted |`,
    `| Bad (test/fixtures/specs/bad) | ${rows.length} | ${both.length} refused | all refused |`,
    '',
    `The ${only.length} bad specs that only the CLI refuses, by why the schema does not:`,
    '',
    '| Why | Specs |',
    '|---|---|',
    ...(Object.keys(WHY_TEXT) as Why[])
      .filter((w) => byWhy(w).length)
      .map(
        (w) =>
          `| **${w}**: ${WHY_TEXT[w]} | ${byWhy(w)
            .map((r) => `\`${path.basename(r.file, '.yaml')}\``)
            .join(', ')} |`,
      ),
    '',
    "The rules marked *not yet in the schema* are the schema's open work: the DNS-1123 patterns of",
    'name, namespace and cluster-id (allowing `{env}`), the Flink versions, the memory and cpu formats,',
    'the keys flinkship manages (`propertyNames`) and placeholders other than `{env}`.',
    '',
  ];
  return lines.join('\n');
}

describe('the schema and the CLI', () => {
  it('agree on every good spec, and every bad spec the schema lets through is a rule listed with its reason', async () => {
    const refused = await schemaRefuses([...GOOD, ...BAD]);
    expect(GOOD.filter((f) => refused.has(f))).toEqual([]);
    expect(GOOD.filter((f) => cliRefuses(f))).toEqual([]);
    expect(BAD.filter((f) => !cliRefuses(f))).toEqual([]);
    const rows = BAD.map((file) => ({ file, schema: refused.has(file) }));
    const onlyCli = rows.filter((r) => !r.schema).map((r) => path.basename(r.file, '.yaml'));
    // Unlisted: the schema should refuse it, or the list should say why it cannot.
    expect(onlyCli.filter((n) => !(n in CLI_ONLY))).toEqual([]);
    // Listed but refused by the schema after all: the list is stale.
    expect(Object.keys(CLI_ONLY).filter((n) => !onlyCli.includes(n))).toEqual([]);
    const doc = render(rows, GOOD.length);
    if (process.env.UPDATE_DOCS === '1') writeFileSync('docs/SCHEMA-AGREEMENT.md', doc);
    expect(readFileSync('docs/SCHEMA-AGREEMENT.md', 'utf8')).toBe(doc);
  }, 180_000);
});
