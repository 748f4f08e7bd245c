// What a deploy does, decided from (desired plan, observed record) alone: pure, so every branch is a
// unit test. State is never dropped silently: a change to a stateful job is refused until stateful
// upgrades exist.
import type { Permission } from '../executors/kube.js';
import type { PolicyRule } from '../plan/kubernetes.js';
import { rulePermissions } from './accounts.js';
import type { Plan } from '../plan/plan.js';
import type { UpgradeMode } from '../spec/types.js';
import { IMAGE_REF_HINT, parseImageRef } from '../util/imageRef.js';
import type { DeploymentRecord, ObservedRecord } from './record.js';

export type DeployDecision =
  | { action: 'create' }
  | { action: 'unchanged'; record: DeploymentRecord }
  | { action: 'replace'; reason: string }
  | { action: 'refuse'; reason: string };

export interface Desired {
  clusterId: string;
  namespace: string;
  environment: string;
  image: string;
  configHash: string;
  upgradeMode: UpgradeMode;
}

export interface Observed {
  /** The JobManager Deployment `<cluster-id>` exists. */
  exists: boolean;
  record: ObservedRecord;
}

function short(hash: string): string {
  return hash.replace(/^sha256:/, '').slice(0, 12);
}

/** Why the deployed cluster differs from the desired one; undefined when it does not. */
export function difference(desired: Desired, record: ObservedRecord): string | undefined {
  if (record.state === 'absent') {
    return 'it has no deployment record (not deployed by Flinkship, or an earlier deploy stopped before recording)';
  }
  if (record.state === 'unreadable') return `its deployment record is unreadable: ${record.reason}`;
  const changes: string[] = [];
  if (record.record.image !== desired.image) changes.push(`image ${record.record.image} → ${desired.image}`);
  if (record.record.configHash !== desired.configHash) {
    changes.push(`config ${short(record.record.configHash)} → ${short(desired.configHash)}`);
  }
  return changes.length ? changes.join('; ') : undefined;
}

export function decideDeploy(desired: Desired, observed: Observed): DeployDecision {
  if (!observed.exists) return { action: 'create' };
  const diff = difference(desired, observed.record);
  if (diff === undefined && observed.record.state === 'present') {
    return { action: 'unchanged', record: observed.record.record };
  }
  const what = `${desired.namespace}/${desired.clusterId}`;
  if (desired.upgradeMode === 'stateless') {
    return { action: 'replace', reason: `${what} changes: ${diff}` };
  }
  return {
    action: 'refuse',
    reason:
      `${what} is already deployed and ${diff}. Its upgradeMode is ${desired.upgradeMode}, and upgrades that carry ` +
      `state over (stop with a savepoint, then resubmit from it) are not implemented yet, so Flinkship will not ` +
      `replace the running job: its state would be lost. Nothing was changed. To go ahead, either take a savepoint and ` +
      `remove the cluster with \`flinkship delete --env ${desired.environment}\` and deploy again, or set ` +
      `upgradeMode: stateless for environment ${desired.environment} if its state may be dropped.`,
  };
}

/** The image checks: a digest is required, except in the integration and preview environments. */
export function imageProblem(image: string, tagAllowed: boolean): string | undefined {
  const ref = parseImageRef(image);
  if (!ref) return `found "${image}"; expected ${IMAGE_REF_HINT}`;
  if (ref.digest === undefined && !tagAllowed) {
    return `found "${image}", which is a tag: deploy by digest (${ref.repository}@sha256:...), as the build outputs it; a tag can move, a digest cannot (tags are accepted only in the integration and preview environments)`;
  }
  return undefined;
}

/**
 * What holding the deploy lease needs (deploy/lease.ts): create it, read it, take over an expired one
 * (update), wait for another holder's (list and watch), release it (delete).
 */
export const LEASE_VERBS = ['get', 'list', 'watch', 'create', 'update', 'delete'];

/**
 * Everything deploy does with the deployer's own credentials, plus the rules of the Roles it grants
 * (RBAC lets a user grant only what they hold). Checked by SelfSubjectAccessReview before any write.
 */
export function deployPermissions(plan: Plan): Permission[] {
  const ns = plan.namespace;
  const own: Permission[] = [];
  if (plan.kubernetes.some((o) => o.kind === 'Namespace')) {
    for (const verb of ['get', 'create', 'patch']) own.push({ verb, group: '', resource: 'namespaces' });
  }
  // delete: the deployer's account is removed when the run ends.
  for (const verb of ['get', 'create', 'patch', 'delete']) {
    own.push({ verb, group: '', resource: 'serviceaccounts', namespace: ns });
    own.push({ verb, group: 'rbac.authorization.k8s.io', resource: 'roles', namespace: ns });
    own.push({ verb, group: 'rbac.authorization.k8s.io', resource: 'rolebindings', namespace: ns });
  }
  own.push(
    { verb: 'create', group: '', resource: 'serviceaccounts', subresource: 'token', namespace: ns },
    { verb: 'get', group: '', resource: 'services', subresource: 'proxy', namespace: ns },
    { verb: 'get', group: '', resource: 'pods', subresource: 'log', namespace: ns },
    { verb: 'list', group: '', resource: 'events', namespace: ns },
    ...LEASE_VERBS.map((verb) => ({ verb, group: 'coordination.k8s.io', resource: 'leases', namespace: ns })),
    // The release lifecycle (release/): the history Secret, the JobManager Deployment it annotates and
    // removes, the HA ConfigMaps it reads, strips (last-state) and removes.
    ...['get', 'create', 'patch'].map((verb) => ({ verb, group: '', resource: 'secrets', namespace: ns })),
    ...['get', 'patch', 'delete'].map((verb) => ({
      verb,
      group: 'apps',
      resource: 'deployments',
      namespace: ns,
    })),
    ...['list', 'update', 'delete'].map((verb) => ({
      verb,
      group: '',
      resource: 'configmaps',
      namespace: ns,
    })),
  );
  // Every Role of the plan: the deployer's, the JobManager's and the TaskManagers' (when Flinkship owns
  // them), without their resourceNames: the user must hold them for the whole kind.
  const granted = plan.kubernetes.flatMap((o) => (o.kind === 'Role' ? (o.rules as PolicyRule[]) : []));
  return dedupe([...own, ...rulePermissions(granted, ns)]);
}

function dedupe(permissions: Permission[]): Permission[] {
  const seen = new Map<string, Permission>();
  for (const p of permissions) {
    seen.set(`${p.verb} ${p.group}/${p.resource}/${p.subresource ?? ''} ${p.namespace ?? ''}`, p);
  }
  return [...seen.values()];
}
