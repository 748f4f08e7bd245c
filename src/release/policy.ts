// The release policy of an environment: its `upgrade:` and `health:` settings with their defaults, as
// numbers. Pure (no cluster, no client): the plan shows it, and deploy acts on it.
import type { ResolvedEnvironment } from '../spec/types.js';
import { parseDuration } from '../util/quantity.js';
import type { UpgradeDesired } from './decide.js';
import type { GatePolicy } from './gate.js';
import { DEFAULT_HISTORY_LIMIT } from './history.js';

export interface ReleasePolicy {
  gate: GatePolicy;
  rollback: boolean;
  savepointTimeoutMs: number;
  savepointFormat: 'CANONICAL' | 'NATIVE';
  claimMode: 'CLAIM' | 'NO_CLAIM';
  allowNonRestoredState: boolean;
  historyLimit: number;
}

/** The environment's upgrade and health settings with their defaults, as numbers. */
export function releasePolicy(env: ResolvedEnvironment): ReleasePolicy {
  const conf = env.flinkConfiguration;
  const interval = conf['execution.checkpointing.interval'];
  const checkpointing = interval !== undefined && parseDuration(String(interval)) !== 0;
  const checkpointTimeout = parseDuration(String(conf['execution.checkpointing.timeout'] ?? '')) ?? 600_000;
  const h = env.health;
  const u = env.upgrade;
  return {
    gate: {
      checkpoints: h.checkpoints ?? (checkpointing ? 1 : 0),
      windowMs: parseDuration(h.window ?? '30s') ?? 30_000,
      maxRestarts: h.maxRestarts ?? 0,
      timeoutMs: parseDuration(h.timeout ?? '5m') ?? 300_000,
    },
    rollback: h.rollback ?? true,
    savepointTimeoutMs: u.savepointTimeout ? parseDuration(u.savepointTimeout)! : checkpointTimeout,
    savepointFormat: u.savepointFormat ?? 'CANONICAL',
    claimMode: u.claimMode ?? 'NO_CLAIM',
    allowNonRestoredState: u.allowNonRestoredState ?? false,
    historyLimit: u.historyLimit ?? DEFAULT_HISTORY_LIMIT,
  };
}

export function upgradeDesired(
  env: ResolvedEnvironment,
  image: string,
  configHash: string,
  sqlDigest?: string,
): UpgradeDesired {
  const age = env.upgrade.maxCheckpointAge ? parseDuration(env.upgrade.maxCheckpointAge) : undefined;
  return {
    image,
    configHash,
    flinkVersion: env.flinkVersion,
    upgradeMode: env.upgradeMode,
    fallback: env.upgrade.fallback ?? 'none',
    ...(age !== undefined ? { maxCheckpointAgeMs: age } : {}),
    ...(sqlDigest !== undefined ? { sqlDigest } : {}),
  };
}
