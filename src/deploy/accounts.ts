// ServiceAccounts the spec names (jobManager.serviceAccount, taskManager.serviceAccount) belong to the
// user: Flinkship never writes them, so before a deploy writes anything it checks that each exists and
// holds what its Flink process needs, by LocalSubjectAccessReview, and warns when a TaskManager account
// may manage pods (TaskManagers run user code).
import { locateSpecField } from '../build/locate.js';
import { describePermission, type Kube, type Permission } from '../executors/kube.js';
import { processAccounts, type PolicyRule, type ProcessAccount } from '../plan/kubernetes.js';
import type { LoadedSpec, ResolvedEnvironment } from '../spec/types.js';
import type { Ui } from '../ui/ui.js';
import type { InputIssue } from '../util/errors.js';

export function rulePermissions(rules: PolicyRule[], namespace: string): Permission[] {
  return rules.flatMap((r) =>
    r.apiGroups.flatMap((group) =>
      r.resources.flatMap((resource) => r.verbs.map((verb) => ({ verb, group, resource, namespace }))),
    ),
  );
}

/** The accounts of the environment that Flinkship does not own, with the spec field naming each. */
export function namedAccounts(
  env: ResolvedEnvironment,
): { field: 'jobManager' | 'taskManager'; account: ProcessAccount }[] {
  const accounts = processAccounts(env);
  return (['jobManager', 'taskManager'] as const)
    .filter((field) => !accounts[field].owned)
    .map((field) => ({ field, account: accounts[field] }));
}

/** What checking the named accounts takes from the user: reading them, and asking the API server about them. */
export function namedAccountPermissions(env: ResolvedEnvironment): Permission[] {
  if (namedAccounts(env).length === 0) return [];
  return [
    { verb: 'get', group: '', resource: 'serviceaccounts', namespace: env.namespace },
    {
      verb: 'create',
      group: 'authorization.k8s.io',
      resource: 'localsubjectaccessreviews',
      namespace: env.namespace,
    },
  ];
}

const PROCESS = { jobManager: 'the JobManager', taskManager: 'the TaskManagers' } as const;
const NEED = { jobManager: 'the JobManager needs', taskManager: 'the TaskManagers need' } as const;

/** Issues (at the spec field) for named accounts that are missing or lack rights; warnings for too many. */
export async function checkNamedAccounts(
  kube: Kube,
  loaded: LoadedSpec,
  env: ResolvedEnvironment,
  ui: Ui,
): Promise<InputIssue[]> {
  const issues: InputIssue[] = [];
  for (const { field, account } of namedAccounts(env)) {
    const spec = locateSpecField(loaded, env.name, [field, 'serviceAccount']);
    const at = { file: loaded.file, field: spec.name, ...spec.at };
    const where = `ServiceAccount ${env.namespace}/${account.name}`;
    const exists = await kube.get({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      name: account.name,
      namespace: env.namespace,
    });
    if (!exists) {
      issues.push({
        ...at,
        message: `${where} does not exist (nothing was changed); create it, or leave ${spec.name} out and Flinkship creates and owns an account for ${PROCESS[field]}`,
      });
      continue;
    }
    const subject = {
      user: `system:serviceaccount:${env.namespace}:${account.name}`,
      groups: ['system:serviceaccounts', `system:serviceaccounts:${env.namespace}`, 'system:authenticated'],
    };
    const needed = rulePermissions(account.rules, env.namespace);
    const missing = await kube.missingPermissions(needed, subject);
    if (missing.length) {
      issues.push({
        ...at,
        message: `${where} lacks ${missing.length} of the ${needed.length} permissions ${NEED[field]} (nothing was changed): ${missing.map(describePermission).join('; ')}. Flinkship leaves a named account as it is: grant them with a Role and RoleBinding in ${env.namespace}`,
      });
      continue;
    }
    if (field === 'taskManager') {
      const podVerbs = ['create', 'delete'].map((verb) => ({
        verb,
        group: '',
        resource: 'pods',
        namespace: env.namespace,
      }));
      const excess = podVerbs.length - (await kube.missingPermissions(podVerbs, subject)).length;
      if (excess > 0) {
        ui.warning(
          `${where} (${spec.name}) may create or delete pods: the TaskManagers run the job's code, which then may too. They need only configmaps get, list, watch (with Kubernetes HA)`,
        );
      }
    }
    ui.info(
      `${where} (${spec.name}): exists, and holds the ${needed.length} permissions ${NEED[field]} (SubjectAccessReview)`,
    );
  }
  return issues;
}
