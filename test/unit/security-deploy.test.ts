// Least privilege of a deploy, without I/O: the image the Flink client runs from (never the job image
// unless the user opts in), the container it runs in, and the deployer's narrowed Role.
import { describe, expect, it } from 'vitest';
import { chooseClient, clientImageProblem, OFFICIAL_CLIENT_IMAGES } from '../../src/deploy/clientImage.js';
import { deployPermissions } from '../../src/deploy/decide.js';
import { deployerObjects } from '../../src/deploy/deployer.js';
import { clientRunRequest } from '../../src/executors/flinkClient.js';
import { isRunScoped } from '../../src/plan/kubernetes.js';
import { plan, type Plan } from '../../src/plan/plan.js';
import { loadSpec, parseSpec } from '../../src/spec/load.js';
import { InputError } from '../../src/util/errors.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const JOB_IMAGE = `ghcr.io/flinkship/log-cleaner@${DIGEST}`;
const TRUSTED = `registry.example.com/mirror/flink@sha256:${'cd'.repeat(32)}`;
const FIXTURE = 'fixtures/log-cleaner/flinkship.yaml';

describe('the image the Flink client runs from', () => {
  it('is the official image of the Flink version by default, pinned by digest, never the job image', () => {
    expect(chooseClient({ flinkVersion: '1.20' })).toEqual({
      from: 'image',
      image:
        'flink:1.20.5-scala_2.12-java17@sha256:a0fcd5400842d794f9a1b6292a148db1b3ca217bcf68741cc538e8bc9bc0b5ae',
      byDigest: true,
      source: 'the official image of Flink 1.20',
    });
    expect(Object.keys(OFFICIAL_CLIENT_IMAGES)).toEqual(['1.19', '1.20', '2.0', '2.1', '2.2', '2.3']);
  });

  it('resolves a Flink version with no pinned official image to the digest the engine pulls', () => {
    expect(chooseClient({ flinkVersion: '2.0' })).toEqual({
      from: 'image',
      image: 'flink:2.0.1-scala_2.12-java17',
      byDigest: false,
      source: 'the official image of Flink 2.0',
    });
  });

  it('is --client-image over deploy.clientImage, and the job image only when one of them says "job"', () => {
    const flag = { value: TRUSTED, label: '--client-image' };
    const spec = { value: 'job', label: 'flinkship.yaml: deploy.clientImage' };
    expect(chooseClient({ flinkVersion: '1.20', flag, spec })).toEqual({
      from: 'image',
      image: TRUSTED,
      byDigest: true,
      source: '--client-image',
    });
    expect(chooseClient({ flinkVersion: '1.20', spec })).toEqual({
      from: 'job-image',
      source: 'flinkship.yaml: deploy.clientImage',
    });
    expect(chooseClient({ flinkVersion: '1.20', flag, flinkHome: '/opt/flink' })).toEqual({
      from: 'home',
      dir: '/opt/flink',
    });
  });

  it('refuses an image that is not pinned by digest, saying why', () => {
    expect(clientImageProblem('job')).toBeUndefined();
    expect(clientImageProblem(TRUSTED)).toBeUndefined();
    expect(clientImageProblem('flink:1.20')).toBe(
      `found "flink:1.20", which is not pinned by digest; expected "job" (run the client from the job image) or a trusted Flink image by digest, such as flink@sha256:<64 hex digits>: the client holds the deployer's token, so the image it runs must not move`,
    );
    expect(clientImageProblem('Flink Latest')).toMatch(
      /^found "Flink Latest"; expected "job" \(run the client/,
    );
  });

  it('runs `docker run` of the trusted image with only the work directory mounted, read-only', () => {
    const run = {
      argv: ['run-application', '--target', 'kubernetes-application', 'local:///opt/flink/usrlib/job.jar'],
      hostWorkDir: '/tmp/flinkship-client-x',
      clientWorkDir: '/flinkship',
      timeoutMs: 60_000,
    };
    const labels = { 'app.kubernetes.io/component': 'flink-client' };
    expect(
      clientRunRequest(
        { image: TRUSTED, name: 'flinkship-client-log-cleaner-0a1b', labels, user: '9999:9999' },
        run,
      ),
    ).toEqual({
      image: TRUSTED,
      name: 'flinkship-client-log-cleaner-0a1b',
      labels,
      cmd: [
        'flink',
        'run-application',
        '--target',
        'kubernetes-application',
        'local:///opt/flink/usrlib/job.jar',
      ],
      user: '9999:9999',
      binds: ['/tmp/flinkship-client-x:/flinkship:ro'],
      networkMode: 'host',
      timeoutMs: 60_000,
    });
  });
});

describe("the deployer's Role", () => {
  const p = plan(loadSpec(FIXTURE), 'staging', { image: JOB_IMAGE });

  it('holds only what the Flink client does, on the cluster-id names wherever Kubernetes allows', () => {
    const role = deployerObjects(p).find((o) => o.kind === 'Role');
    expect(role?.rules).toEqual([
      { apiGroups: ['apps'], resources: ['deployments'], verbs: ['create'] },
      {
        apiGroups: ['apps'],
        resources: ['deployments'],
        resourceNames: ['log-cleaner'],
        verbs: ['get', 'delete'],
      },
      { apiGroups: [''], resources: ['services', 'configmaps'], verbs: ['create'] },
      {
        apiGroups: [''],
        resources: ['services'],
        resourceNames: ['log-cleaner-rest', 'log-cleaner'],
        verbs: ['get'],
      },
      {
        apiGroups: [''],
        resources: ['configmaps'],
        resourceNames: ['flink-config-log-cleaner', 'pod-template-log-cleaner'],
        verbs: ['get'],
      },
    ]);
  });

  it('is deleted by the user at the end of the run, so preflight checks that the user may delete it', () => {
    const names = deployPermissions(p).map((x) => `${x.verb} ${x.group}/${x.resource}`);
    expect(names).toEqual(
      expect.arrayContaining([
        'delete /serviceaccounts',
        'delete rbac.authorization.k8s.io/roles',
        'delete rbac.authorization.k8s.io/rolebindings',
      ]),
    );
  });
});

const SPEC = `name: orders
flinkVersion: '1.20'
image:
  repository: registry.example.com/data/orders
job:
  jar: orders.jar
environments:
  staging:
    namespace: flink-staging
`;

function issuesOf(text: string): string[] {
  try {
    parseSpec(text, 'flinkship.yaml', '.');
  } catch (err) {
    if (err instanceof InputError) return err.message.split('\n');
    throw err;
  }
  return [];
}

describe('the ServiceAccounts of the JobManager and the TaskManagers', () => {
  const kinds = (p: Plan) =>
    p.kubernetes.filter((o) => !isRunScoped(o)).map((o) => `${o.kind}/${o.metadata.name}`);

  it('gives the TaskManagers their own account, with only configmaps get/list/watch and only with HA', () => {
    const withHa = plan(loadSpec(FIXTURE), 'staging', { image: JOB_IMAGE });
    expect(kinds(withHa)).toEqual([
      'ServiceAccount/log-cleaner-flink',
      'Role/log-cleaner-flink',
      'RoleBinding/log-cleaner-flink',
      'ServiceAccount/log-cleaner-flink-taskmanager',
      'Role/log-cleaner-flink-taskmanager',
      'RoleBinding/log-cleaner-flink-taskmanager',
    ]);
    expect(
      withHa.kubernetes.find((o) => o.metadata.name === 'log-cleaner-flink-taskmanager' && o.kind === 'Role')
        ?.rules,
    ).toEqual([{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] }]);
    expect(withHa.flinkConfiguration.entries).toMatchObject({
      'kubernetes.service-account': 'log-cleaner-flink',
      'kubernetes.taskmanager.service-account': 'log-cleaner-flink-taskmanager',
    });
    const withoutHa = plan(parseSpec(SPEC, 'flinkship.yaml', '.'), 'staging', { image: JOB_IMAGE });
    expect(kinds(withoutHa)).toEqual([
      'ServiceAccount/orders-flink',
      'Role/orders-flink',
      'RoleBinding/orders-flink',
      'ServiceAccount/orders-flink-taskmanager',
    ]);
  });

  it('leaves a named existing account out of the plan and runs the process as it; annotates the ones it owns', () => {
    const text = `${SPEC.replace(
      'environments:',
      `jobManager:
  serviceAccount: acme-jobmanager
taskManager:
  serviceAccountAnnotations:
    eks.amazonaws.com/role-arn: arn:aws:iam::123456789012:role/orders
environments:`,
    )}`;
    const p = plan(parseSpec(text, 'flinkship.yaml', '.'), 'staging', { image: JOB_IMAGE });
    expect(kinds(p)).toEqual(['ServiceAccount/orders-flink-taskmanager']);
    expect(p.kubernetes[0]!.metadata.annotations).toEqual({
      'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/orders',
    });
    expect(p.flinkConfiguration.entries).toMatchObject({
      'kubernetes.service-account': 'acme-jobmanager',
      'kubernetes.taskmanager.service-account': 'orders-flink-taskmanager',
    });
  });

  it('sets image pull secrets as Flink 1.x and 2.x each read a list', () => {
    const text = SPEC.replace('  repository:', '  pullSecrets: [regcred, mirror-creds]\n  repository:');
    const p1 = plan(parseSpec(text, 'flinkship.yaml', '.'), 'staging', { image: JOB_IMAGE });
    expect(p1.flinkConfiguration.entries['kubernetes.container.image.pull-secrets']).toBe(
      'regcred;mirror-creds',
    );
    const p2 = plan(parseSpec(text.replace("'1.20'", "'2.2'"), 'flinkship.yaml', '.'), 'staging', {
      image: JOB_IMAGE,
    });
    expect(p2.flinkConfiguration.entries['kubernetes.container.image.pull-secrets']).toBe(
      '[regcred, mirror-creds]',
    );
  });

  it('refuses, at file:line:col, what cannot hold', () => {
    const text = `name: orders
flinkVersion: '1.20'
image:
  repository: registry.example.com/data/orders
  pullSecrets: ['regcred;other']
job:
  jar: orders.jar
deploy:
  clientImage: flink:1.20
flinkConfiguration:
  kubernetes.taskmanager.service-account: default
jobManager:
  serviceAccount: acme-jm
  serviceAccountAnnotations: { iam.gke.io/gcp-service-account: orders@acme.iam.gserviceaccount.com }
environments:
  staging:
    namespace: flink-staging
    serviceAccount: orders-jm
`;
    expect(issuesOf(text)).toEqual([
      'flinkship.yaml:5:17: image.pullSecrets[0]: found "regcred;other"; expected the name of a Secret of type kubernetes.io/dockerconfigjson in the job\'s namespace',
      'flinkship.yaml:9:16: deploy.clientImage: found "flink:1.20", which is not pinned by digest; expected "job" (run the client from the job image) or a trusted Flink image by digest, such as flink@sha256:<64 hex digits>: the client holds the deployer\'s token, so the image it runs must not move',
      'flinkship.yaml:11:3: flinkConfiguration["kubernetes.taskmanager.service-account"]: "kubernetes.taskmanager.service-account" is set by flinkship from taskManager.serviceAccount; remove it here and use that field instead',
      'flinkship.yaml:14:3: jobManager.serviceAccountAnnotations: jobManager.serviceAccount names the existing ServiceAccount "acme-jm", which Flinkship leaves untouched, so it cannot annotate it; annotate that account yourself, or remove jobManager.serviceAccount and Flinkship creates one with these annotations',
      'flinkship.yaml:18:5: environments.staging.serviceAccount: found "orders-jm", the name of the JobManager account Flinkship creates, but jobManager.serviceAccount names the existing account "acme-jm" for this environment; keep one of them',
    ]);
  });
});
