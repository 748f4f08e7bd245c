// flinkConfiguration against Flink's own options (src/spec/flinkOptions.ts): the catalogue, Flink's parsers,
// deprecated keys as warnings, plugin prefixes, and keys of other Flink versions. The memory model is held
// to Flink's own code in test/integration/flink-memory.test.ts; the bad-spec corpus has the located errors.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FLINK_DISTRIBUTION, pluginProblem } from '../../src/spec/flinkDistribution.js';
import { parseSpec } from '../../src/spec/load.js';
import {
  CATALOGUED_VERSIONS,
  checkKey,
  flinkOptions,
  parseFlinkDuration,
  parseFlinkMemory,
} from '../../src/spec/flinkOptions.js';

const spec = (version: string, conf: string) =>
  `name: job
flinkVersion: "${version}"
image:
  repository: ghcr.io/acme/job
job:
  jar: job.jar
flinkConfiguration:
${conf}
environments:
  staging:
    namespace: flink
`;

describe('the catalogue', () => {
  it('covers exactly the versions scripts/flink-options/versions names, each from its own Flink release', () => {
    const lines = readFileSync('scripts/flink-options/versions', 'utf8')
      .split('\n')
      .filter((l) => l.trim() && !l.startsWith('#'))
      .map((l) => l.trim().split(/\s+/));
    expect(lines.map((l) => l[0])).toEqual([...CATALOGUED_VERSIONS]);
    for (const [minor, release] of lines) {
      const c = flinkOptions(minor!)!;
      expect(c.release).toBe(release);
      expect(Object.keys(c.options).length).toBeGreaterThan(700);
      expect(c.options['execution.checkpointing.interval']?.type).toBe('Duration');
      expect(c.options['taskmanager.memory.process.size']?.type).toBe('MemorySize');
    }
  });

  it('has none for a version it does not know, and such a spec is refused rather than left unchecked', () => {
    expect(flinkOptions('2.9')).toBeUndefined();
    expect(() =>
      parseSpec(spec('2.9', '  execution.checkpointing.intervall: 60s'), 'flinkship.yaml'),
    ).toThrow(
      'flinkship.yaml:2:15: flinkVersion: found "2.9"; valid: "1.19", "1.20", "2.0", "2.1", "2.2" or "2.3" (the Flink versions whose options this flinkship knows)',
    );
  });
});

describe("Flink's parsers", () => {
  it.each([
    ['60 s', 60_000],
    ['10min', 600_000],
    ['1 h', 3_600_000],
    ['2 days', 172_800_000],
    ['500', 500],
    ['250 ms', 250],
  ])('reads the duration %j', (text, ms) => expect(parseFlinkDuration(text)).toBe(ms));
  it.each(['60 sekunden', '1.5min', '-1s', 'PT', ''])('refuses the duration %j', (text) =>
    expect(parseFlinkDuration(text)).toBeUndefined(),
  );
  it.each([
    ['512m', 512 * 1024 ** 2],
    ['1 gb', 1024 ** 3],
    ['64 MB', 64 * 1024 ** 2],
    ['100', 100],
    ['2 kibibytes', 2048],
  ])('reads the memory size %j', (text, bytes) => expect(parseFlinkMemory(text)).toBe(bytes));
  it.each(['1.5g', '64 megs', 'lots'])('refuses the memory size %j', (text) =>
    expect(parseFlinkMemory(text)).toBeUndefined(),
  );
});

describe('keys', () => {
  it('deprecated names are warnings with their replacement, and the spec stays valid', () => {
    const loaded = parseSpec(
      spec('1.20', '  state.savepoints.dir: s3://b/sp\n  web.port: 8081'),
      'flinkship.yaml',
    );
    expect(loaded.warnings?.map((w) => `${w.line}:${w.col}: ${w.message}`)).toEqual([
      '8:3: "state.savepoints.dir" is a deprecated name of "execution.checkpointing.savepoint-dir" in Flink 1.20; write "execution.checkpointing.savepoint-dir"',
      '9:3: "web.port" is a deprecated name of "rest.port" in Flink 1.20; write "rest.port"',
    ]);
  });

  it('depend on the version: state.savepoints.dir is the current name in 1.19', () => {
    expect(parseSpec(spec('1.19', '  state.savepoints.dir: s3://b/sp'), 'flinkship.yaml').warnings).toEqual(
      [],
    );
  });

  it('of plugins and reporters are allowed under their prefixes, and values of a deprecated name are still checked', () => {
    const c = flinkOptions('2.1')!;
    for (const key of [
      's3.access-key',
      'fs.s3a.endpoint',
      'metrics.reporter.prom.factory.class',
      'containerized.master.env.TZ',
    ])
      expect(checkKey(key, c).kind, key).toBe('ok');
    expect(() => parseSpec(spec('1.20', '  web.port: eighty'), 'flinkship.yaml')).toThrow(
      'flinkConfiguration["web.port"]: found "eighty"; expected a whole number',
    );
  });

  it('accept YAML booleans and numbers where Flink does', () => {
    const loaded = parseSpec(
      spec(
        '2.1',
        '  pipeline.object-reuse: true\n  rest.port: 8081\n  taskmanager.memory.managed.fraction: 0.3',
      ),
      'flinkship.yaml',
    );
    expect(loaded.warnings).toEqual([]);
  });
});

describe('state on the container’s own disk', () => {
  const stateful = (extra: string) => `name: job
flinkVersion: "1.20"
image:
  repository: ghcr.io/acme/job
job:
  jar: job.jar
  upgradeMode: savepoint
flinkConfiguration:
  execution.checkpointing.savepoint-dir: file:///opt/flink/state/{env}/savepoints
environments:
  staging:
    namespace: flink
${extra}`;

  it('warns where a stateful job keeps savepoints on a file:// path no volume backs', () => {
    expect(
      parseSpec(stateful(''), 'flinkship.yaml').warnings?.map((w) => `${w.line}:${w.col}: ${w.message}`),
    ).toEqual([
      "9:42: execution.checkpointing.savepoint-dir is file:///opt/flink/state/{env}/savepoints, on the container's own disk: no volume of the pod template is mounted there, so what upgradeMode savepoint keeps there is lost with the pod; mount a volume there (podTemplate) or use durable storage such as s3:// (environment staging)",
    ]);
  });

  it('is quiet when a volume of the pod template is mounted above the path, or the job is stateless', () => {
    const mounted = `    podTemplate:
      spec:
        containers:
          - name: flink-main-container
            volumeMounts: [{ name: state, mountPath: /opt/flink/state/ }]
        volumes: [{ name: state, persistentVolumeClaim: { claimName: state } }]
`;
    expect(parseSpec(stateful(mounted), 'flinkship.yaml').warnings).toEqual([]);
    expect(parseSpec(stateful('    upgradeMode: stateless\n'), 'flinkship.yaml').warnings).toEqual([]);
    // A mount elsewhere backs nothing.
    expect(
      parseSpec(stateful(mounted.replace('/opt/flink/state/', '/opt/flink/stat')), 'flinkship.yaml').warnings,
    ).toHaveLength(1);
  });
});

describe('image.plugins, against what the official image of the version ships', () => {
  const withPlugins = (version: string, plugins: string, base = '') =>
    `name: job
flinkVersion: "${version}"
image:
  repository: ghcr.io/acme/job
  plugins: [${plugins}]${base ? `\n  base: ${base}` : ''}
job:
  jar: job.jar
environments:
  staging:
    namespace: flink
`;
  it.each(CATALOGUED_VERSIONS.map((v) => [v]))('Flink %s: each file system of opt/ is a plugin', (v) => {
    for (const fs of FLINK_DISTRIBUTION[v].plugins)
      expect([fs, pluginProblem(fs, v)]).toEqual([fs, undefined]);
    expect(() => parseSpec(withPlugins(v, FLINK_DISTRIBUTION[v].plugins.join(', ')), 'f.yaml')).not.toThrow();
  });

  it('knows which version has which jar, and what is a library or already a plugin', () => {
    expect(pluginProblem('flink-s3-fs-native', '2.3')).toBeUndefined();
    expect(pluginProblem('flink-s3-fs-native', '2.2')).toContain('(Flink 2.3 has it)');
    expect(pluginProblem('flink-cep-scala_2.12', '1.20')).toContain(
      "a library in Flink 1.20's /opt/flink/opt",
    );
    expect(pluginProblem('flink-cep-scala_2.12', '2.0')).toContain(
      "which Flink 2.0's /opt/flink/opt does not have",
    );
    expect(pluginProblem('flink-metrics-influxdb', '1.19')).toContain('(/opt/flink/plugins/metrics-influx/)');
    expect(pluginProblem('flink-metrics-otel', '2.1')).toContain('(/opt/flink/plugins/metrics-otel/)');
    expect(pluginProblem('flink-metrics-otel', '1.20')).toContain('does not have');
    expect(pluginProblem('flink-gs-fs-hadop', '2.0')).toContain('(did you mean "flink-gs-fs-hadoop"?)');
  });

  it('checks the official image only: another base image says what it has when it is built', () => {
    for (const base of [
      '',
      'flink:1.20.3-scala_2.12-java17',
      'docker.io/library/flink:1.20',
      'library/flink:1.20',
    ]) {
      expect(() => parseSpec(withPlugins('1.20', 'flink-python', base), 'f.yaml')).toThrow(
        'image.plugins[0]: found "flink-python", a library',
      );
    }
    for (const base of ['flinkship-testbed/flink:1.20.3-java17', 'registry.acme.dev/flink-custom:1.20']) {
      expect(() => parseSpec(withPlugins('1.20', 'flink-python', base), 'f.yaml')).not.toThrow();
    }
  });
});

describe("keys with a part of the user's choosing (external-resource.<resource_name>.amount)", () => {
  it.each(CATALOGUED_VERSIONS.map((v) => [v]))(
    'Flink %s reads them for any name, and checks their values',
    (v) => {
      const c = flinkOptions(v)!;
      expect(checkKey('external-resource.gpu.amount', c)).toMatchObject({
        kind: 'ok',
        option: { type: 'Long' },
      });
      expect(checkKey('external-resource.gpu.param.discovery-script.path', c).kind).toBe('ok');
      expect(checkKey('external-resource.gpu.amout', c).kind).toBe('unknown');
      expect(checkKey('external-resource..amount', c).kind).toBe('unknown');
      // <parameter> alone is a relative name, not a pattern of every key.
      expect(checkKey('anything-at-all', c).kind).toBe('unknown');
      expect(() =>
        parseSpec(
          spec(v, '  external-resources: gpu\n  external-resource.gpu.amount: two'),
          'flinkship.yaml',
        ),
      ).toThrow('flinkConfiguration["external-resource.gpu.amount"]');
      expect(
        parseSpec(spec(v, '  external-resources: gpu\n  external-resource.gpu.amount: 1'), 'flinkship.yaml')
          .spec.name,
      ).toBe('job');
    },
  );
});
