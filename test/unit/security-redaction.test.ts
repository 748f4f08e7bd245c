// Secret flinkConfiguration values (issue 12, point 4): redacted as Flink redacts them wherever a plan is
// shown (text, JSON, action outputs and summary, the client argv that is printed), still deployed and
// still hashed; and `env` from Kubernetes Secrets keeps them out of the spec, rendered into the pod template.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { isSensitiveKey, REDACTED } from '../../src/plan/redact.js';
import { plan, planSubmission } from '../../src/plan/plan.js';
import { renderPlanMarkdown } from '../../src/plan/render.js';
import { loadSpec, parseSpec } from '../../src/spec/load.js';
import { InputError } from '../../src/util/errors.js';
import { cli } from '../helpers/cli.js';
import { runAction } from '../helpers/runner.js';

const FIXTURE_TEXT = readFileSync('fixtures/log-cleaner/flinkship.yaml', 'utf8');
const IMAGE = `ghcr.io/flinkship/log-cleaner@sha256:${'ab'.repeat(32)}`;
const ACCESS = 'AKIASECSEC0000000001';
const SECRET = 'secsec/s3-secret+value';
const PASSWORD = 'secsec-ssl-password';

function withConfig(extra: string, text = FIXTURE_TEXT): string {
  return text.replace('state.backend.type: hashmap', `state.backend.type: hashmap\n${extra}`);
}
const SECRET_CONF = withConfig(
  [
    `  s3.access-key: ${ACCESS}`,
    `  s3.secret-key: '${SECRET}'`,
    `  security.ssl.rest.keystore-password: ${PASSWORD}`,
  ].join('\n'),
);

function specFile(text: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'secsec-spec-'));
  const file = path.join(dir, 'flinkship.yaml');
  writeFileSync(file, text);
  return file;
}

function expectNoSecret(text: string): void {
  for (const s of [ACCESS, SECRET, PASSWORD]) expect(text).not.toContain(s);
}

describe("Flink's sensitive keys", () => {
  it('follow GlobalConfiguration.isSensitive of Flink 1.20 (SENSITIVE_KEYS read from flink-core 1.20.3 and 2.2.0), plus S3 access keys', () => {
    for (const key of [
      'security.ssl.rest.keystore-password',
      'fs.s3a.secret.key',
      'fs.azure.account.key.acct.blob.core.windows.net',
      'metrics.reporter.dghttp.apikey',
      'metrics.reporter.x.api-key',
      'metrics.reporter.x.auth-params',
      'some.service-key',
      'kubernetes.token',
      'metrics.reporter.x.basic-auth',
      'security.kafka.JAAS.CONFIG',
      'rest.http-headers',
      's3.access-key',
      's3.access.key',
      'fs.s3a.access.key',
    ]) {
      expect([key, isSensitiveKey(key)]).toEqual([key, true]);
    }
    for (const key of ['state.backend.type', 's3.endpoint', 'fs.s3a.path.style.access', 'pipeline.name']) {
      expect([key, isSensitiveKey(key)]).toEqual([key, false]);
    }
  });
});

describe('a plan with secret flinkConfiguration values', () => {
  const loaded = parseSpec(SECRET_CONF, 'flinkship.yaml', 'fixtures/log-cleaner');
  const p = plan(loaded, 'staging', { image: IMAGE });

  it('shows them as ****** in the entries, the config file and the client argv', () => {
    expect(p.flinkConfiguration.entries['s3.access-key']).toBe(REDACTED);
    expect(p.flinkConfiguration.entries['s3.secret-key']).toBe(REDACTED);
    expect(p.flinkConfiguration.entries['security.ssl.rest.keystore-password']).toBe(REDACTED);
    expect(p.flinkConfiguration.entries['state.backend.type']).toBe('hashmap');
    expect(p.flinkConfiguration.file.content).toContain('s3.secret-key: ******\n');
    expect(p.client.argv).toContain('-Ds3.access-key=******');
    expectNoSecret(JSON.stringify(p));
    expectNoSecret(renderPlanMarkdown(p));
  });

  it('submits the real values, and names them as secrets to mask', () => {
    const s = planSubmission(loaded, 'staging', { image: IMAGE });
    expect(s.plan).toEqual(p);
    expect(s.argv).toEqual(
      p.client.argv.map((a) =>
        a === '-Ds3.access-key=******'
          ? `-Ds3.access-key=${ACCESS}`
          : a === '-Ds3.secret-key=******'
            ? `-Ds3.secret-key=${SECRET}`
            : a === '-Dsecurity.ssl.rest.keystore-password=******'
              ? `-Dsecurity.ssl.rest.keystore-password=${PASSWORD}`
              : a,
      ),
    );
    expect(s.secrets).toEqual([ACCESS, SECRET, PASSWORD]);
  });

  it('hashes the real values: a changed secret still changes the config hash', () => {
    const other = plan(
      parseSpec(SECRET_CONF.replace(PASSWORD, 'another'), 'flinkship.yaml', 'fixtures/log-cleaner'),
      'staging',
      {
        image: IMAGE,
      },
    );
    expect(other.flinkConfiguration.entries).toEqual(p.flinkConfiguration.entries);
    expect(other.configHash).not.toBe(p.configHash);
  });

  it('keeps them out of the CLI plan, text and JSON', async () => {
    const file = specFile(SECRET_CONF);
    for (const output of ['text', 'json']) {
      const r = await cli('plan', '--config', file, '--env', 'staging', '--output', output);
      expect(r.code).toBe(0);
      expectNoSecret(r.out + r.err);
    }
  });

  it('keeps them out of the plan action: log, outputs and job summary', async () => {
    const file = specFile(SECRET_CONF);
    const run = await runAction('actions/plan', { config: file, env: 'staging', image: IMAGE });
    expect(run.code).toBe(0);
    expect(run.outputs['flink-config']).toContain('s3.access-key: ******');
    expect(JSON.parse(run.outputs['client-argv']!)).toContain('-Ds3.secret-key=******');
    expectNoSecret(run.stdout + run.stderr + run.summary + JSON.stringify(run.outputs));
  });
});

const ENV_SPEC = FIXTURE_TEXT.replace(
  'jobManager:\n  resource: { cpu: 0.5, memory: 1024m }',
  `env:
  - { name: LOG_LEVEL, value: INFO }
  - name: AWS_ACCESS_KEY_ID
    valueFrom: { secretKeyRef: { name: s3-credentials, key: access-key } }
  - name: AWS_SECRET_ACCESS_KEY
    valueFrom: { secretKeyRef: { name: s3-credentials, key: secret-key } }
jobManager:
  resource: { cpu: 0.5, memory: 1024m }`,
).replace(
  // The fixture's staging block (its own pod template and all), up to production.
  / {2}staging:\n[\s\S]*?(?=\n {2}production:)/,
  `  staging:
    namespace: flink-staging
    env:
      - { name: LOG_LEVEL, value: DEBUG }
      - { name: DB_PASSWORD, value: plain-db-password }
      - name: AWS_SECRET_ACCESS_KEY
        valueFrom: { secretKeyRef: { name: s3-staging, key: secret-key, optional: false } }
    podTemplate:
      metadata: { labels: { team: data } }
      spec:
        containers:
          - name: flink-main-container
            env: [{ name: FROM_TEMPLATE, value: kept }, { name: LOG_LEVEL, value: from-template }]`,
);

describe('env: variables of the JobManager and TaskManagers', () => {
  const loaded = parseSpec(ENV_SPEC, 'flinkship.yaml', 'fixtures/log-cleaner');

  it('merge by name (the environment wins) into the pod template, secretKeyRef as written', () => {
    const s = planSubmission(loaded, 'staging', { image: IMAGE });
    expect(parse(s.podTemplate!)).toEqual({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { labels: { team: 'data' } },
      spec: {
        containers: [
          {
            name: 'flink-main-container',
            env: [
              { name: 'FROM_TEMPLATE', value: 'kept' },
              { name: 'LOG_LEVEL', value: 'DEBUG' },
              {
                name: 'AWS_ACCESS_KEY_ID',
                valueFrom: { secretKeyRef: { name: 's3-credentials', key: 'access-key' } },
              },
              {
                name: 'AWS_SECRET_ACCESS_KEY',
                valueFrom: { secretKeyRef: { name: 's3-staging', key: 'secret-key', optional: false } },
              },
              { name: 'DB_PASSWORD', value: 'plain-db-password' },
            ],
          },
        ],
      },
    });
    expect(s.secrets).toEqual(['plain-db-password']);
    expect(s.argv).toContain('-Dkubernetes.pod-template-file.default=/flinkship/pod-template.yaml');
  });

  it('shows the pod template in the plan, a plain value of a secret-looking name redacted', () => {
    const p = plan(loaded, 'staging', { image: IMAGE });
    expect(p.podTemplate!.path).toBe('/flinkship/pod-template.yaml');
    expect(p.podTemplate!.content).toContain('- name: DB_PASSWORD\n          value: "******"\n');
    expect(p.podTemplate!.content).not.toContain('plain-db-password');
    expect(renderPlanMarkdown(p)).toContain('            secretKeyRef:\n              name: s3-staging\n');
  });

  it('render a pod template without a podTemplate of the spec', () => {
    const p = plan(loaded, 'integration', { image: IMAGE });
    expect(parse(p.podTemplate!.content)).toEqual({
      apiVersion: 'v1',
      kind: 'Pod',
      spec: {
        containers: [
          {
            name: 'flink-main-container',
            env: [
              { name: 'LOG_LEVEL', value: 'INFO' },
              {
                name: 'AWS_ACCESS_KEY_ID',
                valueFrom: { secretKeyRef: { name: 's3-credentials', key: 'access-key' } },
              },
              {
                name: 'AWS_SECRET_ACCESS_KEY',
                valueFrom: { secretKeyRef: { name: 's3-credentials', key: 'secret-key' } },
              },
            ],
          },
        ],
      },
    });
  });

  it('are validated: name, exactly one of value and valueFrom, no name twice, the Secret reference', () => {
    const bad = `name: log-cleaner
flinkVersion: "1.20"
image: { repository: ghcr.io/acme/log-cleaner }
job: { jar: target/log-cleaner.jar }
env:
  - { name: 1BAD }
  - { name: A, value: x, valueFrom: { secretKeyRef: { name: s, key: k } } }
  - { name: A, value: y }
  - { name: B, valueFrom: { secretKeyRef: { name: Not_A_Name, key: "k/" } } }
environments:
  staging:
    env: [{ name: C, valueFrom: { configMapKeyRef: { name: c, key: k } } }]
`;
    let thrown: unknown;
    try {
      parseSpec(bad, 'flinkship.yaml', '.');
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(InputError);
    expect((thrown as InputError).issues.map((i) => `${i.line}:${i.col}: ${i.field}: ${i.message}`)).toEqual([
      `6:5: env[0]: has neither value nor valueFrom; give one of them`,
      `6:13: env[0].name: found "1BAD"; expected an environment variable name: letters, digits, '_', '-' and '.', not starting with a digit, such as AWS_ACCESS_KEY_ID`,
      `7:5: env[1]: has both value and valueFrom; give one of them`,
      `8:13: env[2].name: "A" is already set at line 7 of this list; give each variable once (an environment's env overrides the top level's by name)`,
      `9:51: env[3].valueFrom.secretKeyRef.name: found "Not_A_Name"; expected the name of a Kubernetes Secret in the environment's namespace (a DNS-1123 subdomain such as s3-credentials)`,
      `9:68: env[3].valueFrom.secretKeyRef.key: found "k/"; expected a key of that Secret: letters, digits, '-', '_' and '.'`,
      `12:33: environments.staging.env[0].valueFrom.secretKeyRef: required key "secretKeyRef" is missing; expected the Secret and its key, such as { name: s3-credentials, key: secret-key }`,
      `12:35: environments.staging.env[0].valueFrom.configMapKeyRef: unknown key "configMapKeyRef"; valid keys here: secretKeyRef`,
    ]);
  });
});

describe('the README', () => {
  it('documents S3 credentials from a Kubernetes Secret', () => {
    const readme = readFileSync('README.md', 'utf8');
    expect(readme).toContain('### S3 credentials from a Kubernetes Secret');
    expect(readme).toContain('secretKeyRef: { name: s3-credentials, key: secret-key }');
  });
});

it('loads the fixture spec unchanged (no env; a pod template only where it mounts the state volume)', () => {
  const fixture = loadSpec('fixtures/log-cleaner/flinkship.yaml');
  expect(plan(fixture, 'integration').podTemplate).toBeUndefined();
  expect(plan(fixture, 'staging').podTemplate?.content).toContain('claimName: log-cleaner-state');
});
