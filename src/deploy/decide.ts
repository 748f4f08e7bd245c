// What a deploy checks and needs before it acts: the image reference, and the permissions (checked by
// SelfSubjectAccessReview before any write). Which way a deploy goes is release/decide.ts.
import type { Permission } from '../executors/kube.js';
import type { PolicyRule } from '../plan/kubernetes.js';
import { rulePermissions } from './accounts.js';
import type { Plan } from '../plan/plan.js';
import { IMAGE_REF_HINT, parseImageRef } from '../util/imageRef.js';

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
