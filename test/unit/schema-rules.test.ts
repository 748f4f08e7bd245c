// The rules schema/flinkship.schema.json states and the CLI's own code also applies are the same rules: the
// Flink versions are the catalogue's, the placeholder pattern is one string, the memory, cpu and label
// patterns accept exactly what the parsers accept, and the Flink keys the schema reserves are the keys
// flinkship writes. (The corpus, run through both validators, is test/integration/schema-agreement.test.ts.)
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { render } from '../../scripts/flink-options/schema.js';
import schemaJson from '../../schema/flinkship.schema.json' with { type: 'json' };
import { effectiveConfiguration } from '../../src/plan/flinkConfig.js';
import { CATALOGUED_VERSIONS, checkKey, flinkOptions } from '../../src/spec/flinkOptions.js';
import { parseSpec } from '../../src/spec/load.js';
import { ANNOTATION_KEYWORDS } from '../../src/spec/schemaValidator.js';
import { UNKNOWN_PLACEHOLDER_PATTERN } from '../../src/spec/placeholders.js';
import { resolveEnvironment } from '../../src/spec/resolve.js';
import { isDns1123Label } from '../../src/spec/semantics.js';
import { parseCpu, parseMemory } from '../../src/util/quantity.js';

type Node = Record<string, unknown>;
const schema = schemaJson as unknown as Node;
const at = (...path: string[]): Node => path.reduce<Node>((node, key) => node[key] as Node, schema);
const envProps = at('properties', 'environments', 'additionalProperties', 'properties');
/** JSON Schema patterns are ECMA 262 with the u flag, as ajv compiles them. */
const matches = (pattern: unknown, value: string) => new RegExp(String(pattern), 'u').test(value);

/** Every node of the schema with the keyword, wherever it is. */
function nodesWith(keyword: string, node: unknown = schema, out: Node[] = []): Node[] {
  if (node && typeof node === 'object') {
    if (keyword in node) out.push(node as Node);
    for (const child of Object.values(node)) nodesWith(keyword, child, out);
  }
  return out;
}

describe('the schema says what the CLI says', () => {
  it('offers exactly the Flink versions the option catalogue has', () => {
    expect(at('properties', 'flinkVersion').enum).toEqual([...CATALOGUED_VERSIONS]);
    expect(at('properties', 'flinkVersion')['x-valid']).toContain(
      CATALOGUED_VERSIONS.map((v) => `"${v}"`)
        .slice(0, -1)
        .join(', '),
    );
  });

  it('refuses placeholders other than {env} with the pattern the CLI uses, in every field that has one', () => {
    const refusals = nodesWith('not')
      .map((n) => n.not as Node)
      .filter((n) => typeof n.pattern === 'string' && n.pattern.includes('env'));
    // image.base and flinkConfiguration values (top level and environments), clusterId and namespace.
    expect(refusals.length).toBeGreaterThanOrEqual(5);
    for (const refusal of refusals) {
      expect(refusal).toEqual({ type: 'string', pattern: UNKNOWN_PLACEHOLDER_PATTERN });
    }
    const found = (v: string) => matches(UNKNOWN_PLACEHOLDER_PATTERN, v);
    expect(found('s3://b/{environment}/ha')).toBe(true);
    expect(found('flink-{envname}')).toBe(true);
    expect(found('s3://b/{env}/ha')).toBe(false);
    expect(found('-Dx=${HOME} %{level} #{x}')).toBe(false);
  });

  it('accepts exactly the memory sizes parseMemory reads', () => {
    const pattern = at('$defs', 'taskManager', 'properties', 'resource', 'properties', 'memory').pattern;
    expect(at('$defs', 'jobManager', 'properties', 'resource', 'properties', 'memory').pattern).toBe(pattern);
    const units = ['', 'b', 'bytes', 'k', 'kb', 'kibibytes', 'ki', 'm', 'mb', 'mebibytes', 'mi'];
    units.push('g', 'gb', 'gibibytes', 'gi', 't', 'tb', 'tebibytes', 'ti', 'x', 'kib', 'mbytes', 'e');
    const cases = units.flatMap((u) => [u, u.toUpperCase(), u.charAt(0).toUpperCase() + u.slice(1)]);
    const samples = ['1600', '0', '00', '010', '1.5', ' 2', '', '-1'].flatMap((n) =>
      cases.flatMap((u) => [`${n}${u}`, `${n} ${u}`, ` ${n}${u} `]),
    );
    expect(samples.length).toBeGreaterThan(1000);
    const disagree = samples.filter((v) => matches(pattern, v) !== (parseMemory(v) !== undefined));
    expect(disagree).toEqual([]);
    // The Kubernetes decimal suffixes stay refused by both (Flink reads "2g" as 2 GiB).
    for (const v of ['2G', '2M', '2K', '2T']) expect(matches(pattern, v)).toBe(false);
  });

  it('accepts exactly the cpu amounts parseCpu reads', () => {
    const cpu = at('$defs', 'jobManager', 'properties', 'resource', 'properties', 'cpu');
    expect(cpu.exclusiveMinimum).toBe(0);
    const samples = ['1', '0', '0.5', '.5', '0.0', '.0', '500m', '0m', '0.001m', '1.', '1.5.2', 'm', ''];
    samples.push(' 2 ', '2 m', '2M', '1e3', '-1', '+1', '00', '010', 'lots', '250x', '0.0001');
    const disagree = samples.filter((v) => matches(cpu.pattern, v) !== (parseCpu(v) !== undefined));
    expect(disagree).toEqual([]);
    for (const n of [1, 0.5, 0.001]) expect(parseCpu(n)).toBeDefined();
    for (const n of [0, -1]) expect(parseCpu(n)).toBeUndefined();
  });

  it('takes names, namespaces and cluster-ids as the CLI takes them', () => {
    const name = at('properties', 'name');
    const samples = ['log-cleaner', 'a', '0', 'a-', '-a', 'A', 'a_b', 'a.b', 'a--b', 'x'.repeat(63), ''];
    for (const v of samples) {
      const schemaSays = matches(name.pattern, v) && v.length <= (name.maxLength as number);
      expect([v, schemaSays]).toEqual([v, isDns1123Label(v)]);
    }
    expect(isDns1123Label('x'.repeat(64))).toBe(false);
    expect('x'.repeat(64).length <= (name.maxLength as number)).toBe(false);
    // With {env} the label is checked again once the environment's name is in (a relation).
    for (const field of ['namespace', 'clusterId']) {
      const pattern = (envProps[field] as Node).pattern;
      for (const v of samples) expect([field, v, matches(pattern, v)]).toEqual([field, v, isDns1123Label(v)]);
      for (const v of ['flink-{env}', '{env}', '{env}-x', 'a{env}b'])
        expect([field, v, matches(pattern, v)]).toEqual([field, v, true]);
      for (const v of ['flink-{env}-', '{envs}', 'flink-{region}', '{env']) {
        expect([field, v, matches(pattern, v)]).toEqual([field, v, false]);
      }
    }
  });

  it('reserves every Flink key flinkship writes, and only keys Flink has (or had, under another name)', () => {
    const reserved = at('$defs', 'flinkConfiguration', 'properties');
    for (const [key, rule] of Object.entries(reserved)) {
      expect([key, rule]).toMatchObject([key, { not: {}, 'x-set-by': expect.any(String) }]);
      expect([
        key,
        CATALOGUED_VERSIONS.some((v) => checkKey(key, flinkOptions(v)!).kind !== 'unknown'),
      ]).toEqual([key, true]);
    }
    const spec = parseSpec(
      `name: job
flinkVersion: "1.20"
image: { repository: ghcr.io/acme/job }
job: { jar: job.jar, parallelism: 2 }
environments: { staging: { namespace: flink } }
`,
      'flinkship.yaml',
    ).spec;
    const written = Object.keys(
      effectiveConfiguration(resolveEnvironment(spec, 'staging'), 'img@sha256:0', '/t.yaml'),
    );
    expect(written.filter((k) => !(k in reserved))).toEqual([]);
  });
});

describe("the catalogue's keys in the schema, for editors", () => {
  const full = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
  for (const keyword of ANNOTATION_KEYWORDS) full.addKeyword({ keyword, schemaType: 'string' });
  const validate = full.compile(schemaJson);
  const spec = (version: string, conf: Record<string, unknown>, envConf: Record<string, unknown> = {}) => ({
    name: 'job',
    flinkVersion: version,
    image: { repository: 'ghcr.io/acme/job' },
    job: { jar: 'job.jar' },
    flinkConfiguration: conf,
    environments: { staging: { namespace: 'flink', flinkConfiguration: envConf } },
  });

  it('is what scripts/flink-options/schema.ts makes of schema/flink-options', () => {
    const current = readFileSync('schema/flinkship.schema.json', 'utf8');
    expect(render(JSON.parse(current) as Record<string, unknown>)).toBe(current);
  });

  it('refuses, per Flink version, the keys validate refuses and takes the ones it takes', () => {
    const interval = { 'execution.checkpointing.interval': '60s' };
    for (const v of CATALOGUED_VERSIONS) {
      expect([v, validate(spec(v, interval))]).toEqual([v, true]);
      expect([v, validate(spec(v, { 'execution.checkpointing.intervall': '60s' }))]).toEqual([v, false]);
      expect([v, validate(spec(v, {}, { 'execution.checkpointing.intervall': '60s' }))]).toEqual([v, false]);
      const gpu = { 'external-resources': 'gpu', 'external-resource.gpu.amount': 1 };
      expect([v, validate(spec(v, gpu))]).toEqual([v, true]);
      expect([v, validate(spec(v, { 'external-resource.gpu.amout': 1 }))]).toEqual([v, false]);
      // A plugin's keys and a deprecated name Flink still reads.
      expect([
        v,
        validate(spec(v, { 's3.endpoint': 'http://minio:9000', 'metrics.reporter.prom.port': 9249 })),
      ]).toEqual([v, true]);
    }
    // Removed after 1.20; present only from 2.3.
    const removed = { 'pipeline.time-characteristic': 'EventTime' };
    expect(validate(spec('1.20', removed))).toBe(true);
    expect(validate(spec('2.0', removed))).toBe(false);
    const newer = { 'application-result-store.storage-path': 's3://b/results' };
    expect(validate(spec('2.2', newer))).toBe(false);
    expect(validate(spec('2.3', newer))).toBe(true);
    expect(validate(spec('1.19', { 'state.backend.type': 'forst' }))).toBe(true); // A value: not the schema's.
  });
});
