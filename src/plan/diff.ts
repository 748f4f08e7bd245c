// The difference between two plans of one environment (the base branch's and the pull request's), for
// people reviewing a change the way they read a Terraform plan: Flink configuration keys added, removed
// and changed; resources; RBAC rules; the image; the upgrade settings; and what a deploy of the change
// would do. Pure; the values are the plans', so secret values are already ******.
import type { Plan } from './plan.js';

export type DeployEffect =
  /** Nothing deployed changes but the image the build makes. */
  | 'image only'
  | 'create'
  | 'remove'
  /** Delete and submit again (stateless). */
  | 'stateless replace'
  | 'savepoint upgrade'
  | 'last-state upgrade';

export interface KeyChange {
  key: string;
  from?: string;
  to?: string;
}

export interface EnvironmentDiff {
  environment: string;
  status: 'added' | 'removed' | 'changed' | 'unchanged';
  effect: DeployEffect;
  /** One line: why the effect. */
  why: string;
  /** Changed settings of the job itself: Flink version, cluster-id, namespace, upgrade mode, image repository, base image. */
  settings: KeyChange[];
  /** Resource keys (memory, cpu, replicas, slots, parallelism), apart from the rest of the configuration. */
  resources: KeyChange[];
  configuration: KeyChange[];
  /** Rules of the Roles the plan applies, as one line each. */
  rbac: { added: string[]; removed: string[] };
  /** The health gate and upgrade settings. */
  release: KeyChange[];
  podTemplateChanged: boolean;
  dockerfileChanged: boolean;
  /** The configuration hash changed although no shown value did: a secret value or a file changed. */
  hiddenChange: boolean;
  /** A SQL job's statements that the change removes and adds (whitespace and comments aside), in script order. */
  sql?: { removed: SqlLine[]; added: SqlLine[] };
}

export interface SqlLine {
  line: number;
  text: string;
}

type Statement = NonNullable<Plan['sql']>['statements'][number];

/**
 * Statements of `from` that `to` does not hold (as many times), in `from`'s order, compared by the hash
 * of the statement as written: a changed secret value shows as a change, its value as ******.
 */
function missingFrom(from: Statement[], to: Statement[]): SqlLine[] {
  const left = new Map<string, number>();
  for (const s of to) left.set(s.hash, (left.get(s.hash) ?? 0) + 1);
  return from
    .filter((s) => {
      const n = left.get(s.hash) ?? 0;
      if (n > 0) left.set(s.hash, n - 1);
      return n === 0;
    })
    .map((s) => ({ line: s.line, text: s.text }));
}

function sqlChanges(base: Plan, head: Plan): EnvironmentDiff['sql'] {
  if (!base.sql && !head.sql) return undefined;
  const b = base.sql?.statements ?? [];
  const h = head.sql?.statements ?? [];
  return { removed: missingFrom(b, h), added: missingFrom(h, b) };
}

const RESOURCE_KEY =
  /(^|\.)(memory\.process\.size|memory\.flink\.size|cpu(\.amount)?|replicas|numberOfTaskSlots|parallelism\.default)$/;

function changes(from: Record<string, string>, to: Record<string, string>): KeyChange[] {
  const keys = [...new Set([...Object.keys(from), ...Object.keys(to)])].sort();
  return keys
    .filter((k) => from[k] !== to[k])
    .map((key) => ({
      key,
      ...(from[key] !== undefined ? { from: from[key] } : {}),
      ...(to[key] !== undefined ? { to: to[key] } : {}),
    }));
}

function settingsOf(p: Plan): Record<string, string> {
  return {
    flinkVersion: p.flinkVersion,
    clusterId: p.clusterId,
    namespace: p.namespace,
    ...(p.context ? { context: p.context } : {}),
    upgradeMode: p.upgradeMode,
    'image.repository': p.image.repository,
    'image.base': p.build.from,
  };
}

function releaseOf(p: Plan): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(p.release.upgrade))
    if (v !== undefined) out[`upgrade.${k}`] = String(v);
  for (const [k, v] of Object.entries(p.release.health)) out[`health.${k}`] = String(v);
  return out;
}

function rulesOf(p: Plan): string[] {
  const lines: string[] = [];
  for (const o of p.kubernetes) {
    if (o.kind !== 'Role' && o.kind !== 'ClusterRole') continue;
    const rules = (o.rules ?? []) as {
      apiGroups?: string[];
      resources?: string[];
      resourceNames?: string[];
      verbs?: string[];
    }[];
    for (const r of rules) {
      const group = (r.apiGroups ?? ['']).map((g) => g || 'core').join(',');
      const names = r.resourceNames?.length ? ` named ${r.resourceNames.join(',')}` : '';
      lines.push(
        `${o.kind} ${o.metadata.name}: ${(r.verbs ?? []).join(',')} ${group}/${(r.resources ?? []).join(',')}${names}`,
      );
    }
  }
  return lines.sort();
}

function split(p: Plan | undefined): { resources: Record<string, string>; rest: Record<string, string> } {
  const resources: Record<string, string> = {};
  const rest: Record<string, string> = {};
  for (const [k, v] of Object.entries(p?.flinkConfiguration.entries ?? {})) {
    (RESOURCE_KEY.test(k) ? resources : rest)[k] = v;
  }
  return { resources, rest };
}

/** What a deploy of `head` does to a cluster running `base`, as the release lifecycle decides it. */
function effectOf(base: Plan, head: Plan, sqlChanged: boolean): { effect: DeployEffect; why: string } {
  if (base.configHash === head.configHash && !sqlChanged) {
    return { effect: 'image only', why: 'the configuration is the same: only a new image redeploys' };
  }
  if (base.clusterId !== head.clusterId || base.namespace !== head.namespace) {
    return {
      effect: 'create',
      why: `the job moves to ${head.namespace}/${head.clusterId}: a new cluster, the old one is left (delete it with flinkship delete)`,
    };
  }
  const mode = head.upgradeMode;
  const sqlState =
    'the state restores where the changed SQL keeps the stateful operators (sql-runner/README.md says which changes do)';
  // Only the SQL changes (the hash leaves out the runner's --sha256 of the script).
  const onlySql = sqlChanged && base.configHash === head.configHash;
  if (onlySql && mode === 'savepoint') {
    return {
      effect: 'savepoint upgrade',
      why: `the SQL changes: stopped with a savepoint, submitted from it; ${sqlState}`,
    };
  }
  if (onlySql && mode === 'last-state' && base.flinkVersion === head.flinkVersion) {
    return {
      effect: 'last-state upgrade',
      why: `the SQL changes: upgradeMode last-state, resubmitted from the HA checkpoints, with a savepoint first as the rollback point; ${sqlState}`,
    };
  }
  if (mode === 'stateless')
    return {
      effect: 'stateless replace',
      why: 'upgradeMode stateless: deleted and submitted again, without state',
    };
  if (mode === 'last-state' && base.flinkVersion === head.flinkVersion) {
    return {
      effect: 'last-state upgrade',
      why: 'upgradeMode last-state: resubmitted from the HA checkpoints, with a savepoint first as the rollback point',
    };
  }
  return {
    effect: 'savepoint upgrade',
    why:
      mode === 'last-state'
        ? `the Flink version changes (${base.flinkVersion} → ${head.flinkVersion}): always through a savepoint`
        : 'upgradeMode savepoint: stopped with a savepoint, submitted from it',
  };
}

/** The Dockerfile without its header comment, which names the spec file (the base's is `<ref>:<path>`). */
function dockerfileBody(p: Plan): string {
  return p.build.dockerfile.replace(/^# Generated by flinkship from .*\n/, '');
}

export function diffPlans(
  environment: string,
  base: Plan | undefined,
  head: Plan | undefined,
): EnvironmentDiff {
  const empty = {
    settings: [],
    resources: [],
    configuration: [],
    rbac: { added: [], removed: [] },
    release: [],
  };
  if (!base && !head) throw new Error(`no plan of ${environment} on either side`);
  if (!base || !head) {
    const only = (base ?? head)!;
    const b = base ? split(base) : { resources: {}, rest: {} };
    const h = head ? split(head) : { resources: {}, rest: {} };
    return {
      environment,
      status: head ? 'added' : 'removed',
      effect: head ? 'create' : 'remove',
      why: head
        ? `${environment} is new: its first deploy creates ${only.namespace}/${only.clusterId}`
        : `${environment} is gone from the spec: nothing deletes ${only.namespace}/${only.clusterId} by itself (flinkship delete does)`,
      ...empty,
      settings: changes(base ? settingsOf(base) : {}, head ? settingsOf(head) : {}),
      resources: changes(b.resources, h.resources),
      configuration: changes(b.rest, h.rest),
      rbac: { added: head ? rulesOf(head) : [], removed: base ? rulesOf(base) : [] },
      podTemplateChanged: false,
      dockerfileChanged: false,
      hiddenChange: false,
    };
  }
  const b = split(base);
  const h = split(head);
  const baseRules = rulesOf(base);
  const headRules = rulesOf(head);
  const diff = {
    settings: changes(settingsOf(base), settingsOf(head)),
    resources: changes(b.resources, h.resources),
    configuration: changes(b.rest, h.rest),
    rbac: {
      added: headRules.filter((r) => !baseRules.includes(r)),
      removed: baseRules.filter((r) => !headRules.includes(r)),
    },
    release: changes(releaseOf(base), releaseOf(head)),
    podTemplateChanged: base.podTemplate?.content !== head.podTemplate?.content,
    dockerfileChanged: dockerfileBody(base) !== dockerfileBody(head),
  };
  const shown =
    diff.settings.length +
    diff.resources.length +
    diff.configuration.length +
    diff.rbac.added.length +
    diff.rbac.removed.length +
    diff.release.length +
    (diff.podTemplateChanged ? 1 : 0) +
    (diff.dockerfileChanged ? 1 : 0);
  const hashChanged = base.configHash !== head.configHash;
  const sql = sqlChanges(base, head);
  const sqlChanged = sql !== undefined && sql.removed.length + sql.added.length > 0;
  return {
    environment,
    status: shown > 0 || hashChanged || sqlChanged ? 'changed' : 'unchanged',
    ...effectOf(base, head, sqlChanged),
    ...diff,
    hiddenChange: hashChanged && shown === 0,
    ...(sql ? { sql } : {}),
  };
}
