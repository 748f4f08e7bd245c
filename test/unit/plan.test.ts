// The plan is pure: the same spec, environment and image give the same plan, pinned here as golden files.
// Set UPDATE_GOLDEN=1 to rewrite them after an intended change, then review the diff.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { nest } from '../../src/plan/flinkConfig.js';
import { plan } from '../../src/plan/plan.js';
import { renderPlanMarkdown } from '../../src/plan/render.js';
import { loadSpec } from '../../src/spec/load.js';
import { InputError } from '../../src/util/errors.js';

const FIXTURE = 'fixtures/log-cleaner/flinkship.yaml';
const FLINK2 = 'test/fixtures/specs/good/flink-2.yaml';

const DIGEST = 'sha256:' + 'ab'.repeat(32);

function golden(name: string, actual: string): void {
  const file = `test/golden/${name}`;
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) {
    if (process.env.CI === 'true' && !existsSync(file)) throw new Error(`golden file ${file} is missing`);
    mkdirSync('test/golden', { recursive: true });
    writeFileSync(file, actual);
  }
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

const cases = [
  ['log-cleaner', FIXTURE, 'staging'],
  ['log-cleaner', FIXTURE, 'production'],
  ['log-cleaner', FIXTURE, 'integration'],
  ['orders-enricher', FLINK2, 'staging'],
  ['orders-enricher', FLINK2, 'production'],
  ['log-cleaner-sql', 'fixtures/log-cleaner-sql/flinkship.yaml', 'staging'],
] as const;

describe('golden plans', () => {
  for (const [job, file, env] of cases) {
    it(`matches the golden plan of ${job} in ${env}`, () => {
      const p = plan(loadSpec(file), env, { image: `${loadSpec(file).spec.image.repository}@${DIGEST}` });
      golden(`${job}.${env}.plan.json`, JSON.stringify(p, null, 2) + '\n');
      golden(`${job}.${env}.plan.md`, renderPlanMarkdown(p));
    });
  }
});

describe('plan for Flink 1.20', () => {
  const p = plan(loadSpec(FIXTURE), 'staging', { image: `ghcr.io/flinkship/log-cleaner@${DIGEST}` });

  it('writes the flat flink-conf.yaml that 1.x reads', () => {
    expect(p.flinkConfiguration.file.name).toBe('flink-conf.yaml');
    const lines = p.flinkConfiguration.file.content.split('\n');
    expect(lines).toContain('high-availability.storageDir: file:///opt/flink/state/staging/ha');
    expect(lines).toContain(`kubernetes.container.image.ref: ghcr.io/flinkship/log-cleaner@${DIGEST}`);
  });

  it('submits with run-application --target kubernetes-application (1.x has no application mode in run) and the deployment identity as -D', () => {
    const argv = p.client.argv;
    expect(argv.slice(0, 3)).toEqual(['run-application', '--target', 'kubernetes-application']);
    for (const d of [
      '-Dkubernetes.cluster-id=log-cleaner',
      '-Dkubernetes.namespace=flink-staging',
      `-Dkubernetes.container.image.ref=ghcr.io/flinkship/log-cleaner@${DIGEST}`,
      '-Dkubernetes.service-account=log-cleaner-flink',
      '-Dkubernetes.rest-service.exposed.type=ClusterIP',
      '-Djobmanager.memory.process.size=1024m',
      '-Dkubernetes.jobmanager.cpu.amount=0.5',
      '-Dparallelism.default=1',
      '-Dhigh-availability.type=kubernetes',
      '-Dexecution.checkpointing.interval=10s',
    ]) {
      expect(argv).toContain(d);
    }
    const jar = argv.indexOf('local:///opt/flink/usrlib/log-cleaner.jar');
    expect(argv.slice(jar - 2, jar)).toEqual(['-c', 'dev.flinkship.logcleaner.LogCleanerJob']);
    expect(argv.slice(jar + 1)).toEqual(loadSpec(FIXTURE).spec.job.args);
  });

  it('gives the JobManager a namespaced Role with exactly the rules it needs, never a ClusterRole', () => {
    expect(p.kubernetes.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ServiceAccount/log-cleaner-flink',
      'Role/log-cleaner-flink',
      'RoleBinding/log-cleaner-flink',
      'ServiceAccount/log-cleaner-flink-taskmanager',
      'Role/log-cleaner-flink-taskmanager',
      'RoleBinding/log-cleaner-flink-taskmanager',
      'ServiceAccount/log-cleaner-deployer',
      'Role/log-cleaner-deployer',
      'RoleBinding/log-cleaner-deployer',
      'Lease/log-cleaner-flinkship',
    ]);
    const role = p.kubernetes.find((o) => o.kind === 'Role')!;
    expect(role.metadata.namespace).toBe('flink-staging');
    expect(role.rules).toEqual([
      {
        apiGroups: [''],
        resources: ['pods', 'configmaps'],
        verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
      },
      { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get'] },
    ]);
    const binding = p.kubernetes.find((o) => o.kind === 'RoleBinding')!;
    expect(binding.roleRef).toEqual({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'Role',
      name: 'log-cleaner-flink',
    });
  });

  it('creates the namespace only where the environment asks for it', () => {
    const integration = plan(loadSpec(FIXTURE), 'integration');
    expect(integration.kubernetes[0]).toMatchObject({
      kind: 'Namespace',
      metadata: { name: 'flink-integration' },
    });
  });

  it('changes the config hash with the configuration, not with the image', () => {
    const other = plan(loadSpec(FIXTURE), 'staging', {
      image: `ghcr.io/flinkship/log-cleaner@sha256:${'cd'.repeat(32)}`,
    });
    expect(other.configHash).toBe(p.configHash);
    expect(plan(loadSpec(FIXTURE), 'production').configHash).not.toBe(p.configHash);
  });
});

describe('plan for Flink 2.x', () => {
  const p = plan(loadSpec(FLINK2), 'production', {
    image: `registry.example.com/data/orders-enricher@${DIGEST}`,
  });

  it('writes the nested config.yaml that 2.x reads', () => {
    expect(p.flinkConfiguration.file.name).toBe('config.yaml');
    const conf = parse(p.flinkConfiguration.file.content);
    expect(conf.kubernetes['cluster-id']).toBe('orders-enricher');
    expect(conf['high-availability']).toEqual({
      type: 'kubernetes',
      storageDir: 's3://flink-state/production/ha',
    });
    expect(conf.state.backend).toEqual({ type: 'rocksdb', incremental: 'true' });
    expect(conf.state.savepoints).toEqual({ dir: 's3://flink-state/production/savepoints' });
    expect(conf['restart-strategy']).toEqual({ type: 'fixed-delay' });
  });

  it('builds a Dockerfile whose last layer is the job jar, owned by flink (9999)', () => {
    const lines = p.build.dockerfile.trimEnd().split('\n');
    expect(lines[1]).toBe(
      `FROM flink:2.1.1-scala_2.12-java17@sha256:4f2b8c1f0e7d6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b`,
    );
    expect(lines.at(-1)).toBe(
      'COPY --chown=9999:9999 usrlib/orders-enricher-all.jar /opt/flink/usrlib/orders-enricher-all.jar',
    );
    expect(lines.at(-2)).toBe('USER 9999:9999');
    expect(p.build.context).toEqual([
      { path: 'Dockerfile' },
      { path: 'lib/postgresql-42.7.4.jar', source: 'lib/postgresql-42.7.4.jar' },
      { path: 'files/0/hadoop', source: 'conf/hadoop' },
      { path: 'usrlib/orders-enricher-all.jar', source: 'build/libs/orders-enricher-all.jar' },
    ]);
    expect(p.build.dockerfile).toContain('for plugin in flink-s3-fs-presto; do');
    expect(p.build.dockerfile).toContain('ENV HADOOP_CONF_DIR="/opt/hadoop/conf" \\\n    TZ="UTC"');
  });

  it('merges the environment over the top level and substitutes {env}', () => {
    expect(p.flinkConfiguration.entries['parallelism.default']).toBe('8');
    expect(p.flinkConfiguration.entries['jobmanager.memory.process.size']).toBe('2048m');
    expect(p.flinkConfiguration.entries['kubernetes.taskmanager.cpu.amount']).toBe('1.5');
    expect(p.flinkConfiguration.entries['kubernetes.jobmanager.replicas']).toBe('2');
    const staging = plan(loadSpec(FLINK2), 'staging');
    expect(staging.clusterId).toBe('orders-staging');
    expect(staging.flinkConfiguration.entries['kubernetes.jobmanager.replicas']).toBe('1');
    expect(staging.flinkConfiguration.entries['restart-strategy.type']).toBe('exponential-delay');
  });

  it('submits with run --target kubernetes-application, never run-application (removed in 2.0)', () => {
    expect(p.client.argv.slice(0, 3)).toEqual(['run', '--target', 'kubernetes-application']);
    expect(p.client.argv).not.toContain('run-application');
  });

  it('passes the pod template as a file in the client work dir', () => {
    expect(p.podTemplate?.path).toBe('/flinkship/pod-template.yaml');
    expect(parse(p.podTemplate!.content)).toMatchObject({ apiVersion: 'v1', kind: 'Pod' });
    expect(p.client.argv).toContain('-Dkubernetes.pod-template-file.default=/flinkship/pod-template.yaml');
  });
});

describe('plan input errors', () => {
  it('names the unknown environment and the valid ones', () => {
    expect(() => plan(loadSpec(FIXTURE), 'stagign')).toThrow(
      '<flags>: --env: found "stagign" (did you mean "staging"?); valid: integration, preview, staging, production',
    );
  });

  it('refuses an image reference that does not parse', () => {
    const err = (() => {
      try {
        plan(loadSpec(FIXTURE), 'staging', { image: 'Not A Ref' });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).issues[0]!.field).toBe('--image');
  });
});

describe('nest', () => {
  it('nests dotted keys and keeps a key that is also a prefix flat', () => {
    expect(nest({ 'a.b.c': 1, 'a.b.d': 2, x: 'y', 'p.q': 1, p: 2 })).toEqual({
      a: { b: { c: 1, d: 2 } },
      x: 'y',
      'p.q': 1,
      p: 2,
    });
  });
});
