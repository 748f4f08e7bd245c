// Pull request previews: one application cluster per pull request in the preview environment, named
// `<cluster-id>-pr-<n>` (validate reserves the room for the suffix), so that previews of two pull
// requests never overwrite each other. Pure.
import { InputError } from '../util/errors.js';
import { isPreviewEnvironment, resolveEnvironment } from './resolve.js';
import type { LoadedSpec } from './types.js';

export function previewClusterId(base: string, pullRequest: number): string {
  return `${base}-pr-${pullRequest}`;
}

/** The GitHub environment a preview is recorded under. */
export function previewGitHubEnvironment(envName: string, pullRequest: number): string {
  return `${envName}/pr-${pullRequest}`;
}

/** The pull request number in a preview's cluster-id, or undefined when it is not one of `base`'s. */
export function pullRequestOf(base: string, clusterId: string): number | undefined {
  const m = new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-pr-([1-9][0-9]{0,8})$`).exec(
    clusterId,
  );
  return m ? Number(m[1]) : undefined;
}

/**
 * The spec with environment `envName` narrowed to pull request `n`: its cluster-id (and what is named
 * after it) gets the `-pr-<n>` suffix. Refused for an environment that is not a preview one.
 */
export function forPullRequest(
  loaded: LoadedSpec,
  envName: string,
  pullRequest: number,
  field: string,
): LoadedSpec {
  const env = loaded.spec.environments?.[envName];
  if (!env || !isPreviewEnvironment(envName, env)) {
    throw new InputError([
      {
        file: loaded.file,
        field,
        message: `environment ${envName} is not a preview environment; name it preview or give it a ttl to deploy a pull request's preview there`,
      },
    ]);
  }
  const base = resolveEnvironment(loaded.spec, envName).clusterId;
  return {
    ...loaded,
    spec: {
      ...loaded.spec,
      environments: {
        ...loaded.spec.environments,
        [envName]: { ...env, clusterId: previewClusterId(base, pullRequest) },
      },
    },
  };
}

/** Why a preview is swept (undefined: it stays): its ttl passed since it was deployed, or its pull request closed. */
export function sweepReason(
  pullRequest: number,
  sinceMs: number,
  nowMs: number,
  ttl: { text: string; ms: number } | undefined,
  state: 'open' | 'closed' | undefined,
  formatAge: (ms: number) => string,
): string | undefined {
  if (ttl && nowMs - sinceMs > ttl.ms)
    return `deployed ${formatAge(nowMs - sinceMs)} ago, past the ttl of ${ttl.text}`;
  if (state === 'closed') return `pull request #${pullRequest} is closed`;
  return undefined;
}
